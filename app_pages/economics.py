"""Economics: monthly cost per option, API break-even volume, rent vs buy, and ROI."""

from __future__ import annotations

import numpy as np
import streamlit as st

from app_pages import common, tables
from calculator import charts
from pricing.economics import break_even_for_scenario, cost_vs_volume, rent_vs_buy, roi_table

s = common.scenario()
cat = common.catalog()
w = s.workload

st.title("Economics: rent, buy or pay per token?")
st.caption("What the scenario costs each month, from which volume self-hosting beats an API, when buying GPUs "
           "pays back against renting them, and the return on each option.")

options = common.compare_table(s)
rows = options[options["workload"] == w.name].reset_index(drop=True)
records = rows.to_dict("records")
if not records:
    st.info("No options to compare: add candidates in the sidebar.")
    st.stop()
labels = {r["option_id"]: tables.option_label(r) for r in records}
rows = rows.assign(option_label=[labels[r["option_id"]] for r in records])

# --- monthly cost ----------------------------------------------------------------------------------------
st.header("Monthly cost at your traffic")
st.plotly_chart(charts.monthly_cost_bars(rows), width="stretch", key="eco_monthly")
no_cost = [r for r in records if r["monthly_cost_usd"] is None]
if no_cost:
    st.caption("Without a cost: " + "; ".join(f"{labels[r['option_id']]}: {r['status']}" for r in no_cost[:6])
               + ("; ..." if len(no_cost) > 6 else ""))

# --- API break-even -----------------------------------------------------------------------------------------
st.header("Break-even: self-hosting vs an API")
self_ids = [r["option_id"] for r in records if r["kind"] != "API" and r["status"] == "ok"]
api_ids = [r["option_id"] for r in records if r["kind"] == "API" and r["status"] == "ok"]
if not self_ids or not api_ids:
    st.info("Needs at least one self-hosted option and one API option with a price (sidebar, Candidates).")
else:
    c1, c2, c3 = st.columns([2, 2, 1])
    self_id = c1.selectbox("Self-hosted option", self_ids, format_func=labels.__getitem__, key="eco_self",
                           help="A deployment from the Compare table (its replica size and concurrency).")
    api_id = c2.selectbox("API option", api_ids, format_func=labels.__getitem__, key="eco_api",
                          help="An API from the Compare table.")
    per_q = c3.toggle("Per quality point", key="eco_perq",
                      help="Compare cost per quality point (the API's cost scaled by quality_self / quality_api) "
                           "instead of plain cost.")
    be = break_even_for_scenario(s, options, self_id, api_id, per_quality_point=per_q)
    current = float(rows.loc[rows["option_id"] == api_id, "num_requests_per_month"].iloc[0])
    m1, m2 = st.columns(2)
    if be.num_requests_per_month is not None:
        m1.metric("Break-even volume", f"{be.num_requests_per_month:,.0f} requests/month",
                  help="Above this monthly volume self-hosting is always cheaper [requests/month].")
        m2.metric("Same in tokens", f"{be.num_million_tokens_per_month:,.0f} M tokens/month",
                  help="Break-even volume as input + output tokens [million tokens/month].")
        verdict = "above" if current >= be.num_requests_per_month else "below"
        st.markdown(f"Your traffic, **{current:,.0f} requests/month**, is **{verdict}** the break-even volume.")
    else:
        st.info(be.status)
    grid = np.geomspace(max(current, 1.0) / 100.0, max(current, 1.0) * 100.0, 121)
    if be.num_requests_per_month is not None:
        grid = np.unique(np.concatenate([grid, [be.num_requests_per_month]]))
    curve = cost_vs_volume(be, grid, s.always_on or s.pricing_basis == "owned")
    if not curve.empty:
        st.plotly_chart(charts.lines_chart(
            curve["num_requests_per_month"],
            {labels[self_id]: curve["self_hosted_monthly_cost_usd"],
             labels[api_id] + (" (scaled to equal quality)" if per_q else ""): curve["api_monthly_cost_usd"]},
            "Volume [requests per month, log scale]", "Cost [$ per month]",
            "Monthly cost vs volume (log scales)", vline=(max(current, 1.0), "your traffic"), log_x=True,
            log_y=True),
            width="stretch", key="eco_be")

# --- rent vs buy --------------------------------------------------------------------------------------------
st.header("Rent vs buy GPUs")
gpu_ids = list(s.gpu_ids)
if not gpu_ids:
    st.info("Choose at least one GPU in the sidebar.")
