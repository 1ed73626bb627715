"""Import a Hugging Face ``config.json`` into an :class:`~calculator.schemas.Architecture`.

Families handled (by ``model_type``): Llama, Mistral/Mixtral, Qwen2/Qwen3 dense, Qwen3-MoE, Qwen3-Next and
Qwen3.5-MoE (hybrid Gated DeltaNet), DeepSeek-V3 / Kimi K2 (MLA, shared experts, dense first layers),
DeepSeek-V4 (compressed attention: CSA/HCA layers from ``compress_ratios``, one shared KV head, grouped
low-rank output, hyper-connections), GLM-4.5 MoE, MiniMax-M2/M3 (M3: per-layer ``moe_layer_freq``, its
block-sparse attention read as full attention), Llama 4 (nested ``text_config``, interleaved MoE layers, chunked
attention), gpt-oss (sliding window, MXFP4), Gemma 3 (nested ``text_config``, sliding window) and Gemma 4 (full
layers with their own KV heads and head width, K = V; MoE beside a dense MLP). Key names
and defaults follow the ``transformers`` configuration classes of each family.

The same parser builds the shipped catalog's architectures (checked against the fixtures in
``tests/fixtures/hf_configs``) and the app's "bring your own model".
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from calculator.catalog import first_error
from calculator.schemas import Architecture, Model

MAX_CONFIG_BYTES = 2_000_000

# Defaults of transformers' config classes for keys a published config.json may omit.
FAMILY_DEFAULTS: dict[str, dict[str, Any]] = {
    "gemma3_text": {"vocab_size": 262208, "head_dim": 256, "sliding_window": 4096,
                    "sliding_window_pattern": 6, "tie_word_embeddings": True},
    "gemma3": {"tie_word_embeddings": True},
    "gemma4_text": {"tie_word_embeddings": True},
    "qwen2": {"attention_bias": True},
    "llama4_text": {"no_rope_layer_interval": 4, "interleave_moe_layer_step": 1},
}


class HfConfigError(ValueError):
    """The config.json cannot be turned into an architecture; the message names the field."""


def _text_config(cfg: dict[str, Any]) -> dict[str, Any]:
    """The language-model part of a config: its ``text_config`` when nested (Llama 4, Gemma 3, Qwen3.5)."""
    text = cfg.get("text_config")
    if isinstance(text, dict):
        merged = {k: v for k, v in cfg.items() if k in ("tie_word_embeddings",)}
        merged.update(text)
        merged.setdefault("model_type", cfg.get("model_type", ""))
        return merged
    return cfg


def _int(cfg: dict[str, Any], *keys: str, default: int | None = None) -> int | None:
    for key in keys:
        value = cfg.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
            raise HfConfigError(f"config field '{key}' must be a whole number (got {value!r})")
        return int(value)
    return default


def _layer_kinds(cfg: dict[str, Any], num_layers: int, model_type: str) -> tuple[int, int, int | None]:
    """(local-window layers, linear-attention layers, window tokens)."""
    layer_types = cfg.get("layer_types")
    window = _int(cfg, "sliding_window", "attention_chunk_size")
    if isinstance(layer_types, list) and layer_types:
        local = sum(1 for t in layer_types if t in ("sliding_attention", "chunked_attention"))
        linear = sum(1 for t in layer_types if t == "linear_attention")
        return local, linear, window if local else None
    if model_type.startswith("llama4"):
        chunk = _int(cfg, "attention_chunk_size")
        no_rope = cfg.get("no_rope_layers") or []
        if no_rope:
            local = sum(1 for flag in no_rope if flag)
        else:
            interval = _int(cfg, "no_rope_layer_interval", default=4) or 4
            local = sum(1 for i in range(num_layers) if (i + 1) % interval != 0)
        return (local, 0, chunk) if chunk else (0, 0, None)
    if model_type.startswith("gemma3"):
        pattern = _int(cfg, "sliding_window_pattern", default=6) or 6
        local = sum(1 for i in range(num_layers) if (i + 1) % pattern != 0)
        return local, 0, window
    if model_type.startswith("qwen3_next"):
        interval = _int(cfg, "full_attention_interval", default=4) or 4
        linear = sum(1 for i in range(num_layers) if (i + 1) % interval != 0)
        return 0, linear, None
    if window and cfg.get("use_sliding_window", True) and model_type in ("mistral", "mixtral"):
        return num_layers, 0, window
    return 0, 0, None


def _compressed_fields(cfg: dict[str, Any], num_layers: int) -> dict[str, Any]:
    """DeepSeek-V4 attention fields from ``compress_ratios`` (one ratio per layer; 0 = sliding window only).

    Entries past ``num_hidden_layers`` belong to the MTP layers and are ignored. Ratio 4 layers are CSA (with
    overlapping compression and a lightning indexer, as in the reference ``inference/model.py``), other
    non-zero ratios HCA.
    """
    ratios = cfg.get("compress_ratios")
    if not isinstance(ratios, list) or len(ratios) < num_layers:
        raise HfConfigError(f"config field 'compress_ratios' must list a ratio for each of the {num_layers} layers")
    if not all(isinstance(r, int) and not isinstance(r, bool) and r >= 0 for r in ratios[:num_layers]):
        raise HfConfigError("config field 'compress_ratios' must hold whole numbers of 0 or more")
    layer_ratios = [int(r) for r in ratios[:num_layers]]
    heavy = sorted({r for r in layer_ratios if r not in (0, 4)})
    if len(heavy) > 1:
        raise HfConfigError(f"config field 'compress_ratios' mixes heavy compression ratios {heavy}; one is supported")
    window = _int(cfg, "sliding_window", "window_size")
    if window is None:
        raise HfConfigError("config field 'sliding_window' is missing")
    num_csa = layer_ratios.count(4)
    fields: dict[str, Any] = {
        "num_local_attention_layers": layer_ratios.count(0),
        "local_attention_window_tokens": window,
        "num_compressed_sparse_layers": num_csa,
        "compressed_sparse_ratio": 4 if num_csa else None,
        "num_heavily_compressed_layers": num_layers - num_csa - layer_ratios.count(0),
        "heavily_compressed_ratio": heavy[0] if heavy else None,
        "o_groups": _int(cfg, "o_groups"),
        "o_lora_rank": _int(cfg, "o_lora_rank"),
        "num_residual_streams": _int(cfg, "hc_mult", default=1),
        "q_lora_rank": _int(cfg, "q_lora_rank"),
        "qk_rope_head_dim": _int(cfg, "qk_rope_head_dim"),
    }
    if num_csa:
        fields["index_num_heads"] = _int(cfg, "index_n_heads")
        fields["index_head_dim"] = _int(cfg, "index_head_dim")
        fields["index_topk"] = _int(cfg, "index_topk")
    return fields


def _gemma4_fields(cfg: dict[str, Any]) -> dict[str, Any]:
    """Gemma 4's full-attention layers: wider heads (``global_head_dim``) and, with ``attention_k_eq_v``, their
    own KV heads (``num_global_key_value_heads``) and one projection for keys and values.

    The small E2B/E4B checkpoints (per-layer input embeddings, KV shared across layers) are not modelled.
    """
    for key in ("num_kv_shared_layers", "hidden_size_per_layer_input"):
        if _int(cfg, key, default=0):
            raise HfConfigError(f"config field '{key}' is above 0 (Gemma 4 E-models); this layout is not modelled")
    fields: dict[str, Any] = {"global_head_dim": _int(cfg, "global_head_dim")}
    if cfg.get("attention_k_eq_v"):
        fields["global_k_eq_v"] = True
        fields["global_num_kv_heads"] = _int(cfg, "num_global_key_value_heads", "num_key_value_heads")
    return fields


def _moe_layers(cfg: dict[str, Any], num_layers: int, model_type: str, num_experts: int) -> int:
    """Number of layers with routed experts."""
    if num_experts == 0:
        return 0
    if model_type.startswith("llama4"):
        step = _int(cfg, "interleave_moe_layer_step", default=1) or 1
        return len(range(step - 1, num_layers, step))
    freq = cfg.get("moe_layer_freq")
    if isinstance(freq, list):  # MiniMax-M3: one 0/1 flag per layer (1 = MoE)
        return sum(1 for flag in freq[:num_layers] if flag)
    first_dense = _int(cfg, "first_k_dense_replace", default=0) or 0
    mlp_only = cfg.get("mlp_only_layers") or []
    step = _int(cfg, "decoder_sparse_step", default=1) or 1
    return sum(1 for i in range(first_dense, num_layers) if i not in mlp_only and (i + 1) % step == 0)


def architecture_from_hf_config(config: dict[str, Any]) -> Architecture:
    """Build an Architecture from a parsed Hugging Face config.json (see module docstring)."""
    if not isinstance(config, dict):
        raise HfConfigError("config.json must hold a JSON object at the top level")
    raw = _text_config(config)
    model_type = str(raw.get("model_type", ""))
    cfg = {**FAMILY_DEFAULTS.get(model_type, {}), **raw}
    num_layers = _int(cfg, "num_hidden_layers", "n_layer", "num_layers")
    hidden = _int(cfg, "hidden_size", "n_embd", "d_model")
    heads = _int(cfg, "num_attention_heads", "n_head")
    vocab = _int(cfg, "vocab_size")
    if num_layers is None or hidden is None or heads is None or vocab is None:
        missing = [n for n, v in (("num_hidden_layers", num_layers), ("hidden_size", hidden),
                                  ("num_attention_heads", heads), ("vocab_size", vocab)) if v is None]
        raise HfConfigError(f"config field '{missing[0]}' is missing")
    if heads == 0:
        raise HfConfigError("config field 'num_attention_heads' must be at least 1")
    kv_heads = _int(cfg, "num_key_value_heads", "num_kv_heads", default=heads)
    head_dim = _int(cfg, "head_dim", default=hidden // heads)
    num_experts = _int(cfg, "n_routed_experts", "num_local_experts", "num_experts", default=0) or 0
    top_k = _int(cfg, "num_experts_per_tok", "experts_per_token", "moe_topk", "top_k_experts", default=0) or 0
    is_llama4 = model_type.startswith("llama4")
    if is_llama4:
        dense_width = _int(cfg, "intermediate_size_mlp", "intermediate_size", default=0)
        expert_width = _int(cfg, "intermediate_size")
    else:
        dense_width = _int(cfg, "intermediate_size", "ffn_dim", default=0)
        expert_width = _int(cfg, "moe_intermediate_size", default=dense_width if num_experts else None)
        if cfg.get("dense_intermediate_size") is not None:  # MiniMax-M3: intermediate_size is the expert width
            dense_width = _int(cfg, "dense_intermediate_size")
    num_moe = _moe_layers(cfg, num_layers, model_type, num_experts)
    shared_count = _int(cfg, "n_shared_experts", "num_shared_experts", default=0) or 0
    shared_width = _int(cfg, "shared_expert_intermediate_size", "shared_intermediate_size")
    if is_llama4 and num_experts:
        shared_count, shared_width = 1, expert_width
    elif model_type.startswith("gemma4") and num_experts:  # a dense MLP runs beside the experts in every layer
        shared_count, shared_width = 1, dense_width or None
    elif shared_width and shared_count == 0:
        shared_count = 1
    elif shared_count and not shared_width:
        shared_width = expert_width  # DeepSeek: each shared expert is as wide as a routed one
    compressed = model_type.startswith("deepseek_v4") or cfg.get("compress_ratios") is not None
    local, linear, window = (0, 0, None) if compressed else _layer_kinds(cfg, num_layers, model_type)
    mla = cfg.get("kv_lora_rank") is not None and not compressed
    state_dtype = str(cfg.get("mamba_ssm_dtype", "bfloat16"))
    fields: dict[str, Any] = {
        "num_layers": num_layers,
        "hidden_size": hidden,
        "vocab_size": vocab,
        "tie_word_embeddings": bool(cfg.get("tie_word_embeddings", False)),
        "num_attention_heads": heads,
        "num_kv_heads": kv_heads,
        "head_dim": head_dim,
        "intermediate_size": (dense_width or None) if num_moe < num_layers else None,
        "attention_kind": "compressed" if compressed else "mla" if mla else "gqa",
        "attention_bias": bool(cfg.get("attention_bias", cfg.get("qkv_bias", False))),
        "attention_output_gate": bool(cfg.get("attn_output_gate", model_type.startswith("qwen3_next"))),
        "num_local_attention_layers": local,
        "local_attention_window_tokens": window,
        "num_linear_attention_layers": linear,
        "num_experts": num_experts,
        "num_experts_per_token": top_k if num_experts else 0,
        "moe_intermediate_size": expert_width if num_experts else None,
        "num_shared_experts": shared_count if num_experts else 0,
        "shared_expert_intermediate_size": shared_width if num_experts and shared_count else None,
        "num_dense_layers": num_layers - num_moe if num_experts else 0,
        "num_mtp_layers": _int(cfg, "num_nextn_predict_layers", "mtp_num_hidden_layers", default=0) or 0,
        "fp4_activation_precision": "fp8" if _quant_method(config) == "mxfp4" else "fp4",
    }
    if compressed:
        fields.update(_compressed_fields(cfg, num_layers))
    if model_type.startswith("gemma4"):
        fields.update(_gemma4_fields(cfg))
    if mla:
        for key in ("q_lora_rank", "kv_lora_rank", "qk_nope_head_dim", "qk_rope_head_dim", "v_head_dim"):
            fields[key] = _int(cfg, key)
    if linear:
        for key in ("linear_num_key_heads", "linear_num_value_heads", "linear_key_head_dim",
                    "linear_value_head_dim", "linear_conv_kernel_dim"):
            fields[key] = _int(cfg, key)
        fields["linear_state_bytes_per_element"] = 4.0 if state_dtype in ("float32", "fp32") else 2.0
    try:
        return Architecture.model_validate(fields)
    except ValidationError as exc:
        loc, msg = first_error(exc, "architecture")
        raise HfConfigError(f"config gives an invalid architecture: field '{loc}': {msg}") from exc


def _quant_method(config: dict[str, Any]) -> str:
    """``quantization_config.quant_method`` in lower case ("" when absent)."""
    quant = config.get("quantization_config") or {}
    return str(quant.get("quant_method", "")).lower() if isinstance(quant, dict) else ""


def native_precision(config: dict[str, Any]) -> str:
    """Precision of the released weights, from ``quantization_config`` (else bf16).

    DeepSeek-V4 stores its routed experts, almost all of its weights, in FP4 (``expert_dtype``) and the rest
    in FP8: fp4.
    """
    if str(config.get("expert_dtype", "")).lower() == "fp4":
        return "fp4"
    quant = config.get("quantization_config") or {}
    method = _quant_method(config)
    if method == "mxfp4" or "fp4" in method:
        return "fp4"
    if method == "fp8" or "fp8" in str(quant.get("fmt", "")).lower():
        return "fp8"
    if method in ("gptq", "awq", "compressed-tensors") and quant.get("bits", 4) == 4:
        return "int4"
    return "bf16"


def model_from_hf_config(config: dict[str, Any], model_id: str, name: str | None = None,
                         source: str = "user-supplied config.json", as_of: str = "2026-11-29") -> Model:
    """A catalog Model from a config.json, for "bring your own model" (published totals unknown)."""
    arch = architecture_from_hf_config(config)
    return Model.model_validate({
        "id": model_id,
        "name": name or model_id,
        "family": str(_text_config(config).get("model_type", "custom")),
        "native_precision": native_precision(config),
        "source": source,
        "as_of": as_of,
        "architecture": arch.model_dump(),
    })


def parse_hf_config_bytes(data: bytes, label: str = "config.json") -> dict[str, Any]:
    """Parse the bytes of an uploaded config.json (at most 2 MB, UTF-8 JSON object, sane nesting).

    Raises HfConfigError with one clear sentence for every way the input can be wrong.
    """
    if len(data) > MAX_CONFIG_BYTES:
        raise HfConfigError(f"{label} is {len(data)} bytes; the limit is {MAX_CONFIG_BYTES}")
    try:
        parsed = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise HfConfigError(f"{label} is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise HfConfigError(f"{label} is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise HfConfigError(f"{label} is nested too deeply to be a model config") from exc
    if not isinstance(parsed, dict):
        raise HfConfigError("config.json must hold a JSON object at the top level")
    return parsed


def load_hf_config(path: Path | str) -> dict[str, Any]:
    """Read a config.json file (at most 2 MB) into a dict; HfConfigError with a clear message otherwise."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise HfConfigError(f"config file '{p}' is {size} bytes; the limit is {MAX_CONFIG_BYTES}")
        data = p.read_bytes()
    except OSError as exc:
        raise HfConfigError(f"cannot read config file '{p}': {exc.strerror}") from exc
    return parse_hf_config_bytes(data, f"config file '{p}'")
