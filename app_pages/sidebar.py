"""The scenario sidebar, shared by every page: workload, candidates, pricing, ownership.

Every widget has ``key=`` only: its value lives in ``st.session_state`` (seeded once from the link by
``app.py``). Callbacks keep linked fields in step (a preset fills the workload; requests/day and tokens/month
follow each other).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import streamlit as st

from app_pages.state import (
    BASIS_CHOICES,
    CUSTOM_PRESET,
    OWNERSHIP_LABELS,
    PRECISION_CHOICES,
    PROVIDER_CLASS_CHOICES,
    STATISTIC_CHOICES,
    workload_from_preset,
)
from calculator.catalog import Catalog
from calculator.units import DAYS_PER_MONTH
from pricing.fleet import million_tokens_per_month, requests_per_day_from_tokens, requests_per_month

BASIS_LABELS = {
    "on_demand": "On-demand rental",
    "reserved_1y": "Reserved 1 year",
    "reserved_3y": "Reserved 3 years",
    "spot": "Spot / preemptible",
    "owned": "Owned (buy the GPUs)",
}
STATISTIC_LABELS = {"low": "Best quote (lowest)", "median": "Median quote", "high": "Highest quote"}
PROVIDER_CLASS_LABELS = {"any": "Any provider", "hyperscaler": "Hyperscaler (AWS, Azure, Google, Oracle)",
                         "specialist": "Specialist GPU cloud", "marketplace": "Marketplace (third-party hosts)"}


def _on_preset(catalog: Catalog) -> None:
    preset = st.session_state["s_preset"]
    if preset != CUSTOM_PRESET:
        st.session_state.update(workload_from_preset(preset, catalog))


def _on_shape() -> None:
    """Input/output tokens changed: keep requests/day, update tokens/month; the workload is now custom."""
    st.session_state["s_tpm"] = million_tokens_per_month(
        st.session_state["s_rpd"], st.session_state["s_in"], st.session_state["s_out"])
    _mark_custom()


def _on_rpd() -> None:
    st.session_state["s_rpm"] = requests_per_month(st.session_state["s_rpd"])
    _on_shape()


def _on_rpm() -> None:
    st.session_state["s_rpd"] = st.session_state["s_rpm"] / DAYS_PER_MONTH
    _on_shape()


def _on_tpm() -> None:
    st.session_state["s_rpd"] = requests_per_day_from_tokens(
        st.session_state["s_tpm"], st.session_state["s_in"], st.session_state["s_out"])
    st.session_state["s_rpm"] = requests_per_month(st.session_state["s_rpd"])
    _mark_custom()


def _mark_custom() -> None:
    if st.session_state.get("s_preset") != CUSTOM_PRESET:
        st.session_state["s_preset"] = CUSTOM_PRESET
        st.session_state["x_wname"] = "Custom workload"


def _model_label(name: str, is_moe: bool) -> str:
    """'Kimi-K2.5 (MoE)'; a hyphenated name also carries its spaced form, so typing 'Kimi K2' finds it."""
    spaced = name.replace("-", " ")
    alias = f" · {spaced}" if spaced != name else ""
    return f"{name} ({'MoE' if is_moe else 'dense'}){alias}"


def _v(key: str) -> Any:
    """The widget's current value, passed again as its default.

    The value lives in session state (``key=``); passing it as the default too means that if the browser
    ever re-creates a widget from its default (a race when a page link is clicked during a rerun), it
    gets the current value back, not the widget's minimum.
    """
    return st.session_state[key]


def render(catalog: Catalog) -> None:
    """Draw the sidebar widgets (values come from session state)."""
    sb = st.sidebar
    workloads = {w.id: w.name for w in catalog.workloads}
    model_names = {m.id: _model_label(m.name, m.architecture.is_moe) for m in catalog.models}
    for cm in st.session_state["x_cm"]:
        model_names[cm.id] = f"{cm.name} (your config.json)"
    api_names = {a.id: f"API: {a.name} — {a.provider}" for a in catalog.api_models}  # "API" first: chips truncate
    # Retired entries (past retired_on) are not offered, unless a link or file already selected them.
    today = dt.date.today()
    retired = {e.id: e for e in (*catalog.models, *catalog.api_models) if e.is_retired(today)}
    chosen = set(_v("s_models")) | set(_v("s_apis"))
    model_names = {k: v for k, v in model_names.items() if k not in retired or k in chosen}
    api_names = {k: v for k, v in api_names.items() if k not in retired or k in chosen}
    for k in retired:
        if k in model_names:
            model_names[k] += " [retired]"
        if k in api_names:
            api_names[k] += " [retired]"
    gpu_names = {g.id: f"{g.name} ({g.memory_gb:.0f} GB)" for g in catalog.gpus}

    sb.text_input("Scenario name", key="s_name", value=_v("s_name"), max_chars=120,
                  help="A label for this comparison; it travels with the link and the CSV.")

    sb.subheader("Workload")
    presets = [*workloads, CUSTOM_PRESET]
    sb.selectbox("Preset", presets, key="s_preset", index=presets.index(_v("s_preset")),
                 format_func=lambda i: workloads.get(i, "Custom (my own numbers)"),
                 on_change=_on_preset, args=(catalog,),
                 help="Fills request size, traffic, latency limits and quality profile from a typical workload. "
                      "Editing any of them afterwards makes the workload custom.")
    c1, c2 = sb.columns(2)
    c1.number_input("Input tokens / request", min_value=1, max_value=2_000_000, step=256, key="s_in", value=_v("s_in"),
                    on_change=_on_shape, help="Mean prompt length per request [tokens], 1 to 2,000,000.")
    c2.number_input("Output tokens / request", min_value=1, max_value=200_000, step=64, key="s_out", value=_v("s_out"),
                    on_change=_on_shape, help="Mean generated length per request, reasoning included [tokens], "
                                              "1 to 200,000.")
    c1, c2 = sb.columns(2)
    c1.number_input("Requests / month", min_value=0.0, max_value=1e10 * DAYS_PER_MONTH, step=100_000.0,
                    format="%.0f", key="s_rpm", value=_v("s_rpm"), on_change=_on_rpm,
                    help="Average traffic [requests/month of 30.4 days]; editing it sets requests/day and "
                         "tokens/month.")
    c2.number_input("or M tokens / month", min_value=0.0, max_value=1e12, step=100.0, format="%.1f",
                    key="s_tpm", value=_v("s_tpm"), on_change=_on_tpm,
                    help="The same traffic as input + output tokens per month [million tokens/month]; "
                         "editing it sets requests/month and /day.")
    c1, c2 = sb.columns(2)
    c1.number_input("Requests / day", min_value=0.0, max_value=1e10, step=1000.0, format="%.0f", key="s_rpd",
                    value=_v("s_rpd"),
                    on_change=_on_rpd, help="Average traffic [requests/day], 0 to 10 billion (the link stores this).")
    c2.number_input("Peak-to-average ratio", min_value=1.0, max_value=50.0, step=0.25, key="s_peak",
                    value=_v("s_peak"), on_change=_mark_custom,
                    help="Peak traffic / average traffic [-], 1 to 50. A cost driver: with 'GPUs always on' the "
                         "self-hosted fleet is sized for the peak and paid every hour, so the GPUs idle for "
                         "roughly 1 - 1 / ratio of the time (Compare shows that idle cost).")
    ratio = catalog.efficiency.p99_to_mean_latency_ratio if catalog.efficiency else 1.0
    c1, c2 = sb.columns(2)
    c1.number_input("TTFT limit [ms]", min_value=0.001, max_value=600_000.0, step=100.0,
                    format="%g", key="s_ttft", value=_v("s_ttft"), placeholder="no limit", on_change=_mark_custom,
                    help="Time to first token 99 % of requests must meet [ms], up to 600,000. An option passes "
                         "when its predicted 99th-percentile TTFT is within the limit: the prompt's prefill plus the "
                         "99th-percentile wait behind other prompts at the option's load (queueing model, Method "
                         "page). Empty = no limit.")
    c2.number_input("TPOT limit [ms]", min_value=0.001, max_value=60_000.0, step=5.0,
                    format="%g", key="s_tpot", value=_v("s_tpot"), placeholder="no limit", on_change=_mark_custom,
                    help="Time per output token 99 % of requests must meet while streaming [ms], up to 60,000 "
                         f"(50 ms = 20 tokens/s per user). Compared with the predicted mean x {ratio:.2f} (the "
                         "p99/mean ratio of MLPerf runs, Method page). Empty = no limit.")
    sb.slider("Cached input share", min_value=0.0, max_value=1.0, step=0.05, key="s_cache", value=_v("s_cache"),
              on_change=_mark_custom,
              help="Fraction of input tokens served from a prompt cache [0-1]; APIs bill them at the cached rate.")
    sb.selectbox("Quality profile", list(workloads), key="s_qp", index=list(workloads).index(_v("s_qp")),
                 format_func=lambda i: workloads.get(i, i),
                 on_change=_mark_custom,
                 help="Which benchmarks make the quality index (0-100) and with what weights; see the Catalog page.")
    sb.slider("Minimum quality index", min_value=0.0, max_value=100.0, step=1.0, key="s_minq", value=_v("s_minq"),
              help="Options whose quality index [0-100] is below this are flagged as not meeting it.")
    sb.number_input("Value per request [$]", min_value=0.0, max_value=1e6, step=0.01, format="%.3f", key="s_vpt",
                    value=_v("s_vpt"),
                    help="What one answered request is worth to you [$/request], 0 to 1,000,000; used for ROI.")

    sb.subheader("Candidates")
    sb.multiselect("Open models (self-hosted)", list(model_names), key="s_models", default=_v("s_models"),
                   format_func=lambda i: model_names.get(i, i),
                   help="Open-weight models to run on your own or rented GPUs. MoE = mixture of experts.")
    sb.multiselect("API models", list(api_names), key="s_apis", default=_v("s_apis"),
                   format_func=lambda i: api_names.get(i, i),
                   help="Models bought per token [$ per 1M tokens] from a provider.")
    for k in sorted(chosen & set(retired)):
        e = retired[k]
        successor = f"; superseded by {e.superseded_by}" if e.superseded_by else ""
        sb.warning(f"{e.name} was retired on {e.retired_on}{successor}: it is shown but not ranked "
                   f"({e.lifecycle_source}).", icon=":material/event_busy:")
    sb.multiselect("GPUs", list(gpu_names), key="s_gpus", default=_v("s_gpus"), format_func=lambda i: gpu_names.get(i,
                   i),
                   help="GPU types to size the self-hosted models on (memory per GPU in brackets [GB]).")
    sb.multiselect("Weight precisions", list(PRECISION_CHOICES), key="s_prec", default=_v("s_prec"),
                   help="Number format of the weights: bf16 = 2 bytes, fp8 = 1 byte, fp4 = 4.5 bits, "
                        "int4 = 4.25 bits per weight (scales included).")

    sb.subheader("How you pay for GPUs")
    sb.selectbox("Pricing basis", list(BASIS_CHOICES), key="s_basis", index=BASIS_CHOICES.index(_v("s_basis")),
                 format_func=BASIS_LABELS.__getitem__,
                 help="Rental tier from the price catalog [$ per GPU-hour], or buying the GPUs (ownership below).")
    sb.selectbox("Provider class", list(PROVIDER_CLASS_CHOICES), key="s_cls",
                 index=PROVIDER_CLASS_CHOICES.index(_v("s_cls")), format_func=PROVIDER_CLASS_LABELS.__getitem__,
                 help="Where you would rent: the price is taken over this class's quotes only (a rented GPU "
                      "has no price when the class has no quote for it).")
    sb.selectbox("Price statistic", list(STATISTIC_CHOICES), key="s_stat", index=STATISTIC_CHOICES.index(_v("s_stat")),
                 format_func=STATISTIC_LABELS.__getitem__,
                 help="Which of the class's quotes for a GPU and tier to use [$ per GPU-hour]: the best quote is "
                      "what a buyer who shops around pays; median and highest show the spread.")
    sb.slider("Utilisation", min_value=0.05, max_value=1.0, step=0.05, key="s_util", value=_v("s_util"),
              help="Average share of paid GPU time doing useful work [0-1]. Each replica's capacity already "
                   "leaves free slots for requests arriving at random; this is headroom for the rest: burstier "
                   "traffic, uneven routing, forecast error.")
    sb.checkbox("GPUs always on", key="s_on", value=_v("s_on"),
                help="Pay for the peak fleet around the clock (730 h/month); off = pay only for busy hours.")
    with sb.expander("Fleet policy"):
        st.number_input("Spare replicas (always-on fleets)", min_value=0, max_value=16, step=1, key="s_nplus",
                        value=_v("s_nplus"),
                        help="Replicas on top of the peak so one can fail or be upgraded without breaking the "
                             "limits, 0 to 16 (1 = N+1, the default).")
        st.number_input("Minimum replicas", min_value=1, max_value=64, step=1, key="s_minr", value=_v("s_minr"),
                        help="The fewest replicas running, e.g. one per region, 1 to 64.")
        st.number_input("Spot capacity lost to pre-emption [share]", min_value=0.0, max_value=0.9, step=0.01,
                        key="s_spotloss", value=_v("s_spotloss"),
                        help="Average share of spot capacity reclaimed by the provider [0-0.9]; spot fleets get "
                             "extra replicas for it (default 0.15: AWS Spot Instance Advisor, H100 10-20 %).")
    with sb.expander("Ownership assumptions (owned GPUs)"):
        st.number_input(OWNERSHIP_LABELS["usd_per_gpu"], min_value=100.0, max_value=5_000_000.0, step=1000.0,
                        format="%.0f", key="s_capex", value=_v("s_capex"), placeholder="catalog price",
                        help="Purchase price of one GPU [$], 100 to 5,000,000. Empty = the catalog's typical price.")
        st.number_input(OWNERSHIP_LABELS["server_overhead_frac"], min_value=0.0, max_value=5.0, step=0.01, key="s_srv",
                        value=_v("s_srv"),
                        help="Server, network and storage cost as a share of the GPU price [0-5].")
        st.number_input(OWNERSHIP_LABELS["depreciation_years"],
                        min_value=0.5, max_value=15.0, step=0.5, key="s_dep", value=_v("s_dep"),
                        help="Years over which the hardware is written off [years], 0.5 to 15.")
        st.number_input(OWNERSHIP_LABELS["electricity_usd_per_kwh"],
                        min_value=0.0, max_value=2.0, step=0.01, key="s_kwh",
                        value=_v("s_kwh"),
                        help="Price of power [$/kWh], 0 to 2.")
        st.number_input(OWNERSHIP_LABELS["pue"],
                        min_value=1.0, max_value=3.0, step=0.01, key="s_pue", value=_v("s_pue"),
                        help="Power usage effectiveness: facility power / IT power [-], 1 to 3.")
        st.number_input(OWNERSHIP_LABELS["average_load_frac"], min_value=0.0, max_value=1.0, step=0.05,
                        key="s_load", value=_v("s_load"),
                        help="Average power draw as a share of the server's maximum power per GPU [0-1].")
        st.number_input(OWNERSHIP_LABELS["colocation_usd_per_kw_month"],
                        min_value=0.0, max_value=5000.0, step=1.0, key="s_colo",
                        value=_v("s_colo"),
                        help="Data-centre space and cooling per kW of IT load [$/kW-month], 0 to 5,000.")
        st.number_input(OWNERSHIP_LABELS["operations_overhead_frac"], min_value=0.0, max_value=1.0, step=0.01,
                        key="s_ops", value=_v("s_ops"),
                        help="Support contracts, spares and monitoring per year as a share of the hardware price "
                             "[0-1]; staff is below.")
        st.number_input(OWNERSHIP_LABELS["wacc_frac"], min_value=0.0, max_value=0.5, step=0.01, key="s_wacc",
                        value=_v("s_wacc"), help="Weighted average cost of capital [0-0.5 per year].")
        st.number_input(OWNERSHIP_LABELS["residual_value_frac"], min_value=0.0, max_value=1.0, step=0.05,
                        key="s_resid", value=_v("s_resid"), help="What the hardware fetches when retired [0-1].")
        st.number_input(OWNERSHIP_LABELS["network_storage_frac"], min_value=0.0, max_value=2.0, step=0.01,
                        key="s_net", value=_v("s_net"), help="Cluster network and storage per GPU [0-2].")
        st.number_input(OWNERSHIP_LABELS["staff_usd_per_year_per_cluster"],
                        min_value=0.0, max_value=1e8, step=1000.0, format="%.0f",
                        key="s_stfc", value=_v("s_stfc"), help="Fixed operations staff cost [$/year].")
        st.number_input(OWNERSHIP_LABELS["staff_usd_per_year_per_node"],
                        min_value=0.0, max_value=1e7, step=100.0, format="%.0f",
                        key="s_stfn", value=_v("s_stfn"), help="Hands-on staff cost per server [$/year].")
        st.number_input(OWNERSHIP_LABELS["num_gpus_in_cluster"], min_value=1, max_value=1_000_000, step=8, key="s_clus",
                        value=_v("s_clus"), help="GPUs sharing the fixed staff cost, 1 to 1,000,000.")
        st.number_input(OWNERSHIP_LABELS["software_usd_per_gpu_year"],
                        min_value=0.0, max_value=1e6, step=100.0, format="%.0f",
                        key="s_sw", value=_v("s_sw"),
                        help="Licences such as NVIDIA AI Enterprise ($4,500 per GPU per year); 0 for open source.")
