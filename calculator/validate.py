"""Predicted vs measured: the calibration set of published results, and the fit of the efficiency constants.

Each measurement in ``tests/calibration/measurements.yaml`` (MLPerf Inference v5.1, TensorRT-LLM performance
overview, NVIDIA NIM and blog figures; every entry cites its source) is re-predicted with
:func:`calculator.sizing.estimate` under the same conditions: GPU type, GPUs per replica (the stated tensor
or expert-parallel size, else the fewest that fit), precision, mean input/output lengths, and the scenario:

GPUs per replica: the stated tensor- or expert-parallel size; when the source does not state it, the count
(up to the system size) with the highest throughput per GPU, as submitters tune it.

- ``max_throughput``: highest-throughput concurrency within memory;
- ``server`` / ``interactive``: highest throughput meeting the scenario's TTFT and TPOT limits. MLPerf's
  limits are on the 99th percentile while the model predicts means; the product reads every latency limit
  that way (``calculator.pipeline.meets_latency_limits``) with the p99-to-mean ratio the same MLPerf runs
  show (their mean TPOT is in the set: limit / mean TPOT, median over those runs; ``p99_to_mean_ratio``,
  stored in ``data/efficiency.yaml``);
- ``batch1`` / ``fixed_concurrency``: the stated concurrency.

Server and interactive runs are open loops (MLPerf's load generator issues Poisson arrivals): their mean
concurrency leaves free slots for 99 % of arrivals (``calculator.pipeline.mean_concurrency_limit``); offline and
fixed-concurrency runs are closed loops and may fill the slots.

The engine's batch cap: where the source states the cap the run was configured with (``max_batch_size``: per
scheduler, per attention rank under data-parallel attention; TensorRT-LLM ``max_batch_size``, MLPerf
``gpu_batch_size``, an SGLang decode batch per GPU), it replaces both fitted caps for that prediction; else the
fitted ``max_batch_size`` / ``max_batch_size_per_rank`` apply. It is part of the run's configuration, as the GPU
count is, not a constant fitted per point.

Error = predicted / measured - 1. The headline figure is the median absolute error over the set,
out of sample: the modelled set is split into ``NUM_FOLDS`` interleaved folds (measurement j in fold j mod 5), the
constants are fitted on four folds and predict the fifth (``out_of_sample``). Refitting five times takes
minutes, so ``scripts/fit_out_of_sample.py`` stores each fold's constants and the held-out predictions in
``tests/calibration/out_of_sample.yaml``; ``out_of_sample_residuals`` reads that file (fast), and a test
re-predicts every held-out point from the stored constants to check the file still matches the code. The
points the p99/mean latency ratio is taken from are predicted near-exactly by construction and are left out
of the out-of-sample set (``is_ratio_point``).

The fit (``--fit``) chooses the achieved bandwidth and FLOP fractions, the per-step overhead, the
all-reduce latency and the engine's batch cap by coordinate descent over a grid from several seeded starts,
then a pattern search off the grid, on the mean absolute log error, each point capped at a factor of 2
(``OUTLIER_CLIP``).

Disaggregated runs (``decode_gpus`` set) report the output of their decode pool, kept busy by a prefill pool
that keeps up ("assuming unlimited resources for the non-tested phase", LMSYS; the slow-down API of the GB200 and
Kimi K2 posts; MLPerf runs meet their TTFT limit). They are predicted as one decode instance alone
(``estimate(..., decode_only=True)`` on the stated EP or TP size, else on ``decode_gpus``; TPOT limit applied,
TTFT left to the prefill pool), per decode GPU, times ``decode_gpus / num_gpus`` when the published figure is
divided by every GPU of both pools. A disaggregated run with a metric the decode pool does not give (TTFT, or
total tokens, which count the prefill pool's work) stays in the set, listed by ``validate`` and left out of every
figure and of the fit (``layout_modelled``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import yaml

from calculator.catalog import CALIBRATION_FILE, CatalogError, load_measurements
from calculator.schemas import Architecture, Efficiency, Measurement
from calculator.sizing import GPU_COUNTS, RequestShape, estimate

if TYPE_CHECKING:
    from calculator.catalog import Catalog


@dataclass(frozen=True)
class Comparison:
    """One measurement and its prediction."""

    measurement: Measurement
    predicted: float

    @property
    def error_frac(self) -> float:
        """Relative error [-]: predicted / measured - 1."""
        return self.predicted / self.measurement.measured_value - 1.0


def is_ratio_point(m: Measurement) -> bool:
    """Whether a measurement is one the p99/mean ratio is taken from (kept out of the error figures)."""
    return m.metric == "tpot_ms" and m.scenario in ("server", "interactive") and bool(m.tpot_slo_ms)


def p99_to_mean_ratio(measurements: Sequence[Measurement]) -> float:
    """Median of (p99 TPOT limit / measured mean TPOT) over runs that report their mean TPOT [-] (1 if none)."""
    ratios = [float(m.tpot_slo_ms or 0.0) / m.measured_value for m in measurements if is_ratio_point(m)]
    return float(np.median(ratios)) if ratios else 1.0


ArchitectureClass = Literal["dense", "moe_single_node", "moe_multi_node", "hybrid"]
Regime = Literal["throughput_bound", "latency_bound"]
Engine = Literal["tensorrt_llm", "vllm", "sglang", "other_engine", "unstated"]
# Metrics that are times (larger = slower); the others are rates (larger = faster).
TIME_METRICS = frozenset({"tpot_ms", "ttft_ms"})
# The serving engine named in a measurement's ``software`` field, first match wins. TensorRT-LLM's MLPerf
# harnesses name "TensorRT" (with or without "-LLM"); NIM and TGI stay "other_engine", because a NIM release
# can run either TensorRT-LLM or vLLM and the sources do not say which.
ENGINE_MARKERS: tuple[tuple[str, Engine], ...] = (("sglang", "sglang"), ("vllm", "vllm"), ("tensorrt", "tensorrt_llm"))
GPUS_PER_NODE = 8  # an HGX / MI300X-class platform; a deployment of more GPUs spans nodes
LATENCY_BOUND_MAX_CONCURRENCY = 16


@dataclass(frozen=True)
class MeasurementClass:
    """The classes a measurement's error is reported by (issue 10): architecture, GPU vendor, regime."""

    architecture: ArchitectureClass
    vendor: str
    regime: Regime
    multi_node: bool  # the deployment spans more than GPUS_PER_NODE GPUs (any architecture)
    # Reported only: the error bands a user sees widen by architecture, vendor and regime, since an estimate
    # does not name its engine.
    engine: Engine = "unstated"

    @property
    def model_kind(self) -> str:
        """``dense``, ``moe`` or ``hybrid`` (the architecture without the node split)."""
        return "moe" if self.architecture.startswith("moe") else self.architecture


