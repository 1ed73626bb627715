"""The pipeline: chains the physics functions for arrays of configurations. Adds no formula of its own.

One configuration is (model, precision, KV precision, GPU type, N GPUs per replica, concurrency B,
input tokens I, output tokens O). ``evaluate`` takes columns of such configurations (numpy arrays, or floats
for one) and returns every quantity the product shows. The single estimate (``calculator.sizing``) and the
vectorised sweep (``calculator.sweep``) both call it, so they cannot disagree.

Steady-state continuous batching with chunked prefill (Yu et al., Orca, OSDI 2022; Agrawal et al.,
Sarathi-Serve, OSDI 2024; the default scheduler of vLLM, SGLang and TensorRT-LLM): B sequences decode
together; the ``B / O`` requests finishing per step are replaced by new ones whose prompts, ``P = B I / O``
tokens per step on average, are prefilled in chunks that ride along with the decode tokens. A step that
carries a chunk holds ``C = min(C_max, max(I, P))`` prompt tokens (a whole prompt, or as many arriving
prompts as the engine's token budget ``C_max`` admits), so a fraction ``f = P / C`` of steps carry one::

    x_step = x_decode(B) + f * (x_chunk(B, C) - x_decode(B)),   x = memory, compute, comm., overhead      (1)
    t_step = max(memory_step, compute_step) + communication_step + overhead_step

is the mean step (``mean_step``: compute of the prompt chunks overlaps the decode memory traffic across the
cycle, as stall-free chunked schedulers arrange); ``B / t_step`` is the output throughput. A request's own
prompt is prefilled before its first token, so the time per output token it sees shares steps only with the
other ``B - 1`` sequences' chunks::

    TPOT = eq. 1 with f_others = (B - 1) I / (O C) in place of f                              (2)

(at concurrency 1 TPOT is the decode step, as a single-stream benchmark measures it). Each step
kind is one forward pass (``forward_step``) with its own experts touched: a decode-only step routes B
tokens, a chunk step B + C (not ``B + P`` in every step, which would make every step read the experts a
prompt touches). Decode contexts average ``I + O/2`` tokens; memory is reserved for the peak ``I + O`` per
sequence (no pre-emption). With prefix caching, a share of each prompt is found in the cache and only the
rest is prefilled (its attention still spans the whole prompt).

Layouts (``LAYOUTS``). Tensor parallel: weights, KV heads and the linear-attention state are split N ways,
replicated where N exceeds the heads (MLA's latent is one shared head, so TP copies it to every GPU); two
all-reduces per layer. Expert parallel with data-parallel attention (MoE only; SGLang DP attention + EP,
TensorRT-LLM ADP + EP, vLLM DP + EP): each GPU serves attention for its own sequences with the whole
attention weights (``memory.replicated_weights_bytes``) and its share of the cache, holds E/N of the
experts, and exchanges tokens with the other GPUs in every MoE layer (``throughput.all_to_all_time_s``). Each GPU
is one attention rank with its own scheduler: the engine's batch cap holds per rank (``batch_cap``), and the
engine hides the all-to-all behind the other half of the batch where that is faster (two-batch overlap:
``two_batch_overlap``, ``overlapped_step``). A token's attention and other non-expert layers run on its own rank
only, and the ranks meet in every MoE layer, so a step lasts as long as its busiest rank (``StepWork``). Each rank
admits and prefills its own prompts: with R ranks (R = N under DP attention, 1 under tensor parallelism) a rank
prefills ``P_r = P / R`` tokens per step in chunks of ``C_r = min(C_max, max(I, P_r))``, so a fraction
``f_r = P_r / C_r`` of its steps carry a chunk, and a step carries one when any rank's does::

    f = 1 - (1 - min(f_r, 1))^R,   prompt tokens in such a step P / f,   on its busiest rank max(C_r, P_r)   (1b)

(R = 1 gives eq. 1; the ranks' prompts arrive independently, as SGLang, vLLM and TensorRT-LLM schedule them
unless told to wait for one another: TensorRT-LLM's ``attention_dp_config`` balancing). A lone prompt (TTFT) is
prefilled by one rank: its non-expert work is not split over the N GPUs.
The per-sequence cost of a step is paid by the scheduler that runs the sequence: under tensor parallelism one
scheduler runs all B sequences of the deployment (``eff.sequence_overhead_s`` each); under DP attention each of
the N ranks schedules its own sequences and holds its own KV cache (SGLang: a scheduler process per GPU rank,
docs.sglang.io/docs/advanced_features/dp_dpa_router_guide; vLLM data-parallel attention: an independent engine per
replica, docs.ray.io/en/latest/serve/llm/architecture/serving-patterns/data-parallel.html; TensorRT-LLM attention
DP: ranks with their own KV cache, docs.nvidia.com/dynamo/additional-resources/tensor-rt-llm-details/dp-rank-routing)
and runs its B / N sequences in parallel with the others (``eff.dp_rank_sequence_overhead_s`` each)::

    t_seq = B * sequence_overhead_s (tensor parallel),   (B / N) * dp_rank_sequence_overhead_s (DP attention)   (1c)

Both are fitted (data/efficiency.yaml gives the ranks' constant's grid figures). The ranks' comes out about 5x
the scheduler's (80 against 16.7 us per sequence per step, ~1.3 us per sequence per layer for DeepSeek-V3's 61),
which the roofline terms do not explain (the attention's per-sequence work is counted in its KV bytes and FLOPs).
Charged per deployment, as before this split, the wide-EP SGLang decode pools (48 to 96 GPUs) came out 74 to
86 % low; charged per rank at the scheduler's 16.7 us, the single-node expert-parallel TensorRT-LLM and MLPerf
DeepSeek-R1 runs came out up to +106 % high. With the ranks' own constant the pools land at -6 to +37 %
(``python -m calculator validate``).
Pipeline parallel (any model, beyond one scale-up domain): tensor parallel over the t GPUs of a scale-up
domain, the layers cut into p = N / t stages (``pipeline_stages``), activations sent between stages over the
scale-out network (``throughput.pipeline_round``; Narayanan et al., Megatron-LM PTD-P, SC'21, arXiv:2104.04473).

Latency at the 99th percentile: ``calculator.queueing`` (TTFT) and the measured p99/mean ratio (TPOT).
Requests that arrive at random (an open loop) need free slots: a scheduler's K slots carry a mean below K
(``mean_concurrency_limit``, eq. 4; ``calculator.queueing`` eq. 2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from typing import TypeVar

import numpy as np
import numpy.typing as npt

from calculator import cost, memory, moe, queueing, throughput
from calculator.params import param_counts
from calculator.schemas import Architecture, Efficiency, Gpu
from calculator.units import (
    MS_PER_S,
    BoolOrArray,
    FloatArray,
    FloatOrArray,
    bytes_per_kv_element,
    bytes_per_weight,
    default_kv_precision,
)


@dataclass(frozen=True)
class ModelFeatures:
    """Quantities of a model at a weight and KV precision that the pipeline needs (per replica).

    Each field is a float for one model, or an array over configurations after ``stack``.
    """

    weights_bytes: FloatOrArray  # [B]
    attention_weights_bytes: FloatOrArray  # [B] held whole by every GPU under DP attention
    non_routed_read_bytes: FloatOrArray  # [B] read by every step: blocks' shared weights + output head
    expert_bytes: FloatOrArray  # [B] one routed expert of one layer
    num_moe_layers: FloatOrArray  # [-]
    num_experts: FloatOrArray  # [-]
    experts_per_token: FloatOrArray  # [-]
    matmul_params: FloatOrArray  # [-] parameters in matmuls per token
    routed_matmul_params: FloatOrArray  # [-] of which in the k routed experts (expert-parallel work)
    kv_full_bytes_per_token: FloatOrArray  # [B/token]
    kv_local_bytes_per_token: FloatOrArray  # [B/token]
    window_tokens: FloatOrArray  # [tokens], inf without local layers
    state_bytes_per_sequence: FloatOrArray  # [B]
    kv_heads: FloatOrArray  # [-] KV heads tensor parallelism can shard (1 for MLA's shared latent)
    state_heads: FloatOrArray  # [-] linear-attention key heads tensor parallelism can shard (inf if none)
    attn_decode_full: FloatOrArray  # [FLOP/token/context token]
    attn_decode_local: FloatOrArray
    attn_prefill_full: FloatOrArray
    attn_prefill_local: FloatOrArray
    attn_linear: FloatOrArray  # [FLOP/token]
    hidden_size: FloatOrArray  # [-]
    num_layers: FloatOrArray  # [-]
    fp8_activations: FloatOrArray  # 1.0 when FP4 weights run with FP8 activations (W4A8), else 0.0


@dataclass(frozen=True)
class GpuFeatures:
    """Quantities of a GPU type at a weight precision that the pipeline needs (per GPU)."""

    memory_gb: FloatOrArray
    memory_bandwidth_gb_per_s: FloatOrArray
    peak_tflops: FloatOrArray  # dense, at the compute precision
    fp4_compute: FloatOrArray  # 1.0 when the tensor cores run at fp4, else 0.0
    weight_only: FloatOrArray  # 1.0 when the weights are dequantised to the compute precision in the kernel
    fp8_tflops: FloatOrArray  # dense FP8 peak (BF16 where the GPU has no FP8): W4A8 matmuls run at it
    attention_tflops: FloatOrArray  # dense peak at the precision attention's matmuls run at
    interconnect_gb_per_s: FloatOrArray
    scale_up_domain_gpus: FloatOrArray
    scale_out_gb_per_s: FloatOrArray  # per GPU; 0 when the catalog has no figure (Efficiency's default then)


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
        attention_weights_bytes=memory.replicated_weights_bytes(counts, precision, True),
        non_routed_read_bytes=counts.block_non_routed * per_weight + head_bytes,
        expert_bytes=counts.routed_expert * per_weight,
        num_moe_layers=float(counts.num_moe_layers),
        num_experts=float(counts.num_experts),
        experts_per_token=float(counts.num_experts_per_token),
        matmul_params=counts.matmul_per_token,
        routed_matmul_params=counts.routed_expert * counts.num_experts_per_token * counts.num_moe_layers,
        kv_full_bytes_per_token=full_elems * per_kv,
        kv_local_bytes_per_token=local_elems * per_kv,
        window_tokens=float(arch.local_attention_window_tokens or np.inf),
        state_bytes_per_sequence=memory.linear_state_bytes_per_sequence(arch),
        kv_heads=float(memory.kv_heads_effective(arch)),
        state_heads=memory.linear_state_heads(arch),
        attn_decode_full=coefs["decode_full"],
        attn_decode_local=coefs["decode_local"],
        attn_prefill_full=coefs["prefill_full"],
        attn_prefill_local=coefs["prefill_local"],
        attn_linear=coefs["linear"],
        hidden_size=float(arch.hidden_size),
        num_layers=float(arch.num_layers),
        fp8_activations=1.0 if precision == "fp4" and arch.fp4_activation_precision == "fp8" else 0.0,
    )


def compute_precision(gpu: Gpu, precision: str) -> str:
    """Precision the tensor cores run at for a weight precision [-].

    FP4 weights run at FP4 where the GPU has FP4 tensor cores (NVFP4 on Blackwell, MI355X), except checkpoints
    that feed them FP8 activations (OCP MXFP4, ``Architecture.fp4_activation_precision``), whose matmuls
    ``forward_step`` runs at the FP8 rate; elsewhere they are weight-only and dequantised to BF16 in the kernel
    (Marlin FP4, the MXFP4 MoE kernels vLLM uses on Hopper). FP8 runs at FP8 where the GPU has it, else
    weight-only BF16 (Marlin FP8 on Ampere). INT4 is weight-only (GPTQ/AWQ), so BF16. Weight bytes always follow
    the weight precision.
    """
    order = {"fp4": ["fp4", "bf16"], "fp8": ["fp8", "bf16"], "int4": ["bf16"], "bf16": ["bf16"]}
    for candidate in order[precision]:
        if gpu.dense_tflops(candidate) is not None:
            return candidate
    return "bf16"


def attention_precision(gpu: Gpu, kv_precision: str) -> str:
    """Precision attention's matmuls (Q K^T and P V over the cache, linear attention's state) run at [-].

    FP8 where the cache is FP8 (or FP4, dequantised to FP8) and the GPU has FP8 tensor cores: FP8 attention
    kernels read the cache as it is stored (FlashAttention-3, Shah et al. 2024, sec. 3.3; TensorRT-LLM's FP8
    FMHA/XQA kernels). Else BF16. Never FP4: serving engines have no FP4 attention kernels, whatever the
    weights' precision, so attention is not charged at a GPU's FP4 peak.
    """
    if kv_precision in ("fp8", "fp4") and gpu.dense_tflops("fp8") is not None:
        return "fp8"
    return "bf16"


def gpu_features(gpu: Gpu, precision: str, kv_precision: str | None = None) -> GpuFeatures:
    """Derive a GPU's pipeline quantities at a weight precision and a KV precision (default: the weight
    precision's default, ``units.default_kv_precision``)."""
    compute = compute_precision(gpu, precision)
    peak = gpu.dense_tflops(compute) or gpu.bf16_dense_tflops
    attention = attention_precision(gpu, kv_precision or default_kv_precision(precision))
    return GpuFeatures(
        memory_gb=gpu.memory_gb,
        memory_bandwidth_gb_per_s=gpu.memory_bandwidth_gb_per_s,
        peak_tflops=peak,
        fp4_compute=1.0 if compute == "fp4" else 0.0,
        weight_only=1.0 if compute != precision else 0.0,
        fp8_tflops=gpu.dense_tflops("fp8") or gpu.bf16_dense_tflops,
        attention_tflops=gpu.dense_tflops(attention) or gpu.bf16_dense_tflops,
        interconnect_gb_per_s=gpu.interconnect_gb_per_s,
        scale_up_domain_gpus=float(gpu.scale_up_domain_gpus),
        scale_out_gb_per_s=gpu.scale_out_gb_per_s or 0.0,
    )


