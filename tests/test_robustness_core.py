"""The core never returns NaN or infinity, whatever the inputs in their accepted ranges."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.sizing import RequestShape, estimate
from calculator.sweep import sweep

MODELS = ["llama-3.1-8b", "llama-3.1-405b", "deepseek-v3", "qwen3.5-397b-a17b", "gpt-oss-120b", "gemma-3-27b",
          "llama-4-maverick", "kimi-k2"]
GPUS = ["l4", "rtx-4090", "h100-sxm", "b200", "mi355x", "tpu-v5e", "a100-sxm-80gb"]


@settings(max_examples=300, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    gpu=st.sampled_from(GPUS),
    precision=st.sampled_from(["bf16", "fp8", "fp4", "int4"]),
    kv=st.sampled_from([None, "bf16", "fp8", "fp4"]),
    n=st.one_of(st.none(), st.sampled_from([1, 2, 8, 64, 4096])),
    i=st.integers(1, 10_000_000),
    o=st.integers(1, 1_000_000),
    conc=st.one_of(st.none(), st.integers(1, 1_000_000)),
    ttft=st.one_of(st.none(), st.floats(0.001, 1e9)),
    tpot=st.one_of(st.none(), st.floats(0.001, 1e9)),
    price=st.one_of(st.none(), st.floats(0.0, 1000.0)),
)
def test_estimate_is_always_finite(catalog, model, gpu, precision, kv, n, i, o, conc, ttft, tpot, price):
    est = estimate(catalog.model(model).architecture, catalog.gpu(gpu), RequestShape(i, o, ttft, tpot),
                   catalog.efficiency, precision=precision, kv_precision=kv, num_gpus=n, concurrency=conc,
                   usd_per_gpu_hour=price)
    for key, value in est.to_dict().items():
        if isinstance(value, float):
            assert math.isfinite(value), key
    assert est.message
    if not est.fits:
        assert est.message != "ok"


def test_sweep_with_extreme_contexts_and_free_gpus_is_finite(catalog):
    models = [catalog.model(m) for m in MODELS]
    gpus = [catalog.gpu(g) for g in GPUS]
    for i, o in ((1, 1), (10_000_000, 1), (1, 1_000_000)):
        df = sweep(models, gpus, ["bf16", "fp4"], i, o, catalog.efficiency, usd_per_gpu_hour=[0.0] * len(gpus))
        numeric = df.select_dtypes("number").to_numpy()
        assert math.isfinite(float(numeric.sum()))
