"""Communication time of the deployment layouts, hand-computed."""

from __future__ import annotations

from numpy.testing import assert_allclose

from calculator.throughput import (
    all_to_all_time_s,
    allreduce_time_s,
    kv_transfer_time_s,
    num_micro_batches,
    pipeline_round,
    pipeline_stages,
    stage_send_time_s,
)


def test_all_to_all_over_two_nvlink_domains():
    # DeepSeek-V3-like step: T = 1024 tokens, d = 7168, 58 MoE layers, k = 8, over N = 16 GPUs in two 8-GPU
    # NVLink domains (450 GB/s per direction), scale-out 50 GB/s per GPU, no latency.
    #   V = 1024/16 x 8 x 7168 x 2 B = 7,340,032 B per GPU per direction
    #   inside  = V x 7/16 / 450e9 = 7.136e-6 s;  outside = V x 8/16 / 50e9 = 7.340032e-5 s (the slower link)
    #   t = 2 x 58 x 7.340032e-5 = 8.51443712e-3 s
    t = all_to_all_time_s(1024.0, 7168.0, 58.0, 8.0, 16.0, 8.0, 450.0, 50.0, 0.0)
    assert_allclose(t, 8.51443712e-3, rtol=1e-9)


def test_all_to_all_inside_one_domain_uses_nvlink_only():
    # N = 8 in an 8-GPU domain: V = 1024/8 x 8 x 7168 x 2 = 14,680,064 B; inside = V x 7/8 / 450e9;
    # t = 2 x 58 x (1e-5 + 12,845,056 / 450e9) = 2 x 58 x 3.8544569e-5 = 4.47116996e-3 s
    t = all_to_all_time_s(1024.0, 7168.0, 58.0, 8.0, 8.0, 8.0, 450.0, 50.0, 1e-5)
    assert_allclose(t, 2 * 58 * (1e-5 + 12_845_056 / 450e9), rtol=1e-12)
    assert_allclose(t, 4.47116996e-3, rtol=1e-6)
    assert all_to_all_time_s(1024.0, 7168.0, 58.0, 8.0, 1.0, 8.0, 450.0, 50.0, 1e-5) == 0.0


def test_allreduce_beyond_the_domain_uses_scale_out():
    # 16-way ring all-reduce of 1 token x 8192 x 2 B, 80 layers, over a 50 GB/s scale-out link, no latency:
    #   2 x 80 x 2 x 15/16 x 16,384 / 50e9 = 9.8304e-5 s
    assert_allclose(allreduce_time_s(1.0, 8192.0, 80.0, 16.0, 50.0, 0.0), 9.8304e-5, rtol=1e-12)


def test_deepseek_v4_pro_decode_flops_at_1m_are_27_percent_of_v3_2():
    # Per-token attention FLOPs of DeepSeek-V4-Pro at L = 1,048,576 (4 h c = 4 x 128 x 512 = 262,144 per attended
    # entry; indexer 2 x 64 x 128 per scored entry):
    #   whole context: 30 x 16,384 / 4 + 31 x 262,144 / 128 = 186,368 per context token -> 195,421,011,968
    #   windows:       61 x 262,144 x 128                                                  ->   2,046,820,352
    #   CSA top-1024:  30 x 262,144 x 1024                                                 ->   8,053,063,680
    # plus 2 x 48.85B matmul FLOPs: 303.2 GFLOP per token.
    from calculator.params import param_counts
    from calculator.throughput import attention_flops_coefficients, decode_attention_flops
    from tests.conftest import fixture_arch

    length = 1_048_576
    coef = attention_flops_coefficients(fixture_arch("deepseek-v4-pro"))
    attn = decode_attention_flops(length, coef["decode_full"], coef["decode_local"], 128, coef["linear"])
    assert attn == 195_421_011_968 + 2_046_820_352 + 8_053_063_680
    v4 = attn + 2 * param_counts(fixture_arch("deepseek-v4-pro")).active
    # DeepSeek-V3.2 at the same length (MLA + DeepSeek Sparse Attention, by hand; the catalog models V3.2 as plain
    # MLA): indexer 61 x 2 x 64 x 128 x L, top-2048 absorbed MLA 61 x 2 x 128 x (576 + 512) x 2048, and
    # 2 x active parameters of the V3 architecture.
    v32 = 61 * 2 * 64 * 128 * length + 61 * 2 * 128 * (576 + 512) * 2048 + 2 * param_counts(
        fixture_arch("deepseek-v3")).active
    # DeepSeek-V4 technical report / model card: "DeepSeek-V4-Pro requires only 27% of single-token inference
    # FLOPs ... compared with DeepSeek-V3.2" at 1M tokens. Computed 26.2 %.
    assert_allclose(v4 / v32, 0.27, atol=0.015)