Features = TypeVar("Features", ModelFeatures, GpuFeatures)


def stack(items: Sequence[Features], index: npt.NDArray[np.int64]) -> Features:
    """Columns of features for configurations: ``result.field[j] = items[index[j]].field``."""
    columns = {f.name: np.array([getattr(item, f.name) for item in items], dtype=float)[index]
               for f in fields(items[0])}
    return type(items[0])(**columns)


def take(features: Features, index: npt.NDArray[np.int64]) -> Features:
    """Rows ``index`` of stacked features (repeat or select configurations)."""
    return replace(features, **{f.name: np.asarray(getattr(features, f.name))[index] for f in fields(features)})


@dataclass(frozen=True)
class Evaluation:
    """Every quantity of a set of configurations; each field is an array over configurations."""

    weights_gb_per_gpu: npt.NDArray[np.float64]
    kv_cache_gb_per_gpu: npt.NDArray[np.float64]  # at the evaluated concurrency, peak context
    kv_cache_gb_per_sequence_per_gpu: npt.NDArray[np.float64]
    reserve_gb_per_gpu: npt.NDArray[np.float64]
    memory_needed_gb_per_gpu: npt.NDArray[np.float64]  # weights + reserve + KV at the concurrency
    max_concurrency: npt.NDArray[np.float64]  # slots: sequences that fit in memory and under the engine's cap
    max_mean_concurrency: npt.NDArray[np.float64]  # mean load the slots carry (open loop: calculator.queueing)
    fits: npt.NDArray[np.bool_]  # at least one sequence fits
    concurrency_fits: npt.NDArray[np.bool_]  # concurrency <= max_mean_concurrency
    experts_touched_per_layer: npt.NDArray[np.float64]  # decode-only step
    weight_bytes_read_per_step: npt.NDArray[np.float64]  # decode-only step, per replica
    kv_bytes_read_per_step: npt.NDArray[np.float64]  # per replica
    decode_step_s: npt.NDArray[np.float64]
    mixed_step_s: npt.NDArray[np.float64]  # mean step under load (eq. 1); throughput = B / this
    tpot_s: npt.NDArray[np.float64]  # time per output token a request sees (eq. 2), mean
    tpot_p99_s: npt.NDArray[np.float64]  # 99th percentile: mean x the measured p99/mean ratio
    prefill_s: npt.NDArray[np.float64]
    ttft_s: npt.NDArray[np.float64]  # mean: prefill + the running step + mean queueing wait
    ttft_p99_s: npt.NDArray[np.float64]  # 99th percentile of the queueing wait (calculator.queueing)
    memory_s: npt.NDArray[np.float64]  # components of the mean step
    compute_s: npt.NDArray[np.float64]
    communication_s: npt.NDArray[np.float64]
    overhead_s: npt.NDArray[np.float64]
    output_tokens_per_s: npt.NDArray[np.float64]  # per replica
    output_tokens_per_s_per_gpu: npt.NDArray[np.float64]
    requests_per_s: npt.NDArray[np.float64]  # per replica
    num_nodes: npt.NDArray[np.float64]  # scale-up domains the deployment spans (8-GPU servers, NVL72 racks)
    pipeline_stages: npt.NDArray[np.float64]  # 1 unless the layout is pipeline parallel
    num_prefill_gpus: npt.NDArray[np.float64]  # GPUs of a separate prefill pool (0 when prompts are colocated)
    usd_per_million_input_tokens: npt.NDArray[np.float64]
    usd_per_million_output_tokens: npt.NDArray[np.float64]
    usd_per_million_tokens: npt.NDArray[np.float64]  # blended over the I/O mix


