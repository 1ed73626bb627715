"""Importers: LiteLLM's price map, a user's own rental prices and scores (CSV / YAML), and merge_catalog."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from app_pages.importers import (
    MAX_USER_FILE_BYTES,
    ImporterError,
    api_models_from_litellm,
    load_rental_prices,
    load_scores,
    merge_catalog,
    safe_yaml_load,
    slug,
)
from calculator.catalog import Catalog
from calculator.schemas import Gpu, RentalPrice, Score

FIXTURE = Path(__file__).parent / "fixtures" / "litellm_prices_sample.json"
AS_OF = dt.date(2026, 11, 29)


# --------------------------------------------------------------------------------------------- LiteLLM
@pytest.fixture(scope="module")
def litellm(catalog: Catalog) -> dict:
    models = api_models_from_litellm(FIXTURE.read_bytes(), "litellm_prices_sample.json", AS_OF, catalog.models)
    return {m.name: m for m in models}


def test_litellm_all_chat_entries_imported(litellm: dict):
    assert len(litellm) == 8  # the fixture holds 8 entries, all mode "chat"


def test_litellm_per_token_to_per_million_with_200k_tier(litellm: dict):
    # gemini/gemini-3.1-pro-preview: input_cost_per_token 2e-06 USD/token x 1e6 = 2.00 USD/Mtok;
    # output 1.2e-05 -> 12.00; cache_read_input_token_cost 2e-07 -> 0.20;
    # *_above_200k_tokens: input 4e-06 -> 4.00, output 1.8e-05 -> 18.00, cache read 4e-07 -> 0.40 over 200,000 tokens.
    m = litellm["gemini/gemini-3.1-pro-preview"]
    assert m.id == "gemini-gemini-3.1-pro-preview"
    assert m.provider == "gemini"
    assert m.usd_per_million_input_tokens == pytest.approx(2.0)
    assert m.usd_per_million_output_tokens == pytest.approx(12.0)
    assert m.usd_per_million_cached_input_tokens == pytest.approx(0.2)
    assert m.long_context_threshold_tokens == 200_000
    assert m.long_context_usd_per_million_input_tokens == pytest.approx(4.0)
    assert m.long_context_usd_per_million_output_tokens == pytest.approx(18.0)
    assert m.long_context_usd_per_million_cached_input_tokens == pytest.approx(0.4)
    assert m.context_length_tokens == 1_048_576  # max_input_tokens
    assert m.max_output_tokens == 65_536
    assert m.reasoning is True
    assert m.source == "litellm_prices_sample.json"
    assert m.as_of == AS_OF


def test_litellm_272k_tier(litellm: dict):
    # gpt-5.4: 2.5e-06 -> 2.50, 1.5e-05 -> 15.00, cache 2.5e-07 -> 0.25; above 272k: 5e-06 -> 5.00, 2.25e-05 -> 22.50.
    m = litellm["gpt-5.4"]
    assert (m.usd_per_million_input_tokens, m.usd_per_million_output_tokens) == pytest.approx((2.5, 15.0))
    assert m.usd_per_million_cached_input_tokens == pytest.approx(0.25)
    assert m.long_context_threshold_tokens == 272_000
    assert m.long_context_usd_per_million_output_tokens == pytest.approx(22.5)


def test_litellm_flat_price_without_tier(litellm: dict):
    # claude-opus-4-6: 5e-06 -> 5.00, 2.5e-05 -> 25.00, cache read 5e-07 -> 0.50; no above-N tier.
    m = litellm["claude-opus-4-6"]
    assert (m.usd_per_million_input_tokens, m.usd_per_million_output_tokens) == pytest.approx((5.0, 25.0))
    assert m.usd_per_million_cached_input_tokens == pytest.approx(0.5)
    assert m.long_context_threshold_tokens is None


def test_litellm_tiered_pricing_bands(litellm: dict):
    # dashscope/qwen3-max has no flat price, only bands: [0, 32k) 1.2e-06 / 6e-06 -> 1.20 / 6.00;
    # [32k, 128k) 2.4e-06 / 1.2e-05 -> 2.40 / 12.00 (kept as the long-context tier); [128k, 252k) noted.
    m = litellm["dashscope/qwen3-max"]
    assert (m.usd_per_million_input_tokens, m.usd_per_million_output_tokens) == pytest.approx((1.2, 6.0))
    assert m.long_context_threshold_tokens == 32_000
    assert m.long_context_usd_per_million_input_tokens == pytest.approx(2.4)
    assert m.long_context_usd_per_million_output_tokens == pytest.approx(12.0)
    assert "3 prompt-length price bands" in (m.notes or "")


def test_litellm_links_hosted_open_models(litellm: dict):
    # The key's tail is the Hugging Face repo of a catalog model.
    assert litellm["deepinfra/Qwen/Qwen3.5-397B-A17B"].open_model_id == "qwen3.5-397b-a17b"
    assert litellm["groq/openai/gpt-oss-120b"].open_model_id == "gpt-oss-120b"
    assert litellm["deepinfra/Qwen/Qwen3.5-397B-A17B"].id == "deepinfra-qwen-qwen3.5-397b-a17b"
    # deepseek/deepseek-v3.2: 2.8e-07 -> 0.28, 4e-07 -> 0.40, cache 2.8e-08 -> 0.028; no HF repo in the key.
    m = litellm["deepseek/deepseek-v3.2"]
    assert (m.usd_per_million_input_tokens, m.usd_per_million_output_tokens) == pytest.approx((0.28, 0.4))
    assert m.usd_per_million_cached_input_tokens == pytest.approx(0.028)
    assert m.open_model_id is None


def test_litellm_skips_non_chat_and_unpriced_and_out_of_range():
    data = json.loads(FIXTURE.read_text())
    data["text-embedding-3-large"] = {"mode": "embedding", "input_cost_per_token": 1.3e-07, "output_cost_per_token": 0}
    data["sample_spec"] = {"mode": "one of: chat, embedding, completion, image_generation", "input_cost_per_token": 0}
    data["free/model"] = {"mode": "chat"}
    data["typo/model"] = {"mode": "chat", "input_cost_per_token": 3.0, "output_cost_per_token": 15.0}  # $ per token?
    skipped: list[str] = []
    models = api_models_from_litellm(data, "prices.json", AS_OF, skipped=skipped)
    assert len(models) == 8
    text = "\n".join(skipped)
    assert "text-embedding-3-large: mode 'embedding' is not chat" in text
    assert "sample_spec" in text
    assert "free/model: no input or output price per token" in text
    # 3.0 USD/token = 3,000,000 USD/Mtok, outside the schema's 0-500: a unit slip, refused with the range.
    assert "typo/model: field 'usd_per_million_input_tokens': must be between 0 and 500" in text


def test_litellm_rejects_bad_json_and_non_object():
    with pytest.raises(ImporterError, match="not valid JSON"):
        api_models_from_litellm(b"{not json", "x.json", AS_OF)
    with pytest.raises(ImporterError, match="expected a JSON object"):
        api_models_from_litellm(b"[1, 2]", "x.json", AS_OF)


def test_slug():
    assert slug("together_ai/openai/gpt-oss-120b") == "together-ai-openai-gpt-oss-120b"
    assert slug("gpt-5.4") == "gpt-5.4"


# --------------------------------------------------------------------------------------------- rental prices
PRICES_CSV = """gpu_id,provider,provider_kind,pricing_tier,usd_per_gpu_hour,as_of,instance
h100-sxm,Our negotiated deal,other,reserved_1y,1.85,2026-11-01,
h200-sxm,Our negotiated deal,other,reserved_3y,2.10,2026-11-01,8x H200 node
"""


def test_rental_prices_from_csv(catalog: Catalog):
    prices = load_rental_prices(PRICES_CSV, "prices.csv", catalog)
    assert len(prices) == 2
    first = prices[0]
    assert first.usd_per_gpu_hour == pytest.approx(1.85)
    assert first.pricing_tier == "reserved_1y"
    assert first.as_of == dt.date(2026, 11, 1)
    assert first.instance is None  # an empty cell is "not given"
    assert first.source == "user file prices.csv"  # no source column: the file is the source
    assert prices[1].instance == "8x H200 node"


def test_rental_prices_from_yaml_list_and_mapping():
    as_list = """