def architecture_class(arch: Architecture, deployment_gpus: int) -> ArchitectureClass:
    """The architecture class of a deployment (issue 10), shared by the calibration report and the error bands.

    ``hybrid`` when the model has linear-attention layers; else ``dense``; else MoE on one node or on several
    (``deployment_gpus``, the GPUs of one deployment or replica, more than ``GPUS_PER_NODE``).
    """
    if arch.num_linear_attention_layers > 0:
        return "hybrid"
    if not arch.is_moe:
        return "dense"
    return "moe_multi_node" if deployment_gpus > GPUS_PER_NODE else "moe_single_node"


def deployment_gpus(m: Measurement) -> int:
    """GPUs in the measured deployment [-]: the largest of the stated TP and EP sizes, the GPU count and, for a
    disaggregated run, the two pools together."""
    pools = (m.prefill_gpus or 0) + (m.decode_gpus or 0)
    return max(m.tensor_parallel or 0, m.expert_parallel or 0, m.num_gpus, pools)


# Metrics of a disaggregated run that its decode pool alone determines (per decode GPU, per user, per token).
DECODE_POOL_METRICS: frozenset[str] = frozenset({"output_tokens_per_s_per_gpu", "output_tokens_per_s_per_user",
                                                 "tpot_ms"})


def layout_modelled(m: Measurement) -> bool:
    """Whether the model predicts the measurement under its layout: every colocated run, and a disaggregated run
    (``decode_gpus`` set) whose metric is one of the decode pool's (``DECODE_POOL_METRICS``) and whose per-GPU
    figure divides by the decode GPUs or by both pools (``num_gpus``). Others stay in the set, are listed by
    ``validate`` and are left out of the errors and the fit."""
    if m.decode_gpus is None:
        return True
    return m.metric in DECODE_POOL_METRICS and m.num_gpus in (m.decode_gpus, m.decode_gpus + (m.prefill_gpus or 0))


