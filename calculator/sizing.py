"""Sizing: the fewest GPUs that hold a model, and the concurrency that gives the most throughput.

``estimate`` is the single-configuration entry point used by the CLI, the app and the validation: for each
deployment layout it may use (tensor parallel; beyond one scale-up domain, tensor parallel inside each domain
with pipeline stages across domains; expert parallel with data-parallel attention for MoE models;
``calculator.pipeline``) it evaluates every concurrency 1..max_concurrency through
``calculator.pipeline.evaluate`` and picks the one with the highest output throughput that meets the TTFT and
TPOT limits (or takes the concurrency given); then the layout with the most output per GPU, i.e. the
cheapest per token at a given GPU price, among those that fit and meet the limits.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from calculator.pipeline import (
    LAYOUT_DISAGG_NAME,
    LAYOUT_EP,
    LAYOUT_PP,
    LAYOUT_SHOWN,
    LAYOUT_TP,
    Evaluation,
    bound,
    evaluate,
    evaluate_disaggregated,
    gpu_features,
    meets_latency_limits,
    model_features,
    stack,
)
from calculator.schemas import Architecture, Efficiency, Gpu, SpeculativeDecoding
from calculator.throughput import pipeline_stages
from calculator.units import MAX_USD_PER_GPU_HOUR, MS_PER_S, default_kv_precision

GPU_COUNTS: tuple[int, ...] = (1, 2, 4, 8, 16, 32, 64, 128)
LAYOUT_CODES: dict[str, float] = {"tp": LAYOUT_TP, "ep": LAYOUT_EP, "pp": LAYOUT_PP}
LAYOUT_CHOICES: tuple[str, ...] = ("auto", "tp", "ep", "disagg")
SPEC_DECODE_CHOICES: tuple[str, ...] = ("auto", "off")


class SizingError(ValueError):
    """An input out of its accepted range; the message names the field and the range."""


@dataclass(frozen=True)
class RequestShape:
    """Request shape and latency limits of one estimate."""

    input_tokens: int
    output_tokens: int
    ttft_slo_ms: float | None = None
    tpot_slo_ms: float | None = None


@dataclass(frozen=True)
class Estimate:
    """One deployment's figures at its chosen concurrency (all per replica unless the name says per GPU)."""

    fits: bool
    num_gpus: int
    precision: str
    kv_precision: str
    concurrency: int
    max_concurrency: int
    meets_limits: bool
    weights_gb_per_gpu: float
    kv_cache_gb_per_gpu: float
    reserve_gb_per_gpu: float
    memory_needed_gb_per_gpu: float
    memory_gb_per_gpu: float
    kv_cache_bytes_per_token: float
    experts_touched_per_layer: float
    weight_bytes_read_per_step: float
    ttft_ms: float
    tpot_ms: float
    prefill_ms: float
    decode_step_ms: float
    output_tokens_per_s: float
    output_tokens_per_s_per_gpu: float
    requests_per_s: float
    usd_per_gpu_hour: float | None
    usd_per_million_input_tokens: float | None
    usd_per_million_output_tokens: float | None
    usd_per_million_tokens: float | None
    bound: str
    message: str
    layout: str = "tp"
    tensor_parallel: int = 1
    expert_parallel: int = 1
    data_parallel_attention: bool = False
    num_nodes: int = 1
    accepted_tokens_per_step: float = 1.0
    ttft_p99_ms: float = 0.0
    tpot_p99_ms: float = 0.0
    cached_input_frac: float = 0.0
    pipeline_parallel: int = 1
    num_prefill_gpus: int = 0  # GPUs of the prefill pool (layout disagg; 0 when prompts are colocated)
    num_decode_gpus: int = 0  # GPUs that decode (all of them unless the layout is disagg)
    open_loop: bool = False  # requests arrive at random (a served stream), not from a fixed number of clients
    max_mean_concurrency: float = 0.0  # mean sequences the slots carry (open loop: 99 % of arrivals find one free)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def check_range(name: str, value: float | None, low: float, high: float) -> None:
    """Raise SizingError naming the field and accepted range when value is outside [low, high] or not finite."""
    if value is None:
        return
    if not np.isfinite(value) or not low <= value <= high:
        raise SizingError(f"{name} must be between {low:g} and {high:g} (got {value!r})")


