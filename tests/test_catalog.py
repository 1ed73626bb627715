"""The shipped catalogs of data/: they load, their schemas are closed, their numbers are in sane ranges
(catching unit slips such as a price per token typed where a price per million was meant), every
reference resolves, and every entry says where its numbers come from.

The ranges and invariants follow LiteLLM's schema test of ``model_prices_and_context_window.json``.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
import yaml

from calculator import cli
from calculator.catalog import DATA_DIR, Catalog, CatalogError, load_catalog
from calculator.params import param_counts

# The 15 accelerators the calculator must cover (issue 3), each with at least one rental price.
REQUIRED_GPU_IDS = (
    "a100-sxm-80gb", "h100-sxm", "h100-pcie", "h200-sxm", "b200", "gb200", "mi300x", "mi325x", "mi355x",
    "l40s", "l4", "rtx-4090", "rtx-5090", "tpu-v5e", "tpu-v6e",
)

# Open models the comparison is about: the widely deployed dense models and the large MoE models of
# each major open-weight family.
MUST_HAVE_MODEL_IDS = (
    "llama-3.1-8b", "llama-3.1-70b", "llama-3.3-70b", "llama-3.1-405b", "llama-4-scout", "llama-4-maverick",
    "qwen3-32b", "qwen3-235b-a22b", "qwen3.5-397b-a17b", "qwen3-next-80b-a3b", "deepseek-v3", "deepseek-r1",
    "kimi-k2", "glm-4.6", "minimax-m2", "gpt-oss-120b", "gpt-oss-20b", "mixtral-8x7b", "gemma-3-27b",
)

# Open models with no score in data/scores.yaml. The research pass (2026-11-29) found no vendor-published
# or leaderboard score on the catalog's benchmarks for these in the settings scores.yaml records; they stay
# in the catalog for sizing and cost, and their quality index is "missing". Remove an id when a score is added.
MODELS_WITHOUT_SCORES = frozenset({
    "glm-4.7", "llama-2-70b", "mixtral-8x22b",
    "mixtral-8x7b", "qwen3-coder-480b-a35b",
    "qwen3.8-2.4t-a95b",  # its card reports the API model Qwen3.8-Max's scores, not the open checkpoint's
})

# Parameter count from the architecture vs the vendor's published total: within 2 % for every model that
# publishes one. Entries here get a wider tolerance, each with its reason. Empty: every model is within 2 %.
PARAM_TOLERANCE_EXCEPTIONS: dict[str, tuple[float, str]] = {}
PARAM_RTOL = 0.02

# Ranges that catch unit slips (a value typed in the wrong unit is off by 1e3-1e6).
USD_PER_GPU_HOUR_RANGE = (0.05, 100.0)
MEMORY_GB_RANGE = (8.0, 400.0)
USD_PER_MTOK_RANGE = (0.01, 2000.0)  # API prices per million tokens; per-token values (~1e-6) fall below
CACHED_USD_PER_MTOK_MIN = 0.001

TODAY = dt.date(2026, 11, 29)  # the catalogs' compile date; no as_of may lie after the day the test runs


@pytest.fixture(scope="module")
def cat() -> Catalog:
    return load_catalog()


def _ids(items) -> list[str]:
    return [item.id for item in items]


# --------------------------------------------------------------------------------------------- loading
def test_catalog_loads_every_file(cat: Catalog):
    assert cat.gpus and cat.models and cat.api_models and cat.benchmarks and cat.scores
    assert cat.workloads and cat.rental_prices and cat.purchase_prices and cat.ownership_defaults
    assert cat.efficiency is not None


def test_minimum_counts(cat: Catalog):
    assert len(cat.models) >= 24
    assert len(cat.benchmarks) >= 6
    assert len(cat.workloads) >= 5


def test_must_have_models_present(cat: Catalog):
    missing = sorted(set(MUST_HAVE_MODEL_IDS) - set(_ids(cat.models)))
    assert not missing, f"must-have models missing from models.yaml: {missing}"


def test_required_gpus_present(cat: Catalog):
    missing = sorted(set(REQUIRED_GPU_IDS) - set(_ids(cat.gpus)))
    assert not missing, f"required GPUs missing from gpus.yaml: {missing}"


# Each file, the key holding its list, and an entry to which an unknown key is added.
CLOSED_CASES = [
    ("models.yaml", "models"),
    ("gpus.yaml", "gpus"),
    ("api_models.yaml", "api_models"),
    ("scores.yaml", "scores"),
    ("scores.yaml", "benchmarks"),
    ("gpu_prices.yaml", "rental_prices"),
    ("gpu_prices.yaml", "purchase_prices"),
    ("workloads.yaml", "workloads"),
]


@pytest.mark.parametrize(("filename", "key"), CLOSED_CASES)
def test_unknown_key_is_rejected(tmp_path: Path, filename: str, key: str):
    # A typo such as "usd_per_gpu_hr" must fail loudly, not drop the number: copy data/ and add one.
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    raw = yaml.safe_load((data / filename).read_text(encoding="utf-8"))
    raw[key][0]["not_a_field_typo"] = 1
    (data / filename).write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"not_a_field_typo.*Extra inputs are not permitted"):
        load_catalog(data)


def test_unknown_key_in_architecture_is_rejected(tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    raw = yaml.safe_load((data / "models.yaml").read_text(encoding="utf-8"))
    raw["models"][0]["architecture"]["num_layer"] = 32  # typo of num_layers
    (data / "models.yaml").write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"architecture\.num_layer"):
        load_catalog(data)


# --------------------------------------------------------------------------------------------- ids
@pytest.mark.parametrize("attr", ["gpus", "models", "api_models", "benchmarks", "workloads"])
def test_ids_unique(cat: Catalog, attr: str):
    dupes = [i for i, n in Counter(_ids(getattr(cat, attr))).items() if n > 1]
    assert not dupes, f"duplicate ids in {attr}: {dupes}"


def test_open_and_api_model_ids_disjoint(cat: Catalog):
    # scores.model_id may name either kind, so one id must not mean two things.
    assert not set(_ids(cat.models)) & set(_ids(cat.api_models))


def test_one_score_per_model_and_benchmark(cat: Catalog):
    dupes = [k for k, n in Counter((s.model_id, s.benchmark_id) for s in cat.scores).items() if n > 1]
    assert not dupes, f"several scores for the same (model, benchmark): {dupes}"


def test_rental_prices_unique(cat: Catalog):
    keys = Counter((p.gpu_id, p.provider, p.pricing_tier, p.instance, p.region) for p in cat.rental_prices)
    dupes = [k for k, n in keys.items() if n > 1]
    assert not dupes, f"duplicate rental prices: {dupes}"


# --------------------------------------------------------------------------------------------- references
def test_score_references_resolve(cat: Catalog):
    model_ids = set(_ids(cat.models)) | set(_ids(cat.api_models))
    benchmark_ids = set(_ids(cat.benchmarks))
    bad_models = sorted({s.model_id for s in cat.scores if s.model_id not in model_ids})
    bad_benchmarks = sorted({s.benchmark_id for s in cat.scores if s.benchmark_id not in benchmark_ids})
    assert not bad_models, f"scores for models in neither models.yaml nor api_models.yaml: {bad_models}"
    assert not bad_benchmarks, f"scores for unknown benchmarks: {bad_benchmarks}"


def test_api_open_model_ids_resolve(cat: Catalog):
    model_ids = set(_ids(cat.models))
    bad = [(a.id, a.open_model_id) for a in cat.api_models if a.open_model_id and a.open_model_id not in model_ids]
    assert not bad


def test_price_gpu_ids_resolve(cat: Catalog):
    gpu_ids = set(_ids(cat.gpus))
    bad = sorted({p.gpu_id for p in (*cat.rental_prices, *cat.purchase_prices) if p.gpu_id not in gpu_ids})
    assert not bad, f"prices for unknown GPUs: {bad}"


def test_workload_quality_weights_are_benchmarks(cat: Catalog):
    benchmark_ids = set(_ids(cat.benchmarks))
    bad = [(w.id, k) for w in cat.workloads for k in w.quality_weights if k not in benchmark_ids]
    assert not bad


# --------------------------------------------------------------------------------------------- ranges
def test_rental_prices_in_range(cat: Catalog):
    low, high = USD_PER_GPU_HOUR_RANGE
    bad = [(p.gpu_id, p.provider, p.usd_per_gpu_hour) for p in cat.rental_prices
           if not low <= p.usd_per_gpu_hour <= high]
    assert not bad


def test_gpu_memory_in_range(cat: Catalog):
    low, high = MEMORY_GB_RANGE
    assert all(low <= g.memory_gb <= high for g in cat.gpus)


def test_api_prices_per_million_tokens(cat: Catalog):
    low, high = USD_PER_MTOK_RANGE
    for a in cat.api_models:
        for name in ("usd_per_million_input_tokens", "usd_per_million_output_tokens",
                     "long_context_usd_per_million_input_tokens", "long_context_usd_per_million_output_tokens"):
            value = getattr(a, name)
            assert value is None or low <= value <= high, f"{a.id} {name} = {value}: per token, not per million?"
        cached = a.usd_per_million_cached_input_tokens
        assert cached is None or CACHED_USD_PER_MTOK_MIN <= cached <= a.usd_per_million_input_tokens, a.id
        if a.long_context_usd_per_million_input_tokens is not None:
            assert a.long_context_threshold_tokens is not None, a.id
            assert a.long_context_usd_per_million_input_tokens >= a.usd_per_million_input_tokens, a.id


def test_scores_within_benchmark_range(cat: Catalog):
    benchmarks = {b.id: b for b in cat.benchmarks}
    bad = [(s.model_id, s.benchmark_id, s.value) for s in cat.scores
           if s.benchmark_id in benchmarks
           and not benchmarks[s.benchmark_id].min_value <= s.value <= benchmarks[s.benchmark_id].max_value]
    assert not bad


def test_dense_tflops_not_above_sparse(cat: Catalog):
    for g in cat.gpus:
        for dense, sparse in ((g.bf16_dense_tflops, g.bf16_sparse_tflops), (g.fp8_dense_tflops, g.fp8_sparse_tflops),
                              (g.fp4_dense_tflops, g.fp4_sparse_tflops)):
            assert dense is None or sparse is None or dense <= sparse, g.id


def test_hopper_fp8_is_twice_bf16(cat: Catalog):
    # NVIDIA H100/H200 datasheets: FP8 tensor-core peak = 2 x BF16 (e.g. H100 SXM 1,979 vs 989.5 dense TFLOPS).
    hopper = [g for g in cat.gpus if (g.architecture or "").lower() == "hopper"]
    assert {"h100-sxm", "h100-pcie", "h200-sxm"} <= set(_ids(hopper))
    for g in hopper:
        assert g.fp8_dense_tflops == pytest.approx(2 * g.bf16_dense_tflops, rel=1e-3), g.id


# Tensor-core precisions each architecture has (NVIDIA Hopper, Ada, Blackwell and Blackwell Ultra architecture
# pages; AMD CDNA 3 and CDNA 4 white papers). A null rate there is not "unknown, harmless": compute_precision
# falls back to the BF16 rate, so every FP8/FP4 estimate on that GPU would be 2-4x too slow. The RTX PRO 6000
# had null FP8/FP4 until the 2026-11-30 fix, and its two calibration points were off by -78 % and -29 %.
TENSOR_PRECISIONS_BY_ARCHITECTURE = {
    "hopper": ("fp8",), "ada lovelace": ("fp8",), "cdna 3": ("fp8",),
    "blackwell": ("fp8", "fp4"), "blackwell ultra": ("fp8", "fp4"), "cdna 4": ("fp8", "fp4"),
}


def test_low_precision_tensor_rates_present_where_the_architecture_has_them(cat: Catalog):
    missing = [(g.id, p) for g in cat.gpus
               for p in TENSOR_PRECISIONS_BY_ARCHITECTURE.get((g.architecture or "").lower(), ())
               if g.dense_tflops(p) is None]
    assert not missing
    # Every architecture named above is in the catalog, so the table cannot silently match nothing.
    assert set(TENSOR_PRECISIONS_BY_ARCHITECTURE) <= {(g.architecture or "").lower() for g in cat.gpus}


def test_params_recomputed_within_tolerance_of_published(cat: Catalog):
    checked = 0
    for m in cat.models:
        if m.published_total_params_b is None:
            continue
        rtol, _reason = PARAM_TOLERANCE_EXCEPTIONS.get(m.id, (PARAM_RTOL, ""))
        total_b = param_counts(m.architecture).total / 1e9
        assert total_b == pytest.approx(m.published_total_params_b, rel=rtol), (
            f"{m.id}: architecture gives {total_b:.2f}B, vendor {m.published_total_params_b}B")
        checked += 1
    assert checked >= 24


def test_active_not_above_total(cat: Catalog):
    for m in cat.models:
        counts = param_counts(m.architecture)
        assert counts.active <= counts.total, m.id
        if m.published_active_params_b is not None and m.published_total_params_b is not None:
            assert m.published_active_params_b <= m.published_total_params_b, m.id
        if not m.architecture.is_moe:  # a dense token uses every weight but the input embedding table
            untied_table = 0.0 if m.architecture.tie_word_embeddings else counts.embedding
            assert counts.active == counts.total - untied_table, m.id


# --------------------------------------------------------------------------------------------- provenance
def _all_entries(cat: Catalog):
    yield from cat.gpus
    yield from cat.models
    yield from cat.api_models
    yield from cat.benchmarks
    yield from cat.scores
    yield from cat.workloads
    yield from cat.rental_prices
    yield from cat.purchase_prices
    yield from cat.ownership_defaults.values()


def test_every_entry_has_source_and_as_of(cat: Catalog):
    today = max(TODAY, dt.date.today())
    for entry in _all_entries(cat):
        assert entry.source.strip(), entry
        assert dt.date(2015, 1, 1) <= entry.as_of <= today, entry
        assert not entry.estimate or entry.estimate_method, entry


def test_every_model_has_a_score_or_is_allow_listed(cat: Catalog):
    scored = {s.model_id for s in cat.scores}
    unscored = {m.id for m in cat.models} - scored
    not_listed = unscored - MODELS_WITHOUT_SCORES
    assert not not_listed, f"models without scores, not allow-listed: {not_listed}"
    stale = MODELS_WITHOUT_SCORES & scored
    assert not stale, f"allow-listed models that now have scores (remove them from the list): {stale}"


def _known_gap(gpu_id: str, gaps: dict[str, str]):
    """A parameter that is expected to fail while the data gap is open (strict: it fails once filled)."""
    if gpu_id in gaps:
        return pytest.param(gpu_id, marks=pytest.mark.xfail(strict=True, reason=gaps[gpu_id]))
    return gpu_id


# Data gaps still open, each with the reason. Strict xfail: adding the price makes the test XPASS and fail,
# so the entry here must then be removed.
RENTAL_PRICE_GAPS: dict[str, str] = {}
TERM_PRICE_GAPS: dict[str, str] = {}


@pytest.mark.parametrize("gpu_id", [_known_gap(g, RENTAL_PRICE_GAPS) for g in REQUIRED_GPU_IDS])
def test_every_required_gpu_has_a_rental_price(cat: Catalog, gpu_id: str):
    assert any(p.gpu_id == gpu_id for p in cat.rental_prices), f"no rental price for {gpu_id}"


@pytest.mark.parametrize("gpu_id", [_known_gap(g, TERM_PRICE_GAPS) for g in ("h100-sxm", "h200-sxm", "b200")])
def test_term_prices_for_main_datacentre_gpus(cat: Catalog, gpu_id: str):
    # A reserved (1 or 3 years) or commitment price, so the pricing basis "reserved" has something to use.
    tiers = {p.pricing_tier for p in cat.rental_prices if p.gpu_id == gpu_id}
    assert tiers & {"reserved_1y", "reserved_3y", "commitment"}, f"{gpu_id}: no term price (tiers: {sorted(tiers)})"


# --------------------------------------------------------------------------------------------- CLI
def test_cli_catalog_json_lists_provenance(capsys: pytest.CaptureFixture[str]):
    assert cli.main(["catalog", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("models", "gpus", "api_models"):
        assert payload[key], key
        for entry in payload[key]:
            assert entry["source"] and entry["as_of"], (key, entry["id"])
    for api in payload["api_models"]:
        assert api["usd_per_million_input_tokens"] is not None
        assert api["usd_per_million_output_tokens"] is not None
    assert {m["id"] for m in payload["models"]} >= set(MUST_HAVE_MODEL_IDS)


# --------------------------------------------------------------------------------------------- lifecycle
def test_cli_catalog_json_has_lifecycle_keys(capsys: pytest.CaptureFixture[str]):
    # Contract of issue 15: every model, API entry and GPU carries released_on, retired_on and superseded_by.
    assert cli.main(["catalog", "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    for key in ("models", "gpus", "api_models"):
        for entry in payload[key]:
            for field in ("released_on", "retired_on", "superseded_by"):
                assert field in entry, (key, entry["id"], field)


def test_superseded_by_names_an_entry_of_the_same_catalog(cat: Catalog):
    for items in (cat.models, cat.api_models, cat.gpus):
        ids = set(_ids(items))
        bad = [(i.id, i.superseded_by) for i in items if i.superseded_by and i.superseded_by not in ids]
        assert not bad, f"superseded_by names an unknown id: {bad}"


def test_released_before_retired(cat: Catalog):
    for item in (*cat.models, *cat.api_models, *cat.gpus):
        if item.released_on and item.retired_on:
            assert item.released_on < item.retired_on, item.id


# Retirements announced on the vendors' deprecation pages (see each entry's lifecycle_source).
KNOWN_RETIREMENTS = {
    "gemini-3-pro": dt.date(2026, 3, 9),
    "gemini-2.5-pro": dt.date(2026, 12, 1),
    "gemini-2.5-flash": dt.date(2026, 12, 1),
    "gpt-5": dt.date(2026, 12, 11),
    "gpt-5-mini": dt.date(2026, 12, 11),
    "claude-sonnet-4.5": dt.date(2026, 11, 30),
    "together-qwen3.5-397b-a17b": dt.date(2026, 6, 29),
    "deepseek-deepseek-v3.2": dt.date(2026, 7, 24),
}


@pytest.mark.parametrize(("api_id", "retired_on"), sorted(KNOWN_RETIREMENTS.items()))
def test_known_retirements_are_marked(cat: Catalog, api_id: str, retired_on: dt.date):
    entry = cat.api_model(api_id)
    assert entry.retired_on == retired_on
    assert entry.lifecycle_source


def test_trainium2_chip_figures_match_the_trn2_instance_table(cat: Catalog):
    # The chip entry comes from AWS's Trainium2 chip page; AWS's Trn2 architecture page lists the instance:
    # trn2.48xlarge = 16 chips, 20.8 FP8 PFLOPS, 10.7 FP16/BF16 PFLOPS, 1,536 GiB device memory
    # (https://awsdocs-neuron.readthedocs-hosted.com/en/latest/general/arch/neuron-hardware/trn2-arch.html).
    # Per chip: 20,800 / 16 = 1,300 TFLOPS (stored 1,299); 10,700 / 16 = 668.75 (stored 667);
    # 1,536 GiB / 16 = 96 GiB = 96 * 2**30 / 1e9 = 103.08 GB. A per-instance or GiB/GB slip fails here.
    trn2 = next(g for g in cat.gpus if g.id == "trainium2")
    assert trn2.fp8_dense_tflops == pytest.approx(20_800 / 16, rel=0.01)
    assert trn2.bf16_dense_tflops == pytest.approx(10_700 / 16, rel=0.01)
    assert trn2.memory_gb == pytest.approx(1536 / 16 * 2**30 / 1e9, rel=1e-3)
    # Scale-up domain: the 16-chip 4x4 torus of one instance, not the 64-chip UltraServer.
    assert trn2.scale_up_domain_gpus == 16
