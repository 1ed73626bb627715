"""Quality index: chance-corrected, every profile benchmark counted (measured or estimated), estimates validated."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from pydantic import ValidationError

from calculator.catalog import Catalog
from calculator.quality import (
    chance_corrected_frac,
    complete_matrices,
    complete_matrix,
    estimate_matrix,
    leave_out_residuals,
    normalised_score,
    quality_index,
    score_matrix,
)
from calculator.schemas import ApiModel, Benchmark, Score, WorkloadPreset

D = dt.date(2026, 1, 1)


def bench(bid: str, higher: bool = True, chance: float = 0.0) -> Benchmark:
    return Benchmark(id=bid, name=bid, source="test", as_of=D, higher_is_better=higher, chance_value=chance,
                     chance_source="test")


def small_catalog() -> Catalog:
    scores = [Score(model_id=m, benchmark_id=b, value=v, source="test", as_of=D)
              for m, b, v in (("m", "a", 80.0), ("m", "b", 60.0), ("m", "c", 40.0),
                              ("n", "a", 70.0), ("n", "b", 50.0))]
    apis = (ApiModel(id="host-m", name="M hosted", provider="h", open_model_id="m", usd_per_million_input_tokens=1,
                     usd_per_million_output_tokens=2, source="test", as_of=D),)
    return Catalog(gpus=(), models=(), api_models=apis,
                   benchmarks=(bench("a"), bench("b", chance=25.0), bench("c")), scores=tuple(scores))


def profile(weights: dict[str, float]) -> WorkloadPreset:
    return WorkloadPreset(id="p", name="p", input_tokens=1, output_tokens=1, quality_weights=weights,
                    source="test", as_of=D)


def test_chance_corrected_success_of_a_known_score():
    # GPQA Diamond is four-option multiple choice: chance 25%. A measured 62.5% is half-way from chance to
    # perfect: (62.5 - 25) / (100 - 25) = 0.5. A score at or below chance is no skill: 0.
    assert chance_corrected_frac(62.5, 25.0) == pytest.approx(0.5)
    assert chance_corrected_frac(20.0, 25.0) == 0.0
    # MMLU-Pro has ten options (chance 10%): 82% -> (82 - 10) / 90 = 0.8.
    assert chance_corrected_frac(82.0, 10.0) == pytest.approx(0.8)


def test_index_is_chance_corrected_weighted_mean_when_all_measured():
    # m: a 80 (chance 0) -> 0.80; b 60 (chance 25) -> 35/75 = 0.46667. Weights 0.5/0.5:
    # index = 100 * (0.5*0.8 + 0.5*0.46667) = 63.333; success 0.63333; nothing estimated.
    q = quality_index("m", profile({"a": 0.5, "b": 0.5}), small_catalog())
    assert q.index == pytest.approx(63.3333, rel=1e-5)
    assert q.success_frac == pytest.approx(0.633333, rel=1e-5)
    assert q.estimated_frac == 0.0 and q.coverage_frac == 1.0 and q.index_std == 0.0
    assert q.used == {"a": 80.0, "b": 60.0}


def test_missing_score_is_estimated_flagged_and_carries_an_error():
    # n has no score on c: the fit fills it; the index uses it, flags weight 0.4 as estimated, and gives a
    # positive standard error (never a silent zero score).
    q = quality_index("n", profile({"a": 0.3, "b": 0.3, "c": 0.4}), small_catalog())
    assert q.index is not None and q.estimated == ("c",)
    assert q.estimated_frac == pytest.approx(0.4) and q.coverage_frac == pytest.approx(0.6)
    assert q.index_std is not None and q.index_std > 0.0
    assert 0.0 <= q.used["c"] <= 100.0


def test_model_without_any_score_gets_no_index():
    assert quality_index("unknown", profile({"a": 1.0}), small_catalog()).index is None


def test_api_with_open_model_uses_open_model_scores():
    p = profile({"a": 0.5, "c": 0.5})
    # m: (0.8 + 0.4) / 2 = 0.6 -> 60
    assert quality_index("host-m", p, small_catalog()).index == pytest.approx(60.0)


def test_lower_is_better_is_reversed():
    assert normalised_score(20.0, bench("x", higher=False)) == pytest.approx(80.0)


def test_benchmark_chance_must_lie_in_range():
    with pytest.raises(ValidationError, match="chance_value"):
        bench("x", chance=100.0)


def test_completion_recovers_a_rank_one_matrix():
    # Scores generated as mean + ability x difficulty (rank one after centring): a withheld cell is predicted
    # within 1 point, far better than its column mean would (the column's spread is ~20 points).
    ability = np.linspace(-1.0, 1.0, 12)
    difficulty = np.array([20.0, 15.0, 10.0, 25.0])
    x = 50.0 + np.outer(ability, difficulty)
    truth = x[3, 2]
    x[3, 2] = np.nan
    filled = complete_matrix(x, rank=1, shrink=0.0)
    assert filled[3, 2] == pytest.approx(truth, abs=1.0)
    assert abs(np.nanmean(x[:, 2]) - truth) > 3.0


def test_leave_out_residuals_cover_every_measured_cell():
    rng = np.random.default_rng(0)
    x = rng.uniform(20, 90, size=(15, 5))
    x[rng.uniform(size=x.shape) < 0.3] = np.nan
    res = leave_out_residuals(x)
    # a cell goes unpredicted only when its whole row was withheld in its fold
    assert np.isfinite(res).sum() >= 0.95 * np.isfinite(x).sum()
    assert not np.isfinite(res[~np.isfinite(x)]).any()


def test_stacked_fits_equal_one_fit_per_matrix():
    # complete_matrices fits a stack at once: each matrix must come out as if fitted alone, and a benchmark with
    # no score in one matrix (a zero column in its standardised matrix) must not move the others' estimates.
    rng = np.random.default_rng(1)
    a = rng.uniform(20, 90, size=(12, 5))
    a[rng.uniform(size=a.shape) < 0.3] = np.nan
    b = a.copy()
    b[:, 4] = np.nan  # benchmark 4 unmeasured in the second matrix
    stacked = complete_matrices(np.stack([a, b]), rank=2, shrink=1.0)
    np.testing.assert_allclose(stacked[0], complete_matrix(a, 2, 1.0), rtol=0, atol=1e-9)
    np.testing.assert_allclose(stacked[1], complete_matrix(b, 2, 1.0), rtol=0, atol=1e-9)
    alone = complete_matrix(b[:, :4], 2, 1.0)  # the same fit without the empty column
    np.testing.assert_allclose(stacked[1][:, :4], alone, rtol=0, atol=1e-9)
    assert np.isnan(stacked[1][:, 4]).all()


def test_leave_out_folds_do_not_see_each_other():
    # The stacked leave-out must equal withholding each fold and refitting on its own (estimate_matrix per fold).
    rng = np.random.default_rng(2)
    x = rng.uniform(20, 90, size=(14, 6))
    x[rng.uniform(size=x.shape) < 0.25] = np.nan
    res = leave_out_residuals(x, num_folds=4, seed=7)
    idx = np.argwhere(np.isfinite(x))
    fold = np.random.default_rng(7).permutation(len(idx)) % 4
    for f in range(4):
        held = idx[fold == f]
        train = x.copy()
        train[held[:, 0], held[:, 1]] = np.nan
        est = estimate_matrix(train)
        expected = est[held[:, 0], held[:, 1]] - x[held[:, 0], held[:, 1]]
        np.testing.assert_allclose(res[held[:, 0], held[:, 1]], expected, rtol=0, atol=1e-9)


def test_shipped_estimates_beat_the_benchmark_mean(catalog):
    # bench/quality_estimates.py: 10-fold leave-out RMSE 10.65 points vs 16.8 for predicting each benchmark's
    # mean (scores of 2026-11-29). The gate: the fit must stay clearly better than the mean and below 13 points.
    m = score_matrix(catalog)
    assert m.leave_out_rmse < 13.0
    x = np.where(m.measured, m.values, np.nan)
    col_mean_res = [np.nanmean(np.delete(x[:, j], i)) - x[i, j] for i, j in np.argwhere(m.measured)]
    assert m.leave_out_rmse < 0.8 * float(np.sqrt(np.mean(np.square(col_mean_res))))


def test_every_benchmark_has_a_sourced_chance_level(catalog):
    for b in catalog.benchmarks:
        assert b.chance_source and 0.0 <= b.chance_value < b.max_value


def test_catalog_coding_indices(catalog):
    # data/scores.yaml + workloads.yaml coding weights (swe 0.45, lcb 0.35, terminal 0.20), all chance 0:
    # Qwen3.5-397B-A17B, all measured: 0.45*76.4 + 0.35*83.6 + 0.20*52.5 = 74.14
    coding = catalog.workload("coding")
    q = quality_index("qwen3.5-397b-a17b", coding, catalog)
    assert q.index == pytest.approx(74.14, rel=1e-3) and q.estimated_frac == 0.0
    # Gemini 3.1 Pro has no LiveCodeBench score: 0.35 of the weight is estimated, and flagged.
    g = quality_index("gemini-3.1-pro", coding, catalog)
    assert g.estimated == ("livecodebench",) and g.estimated_frac == pytest.approx(0.35)
    assert g.index_std is not None and g.index_std > 0.0
def test_every_preset_scores_every_live_model_and_api(catalog):
    # Issue 9 done-when: every workload preset x every non-retired model and API entry has an index.
    today = dt.date(2026, 11, 29)
    ids = [m.id for m in catalog.models if not m.is_retired(today)]
    ids += [a.id for a in catalog.api_models if not a.is_retired(today)]
    missing = [(w.id, i) for w in catalog.workloads for i in ids
               if quality_index(i, w, catalog).index is None]
    assert missing == []


