"""Vectorised sweep over models x GPUs x precisions x GPU counts x layouts x concurrencies.

The sweep builds index arrays for the cartesian product, gathers each model's and GPU's features into
columns, and calls :func:`calculator.pipeline.evaluate` once for all configurations: no Python loop runs
per configuration. ``bench/bench_sweep.py`` prints its configurations per second.

Concurrencies are a geometric grid (x1.5 steps) plus, for every deployment, the largest concurrency that
fits in memory, so the memory-limited optimum is always among the rows. Layouts (``calculator.pipeline``):
tensor parallel for every model, pipeline parallel across scale-up domains for every model on more GPUs
than one domain holds (shown as layout ``tp`` with ``pipeline_parallel`` > 1), expert parallel with
data-parallel attention for MoE models on 2 or more GPUs; ``best_per_deployment`` then picks the cheapest
layout, GPU count and concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from calculator.pipeline import (
    LAYOUT_SHOWN,
    LAYOUTS,
    Evaluation,
    bound,
    evaluate,
    gpu_features,
    meets_latency_limits,
    model_features,
    stack,
    take,
)
from calculator.schemas import Efficiency, Gpu, Model
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
) -> SweepArrays:
    """Evaluate every combination; return arrays (see :func:`sweep` for the DataFrame)."""
    num_m, num_g, num_p, num_n = len(models), len(gpus), len(precisions), len(gpu_counts)
    # Features per (model, precision) and (gpu, precision), flattened as index = a * num_p + p.
    m_feats = [model_features(m.architecture, p, kv_precision or default_kv_precision(p))
               for m in models for p in precisions]
    g_feats = [gpu_features(g, p) for g in gpus for p in precisions]
    prices = np.asarray(usd_per_gpu_hour if usd_per_gpu_hour is not None else np.zeros(num_g), dtype=float)

    # Pass 1: one configuration per deployment (concurrency 1) gives the memory-limited concurrency.
    codes = np.array([LAYOUTS.index(name) for name in layouts], dtype=np.int64)
    mi, gi, pi, ni, li = (a.ravel() for a in np.meshgrid(np.arange(num_m), np.arange(num_g), np.arange(num_p),
                                                         np.arange(num_n), codes, indexing="ij"))
    # Expert parallelism only for MoE models on 2 or more GPUs; pipeline stages only beyond one scale-up domain.
    is_moe = np.array([m.architecture.is_moe for m in models], dtype=bool)
    domain = np.array([g.scale_up_domain_gpus for g in gpus], dtype=float)
    counts = np.asarray(gpu_counts, dtype=float)[ni]
    keep = ((li == LAYOUTS.index("tp")) | ((li == LAYOUTS.index("ep")) & is_moe[mi] & (counts >= 2))
            | ((li == LAYOUTS.index("pp")) & (counts > domain[gi])))
    mi, gi, pi, ni, li = mi[keep], gi[keep], pi[keep], ni[keep], li[keep]
    n_arr = np.asarray(gpu_counts, dtype=float)[ni]
    l_arr = li.astype(float)
    m_cols = stack(m_feats, mi * num_p + pi)
    g_cols = stack(g_feats, gi * num_p + pi)
    first = evaluate(m_cols, g_cols, n_arr, 1.0, input_tokens, output_tokens, 0.0, eff, l_arr, cached_input_frac)
    cap = np.maximum(first.max_concurrency, 1.0)

    # Pass 2: the grid plus the memory-limited concurrency of each deployment.
    grid = np.asarray(concurrencies, dtype=float)
    conc = np.concatenate([np.broadcast_to(grid, (mi.size, grid.size)), cap[:, None]], axis=1)
    width = conc.shape[1]
    rep = np.repeat(np.arange(mi.size), width)
    conc_flat = conc.ravel()
    m_cols2 = take(m_cols, rep)
    g_cols2 = take(g_cols, rep)
    ev = evaluate(m_cols2, g_cols2, n_arr[rep], conc_flat, input_tokens, output_tokens, prices[gi[rep]], eff,
                  l_arr[rep], cached_input_frac)
    ok = ev.fits & ev.concurrency_fits & meets_latency_limits(ev, ttft_slo_ms, tpot_slo_ms, eff)
    return SweepArrays(mi[rep], gi[rep], pi[rep], n_arr[rep], li[rep], conc_flat, ev, ok)


def to_frame(arrays: SweepArrays, models: Sequence[Model], gpus: Sequence[Gpu],
             precisions: Sequence[str]) -> pd.DataFrame:
    """Tidy table of a sweep: one row per configuration, unit-suffixed columns."""
    ev = arrays.evaluation
    ep = arrays.layout_index == LAYOUTS.index("ep")
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
        "tensor_parallel": np.where(ep, 1, arrays.num_gpus / stages).astype(int),
        "pipeline_parallel": stages.astype(int),
        "expert_parallel": np.where(ep, arrays.num_gpus, 1).astype(int),
        "data_parallel_attention": ep,
        "num_nodes": ev.num_nodes.astype(int),
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
