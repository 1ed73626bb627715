"""Vectorised sweep over models x GPUs x precisions x GPU counts x layouts x concurrencies.

The sweep builds index arrays for the cartesian product, gathers each model's and GPU's features into
columns, and calls :func:`calculator.pipeline.evaluate` once for all configurations: no Python loop runs
per configuration. ``bench/bench_sweep.py`` prints its configurations per second.

Concurrencies are a geometric grid (x1.5 steps) plus, for every deployment, the largest mean concurrency its
slots carry (memory and the engine's cap, with free slots for 99 % of random arrivals:
``calculator.pipeline.mean_concurrency_limit``), so the memory-limited optimum is always among the rows. The
sweep serves request streams: every row is an open loop. Layouts (``calculator.pipeline``):
tensor parallel for every model, pipeline parallel across scale-up domains for every model on more GPUs
than one domain holds (shown as layout ``tp`` with ``pipeline_parallel`` > 1), expert parallel with
data-parallel attention for MoE models on 2 or more GPUs; ``best_per_deployment`` then picks the cheapest
layout, GPU count and concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt
import pandas as pd

from calculator.pipeline import (
    LAYOUT_DISAGG_NAME,
    LAYOUT_EP,
    LAYOUT_PP,
    LAYOUT_SHOWN,
    LAYOUT_TP,
    LAYOUTS,
    Evaluation,
    GpuFeatures,
    ModelFeatures,
    bound,
    concat,
    evaluate,
    evaluate_disaggregated,
    gpu_features,
    meets_latency_limits,
    model_features,
    stack,
    take,
)
from calculator.schemas import Efficiency, Gpu, Model, SpeculativeDecoding
from calculator.throughput import pipeline_stages
from calculator.units import MS_PER_S, default_kv_precision

CONCURRENCY_GRID: tuple[int, ...] = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512,
                                     768, 1024, 1536, 2048, 3072, 4096)
GPU_COUNTS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64)


@dataclass(frozen=True)
class SweepArrays:
    """Raw result of a sweep: index columns and the Evaluation (arrays over configurations)."""

    model_index: npt.NDArray[np.int64]
    gpu_index: npt.NDArray[np.int64]
    precision_index: npt.NDArray[np.int64]
    num_gpus: npt.NDArray[np.float64]
    layout_index: npt.NDArray[np.int64]  # position in calculator.pipeline.LAYOUTS
    concurrency: npt.NDArray[np.float64]
    evaluation: Evaluation
    meets_limits: npt.NDArray[np.bool_]


def sweep_arrays(
    models: Sequence[Model],
    gpus: Sequence[Gpu],
    precisions: Sequence[str],
    input_tokens: float,
    output_tokens: float,
    eff: Efficiency,
    gpu_counts: Sequence[int] = GPU_COUNTS,
    concurrencies: Sequence[int] = CONCURRENCY_GRID,
    usd_per_gpu_hour: Sequence[float] | None = None,
    ttft_slo_ms: float | None = None,
    tpot_slo_ms: float | None = None,
    kv_precision: str | None = None,
    layouts: Sequence[str] = LAYOUTS,
    cached_input_frac: float = 0.0,
    speculation: Sequence[SpeculativeDecoding | None] | None = None,
) -> SweepArrays:
    """Evaluate every combination; return arrays (see :func:`sweep` for the DataFrame).

    ``speculation``: per model, the speculative decoding it is served with (``Catalog.speculative_for``, as
    ``estimate`` takes it) or None; default none.
    """
    num_m, num_g, num_p, num_n = len(models), len(gpus), len(precisions), len(gpu_counts)
    # Features per (model, precision) and (gpu, precision), flattened as index = a * num_p + p.
    m_feats = [model_features(m.architecture, p, kv_precision or default_kv_precision(p))
               for m in models for p in precisions]
    g_feats = [gpu_features(g, p, kv_precision) for g in gpus for p in precisions]
    prices = np.asarray(usd_per_gpu_hour if usd_per_gpu_hour is not None else np.zeros(num_g), dtype=float)
    spec = list(speculation) if speculation is not None else [None] * num_m
    accepted = np.array([s.accepted_tokens_per_step if s else 1.0 for s in spec], dtype=float)
    drafts = np.array([float(s.num_draft_tokens) if s else 0.0 for s in spec], dtype=float)

    # Deployments: (model, GPU, precision, GPU count, layout, prefill share of the GPUs).
    codes = np.array([LAYOUTS.index(name) for name in layouts], dtype=np.int64)
    mi, gi, pi, ni, li, fi = (a.ravel() for a in np.meshgrid(
        np.arange(num_m), np.arange(num_g), np.arange(num_p), np.arange(num_n), codes,
        np.arange(len(PREFILL_FRACS)), indexing="ij"))
    # Expert parallelism only for MoE models on 2 or more GPUs; pipeline stages only beyond one scale-up domain;
    # disaggregated pools from 2 GPUs (dense models: half the GPUs prefill; MoE models also a quarter).
    is_moe = np.array([m.architecture.is_moe for m in models], dtype=bool)
    domain = np.array([g.scale_up_domain_gpus for g in gpus], dtype=float)
    counts = np.asarray(gpu_counts, dtype=float)[ni]
    frac = np.asarray(PREFILL_FRACS)[fi]
    disagg = li == LAYOUTS.index(LAYOUT_DISAGG_NAME)
    first_frac = fi == 0
    keep = np.where(
        disagg,
        (counts * frac >= 1.0) & (np.mod(counts * frac, 1.0) == 0) & (first_frac | is_moe[mi]) & (counts >= 2),
        first_frac & ((li == LAYOUTS.index("tp")) | ((li == LAYOUTS.index("ep")) & is_moe[mi] & (counts >= 2))
                      | ((li == LAYOUTS.index("pp")) & (counts > domain[gi]))))
    # Colocated deployments first, then disaggregated ones (the order of the rows of the result).
    order = np.concatenate([np.flatnonzero(keep & ~disagg), np.flatnonzero(keep & disagg)])
    mi, gi, pi, ni, li, frac = mi[order], gi[order], pi[order], ni[order], li[order], frac[order]
    rows = _Rows(n=np.asarray(gpu_counts, dtype=float)[ni], layout=li, prefill_frac=frac,
                 moe=is_moe[mi], domain=domain[gi], accepted=accepted[mi], drafts=drafts[mi])
    m_cols = stack(m_feats, mi * num_p + pi)
    g_cols = stack(g_feats, gi * num_p + pi)

    # Pass 1: one configuration per deployment (concurrency 1) gives the mean concurrency its slots carry.
    first = _evaluate_rows(rows, m_cols, g_cols, np.ones(mi.size), input_tokens, output_tokens, np.zeros(mi.size),
                           eff, cached_input_frac)
    cap = np.maximum(np.floor(first.max_mean_concurrency), 1.0)

    # Pass 2: the grid plus the memory-limited concurrency of each deployment.
    grid = np.asarray(concurrencies, dtype=float)
    conc = np.concatenate([np.broadcast_to(grid, (mi.size, grid.size)), cap[:, None]], axis=1)
    width = conc.shape[1]
    rep = np.repeat(np.arange(mi.size), width)
    conc_flat = conc.ravel()
    ev = _evaluate_rows(rows.take(rep), take(m_cols, rep), take(g_cols, rep), conc_flat, input_tokens,
                        output_tokens, prices[gi[rep]], eff, cached_input_frac)
    ok = ev.fits & ev.concurrency_fits & meets_latency_limits(ev, ttft_slo_ms, tpot_slo_ms, eff)
    return SweepArrays(mi[rep], gi[rep], pi[rep], rows.n[rep], li[rep], conc_flat, ev, ok)


PREFILL_FRACS: tuple[float, ...] = (0.5, 0.25)  # shares of a disaggregated deployment's GPUs that prefill


@dataclass(frozen=True)
class _Rows:
    """Per-deployment columns the evaluation needs beyond the features."""

    n: npt.NDArray[np.float64]
    layout: npt.NDArray[np.int64]
    prefill_frac: npt.NDArray[np.float64]
    moe: npt.NDArray[np.bool_]
    domain: npt.NDArray[np.float64]
    accepted: npt.NDArray[np.float64]
    drafts: npt.NDArray[np.float64]

    def take(self, index: npt.NDArray[np.int64]) -> _Rows:
        return _Rows(*(np.asarray(getattr(self, f.name))[index] for f in fields(self)))


def _pool_layout(num_gpus: npt.NDArray[np.float64], moe: npt.NDArray[np.bool_],
                 domain: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Layout code of a disaggregated pool (as ``calculator.sizing.pool_layout``)."""
    piped = np.asarray(pipeline_stages(num_gpus, domain)) > 1
    return np.where(moe & (num_gpus >= 2), LAYOUT_EP, np.where(piped, LAYOUT_PP, LAYOUT_TP))