def _scale_out_gb_per_s(gpu: GpuFeatures, eff: Efficiency) -> FloatOrArray:
    return np.where(np.asarray(gpu.scale_out_gb_per_s) > 0, gpu.scale_out_gb_per_s, eff.scale_out_gb_per_s)


def _link_gb_per_s(num_gpus: FloatOrArray, gpu: GpuFeatures, eff: Efficiency) -> FloatOrArray:
    inside = np.asarray(num_gpus) <= gpu.scale_up_domain_gpus
    return np.where(inside, gpu.interconnect_gb_per_s, _scale_out_gb_per_s(gpu, eff))


@dataclass(frozen=True)
class StepTime:
    """One forward step of a deployment: what it reads and how long it takes (per GPU, in parallel)."""

    experts_touched_per_layer: FloatOrArray  # [-]
    weight_bytes_read: FloatOrArray  # [B] per replica
    memory_s: FloatOrArray
    compute_s: FloatOrArray
    communication_s: FloatOrArray
    overhead_s: FloatOrArray

    @property
    def total_s(self) -> FloatOrArray:
        """``max(memory, compute) + communication + overhead`` [s] (roofline, eq. 1 of ``throughput``)."""
        return np.maximum(self.memory_s, self.compute_s) + self.communication_s + self.overhead_s


def batch_cap(num_gpus: FloatOrArray, expert_parallel: BoolOrArray, eff: Efficiency) -> FloatOrArray:
    """The engine's cap on a deployment's running sequences [-]: ``max_batch_size`` for one tensor-parallel or
    pipeline-parallel scheduler; ``N * max_batch_size_per_rank`` under data-parallel attention, where every GPU is
    one attention rank with its own scheduler, batch and cap (SGLang ``--enable-dp-attention``: one scheduler
    process per DP rank; TensorRT-LLM attention DP: ``max_batch_size`` per rank; vLLM: one engine core per DP rank).

    The two caps are fitted apart: a DP-attention rank's decode batch is bounded by what its CUDA graphs are
    captured for and what its share of the all-to-all buffers holds (SGLang ``--cuda-graph-max-bs``, DeepEP's
    low-latency ``num_max_dispatch_tokens_per_rank``; TensorRT-LLM's per-rank ``max_batch_size`` in its DeepSeek-R1
    configurations), a smaller number than one tensor-parallel engine's cap on running requests.
    """
    per_rank = np.asarray(num_gpus, dtype=float) * eff.max_batch_size_per_rank
    return np.where(np.asarray(expert_parallel, dtype=bool), per_rank, float(eff.max_batch_size))


