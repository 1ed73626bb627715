"""Distinct experts touched per step: closed form, Monte Carlo, skew and invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from calculator.moe import experts_touched, weight_bytes_read_at_batch
from calculator.params import param_counts
from calculator.pipeline import model_features
from tests.conftest import fixture_arch


def test_mixtral_curve_hand_computed():
    # E = 8, k = 2: E (1 - (1 - k/E)^T) = 8 (1 - 0.75^T)
    assert_allclose(experts_touched(8, 2, 1), 2.0)  # batch 1 reads exactly its active experts
    assert_allclose(experts_touched(8, 2, 2), 8 * (1 - 0.75**2))  # 3.5
    assert_allclose(experts_touched(8, 2, 16), 7.91983, rtol=1e-5)  # nearly all 8


def test_qwen3_235b_curve_hand_computed():
    # E = 128, k = 8: 128 (1 - (120/128)^T)
    assert_allclose(experts_touched(128, 8, 1), 8.0)
    assert_allclose(experts_touched(128, 8, 8), 51.6199, rtol=1e-5)  # 0.9375^8 = 0.596720
    assert_allclose(experts_touched(128, 8, 64), 125.943, rtol=1e-5)


def test_dense_touches_nothing():
    assert experts_touched(0, 0, 1000) == 0


def test_monte_carlo_agrees_with_closed_form():
    rng = np.random.default_rng(7)
    num_experts, top_k = 64, 6
    for tokens in (1, 4, 16, 64):
        trials = [len({int(e) for _ in range(tokens) for e in rng.choice(num_experts, top_k, replace=False)})
                  for _ in range(400)]
        assert_allclose(np.mean(trials), experts_touched(num_experts, top_k, tokens), rtol=0.03)


def test_skew_touches_fewer_experts():
    uniform = experts_touched(128, 8, 32, routing_skew=0.0)
    skewed = experts_touched(128, 8, 32, routing_skew=1.0)
    assert skewed < uniform
    # the general formula reproduces the closed form at s = 0 (within float error)
    assert_allclose(experts_touched(np.array([128.0]), 8, np.array([32.0]), routing_skew=1e-12), uniform,
                    rtol=1e-6)


@given(st.integers(1, 512), st.integers(1, 16), st.integers(1, 5000), st.integers(1, 5000),
       st.sampled_from([0.0, 0.5, 1.2]))
def test_touched_rises_with_batch_and_never_exceeds_e(num_experts, top_k, t1, t2, skew):
    top_k = min(top_k, num_experts)
    lo, hi = sorted((t1, t2))
    a = float(experts_touched(np.array([float(num_experts)]), top_k, np.array([float(lo)]), skew)[0])
    b = float(experts_touched(np.array([float(num_experts)]), top_k, np.array([float(hi)]), skew)[0])
    assert b >= a - 1e-9
    assert b <= num_experts + 1e-9
    assert a >= min(top_k, num_experts) - 1e-6 if skew == 0.0 else a > 0


def test_batch_one_reads_active_weights_large_batch_reads_all():
    arch = fixture_arch("qwen3.5-397b-a17b")
    counts = param_counts(arch)
    feats = model_features(arch, "bf16", "bf16")
    read_1 = feats.non_routed_read_bytes + feats.num_moe_layers * experts_touched(512, 10, 1) * feats.expert_bytes
    # At batch 1 the step reads the active weights (which leave out the embedding table, a lookup).
    assert_allclose(read_1 / 2, counts.active, rtol=1e-9)
    read_4096 = (feats.non_routed_read_bytes
                 + feats.num_moe_layers * experts_touched(512, 10, 4096) * feats.expert_bytes)
    assert_allclose(read_4096 / 2, counts.total - counts.embedding, rtol=1e-6)


def test_weight_bytes_read_at_batch_hand_computed():
    # E = 8 experts, k = 2 per token, 10 MoE layers of 1e8-byte experts, 1e9 non-routed bytes, uniform routing.
    # T = 1: E_touched = 8 (1 - 0.75^1) = 2 -> 1e9 + 10 x 2 x 1e8 = 3.0e9 B.
    # T = 2: E_touched = 8 (1 - 0.75^2) = 3.5 -> 1e9 + 10 x 3.5 x 1e8 = 4.5e9 B.
    touched, read = weight_bytes_read_at_batch(1e9, 10, 1e8, 8, 2, np.array([1.0, 2.0]))
    assert_allclose(touched, [2.0, 3.5], rtol=1e-12)
    assert_allclose(read, [3.0e9, 4.5e9], rtol=1e-12)


def test_expert_load_imbalance_by_hand():
    from calculator.moe import expert_load_imbalance

    # T = 64 tokens x k = 8 over N = 16 GPUs: mu = 32 pairs per GPU; 1 + sqrt(2 ln 16 / 32) = 1 + sqrt(0.1732868)
    # = 1.416277. One GPU: 1. A huge batch evens out (-> 1).
    assert_allclose(expert_load_imbalance(64.0, 8.0, 16.0), 1.416277, rtol=1e-6)
    assert expert_load_imbalance(64.0, 8.0, 1.0) == 1.0
    assert expert_load_imbalance(1e7, 8.0, 16.0) < 1.01
    # Below one pair per GPU the busiest GPU still holds a whole pair. T = k = 1 on 16 GPUs: the one pair sits on
    # one GPU, 16x the mean 1/16 (the Gaussian form alone gave 1 + sqrt(2 ln 16 x 16) = 10.42).
    assert_allclose(expert_load_imbalance(1.0, 1.0, 16.0), 16.0, rtol=1e-12)
    # M = 4 pairs on 16 GPUs: exact expected maximum 1.3486 by enumerating the 16^4 placements (imbalance 5.39);
    # eq. 4: mu = 0.25, 0.25 + sqrt(2 x 0.25 x ln 16) = 1.427411 -> 5.709644 (within 6 %). M = 2: exact 1.0625
    # (8.5); eq. 4: 0.125 + sqrt(0.25 ln 16) = 0.957 < 1 -> 1 / 0.125 = 8.
    assert_allclose(expert_load_imbalance(4.0, 1.0, 16.0), 5.709644, rtol=1e-6)
    assert_allclose(expert_load_imbalance(4.0, 1.0, 16.0), 1.3486328125 / 0.25, rtol=0.06)
    assert_allclose(expert_load_imbalance(2.0, 1.0, 16.0), 8.0, rtol=1e-12)
    assert expert_load_imbalance(1.0, 1.0, 2.0) == 2.0  # one pair on one of 2 GPUs: 2x the mean, = N
