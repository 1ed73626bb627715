"""Sizing: one self-hosted option in depth (memory, throughput vs latency, MoE reads, prefill/decode)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import charts, common
from calculator import memory, moe
from calculator.catalog import Catalog
from calculator.pipeline import model_features
from calculator.sizing import SizingError, Workload, estimate
from calculator.sweep import CONCURRENCY_GRID, sweep
from calculator.units import default_kv_precision

GPU_COUNT_CHOICES = (0, 1, 2, 4, 8, 16, 32, 64)
BATCHES = np.unique(np.round(np.geomspace(1, 2048, 40))).astype(float)


@st.cache_data(show_spinner=False, max_entries=128)
def _size(model_id: str, gpu_id: str, precision: str, num_gpus: int, input_tokens: int, output_tokens: int,
          ttft_slo_ms: float | None, tpot_slo_ms: float | None, cat_key: str, _cat: Catalog) -> dict[str, Any]:
    model, gpu = _cat.model(model_id), _cat.gpu(gpu_id)
    eff = _cat.efficiency
    assert eff is not None
    wl = Workload(input_tokens, output_tokens, ttft_slo_ms, tpot_slo_ms)
    est = estimate(model.architecture, gpu, wl, eff, precision=precision, num_gpus=num_gpus or None)
    grid = [c for c in CONCURRENCY_GRID if c <= max(est.max_concurrency, 1)]
    curve = sweep([model], [gpu], [precision], input_tokens, output_tokens, eff, gpu_counts=[est.num_gpus],
                  concurrencies=grid, ttft_slo_ms=ttft_slo_ms, tpot_slo_ms=tpot_slo_ms)
    curve = curve[curve["fits"]].drop_duplicates("concurrency").sort_values("concurrency")
    out: dict[str, Any] = {"estimate": est.to_dict(), "curve": curve, "is_moe": model.architecture.is_moe,
                           "model_name": model.name, "gpu_name": gpu.name}
    if model.architecture.is_moe:
        f = model_features(model.architecture, precision, default_kv_precision(precision))
        touched = moe.experts_touched(f.num_experts, f.experts_per_token, BATCHES, eff.routing_skew)
        read = moe.weight_bytes_read(f.non_routed_read_bytes, f.num_moe_layers, f.expert_bytes, touched)
        dense = moe.weight_bytes_read(f.non_routed_read_bytes, f.num_moe_layers, f.expert_bytes, f.num_experts)
        out["moe"] = {"batch": BATCHES.tolist(), "touched": np.asarray(touched).tolist(),
                      "gb_read": np.asarray(memory.gb(read)).tolist(), "dense_gb_read": float(memory.gb(dense)),
                      "num_experts": int(f.num_experts), "experts_per_token": int(f.experts_per_token)}
    return out


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:{spec}}{unit}"


s = common.scenario()
cat = common.catalog()
st.title("Sizing: one deployment in depth")
st.caption("How many GPUs one copy of the model needs, where the memory goes, and how throughput trades "
           "against latency as more requests share the GPUs. Pick a candidate from the sidebar's lists.")

model_ids = list(s.model_ids) or [m.id for m in cat.models]
gpu_ids = list(s.gpu_ids) or [g.id for g in cat.gpus]
precisions = list(s.precisions) or ["bf16"]
names = {m.id: m.name for m in cat.models}
gpu_names = {g.id: g.name for g in cat.gpus}
c1, c2, c3, c4 = st.columns(4)
model_id = c1.selectbox("Model", model_ids, format_func=lambda i: names.get(i, i), key="sz_model",
                        help="One of the scenario's open models (sidebar).")
gpu_id = c2.selectbox("GPU", gpu_ids, format_func=lambda i: gpu_names.get(i, i), key="sz_gpu",
                      help="One of the scenario's GPU types (sidebar).")
precision = c3.selectbox("Weight precision", precisions, key="sz_prec",
                         help="Number format of the weights [bf16, fp8, fp4, int4].")
num_gpus = c4.selectbox("GPUs per replica", GPU_COUNT_CHOICES, key="sz_n",
                        format_func=lambda n: "fewest that fit" if n == 0 else str(n),
                        help="GPUs that hold one copy of the model (tensor parallel) [GPUs].")

w = s.workload
try:
    result = _size(model_id, gpu_id, precision, int(num_gpus), w.input_tokens, w.output_tokens,
                   w.ttft_slo_ms, w.tpot_slo_ms, common.catalog_key(), cat)
except (SizingError, ValueError) as exc:
    st.error(f"This deployment cannot be sized: {exc}")
    st.stop()

est = result["estimate"]
if est["message"] != "ok":
    st.warning(f"{result['model_name']} on {gpu_names.get(gpu_id, gpu_id)}: {est['message']}.")
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("GPUs per replica", f"{est['num_gpus']}", help="GPUs holding one copy of the model [GPUs].")
m2.metric("Concurrency", f"{est['concurrency']} of {est['max_concurrency']}",
          help="Sequences decoded together: the chosen one (most throughput within the limits) of the most "
               "that fit in memory [sequences].")
m3.metric("Time to first token", _fmt(est["ttft_ms"], ",.0f", " ms"),
          help="Prefill of one prompt plus waiting for the running step [ms].")
m4.metric("Time per output token", _fmt(est["tpot_ms"], ",.1f", " ms"),
          help="One decode step under load [ms]; 1000 / TPOT = tokens/s each user sees.")
m5.metric("Throughput per GPU", _fmt(est["output_tokens_per_s_per_gpu"], ",.0f", " tok/s"),
          help="Output tokens per second per GPU at the chosen concurrency [tokens/s].")
st.caption(f"Limited by **{est['bound']}**. Meets the latency limits: **{'yes' if est['meets_limits'] else 'no'}**. "
           f"KV cache: {_fmt(est['kv_cache_bytes_per_token'] / 1e3, ',.1f', ' kB')} per token of context.")

st.plotly_chart(charts.memory_breakdown(est["weights_gb_per_gpu"], est["kv_cache_gb_per_gpu"],
                                        est["reserve_gb_per_gpu"], est["memory_gb_per_gpu"],
                                        gpu_names.get(gpu_id, gpu_id)), width="stretch")
curve: pd.DataFrame = result["curve"]
if curve.empty:
    st.info("No concurrency fits in memory on this deployment, so there is no throughput curve.")
else:
    st.plotly_chart(charts.throughput_vs_latency(curve, w.tpot_slo_ms, w.ttft_slo_ms, est["concurrency"]),
                    width="stretch")
st.plotly_chart(charts.time_split(est["prefill_ms"], est["decode_step_ms"], est["tpot_ms"], est["ttft_ms"]),
                width="stretch")
if result["is_moe"]:
    r = result["moe"]
    st.plotly_chart(charts.moe_reads(r["batch"], r["touched"], r["gb_read"], r["dense_gb_read"],
                                     r["num_experts"], r["experts_per_token"]), width="stretch")
    st.caption("Each token uses only a few experts, but a batch of different tokens touches many distinct "
               "experts, so the weights read per step grow with the batch towards those of a dense model of "
               "the same total size.")
else:
    st.caption("Dense model: every step reads all of its weights, whatever the batch.")

with st.expander("All figures of this deployment"):
    detail = pd.DataFrame({"quantity": list(est), "value": [str(v) for v in est.values()]})
    st.dataframe(detail, hide_index=True, width="stretch")