def test_pipeline_stages_keep_tensor_parallelism_inside_the_domain():
    # Fewest p dividing N with N / p <= D: 16 H100 (D = 8) -> 2 x TP8; 24 -> 3 x TP8; 128 GB200 (D = 72):
    # p = ceil(128/72) = 2 divides 128 -> 2 x TP64; 96 on D = 72: 2 divides 96 (TP48); 8 on 8 -> 1.
    assert_allclose(pipeline_stages([16.0, 24.0, 128.0, 96.0, 8.0, 1.0], [8.0, 8.0, 72.0, 72.0, 8.0, 8.0]),
                    [2.0, 3.0, 2.0, 2.0, 1.0, 1.0])
    # 40 GPUs in 16-GPU domains: ceil(40/16) = 3 does not divide 40, 4 does -> 4 stages of TP10.
    assert_allclose(pipeline_stages(40.0, 16.0), 4.0)


def test_micro_batches_and_stage_sends():
    # One micro-batch per stage once there are enough sequences; fewer sequences than stages: the bubble.
    assert_allclose(num_micro_batches([1.0, 3.0, 64.0], 4.0), [1.0, 3.0, 4.0])
    # 2 stages, micro-batch of 32 tokens x 16,384 x 2 B = 1,048,576 B over 50 GB/s, 5 us latency:
    #   (2 - 1) x (5e-6 + 1,048,576 / 50e9) = 2.597152e-5 s; one stage sends nothing.
    assert_allclose(stage_send_time_s(32.0, 16384.0, 2.0, 50.0, 5e-6), 2.597152e-5, rtol=1e-12)
    assert stage_send_time_s(32.0, 16384.0, 1.0, 50.0, 5e-6) == 0.0


def test_pipeline_round_rereads_weights_per_micro_batch():
    # W/t = 100 GB, K/t = 8 GB, F/t = 1e15 FLOP. m = 1 (one sequence): the plain step, 108 GB and 1e15.
    # m = 4: weights re-read in each of the 4 stage steps of the round -> 100 + 8/4 = 102 GB, 1e15/4 FLOP.
    one = pipeline_round(100e9, 8e9, 1e15, 1.0)
    four = pipeline_round(100e9, 8e9, 1e15, 4.0)
    assert_allclose([one.bytes_per_gpu, one.flops_per_gpu], [108e9, 1e15], rtol=1e-12)
    assert_allclose([four.bytes_per_gpu, four.flops_per_gpu], [102e9, 2.5e14], rtol=1e-12)


def test_gemma4_full_layers_attend_with_their_wider_heads():
    # Gemma 4 31B: 10 full layers x 4 x 32 heads x 512 = 655,360 FLOP per context token; 50 window layers
    # x 4 x 32 x 256 = 1,638,400 per context token inside the 1,024-token window.
    from calculator.throughput import attention_flops_coefficients
    from tests.conftest import fixture_arch

    coef = attention_flops_coefficients(fixture_arch("gemma-4-31b"))
    assert (coef["decode_full"], coef["decode_local"]) == (655_360, 1_638_400)


def test_kv_transfer_of_a_prompt_over_the_nic():
    # 8,000 tokens x 70,272 B/token (DeepSeek-V3 MLA latent, 61 layers x 576 x 2 B) on one prefill GPU (DP
    # attention holds a sequence on one GPU) over a 50 GB/s NIC, 20 us latency:
    #   2e-5 + 562,176,000 / 50e9 = 0.01126352 s
    assert_allclose(kv_transfer_time_s(8000 * 70_272, 50.0, 2e-5), 0.01126352, rtol=1e-12)