def modelled(measurements: Sequence[Measurement]) -> list[Measurement]:
    """The measurements whose layout the model predicts (``layout_modelled``), in file order."""
    return [m for m in measurements if layout_modelled(m)]


def serving_engine(software: str | None) -> Engine:
    """The serving engine a measurement's ``software`` text names (``ENGINE_MARKERS``), ``other_engine`` when
    it names none of them, ``unstated`` when there is no text."""
    if not software:
        return "unstated"
    lowered = software.lower()
    return next((engine for marker, engine in ENGINE_MARKERS if marker in lowered), "other_engine")


def measurement_class(m: Measurement, cat: Catalog) -> MeasurementClass:
    """Classify a measurement.

    architecture: ``architecture_class`` of the model over the measured deployment's GPUs. regime:
    ``latency_bound`` for interactive and batch-1 runs, per-user speed, TPOT or TTFT metrics, and fixed
    concurrencies up to ``LATENCY_BOUND_MAX_CONCURRENCY``; else ``throughput_bound``. engine:
    ``serving_engine`` of its software.
    """
    n = deployment_gpus(m)
    kind = architecture_class(cat.model(m.model_id).architecture, n)
    latency = (m.scenario in ("interactive", "batch1")
               or m.metric in TIME_METRICS or m.metric == "output_tokens_per_s_per_user"
               or (m.concurrency is not None and m.concurrency <= LATENCY_BOUND_MAX_CONCURRENCY))
    return MeasurementClass(kind, cat.gpu(m.gpu_id).vendor, "latency_bound" if latency else "throughput_bound",
                            n > GPUS_PER_NODE, serving_engine(m.software))


def measured_layout(meas: Measurement, is_moe: bool) -> str:
    """The layout a measurement ran: expert parallel when it states an expert-parallel size above 1 (MoE),
    tensor parallel when it states only a tensor-parallel size, else ``auto`` (submitters tune it)."""
    if is_moe and meas.expert_parallel and meas.expert_parallel > 1:
        return "ep"
    if meas.tensor_parallel:
        return "tp"
    return "auto"


def run_efficiency(meas: Measurement, eff: Efficiency) -> Efficiency:
    """The constants a measured run is predicted with: the engine's batch cap as the run set it, where it states
    one, in place of both fitted caps (per tensor-parallel scheduler and per DP-attention rank)."""
    if meas.max_batch_size is None:
        return eff
    return eff.model_copy(update={"max_batch_size": meas.max_batch_size,
                                  "max_batch_size_per_rank": meas.max_batch_size})