def kv_bytes_per_token(arch: Architecture, kv_precision: str) -> float:
    """KV-cache bytes per context token of the layers whose cache grows with context [B/token]."""
    feats = model_features(arch, "bf16", kv_precision)
    return float(feats.kv_full_bytes_per_token) + float(feats.kv_local_bytes_per_token)


def _evaluate_one(
    arch: Architecture, gpu: Gpu, precision: str, kv_precision: str, num_gpus: int,
    concurrency: np.ndarray, wl: RequestShape, usd_per_gpu_hour: float, eff: Efficiency,
    layout: str = "tp", cached_input_frac: float = 0.0, speculation: SpeculativeDecoding | None = None,
    num_prefill_gpus: int = 0, decode_only: bool = False, open_loop: bool = False,
) -> Evaluation:
    """Evaluate one deployment over concurrencies; ``num_prefill_gpus`` > 0: ``num_gpus`` decode GPUs fed by a
    separate prefill pool of that many GPUs (``pipeline.evaluate_disaggregated``; each pool's own layout is
    ``pool_layout``); ``decode_only``: the deployment decodes only (a decode pool fed by an unlimited prefill
    pool, as benchmarks of one disaggregated pool measure it)."""
    idx = np.zeros(concurrency.shape, dtype=np.int64)
    m = stack([model_features(arch, precision, kv_precision)], idx)
    g = stack([gpu_features(gpu, precision, kv_precision)], idx)
    accepted = speculation.accepted_tokens_per_step if speculation else 1.0
    drafts = float(speculation.num_draft_tokens) if speculation else 0.0
    if num_prefill_gpus > 0:
        return evaluate_disaggregated(
            m, g, float(num_prefill_gpus), float(num_gpus), concurrency, float(wl.input_tokens),
            float(wl.output_tokens), usd_per_gpu_hour, eff,
            prefill_layout=LAYOUT_CODES[pool_layout(arch, gpu, num_prefill_gpus)],
            decode_layout=LAYOUT_CODES[pool_layout(arch, gpu, num_gpus)], cached_input_frac=cached_input_frac,
            accepted_tokens_per_step=accepted, num_draft_tokens=drafts, open_loop=float(open_loop))
    return evaluate(m, g, float(num_gpus), concurrency, float(wl.input_tokens), float(wl.output_tokens),
                    usd_per_gpu_hour, eff, layout=LAYOUT_CODES[layout], cached_input_frac=cached_input_frac,
                    accepted_tokens_per_step=accepted, num_draft_tokens=drafts,
                    colocated_prefill=0.0 if decode_only else 1.0, open_loop=float(open_loop))


def pool_layout(arch: Architecture, gpu: Gpu, num_gpus: int) -> str:
    """Layout of one pool of a disaggregated deployment: expert parallel for MoE models on 2 or more GPUs, else
    tensor parallel (pipelined across scale-up domains beyond one)."""
    if arch.is_moe and num_gpus >= 2:
        return "ep"
    return "pp" if pipeline_stages(num_gpus, gpu.scale_up_domain_gpus) > 1 else "tp"


def disagg_splits(arch: Architecture, gpu: Gpu, precision: str, kv_precision: str, wl: RequestShape,
                  eff: Efficiency, num_gpus: int | None) -> list[tuple[int, int]]:
    """(prefill GPUs, decode GPUs) splits a disaggregated estimate compares.

    Each pool takes a size from GPU_COUNTS at least the fewest GPUs that hold the model in its pool layout
    (F). With ``num_gpus`` N: every prefill size P with N - P >= F. Without: P in {F, 2F} and decode
    sizes {F, 2F, 4F, 8F}, so the ratio follows the workload (long prompts, short outputs: more prefill).
    """
    fit = next((n for n in GPU_COUNTS
                if max_concurrency(arch, gpu, precision, kv_precision, n, wl, eff, pool_layout(arch, gpu, n)) >= 1),
               None)
    if fit is None:
        return []
    if num_gpus is not None:
        return [(p, num_gpus - p) for p in GPU_COUNTS if p >= fit and num_gpus - p >= fit]
    return [(p, d) for p in (fit, 2 * fit) for d in (fit, 2 * fit, 4 * fit, 8 * fit)]


