"""Communication time of the deployment layouts, hand-computed."""

from __future__ import annotations

from numpy.testing import assert_allclose

from calculator.throughput import all_to_all_time_s, allreduce_time_s


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