def predict(meas: Measurement, cat: Catalog, eff: Efficiency) -> float:
    """Predict the measurement's metric under its stated conditions (see module docstring)."""
    if not layout_modelled(meas):
        raise CatalogError(f"measurement {meas.id}: metric {meas.metric} of a disaggregated run is not modelled "
                           f"(the decode pool alone gives {', '.join(sorted(DECODE_POOL_METRICS))})")
    model = cat.model(meas.model_id)
    gpu = cat.gpu(meas.gpu_id)
    eff = run_efficiency(meas, eff)
    replica = meas.tensor_parallel or meas.expert_parallel
    limits = meas.scenario in ("server", "interactive")
    # A disaggregated run's figure is its decode pool's, fed by a prefill pool that keeps up: one decode instance
    # alone (the stated EP/TP size, else the whole pool), its TTFT left to the prefill pool.
    decode_only = meas.decode_gpus is not None
    if decode_only:
        replica = replica or meas.decode_gpus
    wl = RequestShape(
        input_tokens=max(1, round(meas.input_tokens)),
        output_tokens=max(1, round(meas.output_tokens)),
        ttft_slo_ms=meas.ttft_slo_ms if limits and not decode_only else None,
        tpot_slo_ms=meas.tpot_slo_ms if limits else None,
    )
    concurrency = meas.concurrency if meas.scenario in ("batch1", "fixed_concurrency") else None
    counts = [replica] if replica else [n for n in GPU_COUNTS if n <= meas.num_gpus]
    layout = measured_layout(meas, model.architecture.is_moe)
    speculation = cat.speculative_for(meas.model_id, meas.num_draft_tokens) if meas.num_draft_tokens else None
    if meas.num_draft_tokens and speculation is None:
        raise CatalogError(f"measurement {meas.id}: no speculative-decoding entry for {meas.model_id} with "
                           f"{meas.num_draft_tokens} draft tokens in data/speculative.yaml")
    # Unknown parallelism: submitters tune it, so take the GPUs per replica with the most throughput per GPU.
    est = max((estimate(model.architecture, gpu, wl, eff, precision=meas.precision,
                        kv_precision=meas.kv_precision, num_gpus=n, concurrency=concurrency,
                        layout=layout if n > 1 else "tp", speculation=speculation, decode_only=decode_only,
                        open_loop=limits)
               for n in counts),
              key=lambda e: (e.fits, e.output_tokens_per_s_per_gpu))
    metric = meas.metric
    if metric == "output_tokens_per_s_per_gpu":
        # Per decode GPU; a figure divided by both pools' GPUs counts the prefill GPUs too.
        decode_share = meas.decode_gpus / meas.num_gpus if meas.decode_gpus else 1.0
        return est.output_tokens_per_s_per_gpu * decode_share
    if metric == "total_tokens_per_s_per_gpu":
        return est.output_tokens_per_s_per_gpu * (meas.input_tokens + meas.output_tokens) / meas.output_tokens
    if metric == "output_tokens_per_s_per_user":
        return 1000.0 / est.tpot_ms
    if metric == "tpot_ms":
        return est.tpot_ms
    return est.ttft_ms


def compare(cat: Catalog, eff: Efficiency, measurements: Sequence[Measurement]) -> list[Comparison]:
    """Predict every measurement whose layout is modelled (``modelled``)."""
    return [Comparison(m, predict(m, cat, eff)) for m in modelled(measurements)]


def median_abs_error(comparisons: Sequence[Comparison]) -> float:
    """Median of |predicted / measured - 1| [-]."""
    return float(np.median([abs(c.error_frac) for c in comparisons]))


def mean_abs_error(comparisons: Sequence[Comparison]) -> float:
    """Mean of |predicted / measured - 1| [-]."""
    return float(np.mean([abs(c.error_frac) for c in comparisons]))


def _objective(cat: Catalog, eff: Efficiency, measurements: Sequence[Measurement]) -> float:
    errs = [abs(math.log(c.predicted / c.measurement.measured_value)) for c in compare(cat, eff, measurements)]
    return float(np.mean(np.minimum(errs, OUTLIER_CLIP)))


# Fit objective: mean absolute log error with each point's error capped at 0.7 (a factor of 2), so that a
# handful of measurements no model of this kind can match (early-2025 software, TTFT with queueing) cannot
# steer the constants, while every point still counts (a median would ignore half of them).
OUTLIER_CLIP = 0.7

