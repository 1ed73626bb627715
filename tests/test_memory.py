"""Weights and KV-cache memory, pinned to hand-computed values."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from calculator import memory
from calculator.params import param_counts
from calculator.units import bytes_per_kv_element, bytes_per_weight
from tests.conftest import fixture_arch


def test_llama_3_1_70b_weights_bf16_and_fp8():
    counts = param_counts(fixture_arch("llama-3.1-70b"))
    # bf16: 70,553,706,496 params x 2 B = 141.107 GB
    assert_allclose(memory.weights_bytes(counts, "bf16") / 1e9, 141.107413, rtol=1e-6)
    # fp8: embeddings + head (2 x 1,050,673,152) stay bf16 = 4.2027 GB; the other 68,452,360,192 params
    # at 1 B = 68.4524 GB; total 72.6551 GB.
    assert_allclose(memory.weights_bytes(counts, "fp8") / 1e9, 72.655053, rtol=1e-6)


def test_fp4_and_int4_include_scale_overhead():
    # NVFP4: 4 bits + one 8-bit scale per 16 values = 4.5 bits; int4 group 128 with 16-bit scale+zero = 4.25.
    assert bytes_per_weight("fp4") == 4.5 / 8
    assert bytes_per_weight("int4") == 4.25 / 8
    assert bytes_per_kv_element("fp8") == 1.0


def test_kv_per_token_gqa_llama_3_1_70b():
    # 2 (K and V) x 80 layers x 8 KV heads x 128 dims x 2 B = 327,680 B per token.
    full, local = memory.kv_elements_per_token(fixture_arch("llama-3.1-70b"))
    assert full * bytes_per_kv_element("bf16") == 327_680
    assert local == 0


def test_kv_per_token_mla_deepseek_v3():
    # MLA caches the latent (kv_lora_rank 512) + the RoPE key (64) per layer: 61 x 576 x 2 B = 70,272 B.
    full, _ = memory.kv_elements_per_token(fixture_arch("deepseek-v3"))
    assert full * 2 == 70_272
    assert memory.kv_heads_effective(fixture_arch("deepseek-v3")) == 1.0  # one shared latent: TP copies it


def test_kv_hybrid_qwen3_5_397b():
    arch = fixture_arch("qwen3.5-397b-a17b")
    # 15 full-attention layers (every 4th of 60) x 2 x 2 KV heads x 256 dims x 2 B = 30,720 B per token.
    full, local = memory.kv_elements_per_token(arch)
    assert full * 2 == 30_720
    assert local == 0
    # 45 Gated DeltaNet layers, float32 state (mamba_ssm_dtype): recurrent 64 x 128 x 128 = 1,048,576 and
    # conv (2 x 16 x 128 + 64 x 128) x (4 - 1) = 36,864 elements per layer -> 45 x 1,085,440 x 4 B
    # = 195,379,200 B per sequence, whatever its length.
    assert memory.linear_state_bytes_per_sequence(arch) == 195_379_200


def test_kv_sliding_window_gpt_oss_caps_local_layers():
    arch = fixture_arch("gpt-oss-120b")
    full, local = memory.kv_elements_per_token(arch)
    # 18 full + 18 sliding layers, each 2 x 8 KV heads x 64 dims = 1,024 elements per token.
    assert full == 18 * 1024
    assert local == 18 * 1024
    per_seq = memory.kv_cache_bytes_per_sequence(10_000, full, local, 128, 0.0)
    # 10,000 tokens in full layers + only the 128-token window in sliding layers (1 B elements here).
    assert per_seq == 10_000 * 18 * 1024 + 128 * 18 * 1024


@given(
    st.floats(1, 1e6), st.floats(1, 1e6), st.floats(0, 1e6), st.floats(1, 1e5), st.floats(0, 1e9),
)
def test_more_context_never_needs_less_memory(ctx, extra, local, window, state):
    a = memory.kv_cache_bytes_per_sequence(ctx, 1000.0, local, window, state)
    b = memory.kv_cache_bytes_per_sequence(ctx + extra, 1000.0, local, window, state)
    assert b >= a


@given(st.integers(1, 64), st.integers(1, 128))
def test_kv_replication_never_increases_per_gpu_kv_with_more_gpus(n, kv_heads):
    per_gpu_n = memory.kv_replication(n, kv_heads) / n
    per_gpu_2n = memory.kv_replication(2 * n, kv_heads) / (2 * n)
    assert per_gpu_2n <= per_gpu_n + 1e-12


def test_max_concurrency_hand_computed():
    # 80 GB GPU, 10 % reserve -> 72 GB; weights 40 GB -> 32 GB free; 0.5 GB per sequence -> 64 sequences.
    assert memory.max_concurrency(80.0, 0.1, 40.0, 0.5) == 64
    assert memory.max_concurrency(80.0, 0.1, 75.0, 0.5) == 0
    assert np.all(memory.max_concurrency(np.array([80.0, 160.0]), 0.1, 40.0, 0.5) == [64, 208])


def test_kv_deepseek_v4_pro_at_1m_tokens_matches_vllm():
    # DeepSeek-V4-Pro, bf16, 1,048,576 tokens (reference inference/model.py: each layer caches window + L // ratio
    # entries of 512; CSA layers also L // 4 indexer keys of 128):
    #   30 CSA layers: 262,144 x (512 + 128) x 2 B = 335,544,320 each -> 10,066,329,600
    #   31 HCA layers:   8,192 x 512 x 2 B         =   8,388,608 each ->    260,046,848
    #   61 windows:        128 x 512 x 2 B         =     131,072 each ->      7,995,392
    #   total 10,334,371,840 B = 9.62 GiB: vLLM's DeepSeek-V4 blog (2026-04-24), "9.62 GiB per sequence in bf16".
    arch = fixture_arch("deepseek-v4-pro")
    full, local = memory.kv_elements_per_token(arch)
    assert full == 30 * (512 + 128) / 4 + 31 * 512 / 128  # 4,924 elements per token of context
    assert local == 61 * 512
    per_seq = memory.kv_cache_bytes_per_sequence(1_048_576, full * 2, local * 2, 128, 0.0)
    assert per_seq == 10_334_371_840
    assert_allclose(per_seq / 2**30, 9.62, atol=0.005)
    assert memory.kv_heads_effective(arch) == 1.0  # one shared latent: tensor parallelism copies it


def test_kv_deepseek_v4_flash_window_only_layers():
    # Flash: layers 0 and 1 keep only the 128-token window; 21 CSA + 20 HCA layers. At 1,048,576 tokens, bf16:
    # 21 x 335,544,320 + 20 x 8,388,608 + 43 x 131,072 = 7,219,838,976 B = 6.72 GiB. At 100 tokens only the
    # window part (100 of 128) and 100 x 3,440 compressed elements.
    arch = fixture_arch("deepseek-v4-flash")
    full, local = memory.kv_elements_per_token(arch)
    assert memory.kv_cache_bytes_per_sequence(1_048_576, full * 2, local * 2, 128, 0.0) == 7_219_838_976
    assert memory.kv_cache_bytes_per_sequence(100, full, local, 128, 0.0) == 100 * 3_440 + 100 * 43 * 512


def test_qwen3_8_2_4t_kv_and_state_match_the_published_arithmetic():
    # Qwen3.8-2.4T-A95B: 23 full-attention layers x 2 x 4 KV heads x 256 x 2 B = 94,208 B/token in bf16 (a stored
    # serving note on the HF config gets the same 94,208). 69 Gated DeltaNet layers, float32 state:
    # recurrent 128 x 128 x 128 = 2,097,152 and conv (2 x 16 x 128 + 128 x 128) x (4 - 1) = 61,440 elements per layer
    # -> 69 x 2,158,592 x 4 B = 595,771,392 B per sequence (the note's 552 MiB recurrent part is 578,813,952 B).
    arch = fixture_arch("qwen3.8-2.4t-a95b")
    full, local = memory.kv_elements_per_token(arch)
    assert (full * 2, local) == (94_208, 0)
    assert memory.linear_state_bytes_per_sequence(arch) == 595_771_392


def test_gemma4_31b_kv_full_layers_use_global_heads():
    # 10 full layers x 2 x 4 KV heads x 512 = 40,960 elements per token; 50 window layers x 2 x 16 x 256 = 409,600
    # per token for at most 1,024 tokens. At 32,768 tokens in bf16: 32,768 x 40,960 x 2 + 1,024 x 409,600 x 2
    # = 2,684,354,560 + 838,860,800 = 3,523,215,360 B. Tensor parallelism splits by the full layers' 4 KV heads.
    arch = fixture_arch("gemma-4-31b")
    full, local = memory.kv_elements_per_token(arch)
    assert (full, local) == (40_960, 409_600)
    assert memory.kv_cache_bytes_per_sequence(32_768, full * 2, local * 2, 1024, 0.0) == 3_523_215_360
    assert memory.kv_heads_effective(arch) == 4.0
