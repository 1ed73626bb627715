"""Roofline pipeline: hand-computed step times and physical invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from calculator import moe, throughput
from calculator.params import param_counts
from calculator.pipeline import (
    LAYOUT_EP,
    LAYOUT_PP,
    LAYOUT_TP,
    StepTime,
    StepWork,
    evaluate,
    evaluate_disaggregated,
    forward_step,
    gpu_features,
    model_features,
    overlapped_step,
    stack,
    two_batch_overlap,
)
from calculator.sizing import RequestShape, estimate
from tests.conftest import fixed_efficiency, fixture_arch


def _eval(arch, gpu, precision, n, b, i, o, eff, price=0.0, layout=LAYOUT_TP, cached=0.0):
    idx = np.zeros(np.shape(b) or (1,), dtype=np.int64)
    m = stack([model_features(arch, precision, "bf16")], idx)
    g = stack([gpu_features(gpu, precision)], idx)
    return evaluate(m, g, float(n), np.atleast_1d(np.asarray(b, dtype=float)), float(i), float(o), price, eff,
                    layout, cached)


def _fp8_features(catalog, model_id, gpu_id):
    """One model's and one GPU's pipeline features at FP8 weights and an FP8 cache."""
    return model_features(fixture_arch(model_id), "fp8", "fp8"), gpu_features(catalog.gpu(gpu_id), "fp8")


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
    n=st.sampled_from([1, 2, 4, 8, 16, 32]),
    b=st.integers(1, 2048),
    i=st.integers(1, 32000),
    o=st.integers(1, 4000),
    layout=st.sampled_from([LAYOUT_TP, LAYOUT_PP]),
)
def test_no_prediction_beats_the_bandwidth_roofline(catalog, model, gpu, n, b, i, o, layout):
    arch = fixture_arch(model)
    g = catalog.gpu(gpu)
    eff = fixed_efficiency(bandwidth_efficiency_frac=1.0, flops_efficiency_frac=1.0)
    ev = _eval(arch, g, "fp8", n, b, i, o, eff, layout=layout)
    tp = _eval(arch, g, "fp8", n, b, i, o, eff)
    # Each step must at least stream the weights the whole batch touches (tensor-parallel figure: a
    # pipeline reports one micro-batch's) and the batch's KV cache at full bandwidth, over all N GPUs.
    min_step_s = (tp.weight_bytes_read_per_step[0] + ev.kv_bytes_read_per_step[0]) / n / (
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


def test_linear_attention_state_is_not_replicated_with_the_kv_heads(catalog):
    # Qwen3.5-397B-A17B at TP8, fp8 KV, context I + O = 1500 tokens.
    #   Softmax layers: 15 full-attention layers x 2 (K, V) x 2 KV heads x 256 x 1 B = 15,360 B/token; 2 KV heads
    #   over 8 GPUs are replicated 8/2 = 4 times.
    #   Gated DeltaNet state: 45 layers x (64 x 128 x 128 + (2 x 16 x 128 + 64 x 128) x 3) x 4 B (float32)
    #   = 195,379,200 B; split by the 16 linear key heads, so not replicated at TP8.
    #   Per GPU: (1500 x 15,360 x 4 + 195,379,200) / 8 = 35,942,400 B (was 108,364,800 with the state x 4).
    arch = fixture_arch("qwen3.5-397b-a17b")
    idx = np.zeros(1, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "fp8")], idx)
    g = stack([gpu_features(catalog.gpu("h200-sxm"), "fp8")], idx)
    ev = evaluate(m, g, 8.0, np.array([1.0]), 1000.0, 500.0, 0.0, fixed_efficiency())
    assert_allclose(ev.kv_cache_gb_per_sequence_per_gpu[0], 35_942_400 / 1e9, rtol=1e-9)


def test_dp_attention_keeps_the_attention_weights_whole_on_every_gpu(catalog):
    # DeepSeek-V3 (MLA, served with data-parallel attention) on 8 GPUs at fp8.
    #   Attention per layer: q 7168x1536 + 1536x128x192 + 1536 = 48,760,320; kv 7168x576 + 512x128x256 + 512
    #   = 20,906,496; o 128x128x7168 = 117,440,512; x 61 layers = 11,413,547,008 parameters = bytes at fp8.
    #   All weights: 672,879,762,432 B (embedding and head at 2 B). Per GPU: everything but attention split
    #   8 ways, attention whole: (672,879,762,432 - 11,413,547,008) / 8 + 11,413,547,008 = 94,096,823,936 B
    #   (84.11 GB when attention was divided too).
    arch = fixture_arch("deepseek-v3")
    ev = _eval(arch, catalog.gpu("h200-sxm"), "fp8", 8, 1, 1000, 1000, fixed_efficiency(), layout=LAYOUT_EP)
    assert_allclose(ev.weights_gb_per_gpu[0], 94.096823936, rtol=1e-9)
    # Its latent cache is split by sequence: 61 x 576 x 2 B (bf16 KV) x 2000 tokens / 8 GPUs = 17,568,000 B.
    assert_allclose(ev.kv_cache_gb_per_sequence_per_gpu[0], 61 * 576 * 2 * 2000 / 8 / 1e9, rtol=1e-9)
    # Under tensor parallelism the weights split 8 ways (672,879,762,432 / 8 B) and the one shared latent is
    # copied to every GPU (61 x 576 x 2 B x 2000 tokens = 140,544,000 B per GPU).
    tp = _eval(arch, catalog.gpu("h200-sxm"), "fp8", 8, 1, 1000, 1000, fixed_efficiency(), layout=LAYOUT_TP)
    assert_allclose(tp.weights_gb_per_gpu[0], 672_879_762_432 / 8 / 1e9, rtol=1e-9)
    assert_allclose(tp.kv_cache_gb_per_sequence_per_gpu[0], 140_544_000 / 1e9, rtol=1e-9)
    # Every GPU also reads its whole attention weights each step: at batch 1 at least 11.41 GB per GPU.
    min_read_s = 11_413_547_008 / (catalog.gpu("h200-sxm").memory_bandwidth_gb_per_s * 1e9 * 0.8)
    assert ev.decode_step_s[0] > min_read_s


def test_chunked_prefill_does_not_inflate_the_experts_each_step_reads(catalog):
    # gpt-oss-120b, 1 x H100, fp8, I = 2000, O = 200, concurrency 1. Prompts arrive at P = B I / O = 10 tokens
    # per step; a chunk step carries a whole prompt, C = min(8192, max(2000, 10)) = 2000 tokens, so a fraction
    # f = 10 / 2000 = 0.005 of steps carry one (eq. 1 of calculator.pipeline): each of memory, compute,
    # communication and overhead is x_decode + 0.005 (x_chunk - x_decode), then the roofline.
    # Spreading 10 prompt tokens over every step made each step route 11 tokens (about 11 x 4 of 128 experts
    # per layer instead of 4): TPOT was 3.0 x the decode step.
    arch = fixture_arch("gpt-oss-120b")
    eff = fixed_efficiency()
    h100 = catalog.gpu("h100-sxm")
    ev = _eval(arch, h100, "fp8", 1, 1, 2000, 200, eff)
    idx = np.zeros(1, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "bf16")], idx)
    g = stack([gpu_features(h100, "fp8")], idx)
    kv_read = float(ev.kv_bytes_read_per_step[0])
    attn_decode = float(throughput.decode_attention_flops(2100.0, m.attn_decode_full, m.attn_decode_local,
                                                          m.window_tokens, m.attn_linear)[0])
    attn_prompt = float(throughput.prefill_attention_flops(2000.0, m.attn_prefill_full, m.attn_prefill_local,
                                                           m.window_tokens, m.attn_linear)[0])
    decode = forward_step(m, g, eff, 1.0, False, StepWork(1.0, 1.0, kv_read, attn_decode))
    chunk = forward_step(m, g, eff, 1.0, False, StepWork(1.0 + 2000.0, 1.0, kv_read, attn_decode + attn_prompt))

    def mix(part):
        d, c = float(getattr(decode, part)[0]), float(getattr(chunk, part)[0])
        return d + 0.005 * (c - d)

    expected = max(mix("memory_s"), mix("compute_s")) + mix("communication_s") + mix("overhead_s")
    assert_allclose(ev.mixed_step_s[0], expected, rtol=1e-9)
    assert_allclose(ev.decode_step_s[0], float(decode.total_s[0]), rtol=1e-12)
    assert ev.mixed_step_s[0] < 1.25 * ev.decode_step_s[0]
    # Experts touched by the decode step at batch 1 are exactly k = 4 (of 128), not 11 tokens' worth.
    assert_allclose(ev.experts_touched_per_layer[0], 4.0, rtol=1e-12)
    # The request's own prompt is prefilled before its first token: at concurrency 1 its TPOT is the decode step
    # (eq. 2, f_others = (B - 1) I / (O C) = 0).
    assert_allclose(ev.tpot_s[0], ev.decode_step_s[0], rtol=1e-12)


def test_self_hosted_input_is_priced_when_the_step_is_memory_bound(catalog):
    # DeepSeek-V3 on 8 x H200 at concurrency 1: memory/overhead-bound decode. The request's cost is split by the
    # time each phase takes alone (calculator.cost, eq. 2-3):
    #   s_in = t_prefill / (t_prefill + O t_decode / B);  c_in = C_req s_in / I;  c_out = C_req (1 - s_in) / O
    # with C_req = 8 GPUs x $3/h / 3600 x O / X (X output tokens/s). Input was $0.00 per 1M with the marginal split.
    est = estimate(fixture_arch("deepseek-v3"), catalog.gpu("h200-sxm"), RequestShape(1000, 1000), fixed_efficiency(),
                   precision="fp8", num_gpus=8, concurrency=1, usd_per_gpu_hour=3.0)
    assert est.bound in ("memory", "overhead")
    s_in = est.prefill_ms / (est.prefill_ms + 1000 * est.decode_step_ms / 1)
    c_req = 8 * 3.0 / 3600 * 1000 / est.output_tokens_per_s
    assert_allclose(est.usd_per_million_input_tokens, c_req * s_in / 1000 * 1e6, rtol=1e-9)
    assert_allclose(est.usd_per_million_output_tokens, c_req * (1 - s_in) / 1000 * 1e6, rtol=1e-9)
    assert est.usd_per_million_input_tokens > 0.01


@settings(max_examples=40, deadline=None)
@given(
    model=st.sampled_from(["llama-3.1-70b", "deepseek-v3", "gpt-oss-120b"]),
    b=st.integers(1, 1024),
    k=st.integers(1, 4),
    acceptance=st.floats(0.0, 1.0),
)
def test_speculation_never_beats_the_bandwidth_roofline_per_accepted_token(catalog, model, b, k, acceptance):
    # A step emits a = 1 + acceptance x k tokens per sequence; it must still stream the weights its tokens touch
    # and the batch's KV cache at full bandwidth, so output <= B a / t_min.
    arch = fixture_arch(model)
    g = catalog.gpu("h200-sxm")
    eff = fixed_efficiency(bandwidth_efficiency_frac=1.0, flops_efficiency_frac=1.0)
    a = 1.0 + acceptance * k
    idx = np.zeros(1, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "fp8")], idx)
    gf = stack([gpu_features(g, "fp8")], idx)
    ev = evaluate(m, gf, 8.0, np.array([float(b)]), 2000.0, 500.0, 0.0, eff, accepted_tokens_per_step=a,
                  num_draft_tokens=float(k))
    min_step_s = (ev.weight_bytes_read_per_step[0] + ev.kv_bytes_read_per_step[0]) / 8 / (
        g.memory_bandwidth_gb_per_s * 1e9)
    assert ev.output_tokens_per_s[0] <= b * a / min_step_s * (1 + 1e-12)


def test_speculation_gains_most_at_small_batch(catalog):
    # DeepSeek-V3 with its MTP module (a = 1.85 tokens per step, k = 1) on 8 x H200, expert parallel: at batch 1
    # the step is memory-bound and the extra verified token is nearly free; at batch 2048 the step is
    # compute-bound and verifying 2 tokens per sequence costs almost twice the compute.
    arch = fixture_arch("deepseek-v3")
    g = catalog.gpu("h200-sxm")
    idx = np.zeros(2, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "fp8")], idx)
    gf = stack([gpu_features(g, "fp8")], idx)
    batch = np.array([1.0, 2048.0])
    args = (m, gf, 8.0, batch, 1000.0, 1000.0, 0.0, fixed_efficiency())
    off = evaluate(*args, layout=LAYOUT_EP)
    on = evaluate(*args, layout=LAYOUT_EP, accepted_tokens_per_step=1.85, num_draft_tokens=1.0)
    gain = on.output_tokens_per_s / off.output_tokens_per_s
    assert 1.6 < gain[0] < 1.85
    assert gain[1] < gain[0] - 0.3


def test_prefix_cache_skips_the_cached_prefill(catalog):
    # Half of a 4000-token prompt cached: 2000 tokens are prefilled, attending to the whole 4000-token prompt,
    # so the prefill lies between that of a 2000-token and of a 4000-token prompt without cache.
    arch = fixture_arch("llama-3.1-70b")
    g = catalog.gpu("h100-sxm")
    eff = fixed_efficiency()
    cached = _eval(arch, g, "fp8", 2, 16, 4000, 200, eff, cached=0.5)
    full = _eval(arch, g, "fp8", 2, 16, 4000, 200, eff)
    short = _eval(arch, g, "fp8", 2, 16, 2000, 200, eff)
    assert short.prefill_s[0] < cached.prefill_s[0] < full.prefill_s[0]
    assert cached.output_tokens_per_s[0] > full.output_tokens_per_s[0]
    # Attention of the cached case: pairs 4000^2/2 - 2000^2/2 = 6,000,000 vs 2,000,000 for the short prompt.
    coef = 4 * 64 * 128 * 80  # GQA: 4 h d_h per pair and layer
    extra_flops = (6_000_000 - 2_000_000) * coef
    assert_allclose(cached.prefill_s[0] - short.prefill_s[0],
                    extra_flops / 2 / (g.fp8_dense_tflops * 1e12 * 0.5), rtol=1e-6)


def test_pipeline_parallel_llama_405b_on_two_h100_nodes(catalog):
    arch = catalog.model("llama-3.1-405b").architecture
    h100 = catalog.gpu("h100-sxm")
    eff = fixed_efficiency()
    ev = _eval(arch, h100, "bf16", 16, [1, 64], 1000, 200, eff, layout=LAYOUT_PP)
    counts = param_counts(arch)
    # 16 GPUs in 8-GPU NVLink domains -> 2 stages of TP8 (63 of the 126 layers each).
    assert_allclose(ev.pipeline_stages, [2.0, 2.0])
    # Weights read per round (every stage once per micro-batch): W = (total - embedding) x 2 B, over t = 8.
    # KV: 126 layers x 8 KV heads x 128 x 2 x 2 B = 516,096 B/token at context 1,100; 8 heads over TP8: no
    # replication. K = B x 1,100 x 516,096 B.
    w = (counts.total - counts.embedding) * 2
    kv = 1100 * 516_096
    bw = h100.memory_bandwidth_gb_per_s * 1e9 * 0.8
    link = h100.interconnect_gb_per_s * 1e9

    def all_reduce(tokens: float) -> float:  # TP8 ring all-reduce inside the node, 2 per layer, all 126 layers
        return 2 * 126 * (5e-6 + 2 * 7 / 8 * tokens * 16384 * 2 / link)

    def send(tokens: float) -> float:  # one stage boundary over the 50 GB/s NIC
        return 5e-6 + tokens * 16384 * 2 / 50e9

    # B = 1: one micro-batch, the stages run in turn (the bubble): (W + K)/8, 2 fixed overheads of 2 ms.
    b1 = (w + kv) / 8 / bw + all_reduce(1) + send(1) + 2 * 0.002
    # B = 64: 2 micro-batches of 32; each stage re-reads its weights per micro-batch -> W/8 + K/(2 x 8),
    # still memory-bound (64 x 2 x 405e9 / 16 / (989e12 x 0.5) ~ 6.6 ms of compute vs ~38 ms).
    b64 = (w + 64 * kv / 2) / 8 / bw + all_reduce(32) + send(32) + 2 * 0.002
    assert_allclose(ev.decode_step_s, [b1, b64], rtol=1e-9)
    # Against flat TP16 over InfiniBand at B = 64, the pipeline avoids 252 all-reduces over the 50 GB/s NIC.
    flat = _eval(arch, h100, "bf16", 16, 64, 1000, 200, eff)
    assert ev.output_tokens_per_s[1] > 1.3 * flat.output_tokens_per_s[0]
    # KV heads are not replicated across stages: twice the sequences fit (8 heads over TP16 replicate x2).
    assert ev.max_concurrency[0] > 1.9 * flat.max_concurrency[0]


def test_disaggregated_pools_llama_70b_on_2_plus_2_h100(catalog):
    arch = catalog.model("llama-3.1-70b").architecture
    h100 = catalog.gpu("h100-sxm")
    eff = fixed_efficiency()
    idx = np.zeros(2, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "fp8")], idx)
    g = stack([gpu_features(h100, "fp8")], idx)
    b = np.array([8.0, 64.0])
    ev = evaluate_disaggregated(m, g, 2.0, 2.0, b, 2000.0, 200.0, 2.0, eff)
    colocated = evaluate(m, g, 2.0, b, 2000.0, 200.0, 2.0, eff)
    # The decode pool runs decode-only steps: TPOT is the plain decode step, no prompt chunks in it.
    assert_allclose(ev.tpot_s, colocated.decode_step_s, rtol=1e-12)
    assert (ev.tpot_s < colocated.tpot_s).all()
    # Prefill pool (TP2) capacity: steps of C = 8,192 tokens = 4.096 prompts of 2,000:
    #   matmul 2 x 69,503,033,344 x 8,192 = 1.13873730e15 FLOP; attention 4.096 x 80 x 4 x 64 x 128 x 2000^2/2
    #   = 2.14748365e13; over 2 GPUs at 1,979 TFLOP/s x 0.5 -> 0.586261 s (compute-bound: weights ~13 ms).
    #   all-reduce 2 x 80 x (5e-6 + 2 x 1/2 x 8192 x 8192 x 2 B / 450e9) = 0.0485221 s; overhead 0.002 s.
    #   mu = 4.096 / 0.636783 = 6.43232 requests/s.
    flops = 2 * 69_503_033_344 * 8192 + 4.096 * 80 * 4 * 64 * 128 * 2000**2 / 2
    t_batch = flops / 2 / (1979e12 * 0.5) + 2 * 80 * (5e-6 + 8192 * 8192 * 2 / 450e9) + 0.002
    mu = 4.096 / t_batch
    assert_allclose(mu, 6.43232, rtol=1e-5)
    # B = 8: the decode pool asks for 8 / t_decode / 200 requests/s (< mu), all served.
    # B = 64: it asks for more than mu: the prefill pool caps the deployment at mu x 200 tokens/s.
    demand = b / colocated.decode_step_s / 200
    assert demand[0] < mu < demand[1]
    assert_allclose(ev.requests_per_s, [demand[0], mu], rtol=1e-9)
    assert_allclose(ev.output_tokens_per_s_per_gpu, [demand[0] * 200 / 4, mu * 200 / 4], rtol=1e-9)
    # TTFT at B = 8: lone prefill on the prefill pool + M/M/1 wait rho/(1-rho) S + KV transfer of the prompt's
    # cache, 2,000 x 163,840 B (fp8) / 2 GPUs over each GPU's 50 GB/s NIC: 5e-6 + 3.2768e-3 s.
    rho = demand[0] / mu
    s = colocated.prefill_s[0]
    assert_allclose(ev.ttft_s[0], s + rho / (1 - rho) * s + 5e-6 + 2000 * 163_840 / 2 / 50e9, rtol=1e-9)
    # Cost: all 4 GPUs at 2 $/h over the served requests; the prefill pool's half billed to input.
    usd_per_request = 4 * 2.0 / 3600 / ev.requests_per_s
    assert_allclose(ev.usd_per_million_tokens, usd_per_request / 2200 * 1e6, rtol=1e-9)
    assert_allclose(ev.usd_per_million_input_tokens, usd_per_request / 2 / 2000 * 1e6, rtol=1e-9)


def test_decode_only_pool_has_no_prompt_chunks(catalog):
    # The decode pool of a disaggregated deployment measured alone (prefill unlimited): every step is a decode
    # step, so TPOT = the decode step and output = B / t_decode (here B = 32: 32 / t_decode tokens/s).
    arch = catalog.model("llama-3.1-70b").architecture
    h100 = catalog.gpu("h100-sxm")
    eff = fixed_efficiency()
    wl = RequestShape(2000, 200)
    alone = estimate(arch, h100, wl, eff, precision="fp8", num_gpus=2, concurrency=32, layout="tp", decode_only=True)
    mixed = estimate(arch, h100, wl, eff, precision="fp8", num_gpus=2, concurrency=32, layout="tp")
    assert alone.tpot_ms == pytest.approx(alone.decode_step_ms, rel=1e-12)
    assert alone.output_tokens_per_s == pytest.approx(32 / (alone.decode_step_ms / 1000), rel=1e-12)
    assert alone.decode_step_ms == pytest.approx(mixed.decode_step_ms, rel=1e-12)
    assert mixed.tpot_ms > alone.tpot_ms  # colocated steps also carry the other requests' prompt chunks


def test_batch_cap_holds_per_dp_attention_rank(catalog):
    # DeepSeek-V3 at fp8 on 8 H200 (141 GB), bf16 KV, 1000 + 1000 tokens, cap 8 sequences per DP-attention rank
    # and 6 for a tensor-parallel scheduler (fitted apart: pipeline.batch_cap).
    # EP8 with DP attention: 8 schedulers, so the cap is 8 x 8 = 64; memory holds far more: (141 x 0.9 - 94.10) GB
    # / (61 x 576 x 2 B x 2000 / 8 = 17.6 MB) = about 1,865. Tensor parallel: one scheduler, cap 6 (memory: about
    # 300 sequences of 140.5 MB in 126.9 - 84.1 GB).
    arch = fixture_arch("deepseek-v3")
    eff = fixed_efficiency(max_batch_size=6, max_batch_size_per_rank=8)
    ep = _eval(arch, catalog.gpu("h200-sxm"), "fp8", 8, 1, 1000, 1000, eff, layout=LAYOUT_EP)
    tp = _eval(arch, catalog.gpu("h200-sxm"), "fp8", 8, 1, 1000, 1000, eff, layout=LAYOUT_TP)
    assert ep.max_concurrency[0] == 64
    assert tp.max_concurrency[0] == 6


def test_random_arrivals_keep_free_slots_per_scheduler(catalog):
    # Same deployments, cap 64 per DP-attention rank: EP8 has 8 x 64 = 512 slots (memory holds more); tensor
    # parallel, memory holds 304 sequences (the cap of 512 does not bind). Closed loop: the concurrency may fill
    # the slots. Open loop: each scheduler carries the Erlang-C load at 1 % waiting (calculator.queueing): TP one
    # scheduler of 304 slots, L*(304) = 264.19 (87 %); EP8 eight ranks of 64 slots with 1/8 of the arrivals each,
    # 8 x L*(64) = 8 x 46.598 = 372.8 (73 %), less than one scheduler of 512 would carry (L*(512) = 459.9).
    arch = fixture_arch("deepseek-v3")
    eff = fixed_efficiency(max_batch_size=512, max_batch_size_per_rank=64)
    gpu = catalog.gpu("h200-sxm")
    b = np.array([260.0, 400.0, 500.0])
    closed_ep = _eval(arch, gpu, "fp8", 8, b, 1000, 1000, eff, layout=LAYOUT_EP)
    idx = np.zeros(3, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "bf16")], idx)
    g = stack([gpu_features(gpu, "fp8")], idx)
    open_ep = evaluate(m, g, 8.0, b, 1000.0, 1000.0, 0.0, eff, LAYOUT_EP, open_loop=1.0)
    open_tp = evaluate(m, g, 8.0, b, 1000.0, 1000.0, 0.0, eff, LAYOUT_TP, open_loop=1.0)
    assert closed_ep.max_mean_concurrency[0] == closed_ep.max_concurrency[0] == 512
    assert closed_ep.concurrency_fits.tolist() == [True, True, True]
    assert open_ep.max_concurrency[0] == 512 and open_tp.max_concurrency[0] == 304
    assert_allclose(open_ep.max_mean_concurrency[0], 8 * 46.598, rtol=1e-4)
    assert_allclose(open_tp.max_mean_concurrency[0], 264.19, atol=0.01)
    assert open_ep.concurrency_fits.tolist() == [True, False, False]
    assert open_tp.concurrency_fits.tolist() == [True, False, False]
    # The step itself does not depend on how the sequences arrived.
    assert_allclose(open_ep.output_tokens_per_s, closed_ep.output_tokens_per_s, rtol=1e-12)


def test_a_served_stream_is_sized_below_the_slots_a_benchmark_fills(catalog):
    # Llama 3.1 70B bf16 on 4 H100, 1000 + 1000 tokens, engine cap 4,096 (memory binds): with no concurrency
    # given, estimate sizes a served stream (open loop) and stays under the slots' Erlang-C mean; a fixed
    # concurrency at the memory limit (a benchmark's closed loop) fits.
    eff = fixed_efficiency(max_batch_size=4096)
    wl = RequestShape(input_tokens=1000, output_tokens=1000)
    served = estimate(fixture_arch("llama-3.1-70b"), catalog.gpu("h100-sxm"), wl, eff, precision="bf16",
                      num_gpus=4, layout="tp")
    slots = served.max_concurrency
    assert served.open_loop and 1 <= served.concurrency <= served.max_mean_concurrency < slots
    bench = estimate(fixture_arch("llama-3.1-70b"), catalog.gpu("h100-sxm"), wl, eff, precision="bf16",
                     num_gpus=4, layout="tp", concurrency=slots)
    assert not bench.open_loop and bench.fits and bench.max_mean_concurrency == slots
    forced = estimate(fixture_arch("llama-3.1-70b"), catalog.gpu("h100-sxm"), wl, eff, precision="bf16",
                      num_gpus=4, layout="tp", concurrency=slots, open_loop=True)
    assert not forced.fits and "arrive at random" in forced.message


def test_a_lone_prompt_under_dp_attention_runs_its_non_expert_layers_on_one_rank(catalog):
    # DeepSeek-V3 fp8 on 8 H200 with DP attention + EP8, one 4,000-token prompt (attention FLOPs left out). The
    # routed experts' FLOPs are spread over the 8 GPUs (2 T P_routed x imbalance / 8); the rest of the matmuls
    # (attention projections, shared expert, dense layers, head: P_other = P_matmul - P_routed) run on the one
    # rank that holds the sequence, 2 T P_other in full, not / 8 (FLOP_gpu of forward_step). The same tokens
    # spread evenly over the ranks (num_rank_tokens None) cost 2 T P_other / 8 there.
    m, g = _fp8_features(catalog, "deepseek-v3", "h200-sxm")
    eff = fixed_efficiency()
    t = 4000.0
    lone = StepWork(t, 1.0, 0.0, 0.0, num_rank_tokens=t, rank_attention_flops=0.0)
    one_rank = forward_step(m, g, eff, 8.0, True, lone)
    spread = forward_step(m, g, eff, 8.0, True, StepWork(t, 1.0, 0.0, 0.0))
    routed = 2 * t * m.routed_matmul_params * moe.expert_load_imbalance(t, m.experts_per_token, 8.0)
    other = 2 * t * (m.matmul_params - m.routed_matmul_params)
    rate = 1979e12 * eff.flops_efficiency_frac  # H200 dense FP8 peak [FLOP/s]
    assert_allclose(one_rank.compute_s, (routed / 8 + other) / rate, rtol=1e-12)
    assert_allclose(spread.compute_s, (routed + other) / 8 / rate, rtol=1e-12)
    # Under tensor parallelism the one rank is the whole deployment: both are split 8 ways.
    tp = forward_step(m, g, eff, 8.0, False, StepWork(t, 1.0, 0.0, 0.0, num_rank_tokens=t, rank_attention_flops=0.0))
    assert_allclose(tp.compute_s, 2 * t * m.matmul_params / 8 / rate, rtol=1e-12)


def test_chunk_steps_under_dp_attention_carry_a_prompt_when_any_rank_prefills(catalog):
    # DeepSeek-V3 fp8, EP8 on 8 H200, B = 64, I = 2000, O = 1000. The deployment prefills P = 64 x 2000 / 1000
    # = 128 tokens per step, P_r = 16 per rank, in chunks of C_r = min(8192, max(2000, 16)) = 2000: each rank
    # carries a chunk in f_r = 0.008 of its steps, so a step carries one with f = 1 - 0.992^8 = 0.062236
    # (eq. 1b of calculator.pipeline), holding P / f = 2,056.7 prompt tokens, 2,000 of them on its busiest rank.
    arch = fixture_arch("deepseek-v3")
    eff = fixed_efficiency()
    h200 = catalog.gpu("h200-sxm")
    ev = _eval(arch, h200, "fp8", 8, 64, 2000, 1000, eff, layout=LAYOUT_EP)
    idx = np.zeros(1, dtype=np.int64)
    m = stack([model_features(arch, "fp8", "bf16")], idx)
    g = stack([gpu_features(h200, "fp8")], idx)
    kv_read = float(ev.kv_bytes_read_per_step[0])
    attn_decode = 64 * float(throughput.decode_attention_flops(2500.0, m.attn_decode_full, m.attn_decode_local,
                                                               m.window_tokens, m.attn_linear)[0])
    attn_prompt = float(throughput.prefill_attention_flops(2000.0, m.attn_prefill_full, m.attn_prefill_local,
                                                           m.window_tokens, m.attn_linear)[0])
    f = 1.0 - 0.992 ** 8
    assert_allclose(f, 0.062236, rtol=1e-4)
    chunk_tokens = 128.0 / f
    decode = overlapped_step(m, g, eff, 8.0, True, StepWork(64.0, 64.0, kv_read, attn_decode))
    chunk = overlapped_step(m, g, eff, 8.0, True, StepWork(
        64.0 + chunk_tokens, 64.0, kv_read, attn_decode + chunk_tokens / 2000.0 * attn_prompt,
        num_rank_tokens=8.0 + 2000.0, rank_attention_flops=attn_decode / 8 + attn_prompt))

    def mix(part):
        d, c = float(getattr(decode, part)[0]), float(getattr(chunk, part)[0])
        return d + f * (c - d)

    expected = max(mix("memory_s"), mix("compute_s")) + mix("communication_s") + mix("overhead_s")
    assert_allclose(ev.mixed_step_s[0], expected, rtol=1e-9)
    # Spread over the ranks, as one tensor-parallel scheduler would (f = 128 / 2000 = 0.064 of steps, each with a
    # 2,000-token chunk split 8 ways), the same prompts would cost the deployment less time per step.
    spread = overlapped_step(m, g, eff, 8.0, True, StepWork(2064.0, 64.0, kv_read,
                                                            attn_decode + attn_prompt))
    d, c = decode, spread
    spread_step = (max(float(d.memory_s[0]) + 0.064 * float(c.memory_s[0] - d.memory_s[0]),
                       float(d.compute_s[0]) + 0.064 * float(c.compute_s[0] - d.compute_s[0]))
                   + float(d.communication_s[0]) + 0.064 * float(c.communication_s[0] - d.communication_s[0])
                   + float(d.overhead_s[0]) + 0.064 * float(c.overhead_s[0] - d.overhead_s[0]))
    assert ev.mixed_step_s[0] > spread_step


def test_sequence_overhead_is_paid_by_the_scheduler_that_runs_the_sequence(catalog):
    # 20 sequences, 2 ms per step, nothing per layer. Tensor parallel over 8 GPUs: one scheduler runs all 20 at
    # 0.1 ms each: 2 + 20 x 0.1 = 4.0 ms. EP8 with DP attention: each of the 8 ranks runs 20 / 8 = 2.5 sequences
    # at its own 0.4 ms each, in parallel with the others: 2 + 2.5 x 0.4 = 3.0 ms. Doubling the GPUs to 16 halves
    # the ranks' share (2 + 1.25 x 0.4 = 2.5 ms) and leaves tensor parallelism's at 4.0 ms.
    arch = fixture_arch("deepseek-v3")
    m = model_features(arch, "fp8", "bf16")
    g = gpu_features(catalog.gpu("h200-sxm"), "fp8")
    eff = fixed_efficiency(sequence_overhead_s=1e-4, dp_rank_sequence_overhead_s=4e-4)
    work = StepWork(20.0, 20.0, 0.0, 0.0)
    assert_allclose(forward_step(m, g, eff, 8.0, False, work).overhead_s, 0.0040, rtol=1e-12)
    assert_allclose(forward_step(m, g, eff, 8.0, True, work).overhead_s, 0.0030, rtol=1e-12)
    assert_allclose(forward_step(m, g, eff, 16.0, True, work).overhead_s, 0.0025, rtol=1e-12)
    assert_allclose(forward_step(m, g, eff, 16.0, False, work).overhead_s, 0.0040, rtol=1e-12)


def test_two_batch_overlap_by_hand():
    # Half step: memory 1 ms, compute 2 ms, all-to-all 3 ms, overhead 0.5 ms (of which the fixed 0.2 ms per step).
    # Two micro-batches on the compute stream: max(2, 4) + (2 x 0.5 - 0.2) = 4.8 ms busy; the network carries
    # 2 x 3 = 6 ms, of which 6 - 4.8 = 1.2 ms is exposed: step 6.0 ms = max(4.8, 6). With a 1 ms all-to-all
    # the network hides entirely: step 4.8 ms.
    eff = fixed_efficiency(step_overhead_s=0.0002)
    half = StepTime(experts_touched_per_layer=1.0, weight_bytes_read=1.0, memory_s=0.001, compute_s=0.002,
                    communication_s=0.003, overhead_s=0.0005)
    tbo = two_batch_overlap(half, eff)
    assert_allclose([tbo.memory_s, tbo.compute_s, tbo.overhead_s, tbo.communication_s],
                    [0.002, 0.004, 0.0008, 0.0012], rtol=1e-12)
    assert_allclose(tbo.total_s, 0.006, rtol=1e-12)
    hidden = two_batch_overlap(StepTime(1.0, 1.0, 0.001, 0.002, 0.001, 0.0005), eff)
    assert_allclose(hidden.total_s, 0.0048, rtol=1e-12)


def test_wide_ep_decode_overlaps_its_all_to_all_at_large_batch_only(catalog):
    # DeepSeek-V3, fp8, 72 H100 (8 per NVLink domain, 50 GB/s per GPU scale-out), EP72 with DP attention.
    # 256 sequences per GPU: each micro-batch of 128 per GPU sends 128 x 8 experts x 7168 x 2 B = 14,680,064 B
    # per GPU each way, 64/72 of it over the NIC: 14,680,064 x 64/72 / 50e9 = 260.98 us (the 7/72 over NVLink at
    # 450 GB/s, 3.2 us, runs alongside); with 5 us latency, 58 MoE layers, dispatch + combine:
    # 2 x 58 x (5 + 260.98) us = 30.85 ms per micro-batch, 61.7 ms for the two. The step is max(busy, 61.7 ms),
    # shorter than the plain step's busy + 2 x 30.85 ms, so the engine overlaps. At 2 sequences per GPU the
    # micro-batches would read the expert weights twice: the plain step is kept.
    m, g = _fp8_features(catalog, "deepseek-v3", "h100-sxm")
    eff = fixed_efficiency()
    n = 72.0
    half = forward_step(m, g, eff, n, True, StepWork(128 * n, 128 * n, 0.0, 0.0))
    assert_allclose(half.communication_s, 2 * 58 * (5e-6 + 14_680_064 * 64 / 72 / 50e9), rtol=1e-9)
    big = overlapped_step(m, g, eff, n, True, StepWork(256 * n, 256 * n, 0.0, 0.0))
    whole = forward_step(m, g, eff, n, True, StepWork(256 * n, 256 * n, 0.0, 0.0))
    busy = 2 * max(half.memory_s, half.compute_s) + 2 * half.overhead_s - eff.step_overhead_s
    assert_allclose(big.total_s, max(busy, 2 * half.communication_s), rtol=1e-9)
    assert big.total_s < whole.total_s
    small = overlapped_step(m, g, eff, n, True, StepWork(2 * n, 2 * n, 0.0, 0.0))
    plain = forward_step(m, g, eff, n, True, StepWork(2 * n, 2 * n, 0.0, 0.0))
    assert_allclose(small.total_s, plain.total_s, rtol=1e-12)
    # Tensor parallel has no all-to-all to hide: always the plain step.
    tp = overlapped_step(m, g, eff, 8.0, False, StepWork(2048.0, 2048.0, 0.0, 0.0))
    plain_tp = forward_step(m, g, eff, 8.0, False, StepWork(2048.0, 2048.0, 0.0, 0.0))
    assert_allclose(tp.total_s, plain_tp.total_s, rtol=1e-12)


def test_mxfp4_weights_with_fp8_activations_run_at_the_fp8_rate_on_fp4_tensor_cores(catalog):
    # gpt-oss ships OCP MXFP4 experts that engines run W4A8 (fp4_activation_precision fp8, parsed from
    # quant_method mxfp4): on B200 a 10,000-token prompt chunk (attention FLOPs left out) computes at the dense FP8
    # peak, 4,500 TFLOP/s x eta_native 0.5 = 2,250 TFLOP/s. The same weights run W4A4 (an NVFP4 checkpoint) compute
    # at 9,000 x eta_fp4 0.3 = 2,700 TFLOP/s. Weight bytes are FP4 either way.
    w4a8 = fixture_arch("gpt-oss-120b")
    assert w4a8.fp4_activation_precision == "fp8"
    assert fixture_arch("deepseek-v3").fp4_activation_precision == "fp4"
    w4a4 = w4a8.model_copy(update={"fp4_activation_precision": "fp4"})
    g = gpu_features(catalog.gpu("b200"), "fp4")
    eff = fixed_efficiency()
    work = StepWork(10_000.0, 1.0, 0.0, 0.0)
    m8, m4 = model_features(w4a8, "fp4", "bf16"), model_features(w4a4, "fp4", "bf16")
    assert m8.weights_bytes == m4.weights_bytes and m8.fp8_activations == 1.0 and m4.fp8_activations == 0.0
    flops = 2 * m8.matmul_params * 10_000
    assert_allclose(forward_step(m8, g, eff, 1.0, False, work).compute_s, flops / (4500e12 * 0.5), rtol=1e-12)
    assert_allclose(forward_step(m4, g, eff, 1.0, False, work).compute_s, flops / (9000e12 * 0.3), rtol=1e-12)
    # Where FP4 weights are weight-only anyway (H100: W4A16 at BF16), the activation precision changes nothing.
    h100 = gpu_features(catalog.gpu("h100-sxm"), "fp4")
    assert_allclose(forward_step(m8, h100, eff, 1.0, False, work).compute_s,
                    forward_step(m4, h100, eff, 1.0, False, work).compute_s, rtol=1e-12)


def test_fp4_weights_on_hopper_are_weight_only_and_run_at_the_weight_only_efficiency(catalog):
    # H100 has no FP4 tensor cores: FP4 weights are dequantised to BF16 in the kernel (W4A16). A 10,000-token
    # prompt chunk of gpt-oss-120b is compute-bound, so its compute time is
    #   (2 x N_matmul x T + attention) / (989.5 TFLOP/s x eta_weight_only):
    # with eta_weight_only = 0.25 instead of the native 0.5 it must take twice as long.
    arch = fixture_arch("gpt-oss-120b")
    h100 = catalog.gpu("h100-sxm")
    g = gpu_features(h100, "fp4")
    assert g.weight_only == 1.0 and g.fp4_compute == 0.0 and g.peak_tflops == 989.5
    assert gpu_features(catalog.gpu("b200"), "fp4").weight_only == 0.0  # native FP4 on Blackwell
    assert gpu_features(h100, "fp8").weight_only == 0.0  # native FP8 on Hopper
    m = model_features(arch, "fp4", "bf16")

    def chunk_compute_s(eff):
        return forward_step(m, g, eff, 1.0, False, StepWork(10_000.0, 1.0, 0.0, 0.0)).compute_s

    slow = chunk_compute_s(fixed_efficiency(weight_only_flops_efficiency_frac=0.25))
    native = chunk_compute_s(fixed_efficiency(weight_only_flops_efficiency_frac=0.5))
    assert_allclose(slow, 2 * native, rtol=1e-12)
    # and by hand: 2 x matmul params x 10,000 tokens at 989.5e12 x 0.25 FLOP/s
    assert_allclose(slow, 2 * m.matmul_params * 10_000 / (989.5e12 * 0.25), rtol=1e-12)


def test_attention_never_runs_at_the_fp4_peak(catalog):
    # FP4 weights on B200 (9,000 dense FP4 TFLOP/s) with an FP8 cache: the matmuls run at FP4, attention at
    # FP8 (4,500 TFLOP/s). A step with attention FLOPs A and no tokens through the weights takes
    #   A / (4,500e12 x eta_flops)
    # not A / (9,000e12 x eta_fp4). With a BF16 cache attention runs at BF16 (2,250 TFLOP/s).
    b200 = catalog.gpu("b200")
    arch = fixture_arch("llama-3.1-70b")
    m = model_features(arch, "fp4", "fp8")
    eff = fixed_efficiency()
    attention = 1e15  # [FLOP]
    for kv, peak in (("fp8", 4500.0), ("bf16", 2250.0)):
        g = gpu_features(b200, "fp4", kv)
        assert g.peak_tflops == 9000.0 and g.attention_tflops == peak
        step = forward_step(m, g, eff, 1.0, False, StepWork(0.0, 1.0, 0.0, attention))
        assert_allclose(step.compute_s, attention / (peak * 1e12 * eff.flops_efficiency_frac), rtol=1e-12)
    # H100 with FP8 weights and an FP8 cache: attention at the FP8 peak, as the matmuls.
    assert gpu_features(catalog.gpu("h100-sxm"), "fp8", "fp8").attention_tflops == 1979.0


def test_routed_expert_weights_stream_at_their_own_bandwidth_efficiency(catalog):
    # Mixtral-8x7B at bf16 on one H100, a decode step of 64 tokens (every expert touched: 8 x (1 - (6/8)^64) ~ 8):
    # the step reads the non-routed weights R at eta_bw and the routed experts X at eta_expert, so
    #   t_mem = (R / eta_bw + X / eta_expert) / BW.
    # With eta_bw = 0.8 and eta_expert = 0.4 the expert part takes twice as long as at 0.8.
    arch = fixture_arch("mixtral-8x7b")
    h100 = catalog.gpu("h100-sxm")
    m = model_features(arch, "bf16", "bf16")
    g = gpu_features(h100, "bf16")
    same = forward_step(m, g, fixed_efficiency(), 1.0, False, StepWork(64.0, 64.0, 0.0, 0.0))
    slow = forward_step(m, g, fixed_efficiency(expert_bandwidth_efficiency_frac=0.4), 1.0, False,
                        StepWork(64.0, 64.0, 0.0, 0.0))
    routed = float(same.weight_bytes_read) - m.non_routed_read_bytes
    assert routed > 0.9 * m.num_moe_layers * m.num_experts * m.expert_bytes  # nearly all experts read
    bw = h100.memory_bandwidth_gb_per_s * 1e9
    assert_allclose(same.memory_s, float(same.weight_bytes_read) / (bw * 0.8), rtol=1e-12)
    assert_allclose(slow.memory_s, m.non_routed_read_bytes / (bw * 0.8) + routed / (bw * 0.4), rtol=1e-12)