@dataclass(frozen=True)
class StepWork:
    """What one forward step of a deployment processes (totals over the deployment's GPUs).

    Under data-parallel attention every GPU is an attention rank serving its own sequences: the attention and
    the other non-expert layers of a token run on its rank alone, and the step waits for the busiest rank (the
    ranks meet in every MoE layer's all-to-all). ``num_rank_tokens`` and ``rank_attention_flops`` are that rank's
    share; ``None`` means the work is spread evenly over the ranks (under tensor parallelism the one rank is the
    whole deployment).
    """

    num_tokens: FloatOrArray  # [tokens] routed through the model this step
    num_sequences: FloatOrArray  # [-] running sequences
    kv_bytes: FloatOrArray  # [B] KV cache read
    attention_flops: FloatOrArray  # [FLOP] attention score and value matmuls
    num_rank_tokens: FloatOrArray | None = None  # [tokens] on the busiest attention rank
    rank_attention_flops: FloatOrArray | None = None  # [FLOP] attention of the busiest attention rank

    def half(self) -> StepWork:
        """One of two equal micro-batches of this step (``two_batch_overlap``)."""
        def h(x: FloatOrArray | None) -> FloatOrArray | None:
            return None if x is None else np.asarray(x, dtype=float) / 2.0

        return StepWork(np.asarray(self.num_tokens) / 2.0, np.asarray(self.num_sequences) / 2.0,
                        np.asarray(self.kv_bytes) / 2.0, np.asarray(self.attention_flops) / 2.0,
                        h(self.num_rank_tokens), h(self.rank_attention_flops))


def two_batch_overlap(half: StepTime, eff: Efficiency) -> StepTime:
    """A step run as two micro-batches whose all-to-all overlaps the other's compute (two-batch overlap).

    ``half`` is one forward step of half the tokens, sequences, KV bytes and attention FLOPs. The compute stream
    runs the two micro-batches one after the other, each reading the weights its tokens touch again (so at small
    batch the step reads the expert weights twice); each micro-batch's dispatch and combine run on the network
    while the other computes, without taking SMs (DeepEP receive hooks). Each micro-batch launches every
    layer's kernels, so the per-layer and per-sequence overhead is paid per micro-batch and the fixed per-step
    cost once. The step lasts as long as the busier of the two streams [s]::

        t_gpu  = 2 max(t_mem(T/2), t_flop(T/2)) + 2 t_over(T/2) - t_fixed
        t_comm = 2 t_a2a(T/2)
        t_tbo  = max(t_gpu, t_comm) = t_gpu + max(0, t_comm - t_gpu)       (communication_s: the exposed part)

    References: DeepSeek-V3 report (arXiv:2412.19437, sec. 3.4: two micro-batches overlap attention/MoE with
    dispatch/combine in decoding); DeepEP README, legacy V1 docs (https://github.com/deepseek-ai/DeepEP,
    docs/legacy.md: low-latency kernels' receive hook overlaps two micro-batches "without any SM occupation");
    LMSYS, "Deploying DeepSeek with PD Disaggregation and Large-scale Expert Parallelism on 96 H100 GPUs"
    (https://lmsys.org/blog/2025-05-05-large-scale-ep/, 2025-05-05: in decode TBO gains 25.5 % at 256 tokens per
    GPU and loses at small batches, -27 % at 32 tokens per GPU, "as small decode batch sizes hinder kernel
    efficiency"; engines enable it where it helps, ``overlapped_step``).
    """
    memory_s = 2.0 * np.asarray(half.memory_s)
    compute_s = 2.0 * np.asarray(half.compute_s)
    overhead_s = 2.0 * np.asarray(half.overhead_s) - eff.step_overhead_s
    busy_s = np.maximum(memory_s, compute_s) + overhead_s
    return StepTime(
        experts_touched_per_layer=half.experts_touched_per_layer,
        weight_bytes_read=2.0 * np.asarray(half.weight_bytes_read),
        memory_s=memory_s,
        compute_s=compute_s,
        communication_s=np.maximum(0.0, 2.0 * np.asarray(half.communication_s) - busy_s),
        overhead_s=overhead_s,
    )


def forward_step(
    m: ModelFeatures,
    gpu: GpuFeatures,
    eff: Efficiency,
    num_gpus: FloatOrArray,
    expert_parallel: BoolOrArray,
    work: StepWork,
    pipeline_stages: FloatOrArray = 1.0,
) -> StepTime:
    """One forward step of ``work.num_tokens`` tokens over ``work.num_sequences`` sequences on N GPUs.

    Experts touched by the step's tokens (``moe.experts_touched``) -> weight bytes read
    (``moe.weight_bytes_read``) -> matmul + attention FLOPs -> roofline time, communication and overhead
    (``throughput``). ``work.kv_bytes`` [B] is the KV cache the step reads (per deployment),
    ``work.attention_flops`` [FLOP] its attention. Layout: tensor parallel (``expert_parallel`` false):
    everything split N ways, two all-reduces per layer. Expert parallel with data-parallel attention: every GPU
    holds and reads the whole attention weights (``memory.bytes_per_gpu``), the experts are split, tokens go to
    their experts and back (``throughput.all_to_all_time_s``); the busiest GPU's expert work
    (``moe.expert_load_imbalance``) and the busiest attention rank's non-expert work (``StepWork``) set the
    pace. Per GPU, with R attention ranks (N under DP attention, 1 under tensor parallelism), T routed tokens
    and T_r tokens on the busiest rank::

        FLOP_gpu = [2 T P_routed imbalance + R (2 T_r P_other + A_r)] / N

    Pipeline parallel (``pipeline_stages`` p > 1, tensor parallel over t = N / p GPUs per stage): the step's
    sequences go through the stages in ``throughput.num_micro_batches`` micro-batches and the returned times
    are those of one round, in which every sequence advances one step (``throughput.pipeline_round``): each
    stage reads its weights once per micro-batch, the micro-batches' work is spread over the stages, the
    tensor-parallel all-reduces stay inside the scale-up domain, and p - 1 activation sends cross the
    scale-out network.
    """
    ep = np.asarray(expert_parallel, dtype=bool)
    stages = np.asarray(pipeline_stages, dtype=float)
    tp = num_gpus / stages
    num_tokens, num_sequences = work.num_tokens, work.num_sequences
    ranks = np.where(ep, num_gpus, 1.0)
    num_rank_tokens = num_tokens / ranks if work.num_rank_tokens is None else work.num_rank_tokens
    rank_attention = (np.asarray(work.attention_flops) / ranks if work.rank_attention_flops is None
                      else work.rank_attention_flops)
    micro = throughput.num_micro_batches(num_sequences, stages)
    tokens_micro = num_tokens / micro
    touched, w_read = moe.weight_bytes_read_at_batch(m.non_routed_read_bytes, m.num_moe_layers, m.expert_bytes,
                                                     m.num_experts, m.experts_per_token, tokens_micro,
                                                     eff.routing_skew)
    replicated = np.where(ep, m.attention_weights_bytes, 0.0)
    imbalance = np.where(ep, moe.expert_load_imbalance(num_tokens, m.experts_per_token, num_gpus), 1.0)
    # FP4 weights with FP8 activations (W4A8, ``Architecture.fp4_activation_precision``) on FP4 tensor cores run
    # as a native mixed FP8 x FP4 matmul at the FP8 rate (Blackwell tcgen05 kind::f8f6f4, CDNA4 MFMA f8f6f4).
    w4a8 = (np.asarray(gpu.fp4_compute) > 0) & (np.asarray(m.fp8_activations) > 0)
    peak = np.where(w4a8, gpu.fp8_tflops, gpu.peak_tflops)
    flops_eff = np.where(np.asarray(gpu.weight_only) > 0, eff.weight_only_flops_efficiency_frac,
                         np.where((np.asarray(gpu.fp4_compute) > 0) & ~w4a8, eff.fp4_flops_efficiency_frac,
                                  eff.flops_efficiency_frac))
    # Attention's FLOPs run at their own precision (``attention_precision``); counted as the matmul FLOPs that
    # take the same time at the weights' compute rate.
    attention_rate = np.asarray(gpu.attention_tflops) * eff.flops_efficiency_frac
    flops = (imbalance * throughput.matmul_flops(num_tokens, m.routed_matmul_params)
             + ranks * (throughput.matmul_flops(num_rank_tokens, np.asarray(m.matmul_params) - m.routed_matmul_params)
                        + rank_attention * (peak * flops_eff) / attention_rate))
    all_reduce = throughput.allreduce_time_s(tokens_micro, m.hidden_size, m.num_layers, tp,
                                             _link_gb_per_s(tp, gpu, eff), eff.allreduce_latency_s)
    all_to_all = throughput.all_to_all_time_s(num_tokens, m.hidden_size, m.num_moe_layers, m.experts_per_token,
                                              num_gpus, gpu.scale_up_domain_gpus, gpu.interconnect_gb_per_s,
                                              _scale_out_gb_per_s(gpu, eff), eff.allreduce_latency_s)
    stage_send = throughput.stage_send_time_s(tokens_micro, m.hidden_size, stages, _scale_out_gb_per_s(gpu, eff),
                                              eff.allreduce_latency_s)
    rnd = throughput.pipeline_round(
        # Routed-expert bytes stream at their own efficiency: counted as the bytes that take as long at the
        # dense weights' efficiency (``throughput.memory_time_s`` divides by that one).
        weight_bytes_per_gpu=memory.bytes_per_gpu(
            w_read + (w_read - m.non_routed_read_bytes) * (eff.bandwidth_efficiency_frac
                                                           / eff.expert_bandwidth_efficiency_frac - 1.0),
            replicated, tp),
        kv_bytes_per_gpu=np.asarray(work.kv_bytes) / tp,
        flops_per_gpu=flops / tp,
        num_micro_batches=micro,
    )
    return StepTime(
        experts_touched_per_layer=touched,
        weight_bytes_read=w_read,
        memory_s=throughput.memory_time_s(rnd.bytes_per_gpu, gpu.memory_bandwidth_gb_per_s,
                                          eff.bandwidth_efficiency_frac),
        compute_s=throughput.compute_time_s(rnd.flops_per_gpu, peak, flops_eff),
        communication_s=np.where(ep, all_to_all, all_reduce + stage_send),
        # Per running sequence of one scheduler (eq. 1c): the deployment's (R = 1) or each DP-attention rank's.
        overhead_s=stages * throughput.step_overhead_s(m.num_layers / stages, num_sequences / (micro * ranks),
                                                       eff.step_overhead_s, eff.layer_overhead_s,
                                                       np.where(ep, eff.dp_rank_sequence_overhead_s,
                                                                eff.sequence_overhead_s)),
    )