def max_concurrency(arch: Architecture, gpu: Gpu, precision: str, kv_precision: str, num_gpus: int,
                    wl: RequestShape, eff: Efficiency, layout: str = "tp", open_loop: bool = False) -> int:
    """Most sequences that fit in memory (and under the engine's cap) on one replica of ``num_gpus`` GPUs [-];
    ``open_loop``: the most it carries on average under random arrivals (``pipeline.mean_concurrency_limit``)."""
    ev = _evaluate_one(arch, gpu, precision, kv_precision, num_gpus, np.array([1.0]), wl, 0.0, eff, layout,
                       open_loop=open_loop)
    return int(ev.max_mean_concurrency[0])


def fewest_gpus(arch: Architecture, gpu: Gpu, precision: str, kv_precision: str, wl: RequestShape,
                eff: Efficiency, layout: str = "tp", open_loop: bool = False) -> int | None:
    """Fewest GPUs per replica (from GPU_COUNTS) on which at least one sequence fits (open loop: is carried on
    average); None if none does."""
    for n in GPU_COUNTS:
        if max_concurrency(arch, gpu, precision, kv_precision, n, wl, eff, layout, open_loop) >= 1:
            return n
    return None


def layouts_for(arch: Architecture, layout: str, num_gpus: int | None) -> list[str]:
    """The layouts an estimate compares (``calculator.pipeline.LAYOUTS``).

    ``tp``: flat tensor parallel and, beyond one scale-up domain, tensor parallel inside each domain with
    pipeline stages across domains (``pp``, shown as ``tp`` with ``pipeline_parallel`` > 1). ``auto``: those,
    plus expert parallel for MoE models and disaggregated prefill/decode pools (``disagg``) when 2 or more GPUs
    may be used.
    """
    if layout not in LAYOUT_CHOICES:
        raise SizingError(f"layout must be one of {', '.join(LAYOUT_CHOICES)} (got {layout!r})")
    if layout == "ep" and not arch.is_moe:
        raise SizingError("layout ep (expert parallel) needs a mixture-of-experts model; use tp for dense models")
    if layout == "ep" and num_gpus == 1:
        raise SizingError("layout ep (expert parallel) needs num_gpus of at least 2")
    if layout == "disagg" and num_gpus == 1:
        raise SizingError("layout disagg (separate prefill and decode pools) needs num_gpus of at least 2")
    if layout == "auto":
        names = ["tp", "pp", "ep"] if arch.is_moe and num_gpus != 1 else ["tp", "pp"]
        return names + ([LAYOUT_DISAGG_NAME] if num_gpus != 1 else [])
    return ["tp", "pp"] if layout == "tp" else [layout]