def _evaluate_rows(rows: _Rows, m: ModelFeatures, g: GpuFeatures, concurrency: npt.NDArray[np.float64],
                   input_tokens: float, output_tokens: float, prices: npt.NDArray[np.float64], eff: Efficiency,
                   cached_input_frac: float) -> Evaluation:
    """Evaluate colocated rows with ``evaluate`` and disaggregated ones with ``evaluate_disaggregated``; the
    colocated rows come first (``sweep_arrays`` orders them so)."""
    dis = rows.layout == LAYOUTS.index(LAYOUT_DISAGG_NAME)
    co, di = np.flatnonzero(~dis), np.flatnonzero(dis)
    parts = []
    if co.size:
        r = rows.take(co)
        parts.append(evaluate(take(m, co), take(g, co), r.n, concurrency[co], input_tokens, output_tokens,
                              prices[co], eff, r.layout.astype(float), cached_input_frac, r.accepted, r.drafts,
                              open_loop=1.0))
    if di.size:
        r = rows.take(di)
        n_p = r.n * r.prefill_frac
        n_d = r.n - n_p
        parts.append(evaluate_disaggregated(
            take(m, di), take(g, di), n_p, n_d, concurrency[di], input_tokens, output_tokens, prices[di], eff,
            _pool_layout(n_p, r.moe, r.domain), _pool_layout(n_d, r.moe, r.domain), cached_input_frac,
            r.accepted, r.drafts, open_loop=1.0))
    return concat(parts)


