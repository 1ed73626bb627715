"""Roofline pipeline: hand-computed step times and physical invariants."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from calculator.params import param_counts
from calculator.pipeline import evaluate, gpu_features, model_features, stack
from calculator.sizing import RequestShape, estimate
from tests.conftest import fixed_efficiency, fixture_arch


def _eval(arch, gpu, precision, n, b, i, o, eff, price=0.0):
    idx = np.zeros(np.shape(b) or (1,), dtype=np.int64)
    m = stack([model_features(arch, precision, "bf16")], idx)
    g = stack([gpu_features(gpu, precision)], idx)
    return evaluate(m, g, float(n), np.atleast_1d(np.asarray(b, dtype=float)), float(i), float(o), price, eff)


def test_batch1_decode_step_llama_70b_bf16_on_two_h100(catalog):
    arch = fixture_arch("llama-3.1-70b")
    h100 = catalog.gpu("h100-sxm")
    eff = fixed_efficiency()
    ev = _eval(arch, h100, "bf16", 2, 1, 1000, 200, eff)
    counts = param_counts(arch)
    # Weights read per step: everything but the embedding table (a lookup), 2 B each:
    #   (70,553,706,496 - 1,050,673,152) x 2 = 139,006,066,688 B
    # KV read: context I + O/2 = 1,100 tokens x 327,680 B = 360,448,000 B. Split over 2 GPUs.
    weights = (counts.total - counts.embedding) * 2
    assert weights == 139_006_066_688
    kv = 1100 * 327_680
    memory_s = (weights + kv) / 2 / (h100.memory_bandwidth_gb_per_s * 1e9 * 0.8)
    # Two ring all-reduces per layer of 1 token x 8192 x 2 B over NVLink (450 GB/s per direction):
    comm_s = 2 * 80 * (5e-6 + 2 * (1 / 2) * 8192 * 2 / 450e9)
    expected = memory_s + comm_s + 0.002
    assert_allclose(ev.decode_step_s[0], expected, rtol=1e-9)
    assert ev.output_tokens_per_s[0] < 1 / memory_s  # below the bandwidth roofline


def test_prefill_is_compute_bound_for_long_prompts(catalog):
    arch = fixture_arch("llama-3.1-70b")
    h100 = catalog.gpu("h100-sxm")
    eff = fixed_efficiency()
    ev = _eval(arch, h100, "fp8", 2, 1, 8000, 100, eff)
    counts = param_counts(arch)
    # matmul FLOPs 2 x N_matmul x 8000 plus causal attention 4 x 64 heads x 128 x 80 layers x 8000^2/2.
    flops = 2 * counts.matmul_per_token * 8000 + 4 * 64 * 128 * 80 * 8000**2 / 2
    compute_s = flops / 2 / (h100.fp8_dense_tflops * 1e12 * 0.5)
    assert ev.prefill_s[0] > compute_s  # plus communication and overhead
    assert ev.prefill_s[0] < compute_s * 1.2


@settings(max_examples=60, deadline=None)
@given(
    model=st.sampled_from(["llama-3.1-70b", "mixtral-8x7b", "deepseek-v3", "qwen3.5-397b-a17b", "gpt-oss-120b"]),
    gpu=st.sampled_from(["h100-sxm", "h200-sxm", "b200", "mi300x", "l40s"]),
    n=st.sampled_from([1, 2, 4, 8, 16]),
    b=st.integers(1, 2048),
    i=st.integers(1, 32000),
    o=st.integers(1, 4000),
)
def test_no_prediction_beats_the_bandwidth_roofline(catalog, model, gpu, n, b, i, o):
    arch = fixture_arch(model)
    g = catalog.gpu(gpu)
    eff = fixed_efficiency(bandwidth_efficiency_frac=1.0, flops_efficiency_frac=1.0)
    ev = _eval(arch, g, "fp8", n, b, i, o, eff)
    # Each step must at least stream the weights it touches and the batch's KV cache at full bandwidth.
    min_step_s = (ev.weight_bytes_read_per_step[0] + ev.kv_bytes_read_per_step[0]) / n / (
        g.memory_bandwidth_gb_per_s * 1e9)
    assert ev.decode_step_s[0] >= min_step_s * (1 - 1e-12)
    assert ev.output_tokens_per_s[0] <= b / min_step_s * (1 + 1e-12)
    assert np.isfinite(ev.output_tokens_per_s[0])


@settings(max_examples=40, deadline=None)
@given(
    model=st.sampled_from(["llama-3.1-70b", "mixtral-8x7b", "qwen3.5-397b-a17b", "gpt-oss-120b"]),
    b=st.integers(1, 512),
    i=st.integers(1, 20000),
    extra=st.integers(1, 20000),
    o=st.integers(1, 2000),
)
def test_more_context_never_gives_more_throughput(catalog, model, b, i, extra, o):
    arch = fixture_arch(model)
    g = catalog.gpu("h200-sxm")
    eff = fixed_efficiency()
    short = _eval(arch, g, "fp8", 8, b, i, o, eff)
    long = _eval(arch, g, "fp8", 8, b, i + extra, o, eff)
    assert long.output_tokens_per_s[0] <= short.output_tokens_per_s[0] * (1 + 1e-12)
    assert long.max_concurrency[0] <= short.max_concurrency[0]


@settings(max_examples=40, deadline=None)
@given(
    model=st.sampled_from(["llama-3.1-70b", "deepseek-v3", "qwen3.5-397b-a17b", "llama-4-scout"]),
    gpu=st.sampled_from(["h100-sxm", "l40s", "b200", "rtx-4090", "mi300x"]),
    n=st.sampled_from([1, 2, 4, 8, 16, 32]),
    precision=st.sampled_from(["bf16", "fp8", "fp4"]),
    i=st.integers(1, 100000),
)
def test_a_model_that_fits_on_n_gpus_fits_on_2n(catalog, model, gpu, n, precision, i):
    arch = fixture_arch(model)
    g = catalog.gpu(gpu)
    eff = fixed_efficiency()
    on_n = _eval(arch, g, precision, n, 1, i, 100, eff)
    on_2n = _eval(arch, g, precision, 2 * n, 1, i, 100, eff)
    if on_n.fits[0]:
        assert on_2n.fits[0]
    assert on_2n.max_concurrency[0] >= on_n.max_concurrency[0]


@settings(max_examples=40, deadline=None)
@given(scale=st.floats(1.0, 4.0), b=st.integers(1, 1024), price=st.floats(0.5, 20.0))
def test_a_faster_gpu_never_costs_more_per_token_at_equal_price(catalog, scale, b, price):
    arch = fixture_arch("mixtral-8x7b")
    base = catalog.gpu("h100-sxm")
    fast = base.model_copy(update={
        "memory_bandwidth_gb_per_s": base.memory_bandwidth_gb_per_s * scale,
        "bf16_dense_tflops": base.bf16_dense_tflops * scale,
        "fp8_dense_tflops": (base.fp8_dense_tflops or 0) * scale,
        "interconnect_gb_per_s": base.interconnect_gb_per_s * scale,
    })
    eff = fixed_efficiency()
    slow_ev = _eval(arch, base, "fp8", 2, b, 1000, 300, eff, price)
    fast_ev = _eval(arch, fast, "fp8", 2, b, 1000, 300, eff, price)
    assert fast_ev.usd_per_million_tokens[0] <= slow_ev.usd_per_million_tokens[0] * (1 + 1e-12)
    assert fast_ev.usd_per_million_output_tokens[0] <= slow_ev.usd_per_million_output_tokens[0] * (1 + 1e-12)


def test_input_and_output_costs_add_up_to_the_request_cost(catalog):
    arch = fixture_arch("llama-3.1-70b")
    est = estimate(arch, catalog.gpu("h100-sxm"), RequestShape(2000, 500), fixed_efficiency(), precision="fp8",
                   usd_per_gpu_hour=2.0)
    # I x c_in + O x c_out must equal (I + O) x c_blended (the step's cost split between the two).
    request = 2000 * est.usd_per_million_input_tokens + 500 * est.usd_per_million_output_tokens
    assert_allclose(request, 2500 * est.usd_per_million_tokens, rtol=1e-9)
