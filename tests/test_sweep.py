"""The vectorised sweep agrees with the single estimate and never emits NaN."""

from __future__ import annotations

import numpy as np
import pytest

from calculator.sizing import RequestShape, estimate
from calculator.sweep import best_per_deployment, sweep
from tests.conftest import fixed_efficiency


@pytest.fixture(scope="module")
def frame(catalog):
    models = [catalog.model(i) for i in ("llama-3.1-70b", "qwen3.5-397b-a17b", "gpt-oss-120b")]
    gpus = [catalog.gpu(i) for i in ("h100-sxm", "b200", "l4")]
    return sweep(models, gpus, ["bf16", "fp8"], 2000, 400, fixed_efficiency(), usd_per_gpu_hour=[2.0, 5.0, 0.7])


def test_shape_and_no_nan(frame):
    # models x gpus x precisions x counts x (24 grid + memory max) with tensor parallelism, plus expert
    # parallelism for the two MoE models on the 6 GPU counts of 2 or more, plus pipeline parallelism for
    # every model on the 3 counts beyond the 8-GPU scale-up domain of all three GPUs (16, 32, 64), plus
    # disaggregated pools: half the GPUs prefill for every model on the 6 counts of 2 or more, a quarter for
    # the two MoE models on the 5 counts of 4 or more.
    assert len(frame) == (3 * 3 * 2 * 7 * 25 + 2 * 3 * 2 * 6 * 25 + 3 * 3 * 2 * 3 * 25
                          + 3 * 3 * 2 * 6 * 25 + 2 * 3 * 2 * 5 * 25)
    split = frame[frame.layout == "disagg"]
    assert len(split) == 3 * 3 * 2 * 6 * 25 + 2 * 3 * 2 * 5 * 25
    assert set((split.num_prefill_gpus / split.num_gpus).round(3)) == {0.5, 0.25}
    assert (frame.loc[frame.layout != "disagg", "num_prefill_gpus"] == 0).all()
    piped = frame[(frame.pipeline_parallel > 1) & (frame.layout != "disagg")]
    assert len(piped) == 3 * 3 * 2 * 3 * 25
    assert (piped.layout == "tp").all()  # shown as tensor parallel inside each domain, pipelined across
    assert (piped.tensor_parallel == 8).all()
    assert (piped.tensor_parallel * piped.pipeline_parallel == piped.num_gpus).all()
    assert set(frame.loc[frame.layout == "ep", "model_id"]) == {"qwen3.5-397b-a17b", "gpt-oss-120b"}
    assert (frame.loc[frame.layout == "ep", "num_gpus"] >= 2).all()
    numeric = frame.select_dtypes("number")
    assert np.isfinite(numeric.to_numpy()).all()


def test_sweep_row_equals_single_estimate(catalog, frame):
    row = frame[(frame.model_id == "llama-3.1-70b") & (frame.gpu_id == "h100-sxm") & (frame.precision == "fp8")
                & (frame.num_gpus == 4) & (frame.concurrency == 64)].iloc[0]
    est = estimate(catalog.model("llama-3.1-70b").architecture, catalog.gpu("h100-sxm"), RequestShape(2000, 400),
                   fixed_efficiency(), precision="fp8", num_gpus=4, concurrency=64, usd_per_gpu_hour=2.0)
    assert row.tpot_ms == pytest.approx(est.tpot_ms, rel=1e-12)
    assert row.usd_per_million_tokens == pytest.approx(est.usd_per_million_tokens, rel=1e-12)
    assert row.max_concurrency == est.max_concurrency


def test_best_per_deployment_is_feasible_and_cheapest(frame):
    best = best_per_deployment(frame)
    assert best["fits"].all()
    one = best[(best.model_id == "llama-3.1-70b") & (best.gpu_id == "h100-sxm") & (best.precision == "fp8")]
    pool = frame[(frame.model_id == "llama-3.1-70b") & (frame.gpu_id == "h100-sxm") & (frame.precision == "fp8")
                 & frame.fits & frame.meets_limits]
    assert one.usd_per_million_tokens.iloc[0] == pool.usd_per_million_tokens.min()
    # Llama-3.1-70B in bf16 (141 GB of weights) fits on 24 GB L4s once there are 8 or more of them
    assert not best[(best.gpu_id == "l4") & (best.model_id == "llama-3.1-70b") & (best.precision == "bf16")].empty


def test_sweep_price_is_the_gpu_cost_over_the_tokens_served(frame):
    # Price arithmetic by hand, whatever the throughput: 4 H100 at $2.00/GPU-hour cost 4 x 2 / 3600 = $0.0022222/s;
    # a replica serving q requests/s of 2,000 + 400 tokens serves 2,400 q tokens/s, so
    # $/1M tokens = 0.0022222 / (2,400 q) x 1e6. One B200 at $5.00: 5 / 3600 / (2,400 q) x 1e6.
    for gpu_id, num_gpus, usd_per_gpu_hour in (("h100-sxm", 4, 2.0), ("b200", 1, 5.0)):
        row = frame[(frame.model_id == "llama-3.1-70b") & (frame.gpu_id == gpu_id) & (frame.precision == "fp8")
                    & (frame.num_gpus == num_gpus) & (frame.concurrency == 64)].iloc[0]
        usd_per_s = num_gpus * usd_per_gpu_hour / 3600
        assert row.usd_per_million_tokens == pytest.approx(usd_per_s / (2_400 * row.requests_per_s) * 1e6, rel=1e-9)


def test_sweep_decodes_with_the_same_speculation_as_estimate(catalog):
    # Pricing runs the sweep with the model's published MTP acceptance (DeepSeek-R1: 1 draft, 1.92 tokens per
    # step, data/speculative.yaml); a sweep row must equal the single estimate given the same speculation.
    model = catalog.model("deepseek-r1")
    spec = catalog.speculative_for("deepseek-r1")
    assert spec is not None and spec.accepted_tokens_per_step == 1.92
    gpu = catalog.gpu("b200")
    eff = fixed_efficiency()
    on = sweep([model], [gpu], ["fp4"], 1024, 2048, eff, gpu_counts=[8], concurrencies=[16],
               usd_per_gpu_hour=[3.0], speculation=[spec])
    off = sweep([model], [gpu], ["fp4"], 1024, 2048, eff, gpu_counts=[8], concurrencies=[16], usd_per_gpu_hour=[3.0])
    for layout in ("tp", "ep"):
        row = on[(on.layout == layout) & (on.concurrency == 16)].iloc[0]
        est = estimate(model.architecture, gpu, RequestShape(1024, 2048), eff, precision="fp4", num_gpus=8,
                       concurrency=16, usd_per_gpu_hour=3.0, layout=layout, speculation=spec)
        assert row.tpot_ms == pytest.approx(est.tpot_ms, rel=1e-12)
        assert row.usd_per_million_tokens == pytest.approx(est.usd_per_million_tokens, rel=1e-12)
        plain = off[(off.layout == layout) & (off.concurrency == 16)].iloc[0]
        # Memory-bound at 16 sequences: 1.92 tokens per weight read, less the draft pass and verify compute.
        assert 1.3 < plain.tpot_ms / row.tpot_ms < 1.92
