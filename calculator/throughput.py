"""Time of prefill and decode steps: roofline plus communication and a fixed per-step overhead.

All functions broadcast over numpy arrays. Units: bytes [B], FLOPs [FLOP], bandwidth [GB/s = 1e9 B/s],
peak compute [TFLOP/s = 1e12 FLOP/s], time [s].

Notes
-----
Roofline (Williams, Waterman and Patterson, "Roofline", CACM 2009), per GPU::

    t_roof = max(bytes / (BW * eta_bw), flops / (P * eta_flops))                           (1)

with BW the HBM bandwidth, P the dense peak at the compute precision, and eta the achieved fractions,
fitted to published measurements (``data/efficiency.yaml``, ``python -m calculator validate``). The fractions
differ by kind of work (``calculator.pipeline.forward_step``): dense weights and the KV cache stream at
``bandwidth_efficiency_frac``, routed-expert weights (grouped GEMMs over many small matrices) at
``expert_bandwidth_efficiency_frac``; matmuls run at ``flops_efficiency_frac`` (native BF16/FP8),
``fp4_flops_efficiency_frac`` (FP4 tensor cores) or ``weight_only_flops_efficiency_frac`` (weights stored below
the tensor cores' precision and dequantised in the kernel: FP4 on Hopper, INT4), and attention's matmuls at the
cache's precision (``calculator.pipeline.attention_precision``).

Matmul FLOPs per token: ``2 * N_matmul`` (one multiply-add per parameter; Kaplan et al. 2020, sec. 2.1).

Attention FLOPs for one query token over a context of L tokens, per softmax layer:
GQA/MHA ``4 * h * d_h * L`` (QK^T and AV); MLA decode in the absorbed form ``2 * h * (2 r_kv + d_rope) * L``
(DeepSeek-V2 paper, appendix B); MLA prefill in the expanded form ``2 * h * (d_nope + d_rope + d_v) * L``.
Local-window layers use ``min(L, window)``. DeepSeek-V4 compressed attention (one shared key/value head of width
c, keys = values; DeepSeek-V4 technical report, 2026) costs ``4 h c`` per attended entry: every layer attends its
``min(L, window)`` uncompressed tokens, an HCA layer all ``L / m'`` compressed entries, a CSA layer the ``index_topk``
entries its lightning indexer picks after scoring all ``L / m`` of them at ``2 h_I d_I`` each. The top-k term is
counted as a constant ``4 h c k`` per token, exact once ``L / m >= k`` (4,096 tokens for DeepSeek-V4-Pro); below that
it overstates the CSA layers' attention (at most ``L_csa 4 h c k``, 8.1 GFLOP per token for V4-Pro, 8 % of its
matmul FLOPs). A causal prefill of I tokens sums these over L = 1..I
(``I^2 / 2`` pairs, or ``W^2/2 + (I - W) W`` with a window W). Linear-attention (Gated DeltaNet) layers
cost ``4 * h_v * d_k * d_v`` per token (state update and read-out), independent of L.

Tensor parallelism over N GPUs adds two all-reduces per layer (after attention and after the MLP;
Shoeybi et al., Megatron-LM, arXiv:1909.08053, sec. 3) of T tokens x d x 2 B each. A ring all-reduce moves
``2 (N-1)/N`` of the message over each GPU's link (Patarasuk and Yuan 2009)::

    t_comm = 2 L_layers * (t_lat + 2 (N-1)/N * T * d * 2 B / B_link)                         (2)

Inside the scale-up domain (NVLink, Infinity Fabric, ICI) B_link is ``interconnect_gb_per_s``; beyond it,
the scale-out network's ``scale_out_gb_per_s``.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from calculator.schemas import Architecture
from calculator.units import ACTIVATION_BYTES, BYTES_PER_GB, FLOPS_PER_TFLOPS, FloatOrArray


def attention_flops_coefficients(arch: Architecture) -> dict[str, float]:
    """Per-token attention FLOP coefficients of a model, summed over layers.

    Returns
    -------
    dict
        ``decode_full`` and ``decode_local`` [FLOP per query token per context token],
        ``prefill_full`` and ``prefill_local`` [same, for prefill], ``linear`` [FLOP per token, whatever the
        context: linear attention's state update, or the top-k entries of compressed sparse attention].
    """
    h = arch.num_attention_heads
    if arch.attention_kind == "compressed":
        return compressed_attention_flops_coefficients(arch)
    num_full = arch.num_layers - arch.num_local_attention_layers - arch.num_linear_attention_layers
    if arch.attention_kind == "mla":
        r_kv, d_rope = arch.kv_lora_rank or 0, arch.qk_rope_head_dim or 0
        d_nope, d_v = arch.qk_nope_head_dim or 0, arch.v_head_dim or 0
        decode_per_layer = 2.0 * h * (2 * r_kv + d_rope)
        prefill_per_layer = 2.0 * h * (d_nope + d_rope + d_v)
    else:
        decode_per_layer = prefill_per_layer = 4.0 * h * arch.head_dim
    local_decode, local_prefill = decode_per_layer, prefill_per_layer
    if arch.global_head_dim is not None:  # Gemma 4: full-attention layers use wider heads than local ones
        decode_per_layer = prefill_per_layer = 4.0 * h * arch.global_head_dim
    linear_per_layer = 4.0 * (arch.linear_num_value_heads or 0) * (arch.linear_key_head_dim or 0) * (
        arch.linear_value_head_dim or 0
    )
    return {
        "decode_full": num_full * decode_per_layer,
        "decode_local": arch.num_local_attention_layers * local_decode,
        "prefill_full": num_full * prefill_per_layer,
        "prefill_local": arch.num_local_attention_layers * local_prefill,
        "linear": arch.num_linear_attention_layers * linear_per_layer,
    }


def compressed_attention_flops_coefficients(arch: Architecture) -> dict[str, float]:
    """Attention FLOP coefficients of DeepSeek-V4 compressed attention (same keys as
    ``attention_flops_coefficients``).

    Per query token over a context of L tokens, with one shared key/value head of width c (QK and AV both
    ``2 c`` per head and attended entry)::

        L_csa (2 h_I d_I / m) L + L_hca (4 h c / m') L      [whole context: indexer scores, HCA entries]
        + L_layers 4 h c min(L, window)                       [every layer's uncompressed window]
        + L_csa 4 h c k                                       [the k entries each CSA layer attends]

    Prefill uses the same per-pair costs (keys are the cached entries themselves; no expansion as in MLA).
    """
    h, c = arch.num_attention_heads, float(arch.head_dim)
    per_entry = 4.0 * h * c
    full = 0.0
    sparse = 0.0
    if arch.num_compressed_sparse_layers:
        m = float(arch.compressed_sparse_ratio or 4)
        index_per_entry = 2.0 * (arch.index_num_heads or 0) * (arch.index_head_dim or 0)
        full += arch.num_compressed_sparse_layers * index_per_entry / m
        sparse = arch.num_compressed_sparse_layers * per_entry * float(arch.index_topk or 0)
    if arch.num_heavily_compressed_layers:
        full += arch.num_heavily_compressed_layers * per_entry / float(arch.heavily_compressed_ratio or 128)
    window = arch.num_layers * per_entry
    return {
        "decode_full": full,
        "decode_local": window,
        "prefill_full": full,
        "prefill_local": window,
        "linear": sparse,
    }


def decode_attention_flops(
    context_tokens: FloatOrArray,
    full_coef: FloatOrArray,
    local_coef: FloatOrArray,
    window_tokens: FloatOrArray,
    linear_flops: FloatOrArray,
) -> FloatOrArray:
    """Attention FLOPs of one decode token at context L [FLOP]: ``c_full L + c_local min(L, W) + c_lin``."""
    return context_tokens * full_coef + np.minimum(context_tokens, window_tokens) * local_coef + linear_flops


def causal_pairs(num_tokens: FloatOrArray, window_tokens: FloatOrArray) -> FloatOrArray:
    """Query-key pairs of a causal prefill of I tokens with a window W [-]: I^2/2 if I <= W, else W^2/2 + (I-W) W."""
    i = np.asarray(num_tokens, dtype=float)
    w = np.minimum(i, window_tokens)
    return w * w / 2.0 + (i - w) * w


def prefill_attention_flops(
    num_tokens: FloatOrArray,
    full_coef: FloatOrArray,
    local_coef: FloatOrArray,
    window_tokens: FloatOrArray,
    linear_flops: FloatOrArray,
) -> FloatOrArray:
    """Attention FLOPs of a causal prefill of I tokens [FLOP]."""
    return (
        causal_pairs(num_tokens, np.inf) * full_coef
        + causal_pairs(num_tokens, window_tokens) * local_coef
        + np.asarray(num_tokens, dtype=float) * linear_flops
    )


def matmul_flops(num_tokens: FloatOrArray, matmul_params: FloatOrArray) -> FloatOrArray:
    """Matmul FLOPs of T tokens through the weights [FLOP]: ``2 * N_matmul * T``."""
    return 2.0 * matmul_params * num_tokens


def memory_time_s(num_bytes: FloatOrArray, bandwidth_gb_per_s: FloatOrArray, efficiency_frac: float) -> FloatOrArray:
    """Time to stream bytes from HBM [s]: ``bytes / (BW * 1e9 * eta_bw)``."""
    return num_bytes / (bandwidth_gb_per_s * BYTES_PER_GB * efficiency_frac)


def compute_time_s(flops: FloatOrArray, peak_tflops: FloatOrArray, efficiency_frac: FloatOrArray) -> FloatOrArray:
    """Time to execute FLOPs [s]: ``flops / (P * 1e12 * eta_flops)``."""
    return flops / (peak_tflops * FLOPS_PER_TFLOPS * efficiency_frac)


def allreduce_time_s(
    num_tokens: FloatOrArray,
    hidden_size: FloatOrArray,
    num_layers: FloatOrArray,
    num_gpus: FloatOrArray,
    link_gb_per_s: FloatOrArray,
    latency_s: float,
) -> FloatOrArray:
    """Tensor-parallel all-reduce time of one forward step [s] (eq. 2); 0 on one GPU."""
    n = np.asarray(num_gpus, dtype=float)
    message_bytes = num_tokens * hidden_size * ACTIVATION_BYTES
    ring = 2.0 * (n - 1.0) / n * message_bytes / (link_gb_per_s * BYTES_PER_GB)
    return np.where(n > 1, 2.0 * num_layers * (latency_s + ring), 0.0)


def step_overhead_s(
    num_layers: FloatOrArray,
    num_sequences: FloatOrArray,
    fixed_s: float,
    per_layer_s: float,
    per_sequence_s: FloatOrArray,
) -> FloatOrArray:
    """Time of a forward step not explained by the roofline [s].

    ``t_over = t_fixed + L_layers * t_layer + B * t_seq``: a fixed cost per step (scheduling, CUDA-graph
    launch), a floor per layer (each layer runs a dozen kernels, each taking a few microseconds even when
    tiny), and a cost per running sequence (sampling, detokenisation, scheduler bookkeeping), ``B`` being the
    sequences of the scheduler that runs them (one per deployment, or one per DP-attention rank, whose
    ``t_seq`` may be an array: ``calculator.pipeline`` eq. 1c). The constants are fitted to the calibration
    set (``data/efficiency.yaml``).
    """
    return fixed_s + num_layers * per_layer_s + num_sequences * per_sequence_s


def all_to_all_time_s(
    num_tokens: FloatOrArray,
    hidden_size: FloatOrArray,
    num_moe_layers: FloatOrArray,
    experts_per_token: FloatOrArray,
    num_gpus: FloatOrArray,
    scale_up_domain_gpus: FloatOrArray,
    scale_up_gb_per_s: FloatOrArray,
    scale_out_gb_per_s: FloatOrArray,
    latency_s: float,
) -> FloatOrArray:
    """Expert-parallel dispatch and combine time of one forward step [s] (eq. 3); 0 on one GPU.

    With data-parallel attention each of N GPUs holds T/N of the step's tokens and E/N of the experts. Every
    MoE layer sends each token's hidden state to the GPUs of its k experts (dispatch) and brings the k outputs
    back (combine), ``T/N * k * d * 2 B`` per GPU each way, of which a share ``(D - 1)/N`` stays inside the
    GPU's scale-up domain of D = min(N, domain) GPUs (NVLink/NVL72) and ``(N - D)/N`` crosses the scale-out
    network (one NIC per GPU); both links run at once, so the slower one sets the time::

        t_a2a = 2 L_moe * (t_lat + max(V (D-1)/N / B_up, V (N-D)/N / B_out)),   V = T/N * k * d * 2 B     (3)

    (DeepSeek-V3 report, arXiv:2412.19437, sec. 3.4: dispatch/combine over IB and NVLink; activations in bf16
    both ways here, DeepEP's fp8 dispatch is not modelled).
    """
    n = np.asarray(num_gpus, dtype=float)
    domain = np.minimum(n, scale_up_domain_gpus)
    volume = num_tokens / n * experts_per_token * hidden_size * ACTIVATION_BYTES
    inside = volume * (domain - 1.0) / n / (scale_up_gb_per_s * BYTES_PER_GB)
    outside = volume * (n - domain) / n / (scale_out_gb_per_s * BYTES_PER_GB)
    return np.where(n > 1, 2.0 * num_moe_layers * (latency_s + np.maximum(inside, outside)), 0.0)


def num_micro_batches(num_sequences: FloatOrArray, num_stages: FloatOrArray) -> FloatOrArray:
    """Micro-batches a pipeline-parallel step splits its sequences into [-]: ``m = min(p, max(B, 1))``.

    Engines split the running batch into as many micro-batches as there are stages, so every stage has
    work (vLLM's virtual engines, SGLang's pipeline micro-batches); with fewer sequences than stages each
    sequence is its own micro-batch and the stages idle in turn (the pipeline bubble). Continuous batching
    keeps the pipeline full without the fill/drain bubble of training schedules (Narayanan et al.,
    arXiv:2104.04473, sec. 2.2), since a new micro-batch enters as soon as the previous one leaves a stage.
    """
    return np.minimum(np.asarray(num_stages, dtype=float), np.maximum(np.asarray(num_sequences, dtype=float), 1.0))


def stage_send_time_s(
    num_tokens_per_micro_batch: FloatOrArray,
    hidden_size: FloatOrArray,
    num_stages: FloatOrArray,
    scale_out_gb_per_s: FloatOrArray,
    latency_s: float,
) -> FloatOrArray:
    """Activation sends of one pipeline round [s] (eq. 5); 0 with one stage.

    A micro-batch of T_m tokens crosses the p - 1 stage boundaries one after another; at each, every GPU of
    the sending stage sends the ``T_m * d * 2 B`` hidden states over its own scale-out NIC (each tensor-parallel
    rank sends its copy; Megatron's scatter/gather optimisation, which sends 1/t of it, is not assumed)::

        t_send = (p - 1) * (t_lat + T_m * d * 2 B / B_out)                                         (5)
    """
    p = np.asarray(num_stages, dtype=float)
    one = latency_s + num_tokens_per_micro_batch * hidden_size * ACTIVATION_BYTES / (scale_out_gb_per_s * BYTES_PER_GB)
    return (p - 1.0) * one


class PipelineRound(NamedTuple):
    """What each GPU reads and computes in one pipeline round (every sequence advances one step)."""

    bytes_per_gpu: FloatOrArray  # [B]
    flops_per_gpu: FloatOrArray  # [FLOP]


def pipeline_round(
    weight_bytes_per_gpu: FloatOrArray,
    kv_bytes_per_gpu: FloatOrArray,
    flops_per_gpu: FloatOrArray,
    num_micro_batches: FloatOrArray,
) -> PipelineRound:
    """Bytes and FLOPs per GPU that set the time of one pipeline-parallel round (eq. 4).

    Parameters are those of the whole step as if one stage of t GPUs ran every layer: ``weight_bytes_per_gpu``
    W/t, ``kv_bytes_per_gpu`` K/t (the step's KV cache), ``flops_per_gpu`` F/t (all of the step's tokens)
    [B, B, FLOP]; m micro-batches (``num_micro_batches``) over p stages of L/p layers each. A micro-batch's
    token passes the p stages in turn, so the round lasts p stage steps; in each stage step a stage reads its weights
    ``W / (p t)``, the micro-batch's cache ``K / (m p t)`` and computes ``F / (m p t)``::

        bytes_round = p * (W/(p t) + K/(m p t)) = W/t + K/(m t)
        flops_round = p * F/(m p t) = F/(m t)                                                     (4)

    so in a memory-bound round each stage re-reads its weights once per micro-batch: at equal batch, p stages
    give the per-token bandwidth cost of one stage (pipeline parallelism adds memory capacity, not weight
    bandwidth per token), while the KV reads and the FLOPs are spread over all N = p t GPUs once m = p.
    With m < p (fewer sequences than stages) the stages idle in turn: the bubble. With p = 1 this is the
    plain step (m = 1). Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters
    Using Megatron-LM", SC'21, arXiv:2104.04473, sec. 2.2 (pipeline schedule) and sec. 3 (PTD-P).
    """
    m = np.asarray(num_micro_batches, dtype=float)
    return PipelineRound(bytes_per_gpu=weight_bytes_per_gpu + kv_bytes_per_gpu / m, flops_per_gpu=flops_per_gpu / m)


def pipeline_stages(num_gpus: FloatOrArray, scale_up_domain_gpus: FloatOrArray) -> FloatOrArray:
    """Pipeline stages of a deployment that keeps tensor parallelism inside one scale-up domain [-].

    The fewest stages p that divide N with N / p <= D (D GPUs per NVLink domain): 16 H100 (D = 8) -> 2
    stages of TP8; 128 GB200 (D = 72) -> 2 stages of TP64; N <= D -> 1.
    """
    n = np.asarray(num_gpus, dtype=float)
    p = np.maximum(np.ceil(n / np.asarray(scale_up_domain_gpus, dtype=float)), 1.0)
    for _ in range(int(np.max(n, initial=1.0))):
        bad = np.mod(n, p) != 0
        if not bad.any():
            break
        p = np.where(bad, p + 1.0, p)
    return p


def kv_transfer_time_s(kv_bytes_per_gpu: FloatOrArray, scale_out_gb_per_s: FloatOrArray,
                       latency_s: float) -> FloatOrArray:
    """Time to send one prompt's KV cache from the prefill pool to the decode pool [s] (eq. 6).

    Each prefill GPU sends the share of the prompt's cache it holds, ``K_gpu`` [B], over its own scale-out NIC
    (RDMA, all NICs at once: Mooncake transfer engine, NIXL; Qin et al., Mooncake, FAST 2025)::

        t_kv = t_lat + K_gpu / B_out                                                               (6)

    Counted in full in TTFT; engines that stream the cache layer by layer during the prefill hide part of it.
    """
    return latency_s + kv_bytes_per_gpu / (scale_out_gb_per_s * BYTES_PER_GB)
