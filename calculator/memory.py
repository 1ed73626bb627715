"""GPU memory: weights, KV cache, runtime reserve, and how many sequences fit.

Functions accept floats or numpy arrays (they broadcast), so the single-estimate path and the vectorised
sweep share one implementation.

Notes
-----
Weights [B] = embedding and output-head parameters x 2 B (kept in bf16 by FP8/FP4 checkpoints and by
vLLM/TensorRT-LLM quantisation recipes) + transformer-block parameters x bytes per weight of the precision
(``calculator.units.BITS_PER_WEIGHT``; scale overhead included).

KV cache per token and layer, elements [-] (bytes = elements x bytes per KV element):

- GQA/MHA softmax layer: ``2 * h_kv * d_h`` (keys and values; e.g. vLLM ``FullAttentionSpec``);
- MLA layer: ``r_kv + d_rope`` (the compressed latent and the shared RoPE key are cached; DeepSeek-V2
  paper, arXiv:2405.04434, eq. 9-10);
- sliding-window or chunked layer: as above, but at most ``window`` tokens per sequence;
- DeepSeek-V4 compressed attention (one shared key/value head of width c; DeepSeek-V4 technical report, 2026;
  the reference code's per-layer cache of ``window + max_seq_len // ratio`` entries): every layer keeps the
  last ``window`` tokens uncompressed (c each), a CSA layer adds ``c / m`` per token (one entry per m tokens) plus
  its indexer's ``d_I / m`` keys, an HCA layer ``c / m'``. DeepSeek-V4-Pro at 1,048,576 tokens in bf16:
  30 x 262,144 x (512 + 128) x 2 + 31 x 8,192 x 512 x 2 + 61 x 128 x 512 x 2 = 10,334,371,840 B = 9.62 GiB,
  the figure of vLLM's DeepSeek-V4 blog (8.7x below DeepSeek-V3.2's 83.9 GiB);
- linear-attention (Gated DeltaNet) layer: no per-token cache; a fixed state per sequence of
  ``h_v * d_k * d_v`` recurrent elements plus a ``(2 h_k d_k + h_v d_v) * (kernel - 1)`` convolution state
  (Qwen3-Next implementation), stored in the state dtype (bf16 by default, float32 for Qwen3.5).

Runtime reserve: a fraction of each GPU's memory is not available to weights and KV cache (CUDA context,
NCCL buffers, CUDA graphs, activations of the largest prefill chunk, allocator fragmentation). vLLM's
default ``gpu_memory_utilization=0.9`` leaves 10 %; the fraction is part of ``data/efficiency.yaml``.

Tensor parallelism over N GPUs shards weights and KV heads N ways. When N exceeds the number of KV heads,
KV heads are replicated, so per-GPU KV memory stops shrinking: per-GPU KV = per-sequence KV x
max(1, N / h_kv) / N (vLLM and TensorRT-LLM replicate KV heads this way). Data-parallel attention splits
the cache by sequence instead, and keeps the attention weights whole on every GPU (see
``kv_heads_effective``, ``replicated_weights_bytes``).
"""

from __future__ import annotations

import numpy as np

from calculator.params import ParamCounts
from calculator.schemas import Architecture
from calculator.units import BYTES_PER_GB, FloatOrArray, bytes_per_weight

EMBEDDING_BYTES_PER_PARAM: float = 2.0  # embeddings and LM head stay in bf16


def weights_bytes(counts: ParamCounts, precision: str) -> float:
    """Bytes of all weights of one model copy [B] at a weight precision.

    ``embedding * 2 B + lm_head * 2 B + (total - embedding - lm_head) * bytes_per_weight(precision)``
    """
    per_weight = min(bytes_per_weight(precision), EMBEDDING_BYTES_PER_PARAM)
    table = (counts.embedding + counts.lm_head) * EMBEDDING_BYTES_PER_PARAM
    return table + (counts.total - counts.embedding - counts.lm_head) * per_weight


def kv_elements_per_token_per_layer(arch: Architecture) -> float:
    """KV-cache elements one token adds to one softmax-attention layer [-].

    GQA/MHA: ``2 * h_kv * d_h``; MLA: ``r_kv + d_rope``; compressed attention (one shared key/value head,
    uncompressed): ``d_h`` (its compressed layers: ``compressed_kv_elements_per_token``).
    """
    if arch.attention_kind == "compressed":
        return float(arch.head_dim)
    if arch.attention_kind == "mla":
        return float((arch.kv_lora_rank or 0) + (arch.qk_rope_head_dim or 0))
    return float(2 * arch.num_kv_heads * arch.head_dim)


