"""Typed, closed, frozen schemas for every catalog file in ``data/``.

Catalogs are data, schemas are code: each YAML entry is validated into one of these pydantic models with
``extra="forbid"`` (an unknown key is an error, so a typo cannot silently drop a number) and ``frozen=True``.
Every entry carries ``source`` and ``as_of``; an estimate says so (``estimate: true``) and how it was derived.
Sanity ranges catch unit slips (a price typed per token instead of per million tokens, TFLOPs typed as
FLOPs, memory typed in bytes).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from calculator.units import KvPrecision, Precision


class Closed(BaseModel):
    """Base for every schema: frozen, closed to unknown keys."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Sourced(Closed):
    """Provenance fields carried by every catalog entry."""

    source: str = Field(min_length=3, description="A page or document a reader can check.")
    as_of: dt.date
    estimate: bool = False
    estimate_method: str | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _estimate_needs_method(self) -> Sourced:
        if self.estimate and not self.estimate_method:
            raise ValueError("estimate is true but estimate_method is empty: say how it was derived")
        return self


class Lifecycle(Closed):
    """When an entry came to market and when it leaves it (models, API endpoints, GPUs).

    ``deprecated_on``: the vendor announced the end (still callable / orderable). ``retired_on``: it is gone
    (API calls fail, the instance is no longer offered). Either date needs ``lifecycle_source``, a page that
    announces it. ``superseded_by`` names the catalog id of the successor, when there is one.
    """

    released_on: dt.date | None = None
    deprecated_on: dt.date | None = None
    retired_on: dt.date | None = None
    superseded_by: str | None = None
    lifecycle_source: str | None = None

    @model_validator(mode="after")
    def _lifecycle_sourced(self) -> Lifecycle:
        if (self.deprecated_on or self.retired_on) and not self.lifecycle_source:
            raise ValueError("deprecated_on/retired_on need lifecycle_source: the page that announces the date")
        if self.deprecated_on and self.retired_on and self.retired_on < self.deprecated_on:
            raise ValueError(f"retired_on ({self.retired_on}) is before deprecated_on ({self.deprecated_on})")
        return self

    def is_retired(self, on: dt.date) -> bool:
        """Whether the entry is past its retirement date on ``on`` (retired the day it is retired)."""
        return self.retired_on is not None and self.retired_on <= on

    def is_deprecated(self, on: dt.date) -> bool:
        """Whether the entry was announced as ending (or has ended) by ``on``."""
        return (self.deprecated_on is not None and self.deprecated_on <= on) or self.is_retired(on)


