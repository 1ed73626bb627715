"""Tokens per request per model: override, per-preset entry, every-preset entry, preset default, not reasoning."""

from __future__ import annotations

import datetime as dt

from calculator.catalog import Catalog
from calculator.schemas import ApiModel, TokenUsage, WorkloadPreset
from calculator.token_usage import is_reasoning_model, tokens_per_request

D = dt.date(2026, 1, 1)


def cat() -> Catalog:
    usage = (
        TokenUsage(model_id="think", workload_id="reasoning", setting="high", reasoning_tokens_per_request=9000,
                   source="test", as_of=D),
        TokenUsage(model_id="think", setting="high", reasoning_tokens_per_request=2000, source="test", as_of=D),
    )
    apis = (
        ApiModel(id="host-think", name="h", provider="p", open_model_id="think", reasoning=True,
                 usd_per_million_input_tokens=1, usd_per_million_output_tokens=2, source="test", as_of=D),
        ApiModel(id="closed", name="c", provider="p", reasoning=True, usd_per_million_input_tokens=1,
                 usd_per_million_output_tokens=2, source="test", as_of=D),
        ApiModel(id="plain", name="p", provider="p", reasoning=False, usd_per_million_input_tokens=1,
                 usd_per_million_output_tokens=2, source="test", as_of=D),
    )
    wl = (WorkloadPreset(id="chat", name="c", input_tokens=10, output_tokens=200, quality_weights={"a": 1.0},
                   reasoning_tokens_per_request=700, source="test", as_of=D),)
    return Catalog(gpus=(), models=(), api_models=apis, workloads=wl, token_usage=usage)


def test_lookup_order():
    c = cat()
    # per-preset entry: 200 answer + 9,000 thinking
    t = tokens_per_request("think", 200, "reasoning", c)
    assert (t.output_tokens, t.source, t.setting) == (9200, "token_usage", "high")
    # every-preset entry for another preset; an API serving the open model uses the open model's entry
    assert tokens_per_request("think", 200, "chat", c).reasoning_tokens == 2000
    assert tokens_per_request("host-think", 200, "chat", c).reasoning_tokens == 2000
    # a reasoning API without an entry: the preset's default; a non-reasoning one: 0
    assert tokens_per_request("closed", 200, "chat", c).reasoning_tokens == 700
    assert tokens_per_request("plain", 200, "chat", c).output_tokens == 200
    # a workload edited away from every preset uses its quality profile's preset figures
    assert tokens_per_request("closed", 200, "custom", c, fallback_preset_id="chat").reasoning_tokens == 700
    # the user's override wins
    assert tokens_per_request("closed", 200, "chat", c, override_reasoning_tokens=50).output_tokens == 250


def test_reasoning_flag():
    c = cat()
    assert is_reasoning_model("think", c) and is_reasoning_model("closed", c)
    assert not is_reasoning_model("plain", c) and not is_reasoning_model("unknown", c)