def overlapped_step(
    m: ModelFeatures,
    gpu: GpuFeatures,
    eff: Efficiency,
    num_gpus: FloatOrArray,
    expert_parallel: BoolOrArray,
    work: StepWork,
    pipeline_stages: FloatOrArray = 1.0,
) -> StepTime:
    """``forward_step``, run as two overlapped micro-batches (``two_batch_overlap``) where that is faster.

    Expert-parallel steps with at least two tokens per GPU: the engine runs the step whole (all-to-all after
    compute, ``forward_step``) or as two overlapped micro-batches, whichever is shorter (SGLang
    ``--enable-two-batch-overlap``, TensorRT-LLM's overlap of attention-DP micro-batches: operators enable it for
    throughput runs, where it pays). Other layouts have no all-to-all to hide: the plain step.
    """
    ep = np.asarray(expert_parallel, dtype=bool)
    whole = forward_step(m, gpu, eff, num_gpus, ep, work, pipeline_stages)
    tbo = two_batch_overlap(forward_step(m, gpu, eff, num_gpus, ep, work.half(), pipeline_stages), eff)
    use = ep & (np.asarray(work.num_tokens) >= 2.0 * np.asarray(num_gpus)) & (tbo.total_s < whole.total_s)
    return StepTime(**{f.name: np.where(use, getattr(tbo, f.name), getattr(whole, f.name)) for f in fields(StepTime)})


def mean_step(decode: StepTime, chunk: StepTime, chunk_frac: FloatOrArray) -> StepTime:
    """The mean of a cycle of steps of which a fraction ``chunk_frac`` carry a prompt chunk (eq. 1).

    Each component is averaged, ``x = x_decode + f (x_chunk - x_decode)``, and the roofline is applied to the
    averages, so prompt compute overlaps decode memory traffic across the cycle, as a stall-free chunked
    scheduler sizes its chunks to do (Sarathi-Serve, Agrawal et al., OSDI 2024); the bytes a chunk step
    reads are those of the experts its own tokens touch.
    """
    def mix(a: FloatOrArray, c: FloatOrArray) -> FloatOrArray:
        return a + chunk_frac * (c - a)

    return StepTime(
        experts_touched_per_layer=mix(decode.experts_touched_per_layer, chunk.experts_touched_per_layer),
        weight_bytes_read=mix(decode.weight_bytes_read, chunk.weight_bytes_read),
        memory_s=mix(decode.memory_s, chunk.memory_s),
        compute_s=mix(decode.compute_s, chunk.compute_s),
        communication_s=mix(decode.communication_s, chunk.communication_s),
        overhead_s=mix(decode.overhead_s, chunk.overhead_s),
    )


def speculative_step(verify: StepTime, num_draft_tokens: FloatOrArray, num_layers: FloatOrArray) -> StepTime:
    """A decode step with speculative decoding: drafting, then one verification pass.

    The verification pass (``verify``) runs B (1 + k) tokens through the model: the same weight and KV bytes
    as a plain step (more experts touched), (1 + k) times the FLOPs. Drafting with an MTP module runs it k times
    in sequence; the module is one transformer layer, so each draft pass costs about 1 / L_layers of the
    verification pass (DeepSeek-V3 report, arXiv:2412.19437, sec. 2.2)::

        x_spec = x_verify * (1 + k / L_layers),   x = memory, compute, communication, overhead

    Each step emits a tokens per sequence on average (published acceptance, ``data/speculative.yaml``), so
    per emitted token the step reads its weights once per a tokens: the bandwidth roofline per accepted
    token is never beaten, and the gain shrinks as the step becomes compute-bound (the k drafts cost compute).
    """
    scale = 1.0 + np.asarray(num_draft_tokens, dtype=float) / num_layers
    return replace(verify, memory_s=verify.memory_s * scale, compute_s=verify.compute_s * scale,
                   communication_s=verify.communication_s * scale, overhead_s=verify.overhead_s * scale)