# --------------------------------------------------------------------------------------------- GPUs
class Gpu(Sourced, Lifecycle):
    """One accelerator type, with datasheet specs. TFLOPs are dense unless the key says sparse."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    vendor: Literal["nvidia", "amd", "google", "intel", "other"]
    architecture: str | None = None
    form_factor: str | None = None
    release_year: int | None = Field(default=None, ge=2015, le=2030)
    memory_gb: float = Field(ge=8, le=400)
    memory_type: str | None = None
    memory_bandwidth_gb_per_s: float = Field(ge=100, le=20000)
    bf16_dense_tflops: float = Field(gt=10, le=10000)
    bf16_sparse_tflops: float | None = Field(default=None, gt=10, le=20000)
    fp8_dense_tflops: float | None = Field(default=None, gt=10, le=20000)
    fp8_sparse_tflops: float | None = Field(default=None, gt=10, le=40000)
    fp4_dense_tflops: float | None = Field(default=None, gt=10, le=40000)
    fp4_sparse_tflops: float | None = Field(default=None, gt=10, le=80000)
    int8_dense_tops: float | None = Field(default=None, gt=10, le=40000)
    interconnect_gb_per_s: float = Field(gt=1, le=5000)
    interconnect_kind: str | None = None
    scale_up_domain_gpus: int = Field(default=8, ge=1, le=100000)
    # Scale-out (InfiniBand/RoCE) bandwidth per GPU, one direction [GB/s], with its own source; optional (the
    # performance model falls back to Efficiency.scale_out_gb_per_s).
    scale_out_gb_per_s: float | None = Field(default=None, gt=0, le=1000)
    scale_out_source: str | None = None
    tdp_w: float | None = Field(default=None, gt=10, le=3000)  # Google publishes no TPU chip power

    @model_validator(mode="after")
    def _dense_not_above_sparse(self) -> Gpu:
        pairs = [
            ("bf16", self.bf16_dense_tflops, self.bf16_sparse_tflops),
            ("fp8", self.fp8_dense_tflops, self.fp8_sparse_tflops),
            ("fp4", self.fp4_dense_tflops, self.fp4_sparse_tflops),
        ]
        for name, dense, sparse in pairs:
            if dense is not None and sparse is not None and dense > sparse:
                raise ValueError(f"{name}_dense_tflops ({dense}) exceeds {name}_sparse_tflops ({sparse})")
        return self

    @model_validator(mode="after")
    def _scale_out_needs_source(self) -> Gpu:
        if self.scale_out_gb_per_s is not None and not self.scale_out_source:
            raise ValueError("scale_out_gb_per_s needs scale_out_source (a page a reader can check)")
        return self

    def dense_tflops(self, precision: str) -> float | None:
        """Dense peak TFLOP/s of the tensor cores at a precision, or None if the chip lacks it."""
        return {
            "bf16": self.bf16_dense_tflops,
            "fp8": self.fp8_dense_tflops,
            "fp4": self.fp4_dense_tflops,
        }.get(precision)


# --------------------------------------------------------------------------------------------- models
class Architecture(Closed):
    """Architecture of a decoder-only transformer, in Hugging Face config.json terms (text model only).

    Layer kinds: full-attention layers = num_layers - num_local_attention_layers - num_linear_attention_layers.
    MoE: num_experts routed experts (each ``moe_intermediate_size`` wide) in every layer except the
    ``num_dense_layers`` layers that use a dense MLP ``intermediate_size`` wide.

    ``attention_kind`` ``compressed`` is DeepSeek-V4's hybrid attention (DeepSeek-V4 technical report, 2026):
    one shared key/value head ``head_dim`` wide (``num_kv_heads`` 1, keys = values), queries through a
    ``q_lora_rank`` bottleneck, a grouped low-rank output projection (``o_groups`` x ``o_lora_rank``), and every
    layer keeps the last ``local_attention_window_tokens`` tokens uncompressed. Its full-attention layers are
    ``num_compressed_sparse_layers`` CSA layers (one cache entry per ``compressed_sparse_ratio`` tokens, of which a
    lightning indexer of ``index_num_heads`` x ``index_head_dim`` picks ``index_topk``) and
    ``num_heavily_compressed_layers`` HCA layers (one entry per ``heavily_compressed_ratio`` tokens, all attended);
    its ``num_local_attention_layers`` attend to the window only. ``num_residual_streams`` is the width of the
    hyper-connected residual stream (mHC ``hc_mult``; 1 = an ordinary residual).

    GQA models whose full-attention layers differ from their local-window layers (Gemma 4) give the full layers'
    KV heads and head width in ``global_num_kv_heads`` and ``global_head_dim`` (None: as the local layers);
    ``global_k_eq_v`` says their keys and values come from one projection (no ``v_proj``).
    """

    num_layers: int = Field(ge=1, le=1000)
    hidden_size: int = Field(ge=64, le=100000)
    vocab_size: int = Field(ge=100, le=2_000_000)
    tie_word_embeddings: bool = False
    num_attention_heads: int = Field(ge=1, le=1024)
    num_kv_heads: int = Field(ge=1, le=1024)
    head_dim: int = Field(ge=8, le=1024)
    intermediate_size: int | None = Field(default=None, ge=1, le=1_000_000)  # dense MLP width
    attention_kind: Literal["gqa", "mla", "compressed"] = "gqa"
    attention_bias: bool = False
    attention_output_gate: bool = False
    q_lora_rank: int | None = Field(default=None, ge=1)
    kv_lora_rank: int | None = Field(default=None, ge=1)
    qk_nope_head_dim: int | None = Field(default=None, ge=1)
    qk_rope_head_dim: int | None = Field(default=None, ge=1)
    v_head_dim: int | None = Field(default=None, ge=1)
    num_local_attention_layers: int = Field(default=0, ge=0)
    local_attention_window_tokens: int | None = Field(default=None, ge=1)
    num_linear_attention_layers: int = Field(default=0, ge=0)
    linear_num_key_heads: int | None = Field(default=None, ge=1)
    linear_num_value_heads: int | None = Field(default=None, ge=1)
    linear_key_head_dim: int | None = Field(default=None, ge=1)
    linear_value_head_dim: int | None = Field(default=None, ge=1)
    linear_conv_kernel_dim: int | None = Field(default=None, ge=1)
    linear_state_bytes_per_element: float = Field(default=2.0, gt=0, le=8)
    num_compressed_sparse_layers: int = Field(default=0, ge=0)
    compressed_sparse_ratio: int | None = Field(default=None, ge=2, le=1_000_000)
    num_heavily_compressed_layers: int = Field(default=0, ge=0)
    heavily_compressed_ratio: int | None = Field(default=None, ge=2, le=1_000_000)
    index_num_heads: int | None = Field(default=None, ge=1, le=1024)
    index_head_dim: int | None = Field(default=None, ge=1, le=4096)
    index_topk: int | None = Field(default=None, ge=1, le=10_000_000)
    o_groups: int | None = Field(default=None, ge=1, le=1024)
    o_lora_rank: int | None = Field(default=None, ge=1)
    num_residual_streams: int = Field(default=1, ge=1, le=64)
    global_num_kv_heads: int | None = Field(default=None, ge=1, le=1024)
    global_head_dim: int | None = Field(default=None, ge=8, le=2048)
    global_k_eq_v: bool = False
    num_experts: int = Field(default=0, ge=0, le=100000)
    num_experts_per_token: int = Field(default=0, ge=0)
    moe_intermediate_size: int | None = Field(default=None, ge=1)
    num_shared_experts: int = Field(default=0, ge=0)
    shared_expert_intermediate_size: int | None = Field(default=None, ge=1)
    num_dense_layers: int = Field(default=0, ge=0)
    num_mtp_layers: int = Field(default=0, ge=0)
    # Tensor precision of the activations when the model runs FP4 weights: "fp4" for NVFP4 checkpoints run
    # W4A4; "fp8" for OCP MXFP4 checkpoints, which the engines run W4A8 (gpt-oss: TensorRT-LLM's TRTLLM MoE
    # backend takes MXFP8 activations with MXFP4 weights on Blackwell; AMD's Quark mxfp4_fp8 on MI355X), so
    # their matmuls run at the FP8 tensor rate (``pipeline.forward_step``).
    fp4_activation_precision: Literal["fp4", "fp8"] = "fp4"

    @model_validator(mode="after")
    def _consistent(self) -> Architecture:
        if self.num_kv_heads > self.num_attention_heads:
            raise ValueError("num_kv_heads exceeds num_attention_heads")
        if self.num_local_attention_layers + self.num_linear_attention_layers > self.num_layers:
            raise ValueError("local + linear attention layers exceed num_layers")
        if self.num_local_attention_layers > 0 and self.local_attention_window_tokens is None:
            raise ValueError("num_local_attention_layers > 0 needs local_attention_window_tokens")
        if self.attention_kind == "mla":
            for name in ("kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
                if getattr(self, name) is None:
                    raise ValueError(f"attention_kind mla needs {name}")
        if self.attention_kind == "compressed":
            self._check_compressed()
        elif self.num_compressed_sparse_layers or self.num_heavily_compressed_layers:
            raise ValueError("compressed-attention layers need attention_kind compressed")
        has_global = self.global_num_kv_heads is not None or self.global_head_dim is not None or self.global_k_eq_v
        if has_global and self.attention_kind != "gqa":
            raise ValueError("global_num_kv_heads, global_head_dim and global_k_eq_v apply to attention_kind gqa only")
        if self.global_num_kv_heads is not None and self.global_num_kv_heads > self.num_attention_heads:
            raise ValueError("global_num_kv_heads exceeds num_attention_heads")
        if self.num_linear_attention_layers > 0:
            for name in ("linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim",
                         "linear_value_head_dim"):
                if getattr(self, name) is None:
                    raise ValueError(f"num_linear_attention_layers > 0 needs {name}")
        needs_dense_mlp = self.num_experts == 0 or self.num_dense_layers > 0
        if needs_dense_mlp and not self.intermediate_size:
            raise ValueError("intermediate_size (dense MLP width) is required for dense layers")
        if self.num_experts > 0:
            if not 1 <= self.num_experts_per_token <= self.num_experts:
                raise ValueError("num_experts_per_token must be between 1 and num_experts")
            if self.moe_intermediate_size is None:
                raise ValueError("an MoE model (num_experts > 0) needs moe_intermediate_size")
            if self.num_dense_layers >= self.num_layers:
                raise ValueError("num_dense_layers must be below num_layers for an MoE model")
        return self

    def _check_compressed(self) -> None:
        """DeepSeek-V4 compressed attention: every field it needs, and its layers adding up."""
        for name in ("q_lora_rank", "qk_rope_head_dim", "o_groups", "o_lora_rank", "local_attention_window_tokens"):
            if getattr(self, name) is None:
                raise ValueError(f"attention_kind compressed needs {name}")
        if self.num_kv_heads != 1:
            raise ValueError("attention_kind compressed has one shared key/value head (num_kv_heads 1)")
        if self.num_linear_attention_layers:
            raise ValueError("attention_kind compressed has no linear-attention layers")
        layers = (self.num_compressed_sparse_layers + self.num_heavily_compressed_layers
                  + self.num_local_attention_layers)
        if layers != self.num_layers:
            raise ValueError(f"compressed-sparse + heavily-compressed + local-window layers ({layers}) must equal "
                             f"num_layers ({self.num_layers})")
        if self.num_compressed_sparse_layers:
            for name in ("compressed_sparse_ratio", "index_num_heads", "index_head_dim", "index_topk"):
                if getattr(self, name) is None:
                    raise ValueError(f"num_compressed_sparse_layers > 0 needs {name}")
        if self.num_heavily_compressed_layers and self.heavily_compressed_ratio is None:
            raise ValueError("num_heavily_compressed_layers > 0 needs heavily_compressed_ratio")
        if (self.num_attention_heads * self.head_dim) % (self.o_groups or 1):
            raise ValueError("num_attention_heads x head_dim must be divisible by o_groups")

    @property
    def is_moe(self) -> bool:
        return self.num_experts > 0


class Model(Sourced, Lifecycle):
    """An open-weight model: architecture plus the vendor's published facts."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    family: str
    developer: str | None = None
    hf_repo: str | None = None
    license: str | None = None
    context_length_tokens: int | None = Field(default=None, ge=512, le=100_000_000)
    native_precision: Precision = "bf16"
    published_total_params_b: float | None = Field(default=None, gt=0, le=10000)
    published_active_params_b: float | None = Field(default=None, gt=0, le=10000)
    params_note: str | None = None
    architecture: Architecture

    @model_validator(mode="after")
    def _active_not_above_total(self) -> Model:
        t, a = self.published_total_params_b, self.published_active_params_b
        if t is not None and a is not None and a > t * 1.0001:
            raise ValueError(f"published_active_params_b ({a}) exceeds published_total_params_b ({t})")
        return self


