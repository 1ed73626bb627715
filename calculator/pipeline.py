"""The pipeline: chains the physics functions for arrays of configurations. Adds no formula of its own.

One configuration is (model, precision, KV precision, GPU type, N GPUs per replica, concurrency B,
input tokens I, output tokens O). ``evaluate`` takes columns of such configurations (numpy arrays, or floats
for one) and returns every quantity the product shows. The single estimate (``calculator.sizing``) and the
vectorised sweep (``calculator.sweep``) both call it, so they cannot disagree.

Steady-state continuous batching (Yu et al., Orca, OSDI 2022; vLLM chunked prefill): B sequences decode
together; each step also prefills ``B * I / O`` prompt tokens of the requests that replace the ``B / O``
requests finishing per step. Decode contexts average ``I + O/2`` tokens; memory is reserved for the peak
``I + O`` per sequence (no pre-emption).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields

import numpy as np
import numpy.typing as npt

from calculator import cost, memory, moe, throughput
from calculator.params import param_counts
from calculator.schemas import Architecture, Efficiency, Gpu
from calculator.units import MS_PER_S, bytes_per_kv_element, bytes_per_weight

ArrayLike = float | npt.NDArray[np.float64]


@dataclass(frozen=True)
class ModelFeatures:
    """Quantities of a model at a weight and KV precision that the pipeline needs (per replica)."""

    weights_bytes: ArrayLike  # [B]
    non_routed_read_bytes: ArrayLike  # [B] read by every step: blocks' shared weights + output head
    expert_bytes: ArrayLike  # [B] one routed expert of one layer
    num_moe_layers: ArrayLike  # [-]
    num_experts: ArrayLike  # [-]
    experts_per_token: ArrayLike  # [-]
    matmul_params: ArrayLike  # [-] parameters in matmuls per token
    kv_full_bytes_per_token: ArrayLike  # [B/token]
    kv_local_bytes_per_token: ArrayLike  # [B/token]
    window_tokens: ArrayLike  # [tokens], inf without local layers
    state_bytes_per_sequence: ArrayLike  # [B]
    kv_heads: ArrayLike  # [-] KV heads tensor parallelism can shard
    attn_decode_full: ArrayLike  # [FLOP/token/context token]
    attn_decode_local: ArrayLike
    attn_prefill_full: ArrayLike
    attn_prefill_local: ArrayLike
    attn_linear: ArrayLike  # [FLOP/token]
    hidden_size: ArrayLike  # [-]
    num_layers: ArrayLike  # [-]


@dataclass(frozen=True)
class GpuFeatures:
    """Quantities of a GPU type at a weight precision that the pipeline needs (per GPU)."""

    memory_gb: ArrayLike
    memory_bandwidth_gb_per_s: ArrayLike
    peak_tflops: ArrayLike  # dense, at the compute precision
    fp4_compute: ArrayLike  # 1.0 when the tensor cores run at fp4, else 0.0
    interconnect_gb_per_s: ArrayLike
    scale_up_domain_gpus: ArrayLike


def model_features(arch: Architecture, precision: str, kv_precision: str) -> ModelFeatures:
    """Derive a model's pipeline quantities from its architecture at a weight and KV precision."""
    counts = param_counts(arch)
    per_weight = bytes_per_weight(precision)
    per_kv = bytes_per_kv_element(kv_precision)
    full_elems, local_elems = memory.kv_elements_per_token(arch)
    coefs = throughput.attention_flops_coefficients(arch)
    head_bytes = counts.lm_head_matmul * memory.EMBEDDING_BYTES_PER_PARAM
    return ModelFeatures(
        weights_bytes=memory.weights_bytes(counts, precision),
        non_routed_read_bytes=counts.block_non_routed * per_weight + head_bytes,
        expert_bytes=counts.routed_expert * per_weight,
        num_moe_layers=float(counts.num_moe_layers),
        num_experts=float(counts.num_experts),
        experts_per_token=float(counts.num_experts_per_token),
        matmul_params=counts.matmul_per_token,
        kv_full_bytes_per_token=full_elems * per_kv,
        kv_local_bytes_per_token=local_elems * per_kv,
        window_tokens=float(arch.local_attention_window_tokens or np.inf),
        state_bytes_per_sequence=memory.linear_state_bytes_per_sequence(arch),
        kv_heads=float(memory.kv_heads_effective(arch)),
        attn_decode_full=coefs["decode_full"],
        attn_decode_local=coefs["decode_local"],
        attn_prefill_full=coefs["prefill_full"],
        attn_prefill_local=coefs["prefill_local"],
        attn_linear=coefs["linear"],
        hidden_size=float(arch.hidden_size),
        num_layers=float(arch.num_layers),
    )


