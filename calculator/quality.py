"""Quality of a model for a workload profile: measured and estimated benchmark scores, chance correction.

Notes
-----
**Scores on one scale.** Each score ``s`` of benchmark b (``data/scores.yaml``) is put on 0-100 by the
benchmark's range (``100 (s - min) / (max - min)``, reversed when lower is better).

**Chance correction.** Each benchmark records the score a guesser gets (``chance_value``: 10% on ten-option
MMLU-Pro, 25% on four-option GPQA, 0 for generated code or answers). Only the part above chance is skill::

    a_b = max(s_b - c_b, 0) / (100 - c_b)                                               [-]

(the classic correction for guessing of multiple-choice tests: Thurstone 1919; Lord & Novick 1968, ch. 14).

**Every cell filled.** Models publish different subsets of benchmarks, so an index over "whatever scores
exist" ranks models on different tests. Missing cells of the model x benchmark matrix are estimated from
the model's other scores by a low-rank fit (iterative truncated SVD, "SVDimpute": Troyanskaya et al.,
Bioinformatics 17(6) 2001; soft-thresholded as in Mazumder, Hastie & Tibshirani, JMLR 11 2010): each
benchmark's column is standardised over its measured scores, missing cells start at the column mean, and::

    repeat N times:  Z = U S V^T  (SVD);   Z[missing] = (U_k max(S_k - lambda, 0) V_k^T)[missing]

with rank k = ``RANK`` and shrinkage ``lambda`` = ``SHRINK`` for models with at least ``MIN_SCORES_FOR_RANK``
measured scores, and rank 1 for sparser models (a second factor fitted to three or four scores extrapolates
wildly: a rank-2 fit gave Llama 3.3 70B, with only knowledge and maths scores, 77% on Terminal-Bench). An
estimate is capped to the range of the measured scores of its benchmark. The settings were chosen by
``NUM_FOLDS``-fold leave-out over the measured cells (``bench/quality_estimates.py`` prints the grid and the
error). A measured cell is never replaced.
A catalog model with no measured score at all gets each benchmark's mean: its index is then 100% estimated,
with each cell's error the benchmark's spread across models (the UI and CSV show the estimated share).

**Uncertainty of an estimate.** The leave-out residuals (estimate minus the withheld measured score)
give, per benchmark, their root mean square ``sigma_b`` [points]; an estimated cell carries ``sigma_b``
(measured cells carry 0 here; benchmark sampling error is left to the uncertainty module). A model without
any measured score carries the larger of ``sigma_b`` and the benchmark's standard deviation across models.

**The index.** A workload profile (``data/workloads.yaml``) weights benchmarks ``w_b`` (sum 1)::

    quality_index  = 100 sum_b w_b a_b                                     [0-100, 0 = chance, 100 = perfect]
    success_frac   = quality_index / 100                                   [-]
    index_std      = 100 sum_b w_b sigma_b / (100 - c_b)   (estimated cells only)   [points]
    estimated_frac = sum over estimated cells of w_b                       [-]

``index_std`` adds the per-cell errors linearly (errors of one model's estimates are correlated: they come
from the same fitted factors), which is the conservative bound. ``success_frac`` reads the workload's
above-chance benchmark pass rate as the probability that one of its tasks succeeds: an assumption stated on
the Method page. An API entry that serves an open model (``open_model_id``) uses the open model's scores.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from calculator.catalog import Catalog
from calculator.schemas import Benchmark, Score, WorkloadPreset

INDEX_MAX: float = 100.0
RANK: int = 2  # rank of the fit for models with at least MIN_SCORES_FOR_RANK measured scores
SHRINK: float = 1.0  # soft threshold on the singular values of the standardised matrix [-]
SPARSE_RANK: int = 1  # rank of the fit for models with fewer measured scores
SPARSE_SHRINK: float = 0.0
MIN_SCORES_FOR_RANK: int = 6  # a second factor is only identified with this many scores (leave-out grid)
NUM_ITERATIONS: int = 200
NUM_FOLDS: int = 10
FOLD_SEED: int = 20261129
MIN_COLUMN_STD: float = 1.0  # floor on a benchmark's spread when standardising [points]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class QualityResult:
    """Quality of one model for one workload profile (module Notes).

    ``index`` [0-100, chance-corrected] is None only for a model the catalog does not know (custom). ``coverage_frac``
    is the share of the profile's weight carried by measured scores [-]; ``estimated_frac`` the share carried
    by estimates [-]; ``index_std`` the standard error of the index from its estimated cells [points];
    ``success_frac`` the probability of task success [-]; ``used`` the 0-100 score per benchmark id
    (measured or estimated); ``estimated`` the ids of the estimated ones.
    """

    index: float | None
    coverage_frac: float
    used: dict[str, float] = field(default_factory=dict)
    index_std: float | None = None
    estimated_frac: float | None = None
    success_frac: float | None = None
    estimated: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreMatrix:
    """The model x benchmark matrix of 0-100 scores with its estimates.

    ``values`` holds measured cells where ``measured`` is True and estimates elsewhere (NaN for rows with no
    measured score); ``std`` the standard error per cell [points] (0 for measured cells).
    ``leave_out_residuals`` are estimate minus withheld measured score, one per measured cell [points]
    (NaN where the cell could not be predicted).
    """

    model_ids: tuple[str, ...]
    benchmark_ids: tuple[str, ...]
    values: FloatArray
    measured: BoolArray
    std: FloatArray
    leave_out_residuals: FloatArray

    def row(self, model_id: str) -> int | None:
        """Row index of a model id, or None."""
        try:
            return self.model_ids.index(model_id)
        except ValueError:
            return None

    def col(self, benchmark_id: str) -> int | None:
        """Column index of a benchmark id, or None."""
        try:
            return self.benchmark_ids.index(benchmark_id)
        except ValueError:
            return None

    @property
    def num_measured(self) -> int:
        """Measured cells [-]."""
        return int(self.measured.sum())

    @property
    def num_estimated(self) -> int:
        """Estimated cells [-] (filled, not measured)."""
        return int((np.isfinite(self.values) & ~self.measured).sum())

    @property
    def leave_out_rmse(self) -> float:
        """Root mean square leave-out error over all measured cells [points]."""
        r = self.leave_out_residuals[np.isfinite(self.leave_out_residuals)]
        return float(np.sqrt(np.mean(r**2))) if r.size else float("nan")

    @property
    def leave_out_mae(self) -> float:
        """Mean absolute leave-out error over all measured cells [points]."""
        r = self.leave_out_residuals[np.isfinite(self.leave_out_residuals)]
        return float(np.mean(np.abs(r))) if r.size else float("nan")


def normalised_score(value: float, bench: Benchmark) -> float:
    """A score on 0-100 [-]: ``100 (s - min)/(max - min)``, reversed when lower is better; clipped to 0-100."""
    span = bench.max_value - bench.min_value
    x = (value - bench.min_value) / span if span > 0 else 0.0
    if not bench.higher_is_better:
        x = 1.0 - x
    return min(max(x, 0.0), 1.0) * INDEX_MAX


def chance_corrected_frac(score: float, chance: float) -> float:
    """Share of the range above chance [-]: ``max(s - c, 0) / (100 - c)``, both on 0-100 (module Notes)."""
    if chance >= INDEX_MAX:
        return 0.0
    return min(max(score - chance, 0.0) / (INDEX_MAX - chance), 1.0)


def scores_id(model_or_api_id: str, catalog: Catalog) -> str:
    """The id whose scores stand for ``model_or_api_id``: an API entry's ``open_model_id`` if it has one."""
    for api in catalog.api_models:
        if api.id == model_or_api_id and api.open_model_id:
            return api.open_model_id
    return model_or_api_id