def compressed_kv_elements_per_token(arch: Architecture) -> tuple[float, float]:
    """KV-cache elements per token of DeepSeek-V4 compressed attention [-]: (whole context, window).

    Whole context: ``L_csa (c + d_I) / m + L_hca c / m'`` (compressed entries and indexer keys per token of
    context); window: ``L c`` (every layer's last ``window`` tokens, uncompressed).
    """
    c = float(arch.head_dim)
    full = 0.0
    if arch.num_compressed_sparse_layers:
        m = float(arch.compressed_sparse_ratio or 4)
        full += arch.num_compressed_sparse_layers * (c + (arch.index_head_dim or 0)) / m
    if arch.num_heavily_compressed_layers:
        full += arch.num_heavily_compressed_layers * c / float(arch.heavily_compressed_ratio or 128)
    return full, arch.num_layers * c


def kv_elements_per_token(arch: Architecture) -> tuple[float, float]:
    """KV-cache elements per token [-], split into (full-attention layers, local-window layers).

    The first part is kept for every token of the context, the second for at most
    ``local_attention_window_tokens`` of them.
    """
    if arch.attention_kind == "compressed":
        return compressed_kv_elements_per_token(arch)
    per_layer = kv_elements_per_token_per_layer(arch)
    num_full = arch.num_layers - arch.num_local_attention_layers - arch.num_linear_attention_layers
    full_per_layer = per_layer
    if arch.global_num_kv_heads is not None or arch.global_head_dim is not None:
        # Gemma 4: full layers cache 2 x h_kv,g x d_g (keys and values are stored apart even when one projection
        # makes both: keys get RoPE and a scaled norm, values an unscaled norm).
        full_per_layer = float(2 * (arch.global_num_kv_heads or arch.num_kv_heads)
                               * (arch.global_head_dim or arch.head_dim))
    return num_full * full_per_layer, arch.num_local_attention_layers * per_layer


def linear_state_bytes_per_sequence(arch: Architecture) -> float:
    """Fixed recurrent-state bytes per sequence of all linear-attention layers [B].

    Elements are stored at ``linear_state_bytes_per_element`` (2 for bf16; Qwen3.5's config asks for
    float32, ``mamba_ssm_dtype``, i.e. 4).
    """
    if arch.num_linear_attention_layers == 0:
        return 0.0
    h_k, h_v = arch.linear_num_key_heads or 0, arch.linear_num_value_heads or 0
    d_k, d_v = arch.linear_key_head_dim or 0, arch.linear_value_head_dim or 0
    kernel = arch.linear_conv_kernel_dim or 4
    recurrent = h_v * d_k * d_v
    conv = (2 * h_k * d_k + h_v * d_v) * (kernel - 1)
    return float(arch.num_linear_attention_layers * (recurrent + conv) * arch.linear_state_bytes_per_element)


def linear_state_heads(arch: Architecture) -> float:
    """Ways the linear-attention state can be split over GPUs without copies [-]: its key heads (inf if none)."""
    return float(arch.linear_num_key_heads) if arch.linear_num_key_heads else float("inf")


def replicated_weights_bytes(counts: ParamCounts, precision: str, data_parallel_attention: bool) -> float:
    """Weight bytes every GPU of a deployment holds whole [B]: the attention weights under data-parallel
    attention (``counts.attention * bytes_per_weight``), else 0 (tensor parallelism splits everything)."""
    return counts.attention * bytes_per_weight(precision) if data_parallel_attention else 0.0


def kv_heads_effective(arch: Architecture) -> float:
    """Ways tensor parallelism can split the KV cache without copies [-].

    GQA/MHA: its KV heads, ``h_kv``; beyond that heads are replicated. MLA and DeepSeek-V4's compressed
    attention: the latent (the shared key/value head) is one "head", so tensor parallelism keeps a copy on
    every GPU (1). Serving engines therefore run MLA models with
    data-parallel attention ("DP attention" in SGLang, TensorRT-LLM's ADP, vLLM's DP + EP for DeepSeek), which
    splits the cache by sequence: the expert-parallel layout of ``calculator.pipeline``.
    """
    if arch.attention_kind in ("mla", "compressed"):
        return 1.0
    # With their own KV heads (Gemma 4) the full-attention layers, which hold all but a window of the cache at long
    # context, set the split; the local layers' (more) heads are then split at least as far.
    return float(arch.global_num_kv_heads or arch.num_kv_heads)