else:
    gpu_names = {g.id: g.name for g in cat.gpus}
    priced = {p.gpu_id for p in cat.purchase_prices}
    if st.session_state.get("eco_gpu") not in gpu_ids:
        st.session_state["eco_gpu"] = next((g for g in gpu_ids if g in priced), gpu_ids[0])
    c1, c2, c3 = st.columns(3)
    gpu_id = c1.selectbox("GPU", gpu_ids, format_func=lambda i: gpu_names.get(i, i), key="eco_gpu",
                          help="GPU type to rent or buy (the first one with a purchase price in the catalog is "
                               "picked by default).")
    needed = [r["gpus_total"] for r in records if r["gpu_id"] == gpu_id and r["ranked"]]
    if "eco_n" not in st.session_state or st.session_state.get("eco_n_gpu") != gpu_id:
        st.session_state["eco_n"] = int(min(needed)) if needed else 8
        st.session_state["eco_n_gpu"] = gpu_id
    num_gpus = c2.number_input("GPUs", min_value=1, max_value=100_000, step=1, key="eco_n",
                               help="Number of always-on GPUs [GPUs], 1 to 100,000; defaults to the best "
                                    "ranked option's fleet on this GPU.")
    st.session_state.setdefault("eco_months", 60)
    months = c3.slider("Horizon [months]", min_value=6, max_value=96, step=6, key="eco_months",
                       help="How far to project cumulative cost [months].")
    rvb = rent_vs_buy(s, cat, gpu_id, int(num_gpus), int(months))
    if rvb.status != "ok":
        st.info(f"Rent vs buy for {gpu_names.get(gpu_id, gpu_id)}: {rvb.status}. Enter the price you were "
                "quoted under 'Ownership assumptions' > 'GPU price' in the sidebar to compare.")
    else:
        m1, m2, m3 = st.columns(3)
        m1.metric(f"Rent ({rvb.rent_tier.replace('_', ' ')})", f"${rvb.rent_usd_per_gpu_hour:,.2f} / GPU-hour",
                  help="Rental price from the catalog at the scenario's price statistic [$/GPU-hour].")
        assert rvb.ownership is not None
        m2.metric("Own (all-in)", f"${rvb.ownership.usd_per_gpu_hour:,.2f} / GPU-hour",
                  help="Depreciation + power + colocation + operations per GPU-hour [$/GPU-hour].")
        m3.metric("Buying pays back after",
                  f"{rvb.payback_months:,.1f} months" if rvb.payback_months is not None else "never",
                  help="Months until cumulative cost of buying falls below renting [months].")
        t = rvb.table
        st.plotly_chart(charts.lines_chart(
            t["month"], {"rent": t["rent_cumulative_usd"], "buy": t["buy_cumulative_usd"]},
            "Months from today [months]", "Cumulative cash cost [$]",
            f"{int(num_gpus)} x {gpu_names.get(gpu_id, gpu_id)}: cumulative cost, rent vs buy"),
            width="stretch", key="eco_rvb")
        o = rvb.ownership
        st.caption(f"Owning one GPU: ${o.capex_usd:,.0f} up front (GPU + server share); per hour "
                   f"${o.depreciation_usd_per_gpu_hour:,.2f} depreciation, ${o.power_usd_per_gpu_hour:,.2f} power, "
                   f"${o.colocation_usd_per_gpu_hour:,.2f} colocation, ${o.operations_usd_per_gpu_hour:,.2f} "
                   "operations. Assumptions in the sidebar (Ownership).")

# --- ROI ----------------------------------------------------------------------------------------------------
st.header("Return on cost")
st.caption(f"Each request is worth ${w.value_per_task_usd:,.3f} when it succeeds (sidebar); the chance of success "
           "is read from the quality index (index 80 = 80 %). Net value = value of successful requests - cost.")
roi = roi_table(options, w.name)
roi_view = roi.assign(
    option=[labels.get(i, i) for i in roi["option_id"]],
    monthly=[tables.cell(r, "monthly_cost_usd") for r in roi.to_dict("records")],
    quality=[tables.cell(r, "quality_index") for r in roi.to_dict("records")],
    net=[f"{v:,.0f}" if v is not None else (st_ if st_ != "ok" else tables.NO_SCORE)
         for v, st_ in zip(roi["monthly_net_value_usd"], roi["status"], strict=True)],
    roi_pct=[f"{v:.0%}" if v is not None else (st_ if st_ != "ok" else tables.NO_SCORE)
             for v, st_ in zip(roi["roi_frac"], roi["status"], strict=True)],
)[["option", "kind", "monthly", "quality", "net", "roi_pct", "status"]]
roi_view.columns = ["Option", "Type", "Monthly cost [$]", "Quality index [0-100]", "Net value [$/month]",
                    "ROI [%]", "Status"]
st.dataframe(roi_view, hide_index=True, width="stretch", key="eco_roi")
