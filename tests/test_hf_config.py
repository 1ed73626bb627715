"""Hugging Face config.json import: every supported family, and clear errors for bad input."""

from __future__ import annotations

import json

import pytest

from calculator.hf_config import (
    HfConfigError,
    architecture_from_hf_config,
    load_hf_config,
    model_from_hf_config,
    native_precision,
)
from calculator.schemas import Architecture
from tests.conftest import HF_CONFIGS, fixture_arch

FIXTURE_IDS = sorted(p.stem for p in HF_CONFIGS.glob("*.json"))


@pytest.mark.parametrize("model_id", FIXTURE_IDS)
def test_parser_agrees_with_catalog_architecture(catalog, model_id):
    parsed = fixture_arch(model_id)
    stored = catalog.model(model_id).architecture
    ignore = {"num_mtp_layers"}  # MTP modules are not served; some configs omit the key
    if parsed.is_moe and parsed.num_dense_layers == 0:
        ignore.add("intermediate_size")  # no dense layer uses it
    for field in Architecture.model_fields:
        if field not in ignore:
            assert getattr(parsed, field) == getattr(stored, field), field


def test_deepseek_v3_mla_shared_experts_dense_first_layers():
    a = fixture_arch("deepseek-v3")
    assert a.attention_kind == "mla"
    assert (a.kv_lora_rank, a.qk_rope_head_dim, a.q_lora_rank) == (512, 64, 1536)
    assert a.num_dense_layers == 3  # first_k_dense_replace
    assert a.num_shared_experts == 1
    assert a.num_experts == 256 and a.num_experts_per_token == 8
    assert a.num_mtp_layers == 1


def test_llama4_scout_nested_text_config_chunked_attention():
    a = fixture_arch("llama-4-scout")
    assert a.hidden_size == 5120  # read from text_config
    assert a.num_local_attention_layers == 36  # 3 of every 4 layers chunked (every 4th is NoPE/global)
    assert a.local_attention_window_tokens == 8192
    assert a.num_experts == 16 and a.num_experts_per_token == 1
    assert a.num_shared_experts == 1 and a.num_dense_layers == 0


def test_llama4_maverick_interleaved_moe_layers():
    cfg = json.loads((HF_CONFIGS / "llama-4-scout.json").read_text())
    cfg["text_config"].update({"num_local_experts": 128, "interleave_moe_layer_step": 2})
    a = architecture_from_hf_config(cfg)
    assert a.num_dense_layers == 24  # MoE on every 2nd layer of 48
    assert a.intermediate_size == 16384  # dense layers use intermediate_size_mlp
    assert a.moe_intermediate_size == 8192


def test_gpt_oss_sliding_window_and_mxfp4():
    cfg = load_hf_config(HF_CONFIGS / "gpt-oss-120b.json")
    a = architecture_from_hf_config(cfg)
    assert a.num_local_attention_layers == 18 and a.local_attention_window_tokens == 128
    assert a.attention_bias
    assert native_precision(cfg) == "fp4"


def test_qwen3_5_hybrid_linear_attention():
    a = fixture_arch("qwen3.5-397b-a17b")
    assert a.num_linear_attention_layers == 45
    assert a.attention_output_gate
    assert a.linear_state_bytes_per_element == 4.0
    assert a.num_experts == 512 and a.num_experts_per_token == 10 and a.num_shared_experts == 1


def test_gemma3_defaults_and_sliding_pattern():
    cfg = {"model_type": "gemma3", "text_config": {
        "model_type": "gemma3_text", "hidden_size": 5376, "intermediate_size": 21504, "num_hidden_layers": 62,
        "num_attention_heads": 32, "num_key_value_heads": 16, "head_dim": 128, "sliding_window": 1024}}
    a = architecture_from_hf_config(cfg)
    assert a.vocab_size == 262208 and a.tie_word_embeddings  # transformers Gemma3TextConfig defaults
    assert a.num_local_attention_layers == 52  # 62 layers, every 6th global -> 10 global


def test_mistral_sliding_window_all_layers_qwen_disabled():
    base = {"num_hidden_layers": 4, "hidden_size": 256, "num_attention_heads": 4, "vocab_size": 1000,
            "intermediate_size": 512, "sliding_window": 4096}
    assert architecture_from_hf_config({**base, "model_type": "mistral"}).num_local_attention_layers == 4
    qwen = {**base, "model_type": "qwen2", "use_sliding_window": False}
    assert architecture_from_hf_config(qwen).num_local_attention_layers == 0


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ([], "JSON object"),
        ({"hidden_size": 4096, "num_attention_heads": 32, "vocab_size": 1000}, "num_hidden_layers"),
        ({"num_hidden_layers": "many", "hidden_size": 4096, "num_attention_heads": 32, "vocab_size": 1000},
         "num_hidden_layers"),
        ({"num_hidden_layers": 2, "hidden_size": 4096, "num_attention_heads": 32, "vocab_size": 1000,
          "num_key_value_heads": 64, "intermediate_size": 10}, "num_kv_heads"),
    ],
)
def test_bad_configs_name_the_field(config, message):
    with pytest.raises(HfConfigError, match=message):
        architecture_from_hf_config(config)