FIT_GRID: dict[str, tuple[float, ...]] = {
    "bandwidth_efficiency_frac": (0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),
    "expert_bandwidth_efficiency_frac": (0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9),
    "flops_efficiency_frac": (0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75),
    "fp4_flops_efficiency_frac": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6),
    "weight_only_flops_efficiency_frac": (0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6),
    "step_overhead_s": (0.0, 0.0005, 0.001, 0.002, 0.003, 0.004, 0.006, 0.008),
    "layer_overhead_s": (0.0, 1e-5, 2e-5, 3e-5, 5e-5, 8e-5),
    "sequence_overhead_s": (0.0, 5e-6, 1e-5, 2e-5, 4e-5, 8e-5),
    "dp_rank_sequence_overhead_s": (0.0, 2e-5, 4e-5, 6e-5, 8e-5, 1.2e-4, 1.6e-4),
    "allreduce_latency_s": (0.0, 2e-6, 5e-6, 1e-5, 2e-5, 3e-5),
    "max_batch_size": (256, 512, 1024, 2048, 4096),
    "max_batch_size_per_rank": (64, 128, 256, 512, 1024, 2048),
}
# The fitted constants that are whole numbers (batch caps).
WHOLE_NUMBER_KEYS = frozenset({"max_batch_size", "max_batch_size_per_rank"})


def fit(cat: Catalog, start: Efficiency, measurements: Sequence[Measurement], passes: int = 3,
        num_starts: int = 1, seed: int = 0, refine: bool = True) -> Efficiency:
    """Minimise the capped mean absolute log error (``_objective``) over the ``FIT_GRID`` constants.

    Coordinate descent over the grid from ``start`` and from ``num_starts - 1`` random grid points (seeded,
    reproducible): the objective is flat and piecewise (the chosen concurrency, the engine's batch cap and the
    roofline's max switch), so the nearest grid minimum of one start is often not the best. The best end point
    is then refined off the grid (``_refine``: a pattern search in relative steps), since the grid's spacing
    (5 to 50 % of a value) is coarser than the error the fit resolves.
    """
    rng = np.random.default_rng(seed)
    starts = [start] + [
        start.model_copy(update={name: values[int(rng.integers(len(values)))] for name, values in FIT_GRID.items()})
        for _ in range(num_starts - 1)
    ]
    best, best_score = start, math.inf
    for begin in starts:
        current, score = _descend(cat, begin, measurements, passes)
        if score < best_score:
            best, best_score = current, score
    return _refine(cat, best, best_score, measurements)[0] if refine else best


REFINE_STEPS_FRAC: tuple[float, ...] = (0.2, 0.1, 0.05)


def _refine(cat: Catalog, start: Efficiency, start_score: float, measurements: Sequence[Measurement],
            sweeps: int = 2) -> tuple[Efficiency, float]:
    """Pattern search off the grid: each constant in turn is multiplied by ``1 +- step`` for the steps of
    ``REFINE_STEPS_FRAC`` (a constant at 0 tries half its grid's smallest positive value), keeping a move that
    lowers the objective; values stay within the grid's range and the schema's bounds, and the engine's batch
    cap stays a whole number."""
    best, best_score = start, start_score
    for _ in range(sweeps):
        improved = False
        for name, values in FIT_GRID.items():
            low, high = min(values), max(values)
            for step in REFINE_STEPS_FRAC:
                value = float(getattr(best, name))
                positive = [v for v in values if v > 0]
                trials = [value * (1 + step), value * (1 - step)] if value > 0 else [min(positive) / 2]
                for trial in trials:
                    trial = float(f"{min(max(trial, low), high):.4g}")
                    if name in WHOLE_NUMBER_KEYS:
                        trial = float(round(trial))
                    if trial == value:
                        continue
                    candidate = best.model_copy(update={name: int(trial) if name in WHOLE_NUMBER_KEYS else trial})
                    score = _objective(cat, candidate, measurements)
                    if score < best_score - 1e-9:
                        best, best_score, improved = candidate, score, True
                        value = trial
        if not improved:
            break
    return best, best_score


def _descend(cat: Catalog, start: Efficiency, measurements: Sequence[Measurement],
             passes: int) -> tuple[Efficiency, float]:
    best = start
    best_score = _objective(cat, best, measurements)
    for _ in range(passes):
        improved = False
        for name, values in FIT_GRID.items():
            for value in values:
                trial = best.model_copy(update={name: value})
                score = _objective(cat, trial, measurements)
                if score < best_score - 1e-9:
                    best, best_score, improved = trial, score, True
        if not improved:
            break
    return best, best_score


