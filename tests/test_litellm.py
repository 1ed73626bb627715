"""calculator.litellm: prices per key, the diff against the API catalog, and writing a reviewed diff in place."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from calculator import cli
from calculator.catalog import DATA_DIR, parse_entries
from calculator.litellm import (
    PriceDiff,
    apply_price_diffs,
    per_million,
    price_diffs,
    prices_from_entry,
    set_entry_fields,
)
from calculator.schemas import ApiModel

YAML = """\
# header comment stays
api_models:
- id: acme-1
  name: Acme 1
  provider: acme
  usd_per_million_input_tokens: 1.0
  usd_per_million_output_tokens: 4.0
  litellm_key: acme/one
  source: 'https://acme.example/pricing'
  as_of: 2026-06-01
  notes: 'A long note that a YAML writer may fold
    onto a second line.'
- id: acme-2
  name: Acme 2
  provider: acme
  usd_per_million_input_tokens: 2.0
  usd_per_million_output_tokens: 8.0
  litellm_key: acme/two
  source: 'https://acme.example/pricing'
  as_of: 2026-06-01
"""
PRICE_MAP = {
    # acme/one: input 1.25e-06 USD/token = 1.25 USD/Mtok (catalog 1.0, +25 %); output 4.0 unchanged;
    # a 200k long-context tier appears (threshold 200,000 tokens, 2.5 / 8.0 USD/Mtok).
    "acme/one": {"mode": "chat", "input_cost_per_token": 1.25e-06, "output_cost_per_token": 4e-06,
                 "input_cost_per_token_above_200k_tokens": 2.5e-06,
                 "output_cost_per_token_above_200k_tokens": 8e-06},
    "acme/two": {"mode": "chat", "input_cost_per_token": 2e-06, "output_cost_per_token": 8e-06},
}


def _models(text: str = YAML) -> tuple[ApiModel, ...]:
    return parse_entries(yaml.safe_load(text), "api_models", ApiModel, "test")


def test_per_million_removes_binary_residue():
    assert per_million(2e-06) == 2.0  # 2e-06 * 1e6 = 1.9999999999999998 before rounding
    assert per_million(None) is None


def test_prices_from_entry_reads_the_lowest_above_tier():
    prices = prices_from_entry({"input_cost_per_token": 1e-06, "output_cost_per_token": 2e-06,
                                "input_cost_per_token_above_272k_tokens": 2e-06,
                                "input_cost_per_token_above_128k_tokens": 1.5e-06})
    assert prices["long_context_threshold_tokens"] == 128_000
    assert prices["long_context_usd_per_million_input_tokens"] == pytest.approx(1.5)


def test_price_diffs_lists_changed_fields_only():
    diffs = price_diffs(_models(), PRICE_MAP)
    assert [(d.api_id, d.field, d.catalog_value, d.litellm_value) for d in diffs] == [
        ("acme-1", "usd_per_million_input_tokens", 1.0, 1.25),
        ("acme-1", "long_context_threshold_tokens", None, 200000.0),
        ("acme-1", "long_context_usd_per_million_input_tokens", None, 2.5),
        ("acme-1", "long_context_usd_per_million_output_tokens", None, 8.0),
    ]
    assert diffs[0].change_frac == pytest.approx(0.25)
    assert diffs[0].describe() == "acme-1 usd_per_million_input_tokens: 1 -> 1.25 (+25.0%) [key acme/one]"


def test_a_missing_key_is_one_diff_without_values():
    (diff,) = price_diffs(_models(), {"acme/two": PRICE_MAP["acme/two"]}, dt.date(2026, 11, 29))[:1]
    assert diff == PriceDiff("acme-1", "acme/one", "litellm_key", None, None)


def test_set_entry_fields_replaces_folded_values_and_adds_new_keys():
    text = set_entry_fields(YAML, "acme-1", {"notes": "short", "retired_on": dt.date(2027, 1, 1)})
    assert text.startswith("# header comment stays")
    entry = yaml.safe_load(text)["api_models"][0]
    assert entry["notes"] == "short" and entry["retired_on"] == dt.date(2027, 1, 1)
    assert yaml.safe_load(text)["api_models"][1] == yaml.safe_load(YAML)["api_models"][1]  # other entry untouched


def test_apply_writes_prices_as_of_and_a_note():
    models = _models()
    new_text = apply_price_diffs(YAML, price_diffs(models, PRICE_MAP), models, dt.date(2026, 11, 20), "map v1")
    (one, two) = _models(new_text)
    assert one.usd_per_million_input_tokens == 1.25
    assert one.usd_per_million_output_tokens == 4.0
    assert one.long_context_threshold_tokens == 200000
    assert one.as_of == dt.date(2026, 11, 20)
    assert one.notes is not None and one.notes.endswith(
        "Refreshed from map v1 (2026-11-20): usd_per_million_input_tokens was 1, long_context_threshold_tokens "
        "was none, long_context_usd_per_million_input_tokens was none, long_context_usd_per_million_output_tokens "
        "was none.")
    assert two == models[1]
    assert price_diffs(_models(new_text), PRICE_MAP) == ()  # applying the diff leaves nothing to apply


def test_cli_refresh_prices_reviews_then_applies(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    # Against the shipped catalog: one entry's key gets a changed output price in a hand-made map.
    target = tmp_path / "api_models.yaml"
    shutil.copy(DATA_DIR / "api_models.yaml", target)
    price_map = {"gpt-5.5": {"mode": "responses", "input_cost_per_token": 5e-06, "output_cost_per_token": 3.2e-05}}
    map_file = tmp_path / "prices.json"
    map_file.write_text(json.dumps(price_map), encoding="utf-8")
    before = target.read_text(encoding="utf-8")
    assert cli.main(["refresh-prices", "--litellm", str(map_file), "--file", str(target)]) == 0
    out = capsys.readouterr().out
    assert "gpt-5.5 usd_per_million_output_tokens: 30 -> 32 (+6.7%)" in out
    assert target.read_text(encoding="utf-8") == before  # a review never writes
    with pytest.raises(SystemExit):
        cli.main(["refresh-prices", "--litellm", str(map_file), "--file", str(target), "--apply"])
    assert "--apply needs --as-of" in capsys.readouterr().err
    assert cli.main(["refresh-prices", "--litellm", str(map_file), "--file", str(target), "--apply",
                     "--as-of", "2026-11-28"]) == 0
    entries = {a.id: a for a in _models(target.read_text(encoding="utf-8"))}
    assert entries["gpt-5.5"].usd_per_million_output_tokens == 32.0
    assert entries["gpt-5.5"].as_of == dt.date(2026, 11, 28)
    assert entries["gpt-5.4"] == next(a for a in _models(before) if a.id == "gpt-5.4")