def complete_matrices(x: FloatArray, rank: int = RANK, shrink: float = SHRINK,
                      num_iterations: int = NUM_ITERATIONS) -> FloatArray:
    """``complete_matrix`` of a stack of matrices (shape ``(F, models, benchmarks)``), all fitted at once [points].

    Each matrix is fitted on its own: its own benchmark means and spreads, and a benchmark with no measured
    cell in it is a column of zeros in its standardised matrix. A zero column changes neither the singular
    values nor the other columns of a rank-k reconstruction (``[A, 0] = U S [V_A, 0]^T``), so this equals
    fitting each matrix on its measured benchmarks alone; one stacked SVD per iteration saves the per-call
    overhead of ``F`` small SVDs (the leave-out folds).
    """
    x = np.asarray(x, dtype=float)
    out = np.full_like(x, np.nan)
    if x.size == 0:
        return out
    obs = np.isfinite(x)
    cols: BoolArray = np.asarray(obs.any(axis=1))  # (F, benchmarks): benchmarks with a measured cell in each matrix
    num = obs.sum(axis=1)
    xz = np.where(obs, x, 0.0)
    mu = np.divide(xz.sum(axis=1), num, out=np.zeros(num.shape), where=num > 0)
    var = np.divide((np.where(obs, x - mu[:, None, :], 0.0) ** 2).sum(axis=1), num, out=np.zeros(num.shape),
                    where=num > 0)
    sd = np.where(num >= 2, np.sqrt(var), np.nan)
    for f in range(x.shape[0]):  # benchmarks with < 2 scores take the median spread of the others
        finite = np.isfinite(sd[f]) & cols[f]
        fallback = float(np.median(sd[f][finite])) if finite.any() else MIN_COLUMN_STD
        sd[f] = np.where(np.isfinite(sd[f]), sd[f], fallback)
    sd = np.maximum(sd, MIN_COLUMN_STD)
    z_obs = np.where(obs, (xz - mu[:, None, :]) / sd[:, None, :], 0.0)
    keep = cols[:, None, :]
    z = z_obs.copy()
    k = max(1, min(rank, *x.shape[1:]))
    for _ in range(num_iterations):
        u, sv, vt = np.linalg.svd(z, full_matrices=False)
        s_k = np.maximum(sv[:, :k] - shrink, 0.0)
        low = (u[:, :, :k] * s_k[:, None, :]) @ vt[:, :k, :]
        z = np.where(obs, z_obs, np.where(keep, low, 0.0))
    filled = np.where(obs, x, np.clip(mu[:, None, :] + sd[:, None, :] * z, 0.0, INDEX_MAX))
    return np.where(keep, filled, out)