# ------------------------------------------------------------------------------------------ out of sample
NUM_FOLDS = 5
OUT_OF_SAMPLE_FILE = CALIBRATION_FILE.parent / "out_of_sample.yaml"


def fold_of(index: int, num_folds: int = NUM_FOLDS) -> int:
    """Fold of the measurement at position ``index`` of the modelled measurements (``modelled``, file order):
    interleaved, ``index mod k``."""
    return index % num_folds


@dataclass(frozen=True)
class Residual:
    """One measurement predicted by constants fitted without it."""

    id: str
    fold: int
    predicted: float
    measured: float
    klass: MeasurementClass
    metric: str

    @property
    def ratio(self) -> float:
        """Predicted / measured [-] (1 = exact), in the metric's own direction."""
        return self.predicted / self.measured

    @property
    def speed_ratio(self) -> float:
        """Predicted / measured speed [-]: ``ratio`` for a rate, its inverse for a time (``TIME_METRICS``).

        Above 1 the model is optimistic whatever the metric: a TTFT predicted at half the measured one is a
        prefill predicted twice as fast (2.0, where ``ratio`` says 0.5). Error bands that scale a deployment's
        capacity by this draw must use it, not ``ratio``.
        """
        return 1.0 / self.ratio if self.metric in TIME_METRICS else self.ratio


def fold_constants(base: Efficiency, fitted: dict[str, float]) -> Efficiency:
    """The shipped constants with a fold's fitted ones (the ``FIT_GRID`` keys) substituted."""
    update: dict[str, float | int] = {name: int(fitted[name]) if name in WHOLE_NUMBER_KEYS else fitted[name]
                                      for name in FIT_GRID}
    return base.model_copy(update=update)


def predict_out_of_sample(cat: Catalog, base: Efficiency, measurements: Sequence[Measurement],
                          constants_by_fold: Sequence[dict[str, float]]) -> list[Residual]:
    """Predict every modelled measurement (but the ratio points) with the constants of the fold that held it out;
    folds are positions in the modelled list (``fold_of``)."""
    out = []
    for j, m in enumerate(modelled(measurements)):
        if is_ratio_point(m):
            continue
        k = fold_of(j, len(constants_by_fold))
        predicted = predict(m, cat, fold_constants(base, constants_by_fold[k]))
        out.append(Residual(m.id, k, predicted, m.measured_value, measurement_class(m, cat), m.metric))
    return out


