"""Parameter counts from architecture, against published totals."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from calculator.params import gated_mlp_params, param_counts
from tests.conftest import fixture_arch


def test_llama_3_1_70b_total_exact():
    # Hand count (Llama-3.1-70B config: d=8192, 80 layers, 64 heads, 8 KV heads, d_h=128, d_ff=28672,
    # vocab 128256, untied):
    #   attention/layer = 8192*8192 (q) + 2*8192*1024 (k, v) + 8192*8192 (o) = 150,994,944
    #   MLP/layer       = 3*8192*28672                                       = 704,643,072
    #   norms/layer     = 2*8192                                             =      16,384
    #   80 layers = 68,452,352,000; embeddings + head = 2*128256*8192 = 2,101,346,304; final norm 8,192
    #   total = 70,553,706,496 (the safetensors count Hugging Face shows for the checkpoint).
    counts = param_counts(fixture_arch("llama-3.1-70b"))
    assert counts.total == 70_553_706_496
    # Active: a token reads one row of the input embedding, not the table: total - 128256*8192 (untied).
    assert counts.active == 70_553_706_496 - 1_050_673_152


def test_mixtral_8x7b_total_and_active():
    # Mixtral-8x7B: 32 layers, d=4096, 8 experts of d_ff=14336, top-2, GQA 32/8, vocab 32000.
    #   experts/layer = 8 * 3*4096*14336 = 1,409,286,144; attention/layer = 4096*(4096+2*1024+4096) = 41,943,040
    #   router/layer = 4096*8; total = 46,702,792,704 (HF safetensors count); active uses 2 of 8 experts:
    #   total - 32 * 6 * 176,160,768 = 12,879,925,248 (Mistral: "12.9B active"), minus the input embedding
    #   table 32000 * 4096 = 131,072,000 (one row read per token) = 12,748,853,248.
    counts = param_counts(fixture_arch("mixtral-8x7b"))
    assert counts.total == 46_702_792_704
    assert counts.active == 12_748_853_248


@pytest.mark.parametrize(
    ("name", "published_total_b", "published_active_b"),
    [
        ("deepseek-v3", 671.0, 37.0),  # DeepSeek-V3 tech report, arXiv:2412.19437 (MTP module excluded)
        ("kimi-k2", 1040.0, 32.6),  # Kimi K2 model card: "1T total"; tech report 1.04T / 32.6B
        ("qwen3.5-397b-a17b", 397.0, 17.0),  # Qwen3.5 model card
        ("qwen3-next-80b-a3b", 80.0, 3.0),  # Qwen3-Next model card ("80B total, 3B activated")
        ("gpt-oss-120b", 116.8, 5.1),  # OpenAI gpt-oss model card: 116.8B total, 5.1B active
        ("qwen2.5-72b", 72.7, 72.7),  # Qwen2.5 model card: 72.7B
        ("qwen3-32b", 32.8, 32.8),  # Qwen3-32B model card: 32.8B
        ("llama-4-scout", 109.0, 17.0),  # Meta: 109B total (text + vision), 17B active
    ],
)
def test_total_within_2_percent_of_published(name: str, published_total_b: float, published_active_b: float):
    counts = param_counts(fixture_arch(name))
    assert_allclose(counts.total / 1e9, published_total_b, rtol=0.02)
    # Vendors count "active" with or without the input embedding table (0.3-1.2B here), which the count
    # leaves out, so only a loose bound holds; gpt-oss is pinned exactly below.
    assert counts.active / 1e9 >= published_active_b * 0.9
    assert counts.active <= counts.total


def test_deepseek_v3_structure():
    counts = param_counts(fixture_arch("deepseek-v3"))
    # 61 layers, first_k_dense_replace = 3 -> 58 MoE layers of 256 routed experts (d_ff 2048) + 1 shared.
    assert counts.num_moe_layers == 58
    assert counts.routed_expert == gated_mlp_params(7168, 2048)
    assert counts.shared_experts == 58 * gated_mlp_params(7168, 2048)
    assert counts.dense_mlp == 3 * gated_mlp_params(7168, 18432)


# Every catalog model against its published total (Llama 4 included, one 2 % rule):
# tests/test_catalog.py::test_params_recomputed_within_tolerance_of_published.


def test_gpt_oss_active_excludes_the_embedding_table(catalog):
    # OpenAI gpt-oss model card, Table 1: gpt-oss-20b 3.61B active (20.91B total), gpt-oss-120b 5.13B (116.83B):
    # MLP (active experts) + attention + unembedding, not the input embedding table (201088 x 2880 = 579M),
    # of which a token reads one row. With the table the count was 4.19B for gpt-oss-20b.
    small = param_counts(catalog.model("gpt-oss-20b").architecture)
    assert_allclose(small.active / 1e9, 3.61, rtol=0.005)
    assert_allclose(small.total / 1e9, 20.91, rtol=0.005)
    large = param_counts(fixture_arch("gpt-oss-120b"))
    assert_allclose(large.active / 1e9, 5.13, rtol=0.005)


# DeepSeek-V4-Pro checkpoint tensors (main model, weights only; the MTP layer, the e8m0 .scale tensors and the
# hash-routing tid2eid tables are left out), with element counts of the logical shapes (the FP4 experts are
# stored int8-packed, two values per byte: w1 [3072, 3584] holds a 3072 x 7168 matrix). From the
# safetensors listing of deepseek-ai/DeepSeek-V4-Pro (stored model report, find_string id 62525154746).
# (rows, cols, number of tensors)
V4_PRO_TENSORS = [
    (129280, 7168, 2),  # embed, head
    (1, 7168, 1 + 2 * 61),  # final norm; attn_norm and ffn_norm per layer
    (1536, 7168, 61), (65536, 1536, 61), (512, 7168, 61),  # wq_a, wq_b, wkv
    (16384, 4096, 61), (7168, 16384, 61),  # wo_a (16 groups x rank 1024 from 8192 each), wo_b
    (1, 1536 + 512 + 128, 61),  # q_norm, kv_norm, attn_sink
    (2 * 512, 7168, 31), (128, 512, 31),  # HCA compressor wkv + wgate, ape (layers 0, 1, 3, 5, ..., 59)
    (2 * 1024, 7168, 30), (4, 1024, 30),  # CSA compressor wkv + wgate (overlapping: 2 x 512), ape
    (1, 512, 61),  # compressor norm (every layer of Pro is compressed)
    (8192, 1536, 30), (64, 7168, 30),  # indexer wq_b (64 heads x 128), weights_proj
    (2 * 256, 7168, 30), (4, 256, 30), (1, 128, 30),  # indexer compressor wkv + wgate, ape, norm
    (3 * 3072, 7168, 61 * 384), (3 * 3072, 7168, 61),  # routed experts w1, w2, w3; shared expert
    (384, 7168, 61),  # router
    (2 * 24, 28672, 61), (1, 2 * (24 + 3), 61), (4, 28672, 1), (1, 5, 1),  # mHC mixing (hc_mult 4)
]


def test_deepseek_v4_pro_counts_match_the_checkpoint_tensors():
    # Sum of the tensors above: 1,572,997,179,491 (the router biases, 58 x 384 = 22,272, are left out here and by
    # the formula). The model card's "1.6T" is 1.7 % above (2 % rule of the catalog);
    # Hugging Face's "1.6T" includes the MTP layer (+25.9B).
    expected = sum(rows * cols * n for rows, cols, n in V4_PRO_TENSORS)
    counts = param_counts(fixture_arch("deepseek-v4-pro"))
    assert_allclose(counts.total, expected, rtol=1e-7)
    assert_allclose(counts.total / 1e9, 1600, rtol=0.02)
    # Active: 61 x (attention 299,894,912 + 3 x 7168 x 3072 shared) + compressors/indexers 1,171,513,600
    # + router, norms, mHC + 6 of 384 experts per layer (61 x 6 x 66,060,288 = 24,178,065,408) + head
    # 926,679,040 = 48.85B; the card says 49B activated (0.3 % above).
    assert_allclose(counts.active / 1e9, 49.0, rtol=0.005)
    assert_allclose(counts.routed_expert * 6 * 61, 24_178_065_408)


def test_deepseek_v4_flash_attention_by_hand():
    # DeepSeek-V4-Flash config: d 4096, 64 heads, one 512-wide KV head, q_lora 1024, 8 output groups of rank 1024,
    # 43 layers: 2 window-only, 21 CSA (ratio 4, indexer 64 x 128), 20 HCA (ratio 128).
    #   core/layer   = 4096*1024 + 1024*64*512 + 4096*512 + 64*512*1024 + 8*1024*4096 + (1024+512+64) = 106,956,352
    #   CSA extra    = (2*4096*1024 + 4*1024 + 512)                   compressor   8,393,216
    #                + 1024*64*128 + 4096*64 + (2*4096*256 + 4*256 + 128)  indexer 10,749,056
    #   HCA extra    = 2*4096*512 + 128*512 + 512                                  4,260,352
    #   attention    = 43*106,956,352 + 21*19,142,272 + 20*4,260,352 = 5,086,317,888
    counts = param_counts(fixture_arch("deepseek-v4-flash"))
    assert counts.attention == 5_086_317_888
    # Totals: model card 284B / 13B activated. Computed 284.33B (+0.1 %); active 13.27B (+2 %: the output head,
    # 0.53B, is counted).
    assert_allclose(counts.total / 1e9, 284.0, rtol=0.002)
    assert_allclose(counts.active / 1e9, 13.27, rtol=0.001)


def test_gemma4_31b_full_layers_with_their_own_heads():
    # Gemma 4 31B text config: d 5376, 32 heads, 60 layers = 50 sliding (16 KV heads of 256) + 10 full (4 KV heads of
    # 512, one projection for K and V), GeGLU 21504, vocab 262144 tied.
    #   sliding attention/layer = 5376*32*256 (q) + 2*5376*16*256 (k, v) + 32*256*5376 (o) = 132,120,576
    #   full attention/layer    = 5376*32*512 (q) + 5376*4*512 (k = v)    + 32*512*5376 (o) = 187,170,816
    #   MLP/layer = 3*5376*21504 = 346,816,512; embedding 262144*5376 = 1,409,286,144 (tied); norms (2*60+1)*5376
    #   total = 50*132,120,576 + 10*187,170,816 + 60*346,816,512 + 1,409,286,144 + 650,496 = 30,696,664,320
    # The model card: 30.7B parameters.
    counts = param_counts(fixture_arch("gemma-4-31b"))
    assert counts.attention == 50 * 132_120_576 + 10 * 187_170_816
    assert counts.total == 30_696_664_320
    assert_allclose(counts.total / 1e9, 30.7, rtol=0.001)


def test_gemma4_26b_a4b_dense_mlp_beside_the_experts():
    # 30 layers of d 2816; every layer: 128 experts of 704 (top 8) plus a 2112-wide dense MLP, counted as one shared
    # expert. Model card: 25.2B total, 3.8B active.
    counts = param_counts(fixture_arch("gemma-4-26b-a4b"))
    assert counts.shared_experts == 30 * gated_mlp_params(2816, 2112)
    assert_allclose(counts.total / 1e9, 25.2, rtol=0.005)
    assert_allclose(counts.active / 1e9, 3.8, rtol=0.01)