# Layout codes are positions in this tuple; ``evaluate`` takes the first three, ``evaluate_disaggregated``
# deployments are named "disagg" (its pools each take one of the first three).
LAYOUTS: tuple[str, ...] = ("tp", "ep", "pp", "disagg")
LAYOUT_TP, LAYOUT_EP, LAYOUT_PP = 0.0, 1.0, 2.0
# The layout a user sees: pipeline parallel is tensor parallel inside each scale-up domain, with a
# ``pipeline_parallel`` size above 1 across domains (``--layout tp``; contract of issue 10).
LAYOUT_DISAGG_NAME = "disagg"  # separate prefill and decode pools (``evaluate_disaggregated``)
LAYOUT_SHOWN: dict[str, str] = {"tp": "tp", "ep": "ep", "pp": "tp", LAYOUT_DISAGG_NAME: LAYOUT_DISAGG_NAME}


def _cache_heads(m: ModelFeatures, ep: BoolOrArray, stages: FloatOrArray) -> tuple[FloatOrArray, FloatOrArray]:
    """KV heads and linear-attention key heads the layout shards the cache over [-].

    Under data-parallel attention the cache is split by sequence: nothing is replicated (inf). Pipeline stages
    split it by layer: heads are replicated only beyond the N / p tensor-parallel GPUs of a stage (p h).
    """
    return np.where(ep, np.inf, m.kv_heads * stages), np.where(ep, np.inf, m.state_heads * stages)


def _prompt_work(m: ModelFeatures, input_tokens: FloatOrArray,
                 cached_input_frac: FloatOrArray) -> tuple[FloatOrArray, FloatOrArray]:
    """Prompt tokens to prefill [tokens] (the uncached suffix) and their attention FLOPs [FLOP] (they attend to
    the whole prompt: causal FLOPs of I tokens minus those of the cached prefix)."""
    i = np.asarray(input_tokens, dtype=float)
    cached = np.asarray(cached_input_frac, dtype=float) * i
    uncached = np.maximum(i - cached, 1.0)
    attn_prompt = throughput.prefill_attention_flops(i, m.attn_prefill_full, m.attn_prefill_local,
                                                     m.window_tokens, m.attn_linear) - \
        throughput.prefill_attention_flops(np.minimum(cached, i - 1.0), m.attn_prefill_full, m.attn_prefill_local,
                                           m.window_tokens, m.attn_linear)
    return uncached, attn_prompt


def _stages(layout: FloatOrArray, num_gpus: FloatOrArray, gpu: GpuFeatures) -> FloatOrArray:
    return np.where(np.asarray(layout, dtype=float) == LAYOUT_PP,
                    throughput.pipeline_stages(num_gpus, gpu.scale_up_domain_gpus), 1.0)


