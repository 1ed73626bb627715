"""Parameter counts derived from a model's architecture.

All counts are numbers of parameters [-] (not bytes). The layer formulas follow the Hugging Face
``transformers`` implementations of the families the parser supports (LlamaAttention, DeepseekV3Attention,
Qwen3NextGatedDeltaNet, the SwiGLU MLP). Norm weights and biases are included; they are < 0.1 % of a model.

Notes
-----
Attention, GQA/MHA/MQA (Llama, Qwen, Mistral, Gemma, gpt-oss, Llama 4), per layer::

    q = d * h * d_h * (2 if output gate else 1);  k = v = d * h_kv * d_h;  o = h * d_h * d

Multi-head latent attention, MLA (DeepSeek-V2/V3, Kimi K2; DeepSeek-V2 paper, arXiv:2405.04434, sec. 2.1)::

    q = d * r_q + r_q * h * (d_nope + d_rope)     (or d * h * (d_nope + d_rope) without q LoRA)
    kv = d * (r_kv + d_rope) + r_kv * h * (d_nope + d_v);  o = h * d_v * d

Gated DeltaNet linear attention (Qwen3-Next, Qwen3.5; Yang et al. 2024, arXiv:2412.06464), with key width
K = h_k * d_k and value width V = h_v * d_v::

    in_proj = d * (2K + 2V) + d * 2 h_v;  conv = (2K + V) * kernel;  out = V * d

DeepSeek-V4 compressed attention (``attention_kind`` ``compressed``; DeepSeek-V4 technical report, 2026, and the
reference ``inference/model.py`` of the checkpoints), with one shared key/value head of width c = ``head_dim``,
g output groups of rank r_o, per layer::

    q = d * r_q + r_q * h * c;  kv = d * c;  o = h * c * r_o + g * r_o * d          (grouped low-rank output)

plus a compressor on every compressed layer (``wkv`` and ``wgate``, ``d x c`` each, doubled on CSA layers whose
windows overlap) and, on CSA layers, a lightning indexer: ``r_q * h_I * d_I`` (its queries) + ``d * h_I`` (head
weights) + its own overlapping compressor ``2 * d * 2 d_I``. Manifold-constrained hyper-connections with n residual
streams (mHC) add ``2 * (n^2 + 2n) * n d`` mixing weights per layer and ``n * n d`` before the head.

Gated MLP (SwiGLU, all supported families): ``3 * d * d_ff`` per dense MLP or per expert.
Router: ``d * E`` per MoE layer.
"""

from __future__ import annotations

from dataclasses import dataclass

from calculator.schemas import Architecture


def gqa_attention_params(arch: Architecture, full_layer: bool = False) -> float:
    """Parameters of one GQA/MHA attention layer [-] (projections, biases, q/k norms ignored).

    ``full_layer``: a full-attention layer of a model whose full layers have their own KV heads and head width
    (``global_num_kv_heads``, ``global_head_dim``; Gemma 4), with one projection for keys and values when
    ``global_k_eq_v``: ``q = d h d_g; k = d h_kv,g d_g (v the same unless K = V); o = h d_g d``.
    """
    d, h, h_kv, d_h = arch.hidden_size, arch.num_attention_heads, arch.num_kv_heads, arch.head_dim
    kv_projections = 2.0
    if full_layer:
        h_kv = arch.global_num_kv_heads or h_kv
        d_h = arch.global_head_dim or d_h
        kv_projections = 1.0 if arch.global_k_eq_v else 2.0
    gate = 2.0 if arch.attention_output_gate else 1.0
    q = d * h * d_h * gate
    kv = kv_projections * d * h_kv * d_h
    o = h * d_h * d
    bias = (h + kv_projections * h_kv) * d_h if arch.attention_bias else 0.0
    return float(q + kv + o + bias)


def has_global_attention_shape(arch: Architecture) -> bool:
    """Whether the full-attention layers have their own KV heads, head width or shared K/V projection."""
    return arch.global_num_kv_heads is not None or arch.global_head_dim is not None or arch.global_k_eq_v


def mla_attention_params(arch: Architecture) -> float:
    """Parameters of one multi-head latent attention layer [-] (DeepSeek-V2 paper, sec. 2.1)."""
    d, h = arch.hidden_size, arch.num_attention_heads
    r_kv = arch.kv_lora_rank or 0
    d_nope = arch.qk_nope_head_dim or 0
    d_rope = arch.qk_rope_head_dim or 0
    d_v = arch.v_head_dim or 0
    if arch.q_lora_rank:
        q = d * arch.q_lora_rank + arch.q_lora_rank * h * (d_nope + d_rope) + arch.q_lora_rank
    else:
        q = d * h * (d_nope + d_rope)
    kv = d * (r_kv + d_rope) + r_kv * h * (d_nope + d_v) + r_kv
    o = h * d_v * d
    return float(q + kv + o)


