"""Sizing: one self-hosted option in depth (memory, throughput vs latency, MoE reads, prefill/decode).

The option opens at the deployment Compare prices it at (GPUs per replica and concurrency of its row in
``pricing.options.compare_options``), so both pages show one deployment per option; the option and any other
GPUs-per-replica and layout choices travel in the link (``opt``, ``n``, ``lay``: ``app_pages.state.VIEW_KEYS``).
A deployment that does not fit shows the smallest ones that do (``calculator.fit``) and no speed figures. Models
with a published speculative-decoding figure decode with it, as on Compare (``Catalog.speculative_for``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import charts, common, tables
from app_pages.state import GPU_COUNT_CHOICES
from calculator import fit, memory, moe
from calculator.catalog import Catalog
from calculator.pipeline import model_features
from calculator.sizing import LAYOUT_CHOICES, RequestShape, SizingError, estimate
from calculator.sweep import CONCURRENCY_GRID, sweep
from calculator.token_usage import tokens_per_request
from calculator.units import default_kv_precision

LAYOUT_LABELS: dict[str, str] = {"auto": "auto", "tp": "tensor parallel", "ep": "expert parallel",
                                 "disagg": "prefill/decode pools"}
BATCHES = np.unique(np.round(np.geomspace(1, 2048, 40))).astype(float)


@st.cache_data(show_spinner=False, max_entries=128)
def _size(model_id: str, gpu_id: str, precision: str, num_gpus: int, concurrency: int | None, input_tokens: int,
          output_tokens: int, ttft_slo_ms: float | None, tpot_slo_ms: float | None, layout: str, cat_key: str,
          _cat: Catalog) -> dict[str, Any]:
    model, gpu = _cat.model(model_id), _cat.gpu(gpu_id)
    eff = _cat.efficiency
    assert eff is not None
    wl = RequestShape(input_tokens, output_tokens, ttft_slo_ms, tpot_slo_ms)
    speculation = _cat.speculative_for(model_id)
    est = estimate(model.architecture, gpu, wl, eff, precision=precision, num_gpus=num_gpus or None,
                   concurrency=concurrency, layout=layout, speculation=speculation)
    out: dict[str, Any] = {"estimate": est.to_dict(), "is_moe": model.architecture.is_moe,
                           "model_name": model.name, "gpu_name": gpu.name,
                           "scale_up_domain_gpus": gpu.scale_up_domain_gpus, "alternatives": []}
    if not est.fits:
        out["alternatives"] = fit.alternatives(model.architecture, gpu, precision, est.num_gpus, wl, eff, _cat.gpus)
        return out
    grid = [c for c in CONCURRENCY_GRID if c <= max(est.max_concurrency, 1)]
    curve = sweep([model], [gpu], [precision], input_tokens, output_tokens, eff, gpu_counts=[est.num_gpus],
                  concurrencies=grid, ttft_slo_ms=ttft_slo_ms, tpot_slo_ms=tpot_slo_ms, speculation=[speculation])
    # The curve of the estimate's layout (of its pipeline stages, or its prefill pool's share).
    same = ((curve["layout"] == est.layout) & (curve["pipeline_parallel"] == est.pipeline_parallel)
            & (curve["num_prefill_gpus"] == est.num_prefill_gpus))
    curve = curve[same] if same.any() else curve[curve["layout"] == est.layout]
    out["curve"] = curve[curve["fits"]].drop_duplicates("concurrency").sort_values("concurrency")
    if model.architecture.is_moe:
        f = model_features(model.architecture, precision, default_kv_precision(precision))
        touched, read = moe.weight_bytes_read_at_batch(f.non_routed_read_bytes, f.num_moe_layers, f.expert_bytes,
                                                       f.num_experts, f.experts_per_token, BATCHES, eff.routing_skew)
        # Every expert read: the dense limit (eq. 3 with E_touched = E).
        dense = moe.weight_bytes_read(f.non_routed_read_bytes, f.num_moe_layers, f.expert_bytes, f.num_experts)
        out["moe"] = {"batch": BATCHES.tolist(), "touched": np.asarray(touched).tolist(),
                      "gb_read": np.asarray(memory.gb(read)).tolist(), "dense_gb_read": float(memory.gb(dense)),
                      "num_experts": int(f.num_experts), "experts_per_token": int(f.experts_per_token)}
    return out


def _fmt(value: float | None, spec: str, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{value:{spec}}{unit}"


def _alternative(a: fit.Alternative) -> str:
    gpu = cat.gpu(a.gpu_id)
    beyond = (f"; beyond the {gpu.scale_up_domain_gpus}-GPU scale-up domain"
              if fit.beyond_scale_up(gpu, a.num_gpus) else "")
    return f"- {a.change}: **{a.label()}** ({a.max_concurrency:,} sequences fit per replica{beyond})"


def _on_pick() -> None:
    """A Sizing choice changed: it becomes the option (and GPUs per replica) of the link."""
    ss = st.session_state
    ss["x_opt"] = f"self|{ss['sz_model']}|{ss['sz_gpu']}|{ss['sz_prec']}"
    ss["x_n"] = int(ss["sz_n"])
    ss["x_lay"] = str(ss["sz_lay"])


s = common.scenario()
cat = common.catalog()
w = s.workload
st.title("Sizing: one deployment in depth")
st.caption("How many GPUs one copy of the model needs, where the memory goes, and how throughput trades "
           "against latency as more requests share the GPUs. The option opens at the deployment Compare prices.")

custom_ids = [m.id for m in s.custom_models]
model_ids = list(dict.fromkeys([*s.model_ids, *custom_ids])) or [m.id for m in cat.models]
gpu_ids = list(s.gpu_ids) or [g.id for g in cat.gpus]
precisions = list(s.precisions) or ["bf16"]
names = {m.id: m.name for m in cat.models}
gpu_names = {g.id: g.name for g in cat.gpus}

# Compare's deployment of every self-hosted option of the sidebar workload.
options = common.compare_table(s) if (s.model_ids or s.custom_models) and s.gpu_ids and s.precisions else None
rows = {} if options is None else {
    r["option_id"]: r for r in options[options["workload"] == w.name].to_dict("records")
    if str(r["option_id"]).startswith("self|")}

# The option to open: the link's, else Compare's best-ranked self-hosted option, else the first candidate.
parts = str(st.session_state.get("x_opt") or "").split("|")
if len(parts) == 4 and parts[1] in model_ids and parts[2] in gpu_ids and parts[3] in precisions:
    focus = parts[1:]
else:
    ranked = [oid for oid, r in rows.items() if r["ranked"]]
    first = (ranked or list(rows) or [f"self|{model_ids[0]}|{gpu_ids[0]}|{precisions[0]}"])[0]
    focus = first.split("|")[1:]
st.session_state["sz_model"], st.session_state["sz_gpu"], st.session_state["sz_prec"] = focus
linked_n = int(st.session_state.get("x_n") or 0)
st.session_state["sz_n"] = linked_n if linked_n in GPU_COUNT_CHOICES else 0
linked_layout = str(st.session_state.get("x_lay") or "auto")
st.session_state["sz_lay"] = linked_layout if linked_layout in LAYOUT_CHOICES else "auto"

row = rows.get("self|" + "|".join(focus))
compare_n = int(row["num_gpus_per_replica"]) if row is not None and row["num_gpus_per_replica"] else 0
compare_c = int(row["concurrency_per_replica"]) if compare_n else None

c1, c2, c3, c4, c5 = st.columns(5)
model_id = c1.selectbox("Model", model_ids, format_func=lambda i: names.get(i, i), key="sz_model",
                        on_change=_on_pick, help="One of the scenario's open models (sidebar).")
gpu_id = c2.selectbox("GPU", gpu_ids, format_func=lambda i: gpu_names.get(i, i), key="sz_gpu",
                      on_change=_on_pick, help="One of the scenario's GPU types (sidebar).")
precision = c3.selectbox("Weight precision", precisions, key="sz_prec", on_change=_on_pick,
                         help="Number format of the weights [bf16, fp8, fp4, int4].")
as_compare = f"as on Compare ({compare_n})" if compare_n else "fewest that fit"
num_gpus = c4.selectbox("GPUs per replica", GPU_COUNT_CHOICES, key="sz_n", on_change=_on_pick,
                        format_func=lambda n: as_compare if n == 0 else str(n),
                        help="GPUs that hold one copy of the model (tensor parallel) [GPUs]. Default: the "
                             "deployment Compare prices (fewest paid GPU-hours for this workload).")
layout = c5.selectbox("Layout", LAYOUT_CHOICES, key="sz_lay", on_change=_on_pick,
                      format_func=lambda x: LAYOUT_LABELS.get(x, x),
                      help="How the GPUs share the model: tensor parallel (pipelined across nodes beyond one), "
                           "expert parallel with data-parallel attention (MoE), or separate prefill and decode "
                           "pools. auto: the one Compare prices, else the most output per GPU within the limits.")

n_used = int(num_gpus) or compare_n
# auto opens at Compare's layout when looking at Compare's deployment.
compare_layout = str(row["layout"]) if row is not None and compare_n and row.get("layout") else "auto"
layout_used = layout if layout != "auto" or n_used != compare_n else compare_layout
# The model decodes its own tokens: the answer plus its thinking tokens (as on Compare).
tokens = tokens_per_request(model_id, w.output_tokens, w.preset, cat, w.reasoning_tokens_overrides.get(model_id),
                            w.quality_profile)
try:
    result = _size(model_id, gpu_id, precision, n_used, compare_c if n_used == compare_n else None,
                   w.input_tokens, max(1, round(tokens.output_tokens)), w.ttft_slo_ms, w.tpot_slo_ms,
                   layout_used, common.catalog_key(), cat)
except (SizingError, ValueError) as exc:
    st.error(f"This deployment cannot be sized: {exc}")
    st.stop()

est = result["estimate"]
gpu_name = gpu_names.get(gpu_id, gpu_id)
if row is not None and compare_n:
    same = est["num_gpus"] == compare_n
    st.info(f"Compare prices this option at **{compare_n} GPU{'s' if compare_n != 1 else ''} per replica, "
            f"{compare_c} concurrent requests each**, "
            f"{int(row['replicas'])} replica{'s' if int(row['replicas']) != 1 else ''} "
            f"({int(row['gpus_total'])} GPUs) for this workload"
            + ("." if same else f"; you are looking at {est['num_gpus']} GPUs per replica."),
            icon=":material/link:")
elif row is not None:
    st.info(f"Compare does not price this option: {row['status']}.", icon=":material/link:")

if not est["fits"]:
    st.error(f"{result['model_name']} at {precision}: {est['message']}.", icon=":material/block:")
    alts: list[fit.Alternative] = result["alternatives"]
    if alts:
        st.markdown("**Smallest configurations that fit**  \n" + "  \n".join(_alternative(a) for a in alts))
    else:
        st.markdown("No configuration of up to 128 GPUs per replica, any precision or bigger GPU in the catalog "
                    "holds one sequence of this workload.")
    st.plotly_chart(charts.memory_breakdown(est["weights_gb_per_gpu"], est["kv_cache_gb_per_gpu"],
                                            est["reserve_gb_per_gpu"], est["memory_gb_per_gpu"], gpu_name),
                    width="stretch")
    st.stop()

if est["num_gpus"] > result["scale_up_domain_gpus"] and est["layout"] == "tp" and est["pipeline_parallel"] == 1:
    st.warning(f"{est['num_gpus']} GPUs per replica span more than one scale-up domain of {gpu_name} "
               f"({result['scale_up_domain_gpus']} GPUs): tensor-parallel all-reduces cross the slower scale-out "
               "network. Consider fewer GPUs per replica with a lower precision or a bigger GPU.",
               icon=":material/warning:")
elif est["message"] != "ok":
    st.warning(f"{result['model_name']} on {gpu_name}: {est['message']}.")
m1, m2, m3, m4, m5 = st.columns(5)
m1.metric("GPUs per replica", f"{est['num_gpus']}", help="GPUs holding one copy of the model [GPUs].")
m2.metric("Concurrency", f"{est['concurrency']} of {est['max_concurrency']}",
          help="Sequences decoded together: the chosen one (Compare's, or the most throughput within the limits) "
               "of the most that fit in memory [sequences].")
m3.metric("Time to first token", _fmt(est["ttft_ms"], ",.0f", " ms"),
          help="Prefill of one prompt plus waiting for the running step [ms].")
m4.metric("Time per output token", _fmt(est["tpot_ms"], ",.1f", " ms"),
          help="One decode step under load [ms]; 1000 / TPOT = tokens/s each user sees.")
m5.metric("Throughput per GPU", _fmt(est["output_tokens_per_s_per_gpu"], ",.0f", " tok/s"),
          help="Output tokens per second per GPU at the chosen concurrency [tokens/s].")
layout_text = tables.layout_words(est["layout"], est["num_gpus"], est["num_nodes"], est["pipeline_parallel"],
                                  est["num_prefill_gpus"])
st.caption(f"Layout: **{layout_text}**"
           + (f", {est['accepted_tokens_per_step']:.2f} tokens accepted per step (speculative decoding)"
              if est["accepted_tokens_per_step"] > 1.0 else "") + ". "
           f"Limited by **{est['bound']}**. Meets the latency limits: **{'yes' if est['meets_limits'] else 'no'}** "
           f"(they apply to the 99th percentiles: TTFT {_fmt(est['ttft_p99_ms'], ',.0f', ' ms')}, "
           f"TPOT {_fmt(est['tpot_p99_ms'], ',.1f', ' ms')}). "
           f"KV cache: {_fmt(est['kv_cache_bytes_per_token'] / 1e3, ',.1f', ' kB')} per token of context.")

st.plotly_chart(charts.memory_breakdown(est["weights_gb_per_gpu"], est["kv_cache_gb_per_gpu"],
                                        est["reserve_gb_per_gpu"], est["memory_gb_per_gpu"], gpu_name),
                width="stretch")
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
    st.dataframe(tables.estimate_figures(est), hide_index=True, width="stretch")