def complete_matrix(x: FloatArray, rank: int = RANK, shrink: float = SHRINK,
                    num_iterations: int = NUM_ITERATIONS) -> FloatArray:
    """Fill the NaN cells of a models x benchmarks matrix of 0-100 scores (module Notes) [points].

    Measured cells are returned unchanged; estimates are clipped to 0-100. A row without any measured cell
    gets each benchmark's mean (the fit knows nothing about it). Columns without any measured cell stay NaN.
    """
    x = np.asarray(x, dtype=float)
    return complete_matrices(x[None], rank, shrink, num_iterations)[0]


def estimate_matrices(x: FloatArray, min_scores_for_rank: int = MIN_SCORES_FOR_RANK) -> FloatArray:
    """``estimate_matrix`` of a stack of matrices (shape ``(F, models, benchmarks)``), each on its own [points]."""
    x = np.asarray(x, dtype=float)
    obs = np.isfinite(x)
    dense = complete_matrices(x, RANK, SHRINK)
    sparse = complete_matrices(x, SPARSE_RANK, SPARSE_SHRINK)
    enough = obs.sum(axis=2) >= min_scores_for_rank
    est = np.where(enough[:, :, None], dense, sparse)
    with np.errstate(all="ignore"):
        low = np.nanmin(np.where(obs, x, np.inf), axis=1)[:, None, :]
        high = np.nanmax(np.where(obs, x, -np.inf), axis=1)[:, None, :]
    capped = np.clip(est, np.where(np.isfinite(low), low, 0.0), np.where(np.isfinite(high), high, INDEX_MAX))
    return np.where(obs, x, np.where(np.isfinite(est), capped, np.nan))


def estimate_matrix(x: FloatArray, min_scores_for_rank: int = MIN_SCORES_FOR_RANK) -> FloatArray:
    """The shipped estimator (module Notes) [points]: rank-``RANK`` fit for models with at least
    ``min_scores_for_rank`` measured scores, rank-``SPARSE_RANK`` for the others; estimates capped to the
    range of the measured scores of their benchmark; measured cells unchanged."""
    return estimate_matrices(np.asarray(x, dtype=float)[None], min_scores_for_rank)[0]


def leave_out_residuals(x: FloatArray, num_folds: int = NUM_FOLDS, seed: int = FOLD_SEED,
                        min_scores_for_rank: int = MIN_SCORES_FOR_RANK) -> FloatArray:
    """k-fold leave-out: each measured cell is withheld once and predicted from the rest [points].

    Returns a matrix of estimate minus measured value on measured cells (NaN elsewhere and where the
    withheld cell could not be predicted, e.g. the model's only score). Folds are a seeded permutation;
    the fold fits run as one stack (``estimate_matrices``).
    """
    x = np.asarray(x, dtype=float)
    idx = np.argwhere(np.isfinite(x))
    rng = np.random.default_rng(seed)
    fold = rng.permutation(len(idx)) % num_folds
    res = np.full_like(x, np.nan)
    folds = [idx[fold == f] for f in range(num_folds) if (fold == f).any()]
    if not folds:
        return res
    train = np.repeat(x[None], len(folds), axis=0)
    for f, held in enumerate(folds):
        train[f, held[:, 0], held[:, 1]] = np.nan
    est = estimate_matrices(train, min_scores_for_rank)
    for f, held in enumerate(folds):
        res[held[:, 0], held[:, 1]] = est[f, held[:, 0], held[:, 1]] - x[held[:, 0], held[:, 1]]
    return res