def compute_precision(gpu: Gpu, precision: str) -> str:
    """Precision the tensor cores run at for a weight precision [-].

    FP4 weights run at FP4 where the GPU has FP4 tensor cores (NVFP4/MXFP4 on Blackwell, MI355X); elsewhere
    they are weight-only and dequantised to BF16 in the kernel (Marlin FP4, the MXFP4 MoE kernels vLLM uses on
    Hopper). FP8 runs at FP8 where the GPU has it, else weight-only BF16 (Marlin FP8 on Ampere). INT4 is
    weight-only (GPTQ/AWQ), so BF16. Weight bytes always follow the weight precision.
    """
    order = {"fp4": ["fp4", "bf16"], "fp8": ["fp8", "bf16"], "int4": ["bf16"], "bf16": ["bf16"]}
    for candidate in order[precision]:
        if gpu.dense_tflops(candidate) is not None:
            return candidate
    return "bf16"


def gpu_features(gpu: Gpu, precision: str) -> GpuFeatures:
    """Derive a GPU's pipeline quantities at a weight precision."""
    compute = compute_precision(gpu, precision)
    peak = gpu.dense_tflops(compute) or gpu.bf16_dense_tflops
    return GpuFeatures(
        memory_gb=gpu.memory_gb,
        memory_bandwidth_gb_per_s=gpu.memory_bandwidth_gb_per_s,
        peak_tflops=peak,
        fp4_compute=1.0 if compute == "fp4" else 0.0,
        interconnect_gb_per_s=gpu.interconnect_gb_per_s,
        scale_up_domain_gpus=float(gpu.scale_up_domain_gpus),
    )


def stack(items: list[ModelFeatures] | list[GpuFeatures], index: npt.NDArray[np.int64]) -> dict[str, ArrayLike]:
    """Columns of features for configurations: ``column[j] = items[index[j]].field``."""
    out: dict[str, ArrayLike] = {}
    for f in fields(items[0]):
        values = np.array([getattr(item, f.name) for item in items], dtype=float)
        out[f.name] = values[index]
    return out


@dataclass(frozen=True)
class Evaluation:
    """Every quantity of a set of configurations; each field is an array over configurations."""

    weights_gb_per_gpu: npt.NDArray[np.float64]
    kv_cache_gb_per_gpu: npt.NDArray[np.float64]  # at the evaluated concurrency, peak context
    kv_cache_gb_per_sequence_per_gpu: npt.NDArray[np.float64]
    reserve_gb_per_gpu: npt.NDArray[np.float64]
    memory_needed_gb_per_gpu: npt.NDArray[np.float64]  # weights + reserve + KV at the concurrency
    max_concurrency: npt.NDArray[np.float64]
    fits: npt.NDArray[np.bool_]  # at least one sequence fits
    concurrency_fits: npt.NDArray[np.bool_]
    experts_touched_per_layer: npt.NDArray[np.float64]  # decode-only step
    weight_bytes_read_per_step: npt.NDArray[np.float64]  # decode-only step, per replica
    kv_bytes_read_per_step: npt.NDArray[np.float64]  # per replica
    decode_step_s: npt.NDArray[np.float64]
    mixed_step_s: npt.NDArray[np.float64]  # = time per output token under load
    prefill_s: npt.NDArray[np.float64]
    ttft_s: npt.NDArray[np.float64]
    memory_s: npt.NDArray[np.float64]  # components of the mixed step
    compute_s: npt.NDArray[np.float64]
    communication_s: npt.NDArray[np.float64]
    overhead_s: npt.NDArray[np.float64]
    output_tokens_per_s: npt.NDArray[np.float64]  # per replica
    output_tokens_per_s_per_gpu: npt.NDArray[np.float64]
    requests_per_s: npt.NDArray[np.float64]  # per replica
    usd_per_million_input_tokens: npt.NDArray[np.float64]
    usd_per_million_output_tokens: npt.NDArray[np.float64]
    usd_per_million_tokens: npt.NDArray[np.float64]  # blended over the I/O mix


def _link_gb_per_s(num_gpus: ArrayLike, gpu: Mapping[str, ArrayLike], eff: Efficiency) -> ArrayLike:
    inside = np.asarray(num_gpus) <= gpu["scale_up_domain_gpus"]
    return np.where(inside, gpu["interconnect_gb_per_s"], eff.scale_out_gb_per_s)