# --------------------------------------------------------------------------------------------- API
API_PRICE_FIELDS: tuple[str, ...] = (
    "usd_per_million_input_tokens",
    "usd_per_million_output_tokens",
    "usd_per_million_cached_input_tokens",
    "long_context_usd_per_million_input_tokens",
    "long_context_usd_per_million_output_tokens",
    "long_context_usd_per_million_cached_input_tokens",
)


class PriceChange(Closed):
    """An announced list-price change of an API entry: the prices that apply from ``effective_on`` on.

    A price left out (None) keeps the value in force before the change. ``source`` is the announcement.
    """

    effective_on: dt.date
    usd_per_million_input_tokens: float | None = Field(default=None, ge=0.0, le=500)
    usd_per_million_output_tokens: float | None = Field(default=None, ge=0.0, le=2000)
    usd_per_million_cached_input_tokens: float | None = Field(default=None, ge=0.0, le=500)
    long_context_usd_per_million_input_tokens: float | None = Field(default=None, ge=0.0, le=1000)
    long_context_usd_per_million_output_tokens: float | None = Field(default=None, ge=0.0, le=4000)
    long_context_usd_per_million_cached_input_tokens: float | None = Field(default=None, ge=0.0, le=1000)
    source: str = Field(min_length=3)
    notes: str | None = None