- gpu_id: l4
  provider: Home lab
  provider_kind: other
  pricing_tier: on_demand
  usd_per_gpu_hour: 0.30
  source: electricity bill
  as_of: 2026-10-01
"""
    as_mapping = "rental_prices:\n" + "".join("  " + line + "\n" for line in as_list.strip().splitlines())
    for text in (as_list, as_mapping):
        (price,) = load_rental_prices(text, "mine.yaml")
        assert price.usd_per_gpu_hour == pytest.approx(0.30)
        assert price.source == "electricity bill"


def test_rental_price_out_of_range_names_row_and_field():
    bad = PRICES_CSV.replace("2.10", "250")
    with pytest.raises(ImporterError) as err:
        load_rental_prices(bad, "prices.csv")
    assert str(err.value) == "prices.csv, row 2, field 'usd_per_gpu_hour': must be between 0.05 and 100 (got 250)"


def test_rental_price_per_minute_typo_is_caught():
    # 0.03 $/GPU-hour is a per-minute or per-second figure typed into an hourly column.
    expected = r"row 1, field 'usd_per_gpu_hour': must be between 0.05 and 100 \(got 0.03\)"
    with pytest.raises(ImporterError, match=expected):
        load_rental_prices(PRICES_CSV.replace("1.85", "0.03"), "prices.csv")


def test_rental_price_unknown_column_missing_field_bad_choice():
    expected = r"row 1, field 'usd_per_gpu_hr': unknown field; did you mean 'usd_per_gpu_hour'\? accepted fields"
    with pytest.raises(ImporterError, match=expected):
        load_rental_prices(PRICES_CSV.replace("usd_per_gpu_hour", "usd_per_gpu_hr"), "p.csv")
    with pytest.raises(ImporterError, match=r"row 1, field 'as_of': is required"):
        load_rental_prices(PRICES_CSV.replace("2026-11-01", ""), "p.csv")
    with pytest.raises(ImporterError, match=r"row 1, field 'pricing_tier': must be one of 'on_demand'"):
        load_rental_prices(PRICES_CSV.replace("reserved_1y", "yearly"), "p.csv")


def test_rental_price_unknown_gpu_suggests_closest(catalog: Catalog):
    with pytest.raises(ImporterError, match=r"row 1, field 'gpu_id': unknown GPU id 'h100-sxn'; closest: h100-sxm"):
        load_rental_prices(PRICES_CSV.replace("h100-sxm", "h100-sxn"), "prices.csv", catalog)


def test_csv_row_with_extra_cells():
    with pytest.raises(ImporterError, match="row 1 has more cells than the header"):
        load_rental_prices(PRICES_CSV.replace("2026-11-01,\n", "2026-11-01,,surplus\n", 1), "prices.csv")


def test_file_type_and_encoding_and_size():
    with pytest.raises(ImporterError, match=r"unknown file type '\.xlsx'"):
        load_rental_prices(PRICES_CSV, "prices.xlsx")
    with pytest.raises(ImporterError, match="not UTF-8"):
        load_rental_prices(b"\xff\xfe\x00bad", "prices.csv")
    with pytest.raises(ImporterError, match="the limit is 1,000,000 bytes"):
        load_rental_prices(b"a" * (MAX_USER_FILE_BYTES + 1), "prices.csv")


# --------------------------------------------------------------------------------------------- YAML safety
def alias_bomb() -> str:
    """"Billion laughs": nine levels of nine aliases expand to 9**9 strings if a loader follows them."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines)


