"""Quality index: weighted, renormalised over available benchmarks, withheld below the coverage rule."""

from __future__ import annotations

import datetime as dt

import pytest

from calculator.catalog import Catalog
from calculator.quality import normalised_score, quality_index
from calculator.schemas import ApiModel, Benchmark, Score, Workload

D = dt.date(2026, 1, 1)


def bench(bid: str, higher: bool = True) -> Benchmark:
    return Benchmark(id=bid, name=bid, source="test", as_of=D, higher_is_better=higher)


def small_catalog() -> Catalog:
    scores = [Score(model_id="m", benchmark_id=b, value=v, source="test", as_of=D)
              for b, v in (("a", 80.0), ("b", 60.0))]
    apis = (ApiModel(id="host-m", name="M hosted", provider="h", open_model_id="m", usd_per_million_input_tokens=1,
                     usd_per_million_output_tokens=2, source="test", as_of=D),)
    return Catalog(gpus=(), models=(), api_models=apis, benchmarks=(bench("a"), bench("b"), bench("c")),
                   scores=tuple(scores))


def profile(weights: dict[str, float], min_cov: float = 0.5) -> Workload:
    return Workload(id="p", name="p", input_tokens=1, output_tokens=1, quality_weights=weights,
                    min_coverage_frac=min_cov, source="test", as_of=D)


def test_weighted_index_renormalised_over_available_benchmarks():
    # weights a 0.4, b 0.2, c 0.4 (no score): coverage 0.6; index = (0.4*80 + 0.2*60) / 0.6 = 73.333
    q = quality_index("m", profile({"a": 0.4, "b": 0.2, "c": 0.4}), small_catalog())
    assert q.coverage_frac == pytest.approx(0.6)
    assert q.index == pytest.approx(73.3333, rel=1e-5)
    assert q.used == {"a": 80.0, "b": 60.0}


def test_index_withheld_below_min_coverage_and_missing_is_not_zero():
    q = quality_index("m", profile({"a": 0.3, "c": 0.7}), small_catalog())
    assert q.index is None and q.coverage_frac == pytest.approx(0.3)
    assert quality_index("unknown", profile({"a": 1.0}), small_catalog()).index is None


def test_api_with_open_model_uses_open_model_scores():
    p = profile({"a": 0.5, "b": 0.5})
    assert quality_index("host-m", p, small_catalog()).index == pytest.approx(70.0)


def test_lower_is_better_is_reversed():
    assert normalised_score(20.0, bench("x", higher=False)) == pytest.approx(80.0)


def test_catalog_coding_indices(catalog):
    # data/scores.yaml + workloads.yaml coding weights (swe 0.45, lcb 0.35, terminal 0.20):
    # Qwen3.5-397B-A17B: 0.45*76.4 + 0.35*83.6 + 0.20*52.5 = 74.14
    # Gemini 3.1 Pro: no LiveCodeBench -> (0.45*80.6 + 0.20*68.5) / 0.65 = 76.877
    coding = catalog.workload("coding")
    assert quality_index("qwen3.5-397b-a17b", coding, catalog).index == pytest.approx(74.14, rel=1e-3)
    g = quality_index("gemini-3.1-pro", coding, catalog)
    assert g.index == pytest.approx(76.877, rel=1e-3) and g.coverage_frac == pytest.approx(0.65)