def _step(
    m: Mapping[str, ArrayLike],
    gpu: Mapping[str, ArrayLike],
    eff: Efficiency,
    num_gpus: ArrayLike,
    weight_bytes: ArrayLike,
    kv_bytes: ArrayLike,
    flops: ArrayLike,
    num_tokens: ArrayLike,
    num_sequences: ArrayLike,
) -> tuple[ArrayLike, ArrayLike, ArrayLike, ArrayLike, ArrayLike]:
    """Per-GPU (memory, compute, communication, overhead, total) time of one forward step [s]."""
    mem = throughput.memory_time_s((weight_bytes + kv_bytes) / num_gpus, gpu["memory_bandwidth_gb_per_s"],
                                   eff.bandwidth_efficiency_frac)
    flops_eff = np.where(np.asarray(gpu["fp4_compute"]) > 0, eff.fp4_flops_efficiency_frac,
                         eff.flops_efficiency_frac)
    cmp = throughput.compute_time_s(flops / num_gpus, gpu["peak_tflops"], flops_eff)
    comm = throughput.allreduce_time_s(num_tokens, m["hidden_size"], m["num_layers"], num_gpus,
                                       _link_gb_per_s(num_gpus, gpu, eff), eff.allreduce_latency_s)
    over = throughput.step_overhead_s(m["num_layers"], num_sequences, eff.step_overhead_s,
                                      eff.layer_overhead_s, eff.sequence_overhead_s)
    return mem, cmp, comm, over, np.maximum(mem, cmp) + comm + over