class ApiModel(Sourced, Lifecycle):
    """A model sold per token through an API (closed models and hosted open-weight models)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    provider: str
    open_model_id: str | None = None
    usd_per_million_input_tokens: float = Field(ge=0.0, le=500)
    usd_per_million_output_tokens: float = Field(ge=0.0, le=2000)
    usd_per_million_cached_input_tokens: float | None = Field(default=None, ge=0.0, le=500)
    long_context_threshold_tokens: int | None = Field(default=None, ge=1000)
    long_context_usd_per_million_input_tokens: float | None = Field(default=None, ge=0.0, le=1000)
    long_context_usd_per_million_output_tokens: float | None = Field(default=None, ge=0.0, le=4000)
    long_context_usd_per_million_cached_input_tokens: float | None = Field(default=None, ge=0.0, le=1000)
    context_length_tokens: int | None = Field(default=None, ge=1000)
    max_output_tokens: int | None = Field(default=None, ge=1)
    reasoning: bool = False
    # The key of this endpoint in LiteLLM's model_prices_and_context_window.json (e.g. "gemini/gemini-3.1-pro-
    # preview"); the audit compares prices against it and the refresh (calculator.litellm) updates from it.
    litellm_key: str | None = None
    # Announced price changes, applied by date (prices_on); the fields above are the prices before the first one.
    price_changes: tuple[PriceChange, ...] = ()

    @model_validator(mode="after")
    def _price_changes_in_order(self) -> ApiModel:
        days = [c.effective_on for c in self.price_changes]
        if days != sorted(set(days)):
            raise ValueError("price_changes must be in order of effective_on, one change per day")
        return self

    def prices_on(self, day: dt.date) -> ApiModel:
        """This entry with the prices in force on ``day``: every change with ``effective_on <= day`` applied in
        order (a change's None keeps the earlier price). Unchanged (the same object) when none applies."""
        update: dict[str, float] = {}
        for change in self.price_changes:
            if change.effective_on > day:
                break
            update.update({name: value for name in API_PRICE_FIELDS
                           if (value := getattr(change, name)) is not None})
        return self.model_copy(update=update) if update else self


# --------------------------------------------------------------------------------------------- quality
class Benchmark(Sourced):
    """A benchmark: its scale and its chance level (the score of a guesser, in the benchmark's unit).

    ``chance_value`` is the expected score of uniform guessing (10 on ten-option MMLU-Pro, 25 on four-option
    GPQA, 0 where answers are generated and checked); ``chance_source`` is the page that gives the answer
    format it follows from. Success is counted above chance only (``calculator.quality``).
    """

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    unit: str = "percent"
    min_value: float = 0.0
    max_value: float = 100.0
    higher_is_better: bool = True
    description: str | None = None
    chance_value: float
    chance_source: str = Field(min_length=3)

    @model_validator(mode="after")
    def _chance_in_range(self) -> Benchmark:
        low, high = sorted((self.min_value, self.max_value))
        if not low <= self.chance_value < high:
            raise ValueError(f"chance_value ({self.chance_value}) must lie in [{low}, {high}) of the benchmark's range")
        return self


class Score(Sourced):
    model_id: str
    benchmark_id: str
    value: float
    setting: str | None = None
    harness: str | None = None


class WorkloadPreset(Sourced):
    """A workload preset: request shape, latency limits, traffic and a quality profile."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    name: str
    description: str | None = None
    input_tokens: int = Field(ge=1, le=10_000_000)
    output_tokens: int = Field(ge=1, le=1_000_000)
    cached_input_frac: float = Field(default=0.0, ge=0.0, le=1.0)
    ttft_slo_ms: float | None = Field(default=None, gt=0)
    tpot_slo_ms: float | None = Field(default=None, gt=0)
    requests_per_day: float = Field(default=100_000, ge=0)
    peak_to_average_ratio: float = Field(default=2.0, ge=1.0, le=100.0)
    quality_weights: dict[str, float]
    # Thinking tokens per request of a reasoning model that has no entry of its own in token_usage.yaml
    # (the preset's output_tokens count the visible answer only).
    reasoning_tokens_per_request: int = Field(default=0, ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _weights(self) -> WorkloadPreset:
        total = sum(self.quality_weights.values())
        if any(w < 0 for w in self.quality_weights.values()) or abs(total - 1.0) > 1e-6:
            raise ValueError(f"quality_weights must be non-negative and sum to 1 (they sum to {total:.4f})")
        return self


class TokenUsage(Sourced):
    """Thinking (reasoning) tokens one request costs a model, in one reasoning setting (``data/token_usage.yaml``).

    ``model_id`` is an open model or an API entry id; ``workload_id`` a workload preset, or None for every
    preset without an entry of its own. ``reasoning_tokens_per_request`` [tokens] are generated before the
    visible answer (whose length is the workload's ``output_tokens``, or ``answer_tokens_per_request`` when
    given); APIs bill them as output tokens and self-hosted decoding spends time and KV memory on them.
    ``setting`` names the reasoning mode/effort the figure belongs to; it must be the setting of the scores.
    """

    model_id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    workload_id: str | None = None
    setting: str = Field(min_length=2)
    reasoning_tokens_per_request: float = Field(ge=0, le=1_000_000)
    answer_tokens_per_request: float | None = Field(default=None, ge=1, le=1_000_000)


# --------------------------------------------------------------------------------------------- prices
# Provider classes a buyer chooses between (``provider_kind`` -> class): a hyperscaler (AWS, Azure, Google,
# Oracle), a specialist GPU cloud (Lambda, Nebius, CoreWeave, Crusoe, RunPod Secure Cloud, ...; "neocloud" is
# the same class) or a marketplace of third-party hosts (Vast.ai, RunPod Community Cloud). "other" marks a
# market index or reference rate: not a quote anyone can take, so it belongs to no class.
PROVIDER_CLASS_OF_KIND: dict[str, str] = {"hyperscaler": "hyperscaler", "specialist": "specialist",
                                          "neocloud": "specialist", "marketplace": "marketplace", "other": "index"}
CommitmentTerm = Literal["none", "capacity_block", "1m", "3m", "6m", "1y", "2y", "3y", "unstated"]


class RentalPrice(Sourced):
    """One rental quote [$/GPU-hour] of one provider, tier and instance.

    ``commitment_term``: how long the buyer commits (``none`` on demand or spot; ``capacity_block`` a prepaid
    block of days to weeks; ``unstated`` a reserved contract whose length the rate card does not give). Left
    out, it follows the tier (reserved_1y -> 1y, reserved_3y -> 3y, commitment -> unstated, else none).
    """

    gpu_id: str
    provider: str
    provider_kind: Literal["hyperscaler", "specialist", "marketplace", "neocloud", "other"]
    pricing_tier: Literal["on_demand", "reserved_1y", "reserved_3y", "spot", "commitment"]
    commitment_term: CommitmentTerm | None = None
    instance: str | None = None
    region: str | None = None
    usd_per_gpu_hour: float = Field(ge=0.05, le=100)

    @model_validator(mode="after")
    def _term_matches_tier(self) -> RentalPrice:
        t, tier = self.commitment_term, self.pricing_tier
        if t is None:
            return self
        if tier in ("on_demand", "spot") and t != "none":
            raise ValueError(f"a {tier} quote has commitment_term none (got {t})")
        if (tier == "reserved_1y" and t != "1y") or (tier == "reserved_3y" and t != "3y"):
            raise ValueError(f"a {tier} quote has commitment_term {tier[-2:]} (got {t})")
        if tier == "commitment" and t == "none":
            raise ValueError("a commitment quote needs a commitment_term other than none")
        return self

    @property
    def provider_class(self) -> str:
        """hyperscaler, specialist, marketplace, or index (a market index, not a quote)."""
        return PROVIDER_CLASS_OF_KIND[self.provider_kind]

    @property
    def term(self) -> str:
        """The commitment term, given or implied by the tier."""
        if self.commitment_term is not None:
            return self.commitment_term
        return {"reserved_1y": "1y", "reserved_3y": "3y", "commitment": "unstated"}.get(self.pricing_tier, "none")


class PurchasePrice(Sourced):
    """A purchase price per GPU [$]; ``includes``: GPU (or its baseboard share) only, or with its server share."""

    gpu_id: str
    usd_per_gpu_low: float | None = Field(default=None, ge=100, le=2_000_000)
    usd_per_gpu_typical: float = Field(ge=100, le=2_000_000)
    usd_per_gpu_high: float | None = Field(default=None, ge=100, le=2_000_000)
    includes: Literal["gpu_only", "server_share"] = "gpu_only"


class OwnershipAssumption(Sourced):
    """One default of the ownership cost build-up (``data/ownership_defaults.yaml``), with its range."""

    value: float
    unit: str
    low: float | None = None
    high: float | None = None

    @model_validator(mode="after")
    def _value_in_range(self) -> OwnershipAssumption:
        if self.low is not None and self.high is not None and not self.low <= self.value <= self.high:
            raise ValueError(f"value {self.value} is outside its range [{self.low}, {self.high}]")
        return self


class ServerPower(Sourced):
    """Whole-system power of the server (or compute tray) that holds a GPU, from the system's datasheet.

    ``node_power_w`` is the system's maximum input power [W] (CPUs, memory, NICs, fans, switches included) for
    ``num_gpus_per_node`` GPUs; power and colocation of an owned GPU are charged on the per-GPU share.
    """

    gpu_id: str
    system: str
    node_power_w: float = Field(gt=100, le=200_000)
    num_gpus_per_node: int = Field(ge=1, le=144)

    @property
    def w_per_gpu(self) -> float:
        """Server power per GPU [W]: ``node_power_w / num_gpus_per_node``."""
        return self.node_power_w / self.num_gpus_per_node


# --------------------------------------------------------------------------------------------- calibration
class KeySource(Closed):
    """Where one efficiency constant comes from (a page a reader can check, and when it was observed)."""

    source: str = Field(min_length=3)
    as_of: dt.date
    notes: str | None = None


class Efficiency(Sourced):
    """Achieved fractions of peak and fixed overheads, fitted to the calibration set."""

    bandwidth_efficiency_frac: float = Field(gt=0.05, le=1.0)
    # routed-expert weights (grouped GEMMs over many small matrices) stream at their own fraction of peak
    expert_bandwidth_efficiency_frac: float = Field(gt=0.05, le=1.0)
    flops_efficiency_frac: float = Field(gt=0.05, le=1.0)  # bf16 / fp8 tensor-core work
    fp4_flops_efficiency_frac: float = Field(gt=0.05, le=1.0)  # fp4 tensor-core work
    # weights stored below the tensor cores' precision, dequantised in the kernel (FP4 on Hopper, INT4)
    weight_only_flops_efficiency_frac: float = Field(gt=0.05, le=1.0)
    step_overhead_s: float = Field(ge=0.0, le=0.1)  # fixed per forward step
    layer_overhead_s: float = Field(ge=0.0, le=0.001)  # per layer per step (kernel launch floor)
    sequence_overhead_s: float = Field(ge=0.0, le=0.001)  # per running sequence per step (sampling, scheduling)
    # per running sequence of the busiest data-parallel attention rank per step (calculator/pipeline.py notes)
    dp_rank_sequence_overhead_s: float = Field(ge=0.0, le=0.001)
    allreduce_latency_s: float = Field(ge=0.0, le=0.01)
    runtime_reserve_frac: float = Field(ge=0.0, le=0.5)
    max_batch_size: int = Field(ge=1, le=100000)  # running sequences of one tensor-parallel scheduler
    max_batch_size_per_rank: int = Field(ge=1, le=100000)  # running sequences per DP-attention rank (per GPU)
    scale_out_gb_per_s: float = Field(gt=0, le=10000)
    routing_skew: float = Field(default=0.0, ge=0.0, le=3.0)
    # Latency limits are set on a percentile (MLPerf: p99); the model predicts means. A configuration meets a
    # limit when mean x ratio <= limit. The ratio is measured: see calculator.validate.p99_to_mean_ratio.
    p99_to_mean_latency_ratio: float = Field(default=1.0, ge=1.0, le=5.0)
    # Token budget of one forward step for prompt chunks (chunked prefill; TensorRT-LLM max_num_tokens).
    prefill_chunk_tokens: int = Field(default=8192, ge=64, le=1_000_000)
    # Provenance of the constants that are not fitted, one entry per key (``source`` above is the fit's).
    key_sources: dict[str, KeySource] = Field(default_factory=dict)
    # Outputs of the fit (``fit_result`` in data/efficiency.yaml): the out-of-sample median error.
    median_abs_error_frac: float | None = None
    num_measurements: int | None = None

    @model_validator(mode="after")
    def _key_sources_name_fields(self) -> Efficiency:
        unknown = sorted(set(self.key_sources) - set(type(self).model_fields))
        if unknown:
            raise ValueError(f"key_sources names unknown efficiency keys: {', '.join(unknown)}")
        return self


class SpeculativeDecoding(Sourced):
    """A published acceptance figure of one model's speculative decoding (e.g. with its MTP heads)."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.\-]*$")
    model_id: str
    method: Literal["mtp"]
    num_draft_tokens: int = Field(ge=1, le=16)  # tokens drafted per step
    accepted_tokens_per_step: float = Field(ge=1.0, le=17.0)  # mean tokens emitted per verification step

    @model_validator(mode="after")
    def _accepted_within_drafts(self) -> SpeculativeDecoding:
        if self.accepted_tokens_per_step > self.num_draft_tokens + 1:
            raise ValueError(f"accepted_tokens_per_step ({self.accepted_tokens_per_step}) exceeds "
                             f"num_draft_tokens + 1 ({self.num_draft_tokens + 1})")
        return self


class Measurement(Closed):
    """A published, measured inference result used to calibrate and validate the model."""

    id: str
    model_id: str
    gpu_id: str
    num_gpus: int = Field(ge=1)
    tensor_parallel: int | None = Field(default=None, ge=1)
    expert_parallel: int | None = Field(default=None, ge=1)
    precision: Precision
    kv_precision: KvPrecision | None = None
    input_tokens: float = Field(gt=0)
    output_tokens: float = Field(gt=0)
    scenario: Literal["max_throughput", "server", "interactive", "fixed_concurrency", "batch1"]
    num_draft_tokens: int | None = Field(default=None, ge=1, le=16)  # speculative decoding in the run (None: off)
    # Disaggregated prefill/decode serving: the GPUs of each pool. decode_gpus set = the run was disaggregated.
    # prefill_gpus None = the prefill pool was not part of the measurement (the page measured the decode pool
    # alone, the other pool "unlimited"); num_gpus is then the GPU count the per-GPU metric divides by (notes).
    prefill_gpus: int | None = Field(default=None, ge=1)
    decode_gpus: int | None = Field(default=None, ge=1)
    concurrency: int | None = Field(default=None, ge=1)
    # The engine's cap on running sequences as the run configured it, when the source states it: per scheduler,
    # that is per attention rank under data-parallel attention (TensorRT-LLM max_batch_size / MLPerf
    # gpu_batch_size with attention DP, SGLang per-rank batch). None: the fitted caps of data/efficiency.yaml.
    max_batch_size: int | None = Field(default=None, ge=1)
    ttft_slo_ms: float | None = None
    tpot_slo_ms: float | None = None
    metric: Literal[
        "output_tokens_per_s_per_gpu",
        "total_tokens_per_s_per_gpu",
        "output_tokens_per_s_per_user",
        "tpot_ms",
        "ttft_ms",
    ]
    measured_value: float = Field(gt=0)
    software: str | None = None
    submitter: str | None = None
    source: str
    as_of: dt.date
    notes: str | None = None