def _model_rows(catalog: Catalog) -> tuple[str, ...]:
    ids = [m.id for m in catalog.models] + [a.id for a in catalog.api_models if not a.open_model_id]
    ids += sorted({s.model_id for s in catalog.scores} - set(ids))
    return tuple(dict.fromkeys(ids))


@functools.lru_cache(maxsize=16)
def _matrix(models: tuple[str, ...], benchmarks: tuple[Benchmark, ...], scores: tuple[Score, ...]) -> ScoreMatrix:
    bench_ids = tuple(b.id for b in benchmarks)
    by_id = {b.id: b for b in benchmarks}
    row = {m: i for i, m in enumerate(models)}
    col = {b: j for j, b in enumerate(bench_ids)}
    x = np.full((len(models), len(bench_ids)), np.nan)
    for s in scores:
        if s.model_id in row and s.benchmark_id in col:
            x[row[s.model_id], col[s.benchmark_id]] = normalised_score(s.value, by_id[s.benchmark_id])
    measured = np.isfinite(x)
    values = estimate_matrix(x)
    res = leave_out_residuals(x)
    # Per-benchmark RMS of the leave-out residuals; benchmarks with fewer than 3 predicted cells use the overall.
    overall = float(np.sqrt(np.nanmean(res**2))) if np.isfinite(res).any() else INDEX_MAX / 4.0
    sigma = np.full(len(bench_ids), overall)
    for j in range(len(bench_ids)):
        r = res[:, j][np.isfinite(res[:, j])]
        if r.size >= 3:
            sigma[j] = float(np.sqrt(np.mean(r**2)))
    std = np.where(measured, 0.0, np.where(np.isfinite(values), sigma[None, :], np.nan))
    # A model without any measured score gets the benchmark means; its error is the spread of the benchmark.
    spread = np.array([float(np.nanstd(x[:, j])) if measured[:, j].sum() >= 2 else overall
                       for j in range(len(bench_ids))])
    blank = ~measured.any(axis=1)
    std[blank] = np.where(np.isfinite(values[blank]), np.maximum(spread, sigma)[None, :], np.nan)
    for arr in (values, measured, std, res):
        arr.setflags(write=False)
    return ScoreMatrix(models, bench_ids, values, measured, std, res)


def score_matrix(catalog: Catalog) -> ScoreMatrix:
    """The catalog's model x benchmark matrix with estimates and leave-out errors (cached per catalog)."""
    return _matrix(_model_rows(catalog), catalog.benchmarks, catalog.scores)


def quality_index(model_or_api_id: str, profile: WorkloadPreset, catalog: Catalog) -> QualityResult:
    """Chance-corrected weighted index of a model or API model for a workload profile (module Notes)."""
    sid = scores_id(model_or_api_id, catalog)
    m = score_matrix(catalog)
    i = m.row(sid)
    benches = {b.id: b for b in catalog.benchmarks}
    used: dict[str, float] = {}
    estimated: list[str] = []
    measured_w = estimated_w = total = std = 0.0
    complete = i is not None
    for bench_id, w in profile.quality_weights.items():
        if w <= 0.0:
            continue
        j = m.col(bench_id)
        if i is None or j is None or not np.isfinite(m.values[i, j]):
            complete = False
            continue
        bench = benches[bench_id]
        s = float(m.values[i, j])
        c = normalised_score(bench.chance_value, bench)
        used[bench_id] = s
        total += w * chance_corrected_frac(s, c)
        if m.measured[i, j]:
            measured_w += w
        else:
            estimated.append(bench_id)
            estimated_w += w
            std += w * float(m.std[i, j]) / max(INDEX_MAX - c, 1e-9)
    if not complete:
        return QualityResult(None, measured_w, used)
    weight = measured_w + estimated_w
    index = INDEX_MAX * total / weight
    return QualityResult(index, measured_w / weight, used, INDEX_MAX * std / weight, estimated_w / weight,
                         index / INDEX_MAX, tuple(estimated))


@dataclass(frozen=True)
class IndexCell:
    """One model's index on one workload profile, with how much of it is estimated (Catalog page)."""

    model_id: str
    workload_id: str
    index: float | None
    estimated_frac: float | None
    index_std: float | None


def index_table(catalog: Catalog) -> list[IndexCell]:
    """The quality index of every catalog model and API entry on every workload profile."""
    ids = [m.id for m in catalog.models] + [a.id for a in catalog.api_models]
    out = []
    for w in catalog.workloads:
        for mid in ids:
            q = quality_index(mid, w, catalog)
            out.append(IndexCell(mid, w.id, q.index, q.estimated_frac, q.index_std))
    return out