def linear_attention_params(arch: Architecture) -> float:
    """Parameters of one Gated DeltaNet linear-attention layer [-] (0 when the model has none)."""
    if arch.num_linear_attention_layers == 0:
        return 0.0
    d = arch.hidden_size
    h_k, h_v = arch.linear_num_key_heads or 0, arch.linear_num_value_heads or 0
    key_width = h_k * (arch.linear_key_head_dim or 0)
    value_width = h_v * (arch.linear_value_head_dim or 0)
    kernel = arch.linear_conv_kernel_dim or 4
    in_proj = d * (2 * key_width + 2 * value_width) + d * 2 * h_v
    conv = (2 * key_width + value_width) * kernel
    out = value_width * d
    small = 2 * h_v + (arch.linear_value_head_dim or 0)  # A_log, dt_bias, gated norm
    return float(in_proj + conv + out + small)


def softmax_attention_params(arch: Architecture) -> float:
    """Parameters of one softmax-attention layer (full or local window) [-], GQA or MLA.

    For compressed attention: the projections every layer has (``compressed_attention_core_params``).
    """
    if arch.attention_kind == "compressed":
        return compressed_attention_core_params(arch)
    return mla_attention_params(arch) if arch.attention_kind == "mla" else gqa_attention_params(arch)


def compressed_attention_core_params(arch: Architecture) -> float:
    """Projections of one DeepSeek-V4 attention layer, without compressor or indexer [-].

    ``d r_q + r_q h c + d c + h c r_o + g r_o d`` plus the q and kv norms (r_q, c) and one attention-sink
    logit per head (h). DeepSeek-V4-Flash (d 4096, h 64, c 512, r_q 1024, g 8, r_o 1024): 106,956,352.
    """
    d, h, c = arch.hidden_size, arch.num_attention_heads, arch.head_dim
    r_q, r_o, g = arch.q_lora_rank or 0, arch.o_lora_rank or 0, arch.o_groups or 1
    q = d * r_q + r_q * h * c
    kv = d * c
    o = h * c * r_o + g * r_o * d
    small = r_q + c + h  # q_norm, kv_norm, attn_sink
    return float(q + kv + o + small)


def compressor_params(hidden_size: int, entry_width: int, ratio: int) -> float:
    """Parameters of one token compressor of DeepSeek-V4 [-] (learned gated pooling of ``ratio`` tokens).

    ``wkv`` and ``wgate`` (``d x k c`` each), a positional bias ``ratio x k c`` and an RMSNorm of c, where
    k = 2 when the windows overlap (ratio 4, the CSA layers: the reference code's ``overlap = ratio == 4``)
    and 1 otherwise: ``2 d k c + ratio k c + c``.
    """
    k = 2 if ratio == 4 else 1
    return float(2 * hidden_size * k * entry_width + ratio * k * entry_width + entry_width)


def compressed_attention_params(arch: Architecture) -> float:
    """Attention parameters of all layers of a DeepSeek-V4 model [-]: core, compressors and indexers.

    ``L core + L_csa (compressor(c, m) + indexer) + L_hca compressor(c, m')`` with the indexer
    ``r_q h_I d_I + d h_I + compressor(d_I, m)``.
    """
    d, c = arch.hidden_size, arch.head_dim
    total = arch.num_layers * compressed_attention_core_params(arch)
    if arch.num_compressed_sparse_layers:
        m = arch.compressed_sparse_ratio or 4
        h_i, d_i = arch.index_num_heads or 0, arch.index_head_dim or 0
        indexer = (arch.q_lora_rank or 0) * h_i * d_i + d * h_i + compressor_params(d, d_i, m)
        total += arch.num_compressed_sparse_layers * (compressor_params(d, c, m) + indexer)
    if arch.num_heavily_compressed_layers:
        m_h = arch.heavily_compressed_ratio or 128
        total += arch.num_heavily_compressed_layers * compressor_params(d, c, m_h)
    return float(total)


def hyper_connection_params(arch: Architecture) -> float:
    """Residual-mixing weights of manifold-constrained hyper-connections (mHC) [-]; 0 for a plain residual.

    With n streams each layer mixes before attention and before the MLP: a ``(n^2 + 2n) x n d`` projection,
    an ``n^2 + 2n`` bias and 3 scales each; the head has ``n x n d + n + 1``. DeepSeek-V4-Pro (n 4, d 7168,
    61 layers): 61 x 2 x (24 x 28672 + 24 + 3) + 4 x 28672 + 5 = 84,069,603.
    """
    n = arch.num_residual_streams
    if n == 1:
        return 0.0
    width = n * arch.hidden_size
    mix = n * n + 2 * n
    per_layer = 2 * (mix * width + mix + 3)
    return float(arch.num_layers * per_layer + n * width + n + 1)