def estimate(
    arch: Architecture,
    gpu: Gpu,
    wl: RequestShape,
    eff: Efficiency,
    precision: str = "bf16",
    kv_precision: str | None = None,
    num_gpus: int | None = None,
    concurrency: int | None = None,
    usd_per_gpu_hour: float | None = None,
    layout: str = "auto",
    cached_input_frac: float = 0.0,
    speculation: SpeculativeDecoding | None = None,
    decode_only: bool = False,
    open_loop: bool | None = None,
) -> Estimate:
    """Estimate memory, latency, throughput and cost of one deployment.

    Parameters
    ----------
    arch, gpu : the model architecture and GPU type.
    wl : request shape [tokens] and optional TTFT/TPOT limits [ms], read as 99th percentiles.
    eff : efficiency constants.
    precision, kv_precision : weight and KV-cache precision; KV defaults to fp8 for fp8/fp4 weights.
    num_gpus : GPUs in the deployment; default the fewest that fit (per layout).
    concurrency : sequences decoded together; default the highest-throughput one within memory and limits.
    usd_per_gpu_hour : price of GPU time [$/GPU-hour]; costs are None without it.
    layout : ``auto`` (the best of the layouts the model can use), ``tp`` (flat, or pipelined across scale-up
        domains: ``pipeline_parallel`` in the result) or ``ep``.
    cached_input_frac : share of each prompt served from the prefix cache [-], in [0, 1).
    speculation : published speculative-decoding acceptance to decode with (``Catalog.speculative_for``);
        None decodes one token per step.
    decode_only : the deployment is the decode pool of a disaggregated one, fed by a prefill pool not counted
        (unlimited): its steps carry no prompt chunks; TTFT is then that of a colocated prefill, for reference.
        The disagg layout is not among the candidates then.
    open_loop : requests arrive at random (a served stream): the concurrency is a mean that leaves free slots for
        99 % of arrivals (``pipeline.mean_concurrency_limit``). Default: open unless ``concurrency`` is given (a
        fixed number of clients, as a benchmark runs them).
    """
    check_range("input_tokens", wl.input_tokens, 1, 10_000_000)
    check_range("output_tokens", wl.output_tokens, 1, 1_000_000)
    check_range("ttft_slo_ms", wl.ttft_slo_ms, 0.001, 1e9)
    check_range("tpot_slo_ms", wl.tpot_slo_ms, 0.001, 1e9)
    check_range("num_gpus", num_gpus, 1, 4096)
    check_range("concurrency", concurrency, 1, 1_000_000)
    check_range("usd_per_gpu_hour", usd_per_gpu_hour, 0.0, MAX_USD_PER_GPU_HOUR)
    check_range("cached_input_frac", cached_input_frac, 0.0, 0.99)
    kv_precision = kv_precision or default_kv_precision(precision)
    arrivals_open = concurrency is None if open_loop is None else open_loop
    candidates = []
    names = layouts_for(arch, layout, num_gpus)
    if decode_only:
        names = [name for name in names if name != LAYOUT_DISAGG_NAME]
    for name in names:
        if name == LAYOUT_DISAGG_NAME:
            splits = disagg_splits(arch, gpu, precision, kv_precision, wl, eff, num_gpus)
            if not splits and layout == LAYOUT_DISAGG_NAME:
                raise SizingError(f"layout disagg needs num_gpus of at least twice the fewest GPUs that hold the "
                                  f"model (got {num_gpus})")
            candidates += [_estimate_layout(arch, gpu, wl, eff, precision, kv_precision, d, concurrency,
                                            usd_per_gpu_hour, name, cached_input_frac, speculation, p,
                                            open_loop=arrivals_open)
                           for p, d in splits]
            continue
        n = (num_gpus or fewest_gpus(arch, gpu, precision, kv_precision, wl, eff, name, arrivals_open)
             or GPU_COUNTS[-1])
        if name == "pp" and pipeline_stages(n, gpu.scale_up_domain_gpus) == 1:
            continue  # within one scale-up domain pipeline parallel is plain tensor parallel
        candidates.append(_estimate_layout(arch, gpu, wl, eff, precision, kv_precision, n, concurrency,
                                           usd_per_gpu_hour, name, cached_input_frac, speculation,
                                           decode_only=decode_only, open_loop=arrivals_open))
    return max(candidates, key=lambda e: (e.fits and e.meets_limits, e.fits, e.output_tokens_per_s_per_gpu))