def test_yaml_alias_bomb_refused():
    # Refused before expansion (the time it takes is printed by bench/bench_yaml_bomb.py, not asserted).
    with pytest.raises(ImporterError, match="aliases"):
        load_rental_prices(alias_bomb(), "bomb.yaml")


def test_yaml_deep_nesting_and_python_tags_refused():
    with pytest.raises(ImporterError, match="nested deeper than"):
        safe_yaml_load("[" * 500 + "]" * 500)
    with pytest.raises(ImporterError, match="not valid YAML"):
        safe_yaml_load("!!python/object/apply:os.system ['echo hi']")


# --------------------------------------------------------------------------------------------- scores
SCORES_YAML = """
scores:
  - model_id: llama-3.1-8b
    benchmark_id: mmlu-pro
    value: 48.3
    source: our internal eval run 2026-11
    as_of: 2026-11-20
"""


def test_scores_from_yaml_and_csv(catalog: Catalog):
    (score,) = load_scores(SCORES_YAML, "scores.yaml", catalog)
    assert score.value == pytest.approx(48.3)
    csv_text = "model_id,benchmark_id,value,as_of\nmixtral-8x7b,gpqa-diamond,31.5,2026-11-20\n"
    (score,) = load_scores(csv_text, "scores.csv", catalog)
    assert (score.model_id, score.benchmark_id, score.value) == ("mixtral-8x7b", "gpqa-diamond", 31.5)