def gated_mlp_params(hidden_size: int, intermediate_size: int) -> float:
    """Parameters of one gated (SwiGLU) MLP [-]: gate, up and down projections, ``3 * d * d_ff``."""
    return 3.0 * hidden_size * intermediate_size


@dataclass(frozen=True)
class ParamCounts:
    """Parameter counts of a model [-], split by how inference uses them.

    ``routed_expert`` is one routed expert of one layer; the model holds
    ``num_moe_layers * num_experts`` of them.
    """

    embedding: float
    lm_head: float  # stored output head; 0 when tied to the embedding
    lm_head_matmul: float  # vocab * hidden: the head's matmul work per token, tied or not
    attention: float
    dense_mlp: float
    shared_experts: float
    router: float
    norms: float  # RMSNorm weights, and the residual-mixing weights of hyper-connections (mHC) if any
    routed_expert: float
    num_moe_layers: int
    num_experts: int
    num_experts_per_token: int

    @property
    def routed_total(self) -> float:
        """All routed-expert parameters [-]."""
        return self.routed_expert * self.num_experts * self.num_moe_layers

    @property
    def block_non_routed(self) -> float:
        """Transformer-block parameters every token uses [-]: attention, dense MLPs, shared experts."""
        return self.attention + self.dense_mlp + self.shared_experts + self.router + self.norms

    @property
    def total(self) -> float:
        """Total parameters [-] (the memory a model needs scales with this)."""
        return self.embedding + self.lm_head + self.block_non_routed + self.routed_total

    @property
    def active(self) -> float:
        """Parameters used per token [-]: the transformer blocks' non-routed weights, the k routed experts
        a token is sent to in each MoE layer, and the output head.

        ``active = block_non_routed + L_moe * k * routed_expert + lm_head_matmul``. The input embedding is a
        table from which a token reads one row, so the table is not counted; the output head multiplies the
        hidden state by the whole vocabulary matrix, so it is (once, tied or not). This is how OpenAI counts
        gpt-oss (model card, Table 1: gpt-oss-20b 3.61B active of 20.91B, gpt-oss-120b 5.13B of 116.83B:
        MLP + attention + unembedding).
        """
        routed = self.routed_expert * self.num_experts_per_token * self.num_moe_layers
        return self.block_non_routed + routed + self.lm_head_matmul

    @property
    def matmul_per_token(self) -> float:
        """Parameters that take part in a matrix multiply per token [-] (FLOPs = 2 x this).

        Every active parameter is in a matmul (the embedding lookup is not counted as active).
        """
        return self.active


def param_counts(arch: Architecture) -> ParamCounts:
    """Count a model's parameters from its architecture.

    Returns
    -------
    ParamCounts
        Counts [-] per component; ``total`` and ``active`` are checked against vendors' published totals
        in ``tests/test_params.py`` (within 2 %).
    """
    d = arch.hidden_size
    num_linear = arch.num_linear_attention_layers
    num_softmax = arch.num_layers - num_linear
    if arch.attention_kind == "compressed":
        attention = compressed_attention_params(arch)
    elif has_global_attention_shape(arch):
        num_local = arch.num_local_attention_layers
        attention = (num_local * gqa_attention_params(arch)
                     + (num_softmax - num_local) * gqa_attention_params(arch, full_layer=True)
                     + num_linear * linear_attention_params(arch))
    else:
        attention = num_softmax * softmax_attention_params(arch) + num_linear * linear_attention_params(arch)

    num_moe = arch.num_layers - arch.num_dense_layers if arch.is_moe else 0
    num_dense_mlp = arch.num_layers - num_moe
    dense_mlp = num_dense_mlp * gated_mlp_params(d, arch.intermediate_size or 0)
    routed_expert = gated_mlp_params(d, arch.moe_intermediate_size or 0) if arch.is_moe else 0.0
    shared_width = arch.shared_expert_intermediate_size or arch.moe_intermediate_size or 0
    shared = num_moe * arch.num_shared_experts * gated_mlp_params(d, shared_width)
    router = float(num_moe * d * arch.num_experts)
    norms = float((2 * arch.num_layers + 1) * d) + hyper_connection_params(arch)
    embedding = float(arch.vocab_size * d)
    return ParamCounts(
        embedding=embedding,
        lm_head=0.0 if arch.tie_word_embeddings else embedding,
        lm_head_matmul=embedding,
        attention=float(attention),
        dense_mlp=float(dense_mlp),
        shared_experts=float(shared),
        router=router,
        norms=norms,
        routed_expert=float(routed_expert),
        num_moe_layers=num_moe,
        num_experts=arch.num_experts,
        num_experts_per_token=arch.num_experts_per_token,
    )