def evaluate(
    m: Mapping[str, ArrayLike],
    gpu: Mapping[str, ArrayLike],
    num_gpus: ArrayLike,
    concurrency: ArrayLike,
    input_tokens: ArrayLike,
    output_tokens: ArrayLike,
    usd_per_gpu_hour: ArrayLike,
    eff: Efficiency,
) -> Evaluation:
    """Evaluate configurations (columns broadcast against each other). See the module docstring."""
    n = np.asarray(num_gpus, dtype=float)
    b = np.asarray(concurrency, dtype=float)
    i = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)

    def kv_seq(context: ArrayLike) -> ArrayLike:
        return memory.kv_cache_bytes_per_sequence(context, m["kv_full_bytes_per_token"],
                                                  m["kv_local_bytes_per_token"], m["window_tokens"],
                                                  m["state_bytes_per_sequence"])

    repl = memory.kv_replication(n, m["kv_heads"])
    decode_context = i + o / 2.0
    kv_seq_gb_per_gpu = memory.gb(kv_seq(i + o) * repl / n)
    weights_gb_per_gpu = memory.gb(m["weights_bytes"] / n)
    reserve = memory.runtime_reserve_gb(gpu["memory_gb"], eff.runtime_reserve_frac)
    max_conc = np.minimum(
        memory.max_concurrency(gpu["memory_gb"], eff.runtime_reserve_frac, weights_gb_per_gpu, kv_seq_gb_per_gpu),
        eff.max_batch_size,
    )

    # Decode-only step: B tokens.
    touched_d = moe.experts_touched(m["num_experts"], m["experts_per_token"], b, eff.routing_skew)
    w_read_d = moe.weight_bytes_read(m["non_routed_read_bytes"], m["num_moe_layers"], m["expert_bytes"], touched_d)
    kv_read = b * kv_seq(decode_context) * repl
    attn_decode = throughput.decode_attention_flops(decode_context, m["attn_decode_full"], m["attn_decode_local"],
                                                    m["window_tokens"], m["attn_linear"])
    flops_d = throughput.matmul_flops(b, m["matmul_params"]) + b * attn_decode
    *_, t_decode = _step(m, gpu, eff, n, w_read_d, kv_read, flops_d, b, b)

    # Mixed step: B decode tokens + B*I/O prefill tokens.
    prefill_tokens = b * i / o
    step_tokens = b + prefill_tokens
    attn_prefill = throughput.prefill_attention_flops(i, m["attn_prefill_full"], m["attn_prefill_local"],
                                                      m["window_tokens"], m["attn_linear"])
    touched_m = moe.experts_touched(m["num_experts"], m["experts_per_token"], step_tokens, eff.routing_skew)
    w_read_m = moe.weight_bytes_read(m["non_routed_read_bytes"], m["num_moe_layers"], m["expert_bytes"], touched_m)
    flops_m = flops_d + throughput.matmul_flops(prefill_tokens, m["matmul_params"]) + (b / o) * attn_prefill
    mem_m, cmp_m, comm_m, over_m, t_mixed = _step(m, gpu, eff, n, w_read_m, kv_read, flops_m, step_tokens, b)

    # A lone prefill of one request (time to first token adds the running step it waits for).
    touched_p = moe.experts_touched(m["num_experts"], m["experts_per_token"], i, eff.routing_skew)
    w_read_p = moe.weight_bytes_read(m["non_routed_read_bytes"], m["num_moe_layers"], m["expert_bytes"], touched_p)
    flops_p = throughput.matmul_flops(i, m["matmul_params"]) + attn_prefill
    *_, t_prefill = _step(m, gpu, eff, n, w_read_p, 0.0, flops_p, i, 1.0)

    out_tps = b / t_mixed
    rate = cost.usd_per_s(n, usd_per_gpu_hour)
    shape = np.broadcast(n, b, i, o, m["weights_bytes"], gpu["memory_gb"]).shape

    def full(x: ArrayLike) -> npt.NDArray[np.float64]:
        return np.broadcast_to(np.asarray(x, dtype=float), shape).copy()

    kv_gb_per_gpu = b * kv_seq_gb_per_gpu
    return Evaluation(
        weights_gb_per_gpu=full(weights_gb_per_gpu),
        kv_cache_gb_per_gpu=full(kv_gb_per_gpu),
        kv_cache_gb_per_sequence_per_gpu=full(kv_seq_gb_per_gpu),
        reserve_gb_per_gpu=full(reserve),
        memory_needed_gb_per_gpu=full(weights_gb_per_gpu + reserve + kv_gb_per_gpu),
        max_concurrency=full(max_conc),
        fits=full(max_conc) >= 1,
        concurrency_fits=full(b) <= full(max_conc),
        experts_touched_per_layer=full(touched_d),
        weight_bytes_read_per_step=full(w_read_d),
        kv_bytes_read_per_step=full(kv_read),
        decode_step_s=full(t_decode),
        mixed_step_s=full(t_mixed),
        prefill_s=full(t_prefill),
        ttft_s=full(t_prefill + t_mixed),
        memory_s=full(mem_m),
        compute_s=full(cmp_m),
        communication_s=full(comm_m),
        overhead_s=full(over_m),
        output_tokens_per_s=full(out_tps),
        output_tokens_per_s_per_gpu=full(out_tps / n),
        requests_per_s=full(out_tps / o),
        usd_per_million_input_tokens=full(
            cost.usd_per_million_tokens(rate, t_mixed - t_decode, prefill_tokens)),
        usd_per_million_output_tokens=full(cost.usd_per_million_tokens(rate, t_decode, b)),
        usd_per_million_tokens=full(cost.usd_per_million_tokens(rate, t_mixed, step_tokens)),
    )


def bound(ev: Evaluation) -> npt.NDArray[np.str_]:
    """What limits the mixed step: 'memory', 'compute', 'communication' or 'overhead' (largest share)."""
    parts = np.stack([ev.memory_s, ev.compute_s, ev.communication_s, ev.overhead_s])
    names = np.array(["memory", "compute", "communication", "overhead"])
    return names[np.argmax(parts, axis=0)]


def meets_latency_limits(ev: Evaluation, ttft_slo_ms: float | None, tpot_slo_ms: float | None,
                         eff: Efficiency) -> npt.NDArray[np.bool_]:
    """Whether each configuration meets the latency limits [ms] (None = no limit).

    Limits are read as 99th-percentile limits, as serving SLOs and MLPerf state them; the model predicts mean
    times, so a configuration passes when ``mean x r <= limit`` with r = ``eff.p99_to_mean_latency_ratio``
    (the ratio of the p99 limit to the measured mean time per output token in MLPerf v5.1 interactive runs,
    ``calculator.validate.p99_to_mean_ratio``). TPOT is the mixed step (decode with the prefill it carries).
    """
    ok = np.ones(ev.ttft_s.shape, dtype=bool)
    ratio = eff.p99_to_mean_latency_ratio
    if ttft_slo_ms is not None:
        ok &= ev.ttft_s * MS_PER_S * ratio <= ttft_slo_ms
    if tpot_slo_ms is not None:
        ok &= ev.mixed_step_s * MS_PER_S * ratio <= tpot_slo_ms
    return ok