def evaluate(
    m: ModelFeatures,
    gpu: GpuFeatures,
    num_gpus: FloatOrArray,
    concurrency: FloatOrArray,
    input_tokens: FloatOrArray,
    output_tokens: FloatOrArray,
    usd_per_gpu_hour: FloatOrArray,
    eff: Efficiency,
    layout: FloatOrArray = LAYOUT_TP,
    cached_input_frac: FloatOrArray = 0.0,
    accepted_tokens_per_step: FloatOrArray = 1.0,
    num_draft_tokens: FloatOrArray = 0.0,
    colocated_prefill: FloatOrArray = 1.0,
    open_loop: FloatOrArray = 0.0,
) -> Evaluation:
    """Evaluate configurations (columns broadcast against each other). See the module docstring.

    ``layout``: ``LAYOUT_TP`` (tensor parallel), ``LAYOUT_EP`` (expert parallel with data-parallel attention;
    MoE models on 2 or more GPUs only, else the configuration does not fit) or ``LAYOUT_PP`` (tensor parallel
    inside each scale-up domain, ``throughput.pipeline_stages`` stages across domains; one stage within one).
    ``cached_input_frac``: share of each prompt found in the prefix cache [-], whose prefill is skipped.
    Speculative decoding: each step verifies ``num_draft_tokens`` k drafts per sequence and emits
    ``accepted_tokens_per_step`` a of them on average (1 and 0 without speculation; ``speculative_step``).
    ``colocated_prefill``: 1 when the deployment prefills its own prompts (chunked into its steps), 0 when a
    separate prefill pool does (``evaluate_disaggregated``; its steps then decode only).
    ``open_loop``: 1 when requests arrive at random (a served request stream), 0 for a closed loop (a fixed
    number of clients, an offline batch). Open loop, each scheduler's slots carry a mean of
    ``queueing.open_loop_load`` of its share of the sequences, so that 99 % of arrivals find a free slot
    (``max_mean_concurrency``, eq. 4); closed loop, the concurrency may fill the slots.
    """
    n = np.asarray(num_gpus, dtype=float)
    b = np.asarray(concurrency, dtype=float)
    i = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)
    ep = np.asarray(layout, dtype=float) == LAYOUT_EP
    layout_ok = ~ep | ((np.asarray(m.num_experts) > 0) & (n >= 2))
    stages = _stages(layout, n, gpu)

    kv_heads, state_heads = _cache_heads(m, ep, stages)

    def kv_seq_per_gpu(context: FloatOrArray) -> FloatOrArray:
        return memory.kv_cache_bytes_per_sequence_per_gpu(
            context, m.kv_full_bytes_per_token, m.kv_local_bytes_per_token, m.window_tokens,
            m.state_bytes_per_sequence, n, kv_heads, state_heads)

    kv_seq_gb_per_gpu = memory.gb(kv_seq_per_gpu(i + o))
    replicated = np.where(ep, m.attention_weights_bytes, 0.0)
    weights_gb_per_gpu = memory.gb(memory.bytes_per_gpu(m.weights_bytes, replicated, n))
    reserve = memory.runtime_reserve_gb(gpu.memory_gb, eff.runtime_reserve_frac)
    max_conc = np.where(layout_ok, np.minimum(
        memory.max_concurrency(gpu.memory_gb, eff.runtime_reserve_frac, weights_gb_per_gpu, kv_seq_gb_per_gpu),
        batch_cap(n, ep, eff),
    ), 0.0)
    max_mean = mean_concurrency_limit(max_conc, np.where(ep, n, 1.0), open_loop)

    # Decode-only step: B tokens, reading the batch's KV cache (bytes per deployment = per GPU x N).
    kv_read = b * kv_seq_per_gpu(i + o / 2.0) * n
    attn_decode = b * throughput.decode_attention_flops(i + o / 2.0, m.attn_decode_full, m.attn_decode_local,
                                                        m.window_tokens, m.attn_linear)
    k = np.asarray(num_draft_tokens, dtype=float)
    a = np.asarray(accepted_tokens_per_step, dtype=float)
    verify = overlapped_step(m, gpu, eff, n, ep, StepWork(b * (1.0 + k), b, kv_read, (1.0 + k) * attn_decode), stages)
    decode = speculative_step(verify, k, m.num_layers)

    uncached, attn_prompt = _prompt_work(m, i, cached_input_frac)

    # Chunk steps (eq. 1, 1b): each of the R attention ranks prefills its own prompts, P / R tokens per step,
    # in chunks of C_r; a step carries a chunk when any rank does, and waits for the rank that does.
    prefill_tokens = b * a * uncached / o
    ranks = np.where(ep, n, 1.0)
    rank_prefill = prefill_tokens / ranks
    rank_chunk = np.minimum(float(eff.prefill_chunk_tokens), np.maximum(uncached, rank_prefill))
    f_rank = rank_prefill / rank_chunk
    f_any = 1.0 - (1.0 - np.minimum(f_rank, 1.0)) ** ranks
    chunk = prefill_tokens / np.maximum(f_any, 1e-300)  # prompt tokens of the deployment in a step that carries any
    busiest = np.maximum(rank_chunk, rank_prefill)  # prompt tokens of the busiest rank in such a step
    decode_attention = (1.0 + k) * attn_decode
    chunk_verify = overlapped_step(m, gpu, eff, n, ep, StepWork(
        b * (1.0 + k) + chunk, b, kv_read, decode_attention + chunk / uncached * attn_prompt,
        num_rank_tokens=b * (1.0 + k) / ranks + busiest,
        rank_attention_flops=decode_attention / ranks + busiest / uncached * attn_prompt), stages)
    chunk_step = speculative_step(chunk_verify, k, m.num_layers)
    f = np.asarray(colocated_prefill, dtype=float) * f_any
    step = mean_step(decode, chunk_step, f)  # eq. 1
    t_step = step.total_s
    t_per_output_token = mean_step(decode, chunk_step, f * (b - 1.0) / b).total_s / a  # eq. 2

    # A lone prefill of one request's uncached prompt.
    prefill = overlapped_step(m, gpu, eff, n, ep, StepWork(uncached, 1.0, 0.0, attn_prompt, num_rank_tokens=uncached,
                                                         rank_attention_flops=attn_prompt), stages)
    # Time to first token: the prefill, the running step it waits for, and the queue of prompts ahead of it.
    prefill_share = np.clip((t_step - decode.total_s) / t_step, 0.0, 0.999)
    wait_mean, wait_p99 = queueing.prompt_wait_s(prefill_share, prefill.total_s, b)
    ttft = prefill.total_s + t_step + wait_mean
    ttft_p99 = prefill.total_s + t_step + wait_p99

    out_tps = b * a / t_step
    rate = cost.usd_per_s(n, usd_per_gpu_hour)
    request_s = t_step * o / (b * a)  # deployment time per request [s]
    input_share = cost.input_share_frac(prefill.total_s, decode.total_s, b * a, o)
    shape = np.broadcast(n, b, i, o, m.weights_bytes, gpu.memory_gb, ep).shape

    def full(x: FloatOrArray) -> FloatArray:
        return np.broadcast_to(np.asarray(x, dtype=float), shape).copy()

    kv_gb_per_gpu = b * kv_seq_gb_per_gpu
    return Evaluation(
        weights_gb_per_gpu=full(weights_gb_per_gpu),
        kv_cache_gb_per_gpu=full(kv_gb_per_gpu),
        kv_cache_gb_per_sequence_per_gpu=full(kv_seq_gb_per_gpu),
        reserve_gb_per_gpu=full(reserve),
        memory_needed_gb_per_gpu=full(weights_gb_per_gpu + reserve + kv_gb_per_gpu),
        max_concurrency=full(max_conc),
        max_mean_concurrency=full(max_mean),
        fits=full(max_conc) >= 1,
        concurrency_fits=full(b) <= full(max_mean),
        experts_touched_per_layer=full(decode.experts_touched_per_layer),
        weight_bytes_read_per_step=full(decode.weight_bytes_read),
        kv_bytes_read_per_step=full(kv_read),
        decode_step_s=full(decode.total_s),
        mixed_step_s=full(t_step),
        tpot_s=full(t_per_output_token),
        tpot_p99_s=full(t_per_output_token * eff.p99_to_mean_latency_ratio),
        prefill_s=full(prefill.total_s),
        ttft_s=full(ttft),
        ttft_p99_s=full(ttft_p99),
        memory_s=full(step.memory_s),
        compute_s=full(step.compute_s),
        communication_s=full(step.communication_s),
        overhead_s=full(step.overhead_s),
        output_tokens_per_s=full(out_tps),
        output_tokens_per_s_per_gpu=full(out_tps / n),
        requests_per_s=full(out_tps / o),
        num_nodes=full(np.ceil(n / gpu.scale_up_domain_gpus)),
        pipeline_stages=full(stages),
        num_prefill_gpus=full(0.0),
        usd_per_million_input_tokens=full(cost.usd_per_million_tokens(rate, request_s * input_share, i)),
        usd_per_million_output_tokens=full(cost.usd_per_million_tokens(rate, request_s * (1.0 - input_share), o)),
        usd_per_million_tokens=full(cost.usd_per_million_tokens(rate, request_s, i + o)),
    )


def mean_concurrency_limit(slots: FloatOrArray, num_schedulers: FloatOrArray,
                           open_loop: FloatOrArray) -> FloatOrArray:
    """Most sequences a deployment runs on average [-]: its ``slots`` K in a closed loop; in an open loop, each of
    its R schedulers (1 under tensor parallelism, one per rank under DP attention, each with K / R slots and
    1 / R of the arrivals) carries ``queueing.open_loop_load(K / R)``::

        B_max = K (closed loop),   R * L*(floor(K / R)) (open loop; L*: P(wait for a slot) = 1 %)       (4)
    """
    k = np.asarray(slots, dtype=float)
    is_open = np.asarray(open_loop, dtype=float) > 0.0
    if not is_open.any():
        return k
    k, r, is_open = np.broadcast_arrays(k, np.maximum(np.asarray(num_schedulers, dtype=float), 1.0), is_open)
    limit = k.copy()
    limit[is_open] = np.minimum(r[is_open] * np.asarray(queueing.open_loop_load(k[is_open] / r[is_open])),
                                k[is_open])
    return limit