def kv_cache_bytes_per_sequence(
    context_tokens: FloatOrArray,
    full_bytes_per_token: FloatOrArray,
    local_bytes_per_token: FloatOrArray,
    window_tokens: FloatOrArray,
    state_bytes_per_sequence: FloatOrArray,
) -> FloatOrArray:
    """KV-cache bytes one sequence holds at a context length [B].

    ``L * kv_full + min(L, window) * kv_local + state``, with L = ``context_tokens`` [tokens],
    kv_full and kv_local in [B/token], window [tokens] and state [B].
    """
    return (
        context_tokens * full_bytes_per_token
        + np.minimum(context_tokens, window_tokens) * local_bytes_per_token
        + state_bytes_per_sequence
    )


def bytes_per_gpu(total_bytes: FloatOrArray, replicated_bytes: FloatOrArray, num_gpus: FloatOrArray) -> FloatOrArray:
    """Bytes each of N GPUs holds (or reads) when all but ``replicated_bytes`` are split N ways [B].

    ``(total - replicated) / N + replicated``. Under data-parallel attention every GPU keeps the whole
    attention weights (each serves attention for its own sequences) while experts, dense MLPs and the
    vocabulary matrices are split (SGLang DP attention, TensorRT-LLM ADP, vLLM DP+EP for DeepSeek).
    """
    return (total_bytes - replicated_bytes) / num_gpus + replicated_bytes


def kv_replication(num_gpus: FloatOrArray, kv_heads: FloatOrArray) -> FloatOrArray:
    """How many copies of each KV head tensor parallelism keeps [-]: ``max(1, N / h_kv)``."""
    return np.maximum(1.0, np.asarray(num_gpus, dtype=float) / kv_heads)


def kv_cache_bytes_per_sequence_per_gpu(
    context_tokens: FloatOrArray,
    full_bytes_per_token: FloatOrArray,
    local_bytes_per_token: FloatOrArray,
    window_tokens: FloatOrArray,
    state_bytes_per_sequence: FloatOrArray,
    num_gpus: FloatOrArray,
    kv_heads: FloatOrArray,
    state_heads: FloatOrArray,
) -> FloatOrArray:
    """KV cache and recurrent state of one sequence held by each of N tensor-parallel GPUs [B].

    ``(kv_tokens(L) * max(1, N / h_kv) + state * max(1, N / h_k_linear)) / N``: softmax KV heads are
    replicated once N exceeds them; the linear-attention state is split by the linear layers' own key heads
    (vLLM shards Gated DeltaNet key and value heads over tensor-parallel ranks), so the softmax layers'
    replication does not apply to it. Qwen3.5-397B-A17B, TP8: 2 KV heads (x4 replication) but 16 linear key
    heads (no replication).
    """
    kv_tokens = kv_cache_bytes_per_sequence(context_tokens, full_bytes_per_token, local_bytes_per_token,
                                            window_tokens, 0.0)
    return (kv_tokens * kv_replication(num_gpus, kv_heads)
            + state_bytes_per_sequence * kv_replication(num_gpus, state_heads)) / num_gpus


def runtime_reserve_gb(memory_gb: FloatOrArray, reserve_frac: float) -> FloatOrArray:
    """Memory per GPU kept for the runtime, not for weights or KV cache [GB]: ``reserve_frac * memory``."""
    return np.asarray(memory_gb, dtype=float) * reserve_frac


def max_concurrency(
    memory_gb: FloatOrArray,
    reserve_frac: float,
    weights_gb_per_gpu: FloatOrArray,
    kv_gb_per_sequence_per_gpu: FloatOrArray,
) -> FloatOrArray:
    """Most sequences whose KV cache fits beside the weights on each GPU [-] (0 when none fits).

    ``floor((memory - reserve - weights_per_gpu) / kv_per_sequence_per_gpu)``, all in [GB].
    """
    free = np.asarray(memory_gb, dtype=float) * (1.0 - reserve_frac) - weights_gb_per_gpu
    per_seq = np.maximum(np.asarray(kv_gb_per_sequence_per_gpu, dtype=float), 1e-12)
    return np.maximum(np.floor(free / per_seq), 0.0)


def gb(num_bytes: FloatOrArray) -> FloatOrArray:
    """Bytes to decimal gigabytes [GB]."""
    return num_bytes / BYTES_PER_GB