def _estimate_layout(
    arch: Architecture, gpu: Gpu, wl: RequestShape, eff: Efficiency, precision: str, kv_precision: str,
    chosen_n: int, concurrency: int | None, usd_per_gpu_hour: float | None, layout: str,
    cached_input_frac: float, speculation: SpeculativeDecoding | None, num_prefill_gpus: int = 0,
    decode_only: bool = False, open_loop: bool = False,
) -> Estimate:
    """The best concurrency of one deployment (``chosen_n`` GPUs; with ``num_prefill_gpus`` > 0, ``chosen_n``
    decode GPUs plus a prefill pool)."""
    first = _evaluate_one(arch, gpu, precision, kv_precision, chosen_n, np.array([1.0]), wl, 0.0, eff,
                          layout, num_prefill_gpus=num_prefill_gpus, open_loop=open_loop)
    max_conc = int(first.max_concurrency[0])
    if concurrency is not None:
        grid = np.array([float(concurrency)])
    else:
        grid = np.arange(1.0, max(int(first.max_mean_concurrency[0]), 1) + 1.0)
    price = usd_per_gpu_hour if usd_per_gpu_hour is not None else 0.0
    ev = _evaluate_one(arch, gpu, precision, kv_precision, chosen_n, grid, wl, price, eff, layout,
                       cached_input_frac, speculation, num_prefill_gpus, decode_only, open_loop)
    ok = ev.concurrency_fits & meets_latency_limits(ev, wl.ttft_slo_ms, wl.tpot_slo_ms, eff)
    if concurrency is not None or not ok.any():
        j = 0
    else:
        j = int(np.argmax(np.where(ok, ev.output_tokens_per_s, -1.0)))
    fits = bool(ev.fits[j]) and bool(ev.concurrency_fits[j])
    meets = bool(ok[j])
    message = _message(fits, meets, ev, j, chosen_n, gpu, wl)
    has_price = usd_per_gpu_hour is not None
    disagg = num_prefill_gpus > 0
    decode_layout = pool_layout(arch, gpu, chosen_n) if disagg else layout
    ep = decode_layout == "ep"
    stages = int(ev.pipeline_stages[j])
    return Estimate(
        fits=fits,
        num_gpus=chosen_n + num_prefill_gpus,
        precision=precision,
        kv_precision=kv_precision,
        concurrency=int(grid[j]),
        max_concurrency=max_conc,
        meets_limits=meets,
        weights_gb_per_gpu=float(ev.weights_gb_per_gpu[j]),
        kv_cache_gb_per_gpu=float(ev.kv_cache_gb_per_gpu[j]),
        reserve_gb_per_gpu=float(ev.reserve_gb_per_gpu[j]),
        memory_needed_gb_per_gpu=float(ev.memory_needed_gb_per_gpu[j]),
        memory_gb_per_gpu=gpu.memory_gb,
        kv_cache_bytes_per_token=kv_bytes_per_token(arch, kv_precision),
        experts_touched_per_layer=float(ev.experts_touched_per_layer[j]),
        weight_bytes_read_per_step=float(ev.weight_bytes_read_per_step[j]),
        ttft_ms=float(ev.ttft_s[j] * MS_PER_S),
        tpot_ms=float(ev.tpot_s[j] * MS_PER_S),
        prefill_ms=float(ev.prefill_s[j] * MS_PER_S),
        decode_step_ms=float(ev.decode_step_s[j] * MS_PER_S),
        output_tokens_per_s=float(ev.output_tokens_per_s[j]),
        output_tokens_per_s_per_gpu=float(ev.output_tokens_per_s_per_gpu[j]),
        requests_per_s=float(ev.requests_per_s[j]),
        usd_per_gpu_hour=usd_per_gpu_hour,
        usd_per_million_input_tokens=float(ev.usd_per_million_input_tokens[j]) if has_price else None,
        usd_per_million_output_tokens=float(ev.usd_per_million_output_tokens[j]) if has_price else None,
        usd_per_million_tokens=float(ev.usd_per_million_tokens[j]) if has_price else None,
        bound=str(bound(ev)[j]),
        message=message,
        layout=LAYOUT_SHOWN[layout] if not disagg else LAYOUT_DISAGG_NAME,
        tensor_parallel=1 if ep else chosen_n // stages,
        expert_parallel=chosen_n if ep else 1,
        data_parallel_attention=ep,
        num_nodes=int(ev.num_nodes[j]),
        accepted_tokens_per_step=speculation.accepted_tokens_per_step if speculation else 1.0,
        ttft_p99_ms=float(ev.ttft_p99_s[j] * MS_PER_S),
        tpot_p99_ms=float(ev.tpot_p99_s[j] * MS_PER_S),
        cached_input_frac=cached_input_frac,
        pipeline_parallel=stages,
        num_prefill_gpus=num_prefill_gpus,
        num_decode_gpus=chosen_n,
        open_loop=open_loop,
        max_mean_concurrency=float(ev.max_mean_concurrency[j]),
    )


def _message(fits: bool, meets: bool, ev: Evaluation, j: int, n: int, gpu: Gpu, wl: RequestShape) -> str:
    if not bool(ev.fits[j]):
        need = float(ev.weights_gb_per_gpu[j] + ev.reserve_gb_per_gpu[j] + ev.kv_cache_gb_per_sequence_per_gpu[j])
        return (f"does not fit on {n} x {gpu.name}: needs {need * n:.0f} GB "
                f"({need:.1f} GB per GPU for one sequence) of {gpu.memory_gb * n:.0f} GB")
    if not fits:
        slots = int(ev.max_concurrency[j])
        mean = float(ev.max_mean_concurrency[j])
        if mean < slots:
            return (f"concurrency exceeds the mean of {mean:.2f} sequences that the {slots} slots (memory and the "
                    f"engine's cap) carry when requests arrive at random with 99 % finding a free slot")
        return f"concurrency exceeds the {slots} sequences that fit in memory"
    if not meets:
        return "no concurrency meets the latency limits; showing concurrency 1"
    return "ok"