def evaluate_disaggregated(
    m: ModelFeatures,
    gpu: GpuFeatures,
    num_prefill_gpus: FloatOrArray,
    num_decode_gpus: FloatOrArray,
    concurrency: FloatOrArray,
    input_tokens: FloatOrArray,
    output_tokens: FloatOrArray,
    usd_per_gpu_hour: FloatOrArray,
    eff: Efficiency,
    prefill_layout: FloatOrArray = LAYOUT_TP,
    decode_layout: FloatOrArray = LAYOUT_TP,
    cached_input_frac: FloatOrArray = 0.0,
    accepted_tokens_per_step: FloatOrArray = 1.0,
    num_draft_tokens: FloatOrArray = 0.0,
    open_loop: FloatOrArray = 0.0,
) -> Evaluation:
    """Disaggregated prefill and decode: one deployment of two pools (DistServe, Zhong et al., OSDI 2024;
    Splitwise, Patel et al., ISCA 2024; the prefill/decode split of SGLang, Dynamo and vLLM).

    The decode pool (N_d GPUs, ``decode_layout``, concurrency B) runs decode-only steps: ``evaluate`` with no
    prompt chunks, so its TPOT has no prefill interference. The prefill pool (one instance of N_p GPUs,
    ``prefill_layout``) runs prompt-only steps of ``C = max(C_max, I_u)`` tokens, ``C / I_u`` prompts each
    (I_u the uncached prompt tokens), so it serves at most ``mu = (C / I_u) / t_batch`` requests/s. The decode
    pool asks for ``lambda = B a / (t_decode O)`` requests/s; the deployment serves ``min(lambda, mu)``::

        output tokens/s = O * min(lambda, mu),   per GPU: / (N_p + N_d)
        TTFT = t_prefill(I_u) + W(rho = lambda / mu) + t_kv                                       (3)

    with W the queueing wait of ``calculator.queueing`` (the prefill pool as one server busy rho of the time,
    service time one lone prefill) and t_kv the prompt's KV cache sent to the decode pool
    (``throughput.kv_transfer_time_s``): the first token comes out of the prefill, the second from the first
    decode step. Memory: each pool must hold the weights; the decode pool holds the B sequences' caches (in an
    open loop, eq. 4's mean of its slots), the prefill pool the prompts in flight. Cost: every GPU of both
    pools, with the prefill pool's share ``N_p / (N_p + N_d)`` attributed to input tokens.
    """
    n_p = np.asarray(num_prefill_gpus, dtype=float)
    n_d = np.asarray(num_decode_gpus, dtype=float)
    b = np.asarray(concurrency, dtype=float)
    i = np.asarray(input_tokens, dtype=float)
    o = np.asarray(output_tokens, dtype=float)
    dec = evaluate(m, gpu, n_d, b, i, o, usd_per_gpu_hour, eff, decode_layout, cached_input_frac,
                   accepted_tokens_per_step, num_draft_tokens, colocated_prefill=0.0, open_loop=open_loop)
    pre = evaluate(m, gpu, n_p, 1.0, i, 1.0, 0.0, eff, prefill_layout, cached_input_frac)

    # Prefill pool capacity: prompt-only steps of C tokens.
    ep_p = np.asarray(prefill_layout, dtype=float) == LAYOUT_EP
    stages_p = _stages(prefill_layout, n_p, gpu)
    uncached, attn_prompt = _prompt_work(m, i, cached_input_frac)
    chunk = np.maximum(float(eff.prefill_chunk_tokens), uncached)
    prompts = chunk / uncached
    batch = overlapped_step(m, gpu, eff, n_p, ep_p, StepWork(chunk, prompts, 0.0, prompts * attn_prompt), stages_p)
    capacity = prompts / batch.total_s  # [requests/s]
    demand = dec.requests_per_s
    served = np.minimum(demand, capacity)
    wait_mean, wait_p99 = queueing.prompt_wait_s(demand / capacity, pre.prefill_s, b)

    # KV of one prompt leaves the prefill pool from the GPUs that hold it (one GPU under DP attention).
    kv_heads, state_heads = _cache_heads(m, ep_p, stages_p)
    shard = memory.kv_cache_bytes_per_sequence_per_gpu(
        i, m.kv_full_bytes_per_token, m.kv_local_bytes_per_token, m.window_tokens, m.state_bytes_per_sequence,
        np.where(ep_p, 1.0, n_p), kv_heads, state_heads)
    t_kv = throughput.kv_transfer_time_s(shard, _scale_out_gb_per_s(gpu, eff), eff.allreduce_latency_s)

    n_total = n_p + n_d
    out_tps = served * o
    rate = cost.usd_per_s(n_total, usd_per_gpu_hour)
    request_s = 1.0 / np.maximum(served, 1e-300)  # deployment time per request [s]
    input_share = n_p / n_total
    max_conc = np.where(pre.fits, dec.max_concurrency, 0.0)
    max_mean = np.where(pre.fits, dec.max_mean_concurrency, 0.0)
    return replace(
        dec,
        max_concurrency=max_conc,
        max_mean_concurrency=max_mean,
        fits=max_conc >= 1,
        concurrency_fits=b <= max_mean,
        prefill_s=pre.prefill_s,
        ttft_s=pre.prefill_s + wait_mean + t_kv,
        ttft_p99_s=pre.prefill_s + wait_p99 + t_kv,
        output_tokens_per_s=out_tps * np.ones_like(dec.output_tokens_per_s),
        output_tokens_per_s_per_gpu=out_tps / n_total * np.ones_like(dec.output_tokens_per_s),
        requests_per_s=served * np.ones_like(dec.requests_per_s),
        num_nodes=dec.num_nodes + pre.num_nodes,
        num_prefill_gpus=n_p * np.ones_like(dec.num_prefill_gpus),
        usd_per_million_input_tokens=cost.usd_per_million_tokens(rate, request_s * input_share, i)
        * np.ones_like(dec.output_tokens_per_s),
        usd_per_million_output_tokens=cost.usd_per_million_tokens(rate, request_s * (1.0 - input_share), o)
        * np.ones_like(dec.output_tokens_per_s),
        usd_per_million_tokens=cost.usd_per_million_tokens(rate, request_s, i + o)
        * np.ones_like(dec.output_tokens_per_s),
    )


def concat(evaluations: Sequence[Evaluation]) -> Evaluation:
    """Evaluations of several sets of configurations, one after another."""
    return Evaluation(**{f.name: np.concatenate([getattr(e, f.name) for e in evaluations])
                         for f in fields(Evaluation)})


def bound(ev: Evaluation) -> npt.NDArray[np.str_]:
    """What limits the mean step: 'memory', 'compute', 'communication' or 'overhead' (largest share)."""
    parts = np.stack([ev.memory_s, ev.compute_s, ev.communication_s, ev.overhead_s])
    names = np.array(["memory", "compute", "communication", "overhead"])
    return names[np.argmax(parts, axis=0)]


def meets_latency_limits(ev: Evaluation, ttft_slo_ms: float | None, tpot_slo_ms: float | None,
                         eff: Efficiency) -> npt.NDArray[np.bool_]:
    """Whether each configuration meets the latency limits [ms] (None = no limit).

    Limits are read as 99th-percentile limits, as serving SLOs and MLPerf state them: TTFT against
    ``ttft_p99_s`` (the queueing wait's 99th percentile, ``calculator.queueing``), TPOT against
    ``tpot_p99_s`` (mean x ``eff.p99_to_mean_latency_ratio``, the ratio of the p99 limit to the measured mean
    TPOT in MLPerf v5.1 interactive runs, ``calculator.validate.p99_to_mean_ratio``).
    """
    ok = np.ones(ev.ttft_s.shape, dtype=bool)
    if ttft_slo_ms is not None:
        ok &= ev.ttft_p99_s * MS_PER_S <= ttft_slo_ms
    if tpot_slo_ms is not None:
        ok &= ev.tpot_p99_s * MS_PER_S <= tpot_slo_ms
    return ok