def test_load_rejects_non_json_and_huge_files(tmp_path):
    bad = tmp_path / "config.json"
    bad.write_text("{not json")
    with pytest.raises(HfConfigError, match="not valid JSON"):
        load_hf_config(bad)
    huge = tmp_path / "huge.json"
    huge.write_text("[" + "0," * 1_100_000 + "0]")
    with pytest.raises(HfConfigError, match="limit"):
        load_hf_config(huge)


def test_model_from_config_is_a_catalog_model():
    m = model_from_hf_config(load_hf_config(HF_CONFIGS / "mixtral-8x7b.json"), "custom-mixtral", "My Mixtral")
    assert m.architecture.is_moe and m.native_precision == "bf16" and m.name == "My Mixtral"


def test_deeply_nested_or_non_utf8_bytes_give_clear_errors():
    from calculator.hf_config import parse_hf_config_bytes

    with pytest.raises(HfConfigError, match="nested too deeply"):
        parse_hf_config_bytes(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(HfConfigError, match="UTF-8"):
        parse_hf_config_bytes(b"\xff\xfe{")
    with pytest.raises(HfConfigError, match="limit"):
        parse_hf_config_bytes(b" " * 3_000_000)


def test_deepseek_v4_compressed_attention_from_compress_ratios():
    pro, flash = fixture_arch("deepseek-v4-pro"), fixture_arch("deepseek-v4-flash")
    assert pro.attention_kind == flash.attention_kind == "compressed"
    # Pro's 62 compress_ratios: 128, 128, then (4, 128) x 29, 4, and 0 for the MTP layer (ignored).
    assert (pro.num_compressed_sparse_layers, pro.num_heavily_compressed_layers, pro.num_local_attention_layers) == (
        30, 31, 0)
    # Flash's 44: 0, 0, (4, 128) x 20, 4, 0 (MTP).
    assert (flash.num_compressed_sparse_layers, flash.num_heavily_compressed_layers,
            flash.num_local_attention_layers) == (21, 20, 2)
    assert flash.local_attention_window_tokens == 128 and flash.index_topk == 512 and pro.index_topk == 1024
    assert (pro.o_groups, pro.o_lora_rank, pro.num_residual_streams, pro.num_kv_heads) == (16, 1024, 4, 1)
    assert native_precision(load_hf_config(HF_CONFIGS / "deepseek-v4-flash.json")) == "fp4"  # expert_dtype fp4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"compress_ratios": [4, 128]}, "compress_ratios"),
        ({"compress_ratios": [4, 64, 128] + [4] * 40}, "heavy compression ratios"),
        ({"sliding_window": None}, "sliding_window"),
        ({"o_groups": None}, "o_groups"),
    ],
)
def test_deepseek_v4_bad_configs_name_the_field(change, message):
    cfg = load_hf_config(HF_CONFIGS / "deepseek-v4-flash.json")
    cfg.update(change)
    with pytest.raises(HfConfigError, match=message):
        architecture_from_hf_config(cfg)


def test_minimax_m3_per_layer_moe_flags_and_dense_width():
    # MiniMax-M3 text_config: moe_layer_freq [0, 0, 0, 1 x 57]; intermediate_size 3072 is the expert width and
    # dense_intermediate_size 12288 the width of the 3 dense layers; 1 shared expert of shared_intermediate_size.
    a = fixture_arch("minimax-m3")
    assert (a.num_dense_layers, a.intermediate_size, a.moe_intermediate_size) == (3, 12288, 3072)
    assert (a.num_experts, a.num_experts_per_token, a.num_shared_experts, a.shared_expert_intermediate_size) == (
        128, 4, 1, 3072)


def test_gemma4_global_layers_and_e_models_refused():
    a = fixture_arch("gemma-4-31b")
    assert (a.num_local_attention_layers, a.local_attention_window_tokens) == (50, 1024)
    assert (a.global_num_kv_heads, a.global_head_dim, a.global_k_eq_v, a.tie_word_embeddings) == (4, 512, True, True)
    cfg = load_hf_config(HF_CONFIGS / "gemma-4-31b.json")
    cfg["text_config"]["num_kv_shared_layers"] = 20  # E2B-style KV sharing across layers
    with pytest.raises(HfConfigError, match="num_kv_shared_layers"):
        architecture_from_hf_config(cfg)