def to_frame(arrays: SweepArrays, models: Sequence[Model], gpus: Sequence[Gpu],
             precisions: Sequence[str]) -> pd.DataFrame:
    """Tidy table of a sweep: one row per configuration, unit-suffixed columns."""
    ev = arrays.evaluation
    is_moe = np.array([m.architecture.is_moe for m in models], dtype=bool)[arrays.model_index]
    decode_gpus = arrays.num_gpus - ev.num_prefill_gpus
    disagg = arrays.layout_index == LAYOUTS.index(LAYOUT_DISAGG_NAME)
    ep = (arrays.layout_index == LAYOUTS.index("ep")) | (disagg & is_moe & (decode_gpus >= 2))
    shown = [LAYOUT_SHOWN[name] for name in LAYOUTS]
    categories = list(dict.fromkeys(shown))
    layout_codes = np.array([categories.index(name) for name in shown])[arrays.layout_index]
    stages = ev.pipeline_stages
    return pd.DataFrame({
        "model_id": pd.Categorical.from_codes(arrays.model_index, [m.id for m in models]),
        "gpu_id": pd.Categorical.from_codes(arrays.gpu_index, [g.id for g in gpus]),
        "precision": pd.Categorical.from_codes(arrays.precision_index, list(precisions)),
        "num_gpus": arrays.num_gpus.astype(int),
        "layout": pd.Categorical.from_codes(layout_codes, categories),
        "tensor_parallel": np.where(ep, 1, decode_gpus / stages).astype(int),
        "pipeline_parallel": stages.astype(int),
        "expert_parallel": np.where(ep, decode_gpus, 1).astype(int),
        "data_parallel_attention": ep,
        "num_nodes": ev.num_nodes.astype(int),
        "num_prefill_gpus": ev.num_prefill_gpus.astype(int),
        "concurrency": arrays.concurrency.astype(int),
        "fits": ev.fits & ev.concurrency_fits,
        "meets_limits": arrays.meets_limits,
        "max_concurrency": ev.max_concurrency.astype(int),
        "weights_gb_per_gpu": ev.weights_gb_per_gpu,
        "kv_cache_gb_per_gpu": ev.kv_cache_gb_per_gpu,
        "memory_needed_gb_per_gpu": ev.memory_needed_gb_per_gpu,
        "experts_touched_per_layer": ev.experts_touched_per_layer,
        "ttft_ms": ev.ttft_s * MS_PER_S,
        "tpot_ms": ev.tpot_s * MS_PER_S,
        "ttft_p99_ms": ev.ttft_p99_s * MS_PER_S,
        "tpot_p99_ms": ev.tpot_p99_s * MS_PER_S,
        "output_tokens_per_s": ev.output_tokens_per_s,
        "output_tokens_per_s_per_gpu": ev.output_tokens_per_s_per_gpu,
        "requests_per_s": ev.requests_per_s,
        "usd_per_million_input_tokens": ev.usd_per_million_input_tokens,
        "usd_per_million_output_tokens": ev.usd_per_million_output_tokens,
        "usd_per_million_tokens": ev.usd_per_million_tokens,
        "bound": bound(ev),
    })


def sweep(models: Sequence[Model], gpus: Sequence[Gpu], precisions: Sequence[str], input_tokens: float,
          output_tokens: float, eff: Efficiency, **kwargs: object) -> pd.DataFrame:
    """Evaluate every combination and return a tidy DataFrame (see :func:`to_frame`)."""
    arrays = sweep_arrays(models, gpus, precisions, input_tokens, output_tokens, eff, **kwargs)  # type: ignore[arg-type]
    return to_frame(arrays, models, gpus, precisions)


def best_per_deployment(df: pd.DataFrame, by: str = "usd_per_million_tokens") -> pd.DataFrame:
    """For each (model, GPU, precision): the feasible row (fits, meets limits) with the lowest ``by``.

    With ``by="usd_per_million_tokens"`` that is the cheapest layout, GPU count and concurrency; rows of
    deployments where nothing is feasible are dropped.
    """
    feasible = df[df["fits"] & df["meets_limits"]]
    if feasible.empty:
        return feasible
    idx = feasible.groupby(["model_id", "gpu_id", "precision"], observed=True)[by].idxmin()
    return feasible.loc[idx.to_numpy()].reset_index(drop=True)