def test_score_outside_benchmark_range(catalog: Catalog):
    # 0.483 typed as a fraction would pass; 4830 (a per-mille slip) must not.
    expected = r"row 1, field 'value': must be between 0 and 100 for mmlu-pro \(got 4830\)"
    with pytest.raises(ImporterError, match=expected):
        load_scores(SCORES_YAML.replace("48.3", "4830"), "scores.yaml", catalog)


def test_score_unknown_model_and_benchmark(catalog: Catalog):
    with pytest.raises(ImporterError, match=r"field 'model_id': unknown model id 'llama-3.1-8"):
        load_scores(SCORES_YAML.replace("llama-3.1-8b", "llama-3.1-8"), "s.yaml", catalog)
    expected = r"field 'benchmark_id': unknown benchmark id 'mmlu_pro'; closest: mmlu-pro"
    with pytest.raises(ImporterError, match=expected):
        load_scores(SCORES_YAML.replace("mmlu-pro", "mmlu_pro"), "s.yaml", catalog)


# --------------------------------------------------------------------------------------------- merge
def _price(gpu_id: str, usd: float, provider: str = "Lambda", tier: str = "on_demand", **kw) -> RentalPrice:
    return RentalPrice(gpu_id=gpu_id, provider=provider, provider_kind="specialist", pricing_tier=tier,
                       usd_per_gpu_hour=usd, source="test", as_of=AS_OF, **kw)


def test_merge_returns_new_catalog_and_leaves_input_alone(catalog: Catalog):
    before = (len(catalog.rental_prices), len(catalog.scores))
    mine = _price("h100-sxm", 1.85, provider="Our deal", tier="reserved_1y")
    merged = merge_catalog(catalog, rental_prices=[mine])
    assert merged is not catalog
    assert (len(catalog.rental_prices), len(catalog.scores)) == before
    assert len(merged.rental_prices) == before[0] + 1
    assert mine in merged.rental_prices
    assert merged.gpus == catalog.gpus and merged.efficiency == catalog.efficiency


def test_merge_overrides_by_key(catalog: Catalog):
    lambda_h100 = next(p for p in catalog.rental_prices if p.gpu_id == "h100-sxm" and p.provider == "Lambda")
    override = lambda_h100.model_copy(update={"usd_per_gpu_hour": 1.99, "source": "our quote"})
    merged = merge_catalog(catalog, rental_prices=[override])
    lambda_prices = [p for p in merged.rental_prices if p.gpu_id == "h100-sxm" and p.provider == "Lambda"]
    assert [p.usd_per_gpu_hour for p in lambda_prices] == [1.99]
    assert len(merged.rental_prices) == len(catalog.rental_prices)

    gpu = catalog.gpu("l4").model_copy(update={"memory_gb": 24.0, "name": "NVIDIA L4 (our spec sheet)"})
    merged = merge_catalog(catalog, gpus=[gpu])
    assert merged.gpu("l4").name == "NVIDIA L4 (our spec sheet)"
    assert len(merged.gpus) == len(catalog.gpus)

    score = Score(model_id="llama-3.1-8b", benchmark_id="mmlu-pro", value=50.0, source="ours", as_of=AS_OF)
    merged = merge_catalog(catalog, scores=[score])
    mine = [s for s in merged.scores if (s.model_id, s.benchmark_id) == ("llama-3.1-8b", "mmlu-pro")]
    assert [s.value for s in mine] == [50.0]


def test_merge_new_gpu_with_its_price(catalog: Catalog):
    new_gpu = catalog.gpu("h100-sxm").model_copy(update={"id": "h100-sxm-ours", "name": "Our H100 pool"})
    merged = merge_catalog(catalog, gpus=[new_gpu], rental_prices=[_price("h100-sxm-ours", 1.5)])
    assert merged.gpu("h100-sxm-ours").name == "Our H100 pool"
    assert isinstance(merged.gpus[-1], Gpu)


def test_merge_rejects_dangling_references(catalog: Catalog):
    with pytest.raises(ImporterError, match="unknown GPU id 'h900'"):
        merge_catalog(catalog, rental_prices=[_price("h900", 1.0)])
    bad_score = Score(model_id="no-such-model", benchmark_id="mmlu-pro", value=50.0, source="ours", as_of=AS_OF)
    with pytest.raises(ImporterError, match="unknown model id 'no-such-model'"):
        merge_catalog(catalog, scores=[bad_score])
    api = catalog.api_models[0].model_copy(update={"id": "my-endpoint", "open_model_id": "no-such-model"})
    with pytest.raises(ImporterError, match="field 'open_model_id': unknown model id"):
        merge_catalog(catalog, api_models=[api])