def neutral_start() -> dict[str, float]:
    """The middle value of every ``FIT_GRID`` axis: a starting point that knows nothing of the data."""
    return {name: float(values[len(values) // 2]) for name, values in FIT_GRID.items()}


def fit_fold(cat: Catalog, base: Efficiency, measurements: Sequence[Measurement], fold: int,
             num_folds: int = NUM_FOLDS, num_starts: int = 2) -> dict[str, float]:
    """Fit the constants on every fold but ``fold`` (slow: minutes); the fold's constants by name.

    The descent starts from ``neutral_start`` (plus seeded random starts), never from the shipped constants,
    which were fitted on every point including the held-out ones.
    """
    train = [m for j, m in enumerate(modelled(measurements)) if fold_of(j, num_folds) != fold]
    eff = fit(cat, fold_constants(base, neutral_start()), train, num_starts=num_starts)
    return {name: float(getattr(eff, name)) for name in FIT_GRID}


def fit_folds(cat: Catalog, base: Efficiency, measurements: Sequence[Measurement], num_folds: int = NUM_FOLDS,
              num_starts: int = 2) -> list[dict[str, float]]:
    """``fit_fold`` for every fold in turn (``scripts/fit_out_of_sample.py`` runs them in parallel)."""
    return [fit_fold(cat, base, measurements, k, num_folds, num_starts) for k in range(num_folds)]


def write_out_of_sample(path: Path, constants_by_fold: Sequence[dict[str, float]],
                        residuals: Sequence[Residual], header: str) -> None:
    """Write the fold constants and held-out predictions (the edge: ``scripts/fit_out_of_sample.py``)."""
    payload = {
        "folds": [{"fold": k, "constants": dict(c)} for k, c in enumerate(constants_by_fold)],
        "residuals": [{"id": r.id, "fold": r.fold, "predicted": round(r.predicted, 6), "measured": r.measured}
                      for r in residuals],
    }
    path.write_text(header + yaml.safe_dump(payload, sort_keys=False, width=120), encoding="utf-8")


def stored_fold_constants(path: Path = OUT_OF_SAMPLE_FILE) -> list[dict[str, float]]:
    """Each fold's fitted constants as stored by ``scripts/fit_out_of_sample.py``."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [{k: float(v) for k, v in f["constants"].items()} for f in raw["folds"]]


def out_of_sample_residuals(cat: Catalog, path: Path = OUT_OF_SAMPLE_FILE) -> list[Residual]:
    """Per-measurement out-of-sample predicted/measured ratios with class labels, from the stored file.

    Fast (reads a file). ``tests/test_validate.py`` re-predicts every point from the stored fold constants
    and fails when the file no longer matches the code or the calibration set.
    """
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    by_id = {m.id: m for m in load_measurements()}
    stale = [r["id"] for r in raw["residuals"] if r["id"] not in by_id]
    if stale:
        raise CatalogError(f"{path.name} names measurement {stale[0]}, which is not in the calibration set; "
                           "re-run scripts/fit_out_of_sample.py")
    return [Residual(r["id"], int(r["fold"]), float(r["predicted"]), float(r["measured"]),
                     measurement_class(by_id[r["id"]], cat), by_id[r["id"]].metric) for r in raw["residuals"]]


def abs_error_quantile(ratios: Sequence[float], q: float) -> float:
    """Quantile q of |ratio - 1| [-] (0.5 = median, 0.9 = p90)."""
    return float(np.quantile([abs(r - 1.0) for r in ratios], q)) if ratios else math.nan


def error_by_class(rows: Sequence[tuple[MeasurementClass, float]]) -> list[dict[str, object]]:
    """Median and p90 of |ratio - 1| per class value (architecture, vendor, regime, serving engine) and
    overall."""
    groups: dict[str, list[float]] = {"all": [r for _, r in rows]}
    for klass, ratio in rows:
        for label in (klass.architecture, klass.vendor, klass.regime, klass.engine):
            groups.setdefault(label, []).append(ratio)
    return [{"class": name, "num_measurements": len(v), "median_abs_error_frac": abs_error_quantile(v, 0.5),
             "p90_abs_error_frac": abs_error_quantile(v, 0.9),
             "within_25_percent_frac": float(np.mean([abs(r - 1) <= 0.25 for r in v]))}
            for name, v in groups.items()]


def table(comparisons: Sequence[Comparison]) -> list[dict[str, object]]:
    """Rows of predicted vs measured, for printing, the app's Method page and CSV."""
    rows = []
    for c in comparisons:
        m = c.measurement
        rows.append({
            "id": m.id, "model_id": m.model_id, "gpu_id": m.gpu_id, "num_gpus": m.num_gpus,
            "precision": m.precision, "scenario": m.scenario, "input_tokens": m.input_tokens,
            "output_tokens": m.output_tokens, "metric": m.metric, "measured": m.measured_value,
            "predicted": c.predicted, "error_frac": c.error_frac, "source": m.source,
        })
    return rows


def errors_by_class(cat: Catalog, comparisons: Sequence[Comparison]) -> tuple[list[dict[str, object]],
                                                                             list[dict[str, object]]]:
    """Per-class error rows in sample (these comparisons) and out of sample (the stored residuals; empty
    without the file); the p99/mean ratio points are left out of both."""
    in_sample = error_by_class([(measurement_class(c.measurement, cat), c.predicted / c.measurement.measured_value)
                                for c in comparisons if not is_ratio_point(c.measurement)])
    residuals = out_of_sample_residuals(cat) if OUT_OF_SAMPLE_FILE.exists() else []
    return in_sample, error_by_class([(r.klass, r.ratio) for r in residuals])
