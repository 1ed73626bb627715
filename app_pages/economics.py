"""Economics: monthly cost per option, how sure those costs are (calibration band, sensitivity), API break-even
volume, rent vs buy, several workloads on one fleet, and ROI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from app_pages import charts, common, tables
from app_pages.state import (
    MAX_EXTRA_WORKLOADS,
    OWNERSHIP_LABELS,
    extras_from_selection,
    mix_choices,
    mix_selection,
)
from calculator.catalog import Catalog
from pricing import uncertainty
from pricing.economics import (
    COMPONENT_DEFAULTS,
    break_even_for_scenario,
    capacity_mix_for_options,
    cost_vs_volume,
    default_trends,
    horizon_for_options,
    ownership_breakdown,
    payback_by_basis,
    rent_vs_buy,
    rental_prices_by_tier,
    roi_table,
)
from pricing.fleet import first_cheaper_requests_per_month
from pricing.horizon import Trends
from pricing.kinds import KIND_API, SHARED_FLEET
from pricing.scenario import Scenario


@st.cache_data(show_spinner="Testing how sensitive the cost is…", max_entries=64)
def _tornado(scenario_json: str, cat_key: str, option_id: str, workload_index: int, _cat: Catalog) -> pd.DataFrame:
    """``pricing.sensitivity.tornado`` cached on the scenario, catalog, option and workload."""
    from pricing.sensitivity import tornado

    return tornado(Scenario.model_validate_json(scenario_json), _cat, option_id=option_id,
                   workload_index=workload_index)


@st.cache_data(show_spinner="Sharing one fleet…", max_entries=64)
def _fleet_mix(scenario_json: str, cat_key: str, model_id: str, gpu_id: str, precision: str,
               _cat: Catalog) -> pd.DataFrame:
    """``pricing.mix.fleet_mix`` cached on the scenario, catalog and deployment."""
    from pricing.mix import fleet_mix

    return fleet_mix(Scenario.model_validate_json(scenario_json), _cat, model_id, gpu_id, precision)


def _on_mix() -> None:
    """The mix picker changed: rebuild the extra workloads (``x_xw``, carried in the link's 'xw')."""
    st.session_state["x_xw"] = extras_from_selection(st.session_state["eco_mix"], st.session_state["x_xw_link"],
                                                     common.catalog())


def _money(value: object, digits: int = 0) -> str:
    """A number with thousands separators, or an empty cell for a missing one."""
    return f"{float(value):,.{digits}f}" if isinstance(value, int | float) and np.isfinite(value) else ""


def _ownership_stack(s: Scenario, cat: Catalog, gpu_id: str, gpu_name: str) -> None:
    """The TCO of owning one GPU, component by component, beside its rental prices, and every default's source."""
    st.subheader("What owning one GPU costs per hour")
    b = ownership_breakdown(s, cat, gpu_id)
    if b.cost is None:
        st.info(f"{gpu_name}: {b.status}.")
        return
    tiers = rental_prices_by_tier(cat, gpu_id, s.price_statistic, s.provider_class)
    rentals = {f"rent: {k.replace('_', ' ')}": v for k, v in tiers.items()}
    st.plotly_chart(charts.tco_stack(b.cost.components, rentals,
                                     f"{gpu_name}: owning, per GPU-hour, vs renting ({s.price_statistic} quote, "
                                     f"{s.provider_class} providers)"),
                    width="stretch", key="eco_tco_stack")
    paybacks = payback_by_basis(s, cat, gpu_id)
    if paybacks:
        st.markdown("Buying pays back against: " + "; ".join(
            f"**{basis.replace('_', ' ')}** {'never' if m is None else f'{m:,.1f} months'}"
            for basis, m in paybacks.items()) + ".")
    rows = []
    for name, value in b.cost.components.items():
        used = COMPONENT_DEFAULTS.get(name, ())
        rows.append({"Component": name.replace("_", " "), "$ per GPU-hour": f"{value:,.4f}",
                     "Inputs": "; ".join(f"{OWNERSHIP_LABELS.get(d, tables.humanise(d))} = "
                                         f"{b.defaults[d]['value']:,.4g}" for d in used if d in b.defaults),
                     "Source": " | ".join(str(b.defaults[d]["source"]) for d in used if d in b.defaults)})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="eco_tco_table")
    st.caption(f"Server power {b.cost.server_power_w_per_gpu:,.0f} W per GPU ({b.server_power_source}); "
               f"purchase price: {b.purchase_source or 'your figure'}. Depreciation, cost of capital and the resale "
               "credit together are the capital charge at the WACC over the life (pricing/tco.py); every default "
               "is in data/ownership_defaults.yaml with its source.")


s = common.scenario()
cat = common.catalog()
scenario_json = s.model_dump_json()

st.title("Economics: rent, buy or pay per token?")
st.caption("What the scenario costs each month, how sure those costs are, from which volume self-hosting beats "
           "an API, when buying GPUs pays back against renting them, how several workloads share one fleet, and "
           "the return on each option.")

names = [spec.name for spec in s.workloads]
if len(names) > 1:
    if st.session_state.get("eco_workload") not in names:
        st.session_state["eco_workload"] = names[0]
    st.selectbox("Workload", names, key="eco_workload",
                 help="The scenario holds several workloads (see 'Several workloads on one fleet' below); the "
                      "sections of this page show the one picked here.")
    wi = names.index(st.session_state["eco_workload"])
else:
    wi = 0
w = s.workloads[wi]

options = common.compare_table(s)
rows, records, labels = tables.workload_rows(options, w.name)
if not records:
    st.info("No options to compare: add candidates in the sidebar.")
    st.stop()

# --- monthly cost ----------------------------------------------------------------------------------------
st.header("Monthly cost at your traffic")
st.plotly_chart(charts.monthly_cost_bars(rows), width="stretch", key="eco_monthly")
no_cost = [r for r in records if r["monthly_cost_usd"] is None]
if no_cost:
    st.caption("Without a cost: " + "; ".join(f"{labels[r['option_id']]}: {r['status']}" for r in no_cost[:6])
               + ("; ..." if len(no_cost) > 6 else ""))

# --- how sure: calibration band and sensitivity --------------------------------------------------------------
st.header("How sure are these costs?")
error_frac = cat.efficiency.median_abs_error_frac if cat.efficiency is not None else None
st.plotly_chart(charts.cost_band(rows, error_frac), width="stretch", key="eco_band")
st.caption(
    "The bar around each self-hosted cost is its calibration band: the speed model's median error against "
    f"published throughput and latency measurements ({f'±{error_frac:.1%}, see the' if error_frac else 'see the'} "
    "Method page), so the real cost per 1M tokens can lie between cost / (1 + error) and cost / (1 - error). API "
    "prices are list prices: no band.")

st.subheader("What moves the cost most")
costed = [r for r in records if r["status"] == "ok" and r["usd_per_million_tokens"] is not None]
ranked = [r for r in records if r["ranked"]]
top = ranked[0] if ranked else None
if not costed:
    st.info("No option has a cost to test: see the statuses above.")
else:
    ids = [r["option_id"] for r in costed]
    by_id = {r["option_id"]: r for r in costed}
    if st.session_state.get("eco_tornado") not in ids:
        best_self = next((r for r in ranked if r["kind"] != KIND_API), None)
        default = top if top is not None and top["kind"] != KIND_API else best_self
        st.session_state["eco_tornado"] = default["option_id"] if default is not None else ids[0]
    option_id = st.selectbox("Option", ids, format_func=labels.__getitem__, key="eco_tornado",
                             help="The option whose cost is tested; by default the top-ranked option, or the "
                                  "best self-hosted one when an API ranks first (an API's price per token does not "
                                  "depend on these inputs).")
    picked = by_id[option_id]
    reference: tuple[float, str] | None = None
    other_kind = [r for r in ranked if (r["kind"] == KIND_API) != (picked["kind"] == KIND_API)]
    if top is not None and top["option_id"] != option_id:
        reference = (float(top["usd_per_million_tokens"]), f"top option: ${top['usd_per_million_tokens']:,.3f}")
    elif other_kind:
        ref = other_kind[0]
        reference = (float(ref["usd_per_million_tokens"]),
                     f"best {'API' if ref['kind'] == KIND_API else 'self-hosted'}: "
                     f"${ref['usd_per_million_tokens']:,.3f}")
    sens = _tornado(scenario_json, common.catalog_key(), option_id, wi, cat)
    shown = sens[sens["swing_usd_per_mtok"].notna()] if "swing_usd_per_mtok" in sens else sens.iloc[0:0]
    if shown.empty:
        st.info(f"The cost of {labels[option_id]} cannot be tested: "
                f"{sens['status'].iloc[0] if len(sens) else picked['status']}.")
    else:
        st.plotly_chart(charts.tornado(shown, f"{labels[option_id]}: cost when one input moves", reference),
                        width="stretch", key="eco_tornado_chart")
        first = shown.iloc[0]
        if float(first["swing_usd_per_mtok"]) <= 0.0:
            st.markdown("None of these inputs moves this option's cost per 1M tokens: "
                        + ("an API's price per token is its list price." if picked["kind"] == KIND_API
                           else "at this traffic the fleet does not change size within these ranges."))
        else:
            lo, hi = sorted((float(first["usd_per_million_tokens_at_low"]),
                             float(first["usd_per_million_tokens_at_high"])))
            st.markdown(
                "Each pair of bars is the cost per 1M tokens when one input moves to the low or high end of "
                "its stated range while every other input stays as set: the longest bars are the inputs worth "
                f"pinning down before you buy. Here **{first['input'].lower()}** moves it most, from "
                f"**${lo:,.3f}** to **${hi:,.3f}** per 1M tokens"
                + (" (a bar that crosses the dotted line can change which option is cheaper)."
                   if reference is not None else "."))
        missing = sens[sens["swing_usd_per_mtok"].isna()]
        st.caption("Ranges: " + "; ".join(f"{r['input']}: {r['range_source']}" for r in shown.to_dict("records"))
                   + "."
                   + ("" if missing.empty else " Not shown (no cost at one end): "
                      + "; ".join(f"{r['input']}: {r['status']}" for r in missing.to_dict("records")) + "."))

# --- API break-even -----------------------------------------------------------------------------------------
st.header("Break-even: self-hosting vs an API")
self_ids = [r["option_id"] for r in records if r["kind"] != KIND_API and r["status"] == "ok"]
api_ids = [r["option_id"] for r in records if r["kind"] == KIND_API and r["status"] == "ok"]
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
    be = break_even_for_scenario(s, options, self_id, api_id, workload_index=wi, per_quality_point=per_q)
    current = float(rows.loc[rows["option_id"] == api_id, "num_requests_per_month"].iloc[0])
    m1, m2 = st.columns(2)
    if be.num_requests_per_month is not None:
        m1.metric("Break-even volume", f"{be.num_requests_per_month:,.0f} requests/month",
                  help="Above this monthly volume self-hosting is always cheaper [requests/month].")
        m2.metric("Same in tokens", f"{be.num_million_tokens_per_month:,.0f} M tokens/month",
                  help="Break-even volume as input + output tokens [million tokens/month].")
        verdict = "above" if current >= be.num_requests_per_month else "below"
        st.markdown(f"Your traffic, **{current:,.0f} requests/month**, is **{verdict}** the break-even volume.")
        first = (first_cheaper_requests_per_month(be.replica_monthly_cost_usd, be.replica_requests_per_month,
                                                  be.api_usd_per_request, be.policy)
                 if None not in (be.replica_monthly_cost_usd, be.replica_requests_per_month, be.api_usd_per_request)
                 else None)
        if first is not None and first < be.num_requests_per_month * (1 - 1e-9):
            st.caption(f"The lines cross more than once: self-hosting is first cheaper from {first:,.0f} "
                       "requests/month, while its replica is well used; each added whole replica (paid every hour) "
                       "makes the API cheaper again for a while, until above "
                       f"{be.num_requests_per_month:,.0f} requests/month self-hosting stays cheaper.")
    else:
        st.info(be.status)
    if be.replica_monthly_cost_usd is not None and be.replica_requests_per_month is not None \
            and be.api_usd_per_request is not None:
        draws = common.compare_draws(s)
        try:
            volumes, never = uncertainty.break_even_draws(
                draws, self_id, api_id, rows["workload"].iloc[0], be.replica_monthly_cost_usd,
                be.replica_requests_per_month, be.api_usd_per_request, s.sized_always_on,
                be.policy)
            p_self = uncertainty.p_cheaper(draws, self_id, api_id, workload=rows["workload"].iloc[0])
        except (KeyError, ValueError):
            volumes, never, p_self = None, 1.0, None
        if p_self is not None:
            span = ("" if volumes is None else
                    f"break-even between **{volumes[0]:,.0f}** and **{volumes[2]:,.0f}** requests/month "
                    f"(p10-p90; median {volumes[1]:,.0f}), ")
            st.markdown(f"Over the uncertainty draws (Method page, 6): {span}self-hosting never wins in "
                        f"{never:.0%} of them; at your traffic P(self-hosted costs less) = **{p_self:.0%}** "
                        f"({uncertainty.robustness(p_self)}).")
    grid = np.geomspace(max(current, 1.0) / 100.0, max(current, 1.0) * 100.0, 121)
    if be.num_requests_per_month is not None:
        grid = np.unique(np.concatenate([grid, [be.num_requests_per_month]]))
    curve = cost_vs_volume(be, grid, s.sized_always_on)
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
        m1.metric("Rent (your price)" if rvb.rent_tier == "override" else f"Rent ({rvb.rent_tier.replace('_', ' ')})",
                  f"${rvb.rent_usd_per_gpu_hour:,.2f} / GPU-hour",
                  help="Your own $/GPU-hour when you entered one, else the catalog's quote for the basis in the "
                       "provider class at the price statistic [$/GPU-hour].")
        assert rvb.ownership is not None
        m2.metric("Own (all-in)", f"${rvb.ownership.usd_per_gpu_hour:,.2f} / GPU-hour",
                  help="Depreciation + cost of capital - resale credit + fabric and storage + power + colocation "
                       "+ staff + support + software, per GPU-hour [$/GPU-hour].")
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
        st.caption(f"Owning one GPU: ${o.capex_usd:,.0f} up front (GPU + server share) plus "
                   f"${o.network_storage_capex_usd:,.0f} of network fabric and storage. Assumptions in the sidebar "
                   "(Ownership) and in the table below.")
    _ownership_stack(s, cat, gpu_id, gpu_names.get(gpu_id, gpu_id))

# --- buy now, rent or wait ---------------------------------------------------------------------------------------
st.header("Buy now, rent, or wait")
st.caption("Prices move: the API price to reach a given quality falls every year, rental prices fall as a GPU "
           "ages, and bought hardware keeps a resale value. This compares the cumulative cost of each way over the "
           "horizon, with the trends below (sourced defaults in data/ownership_defaults.yaml; edit them here).")
deploy_ids = [r["option_id"] for r in records if r["kind"] != KIND_API and r["gpus_total"]]
api_choices = [r["option_id"] for r in records if r["kind"] == KIND_API and r["status"] == "ok"]
if not deploy_ids:
    st.info("Needs a self-hosted option that serves the workload (sidebar, Candidates).")
else:
    trends0 = default_trends(cat)
    c1, c2 = st.columns(2)
    h_self = c1.selectbox("Self-hosted option", deploy_ids, format_func=labels.__getitem__, key="eco_h_self",
                          help="Its fleet at your traffic (GPUs at the peak) is rented, bought now or bought later.")
    h_api = c2.selectbox("API option", [None, *api_choices], key="eco_h_api",
                         format_func=lambda i: "(none)" if i is None else labels[i],
                         help="The API's monthly bill at your traffic, falling with the API price trend.")
    c1, c2, c3, c4, c5 = st.columns(5)
    h_months = c1.slider("Horizon [months]", min_value=12, max_value=60, value=48, step=6, key="eco_h_months")
    h_wait = c2.slider("Wait before buying [months]", min_value=3, max_value=36, value=12, step=3, key="eco_h_wait")
    d_api = c3.number_input("API price falls [x per year]", min_value=1.0, max_value=1000.0,
                            value=float(trends0.api_price_decline_factor_per_year), step=1.0, key="eco_h_api_d",
                            help="Factor by which the API price to reach the same quality falls each year (1 = flat; "
                                 "Epoch AI measured 9x to 900x per year depending on the capability level).")
    g_rent = c4.number_input("Rental price falls [% per year]", min_value=0.0, max_value=90.0,
                             value=100 * trends0.rental_price_decline_frac_per_year, step=1.0, key="eco_h_rent_g",
                             help="Rental price lost per year of GPU age, 0 to 90 % (H100: ~33 %/yr 2023-2026).")
    k_resale = c5.number_input("Resale value kept [% per year]", min_value=1.0, max_value=100.0,
                               value=100 * trends0.resale_retention_frac_per_year, step=1.0, key="eco_h_resale",
                               help="Share of the hardware's resale value kept each year, 1 to 100 %.")
    trends = Trends(float(d_api), float(g_rent) / 100.0, float(k_resale) / 100.0)
    hz = horizon_for_options(s, cat, options, h_self, h_api, int(h_months), trends, workload=w.name,
                             wait_months=int(h_wait))
    if hz.table.empty or len(hz.table.columns) <= 2:
        st.info(f"Nothing to compare: {hz.status}.")
    else:
        t = hz.table
        names = {"api_cumulative_usd": "API", "rent_cumulative_usd": "rent",
                 "buy_now_cumulative_usd": "buy now (net of resale)",
                 "wait_then_buy_cumulative_usd": f"rent {int(h_wait)} months, then buy"}
        st.plotly_chart(charts.lines_chart(
            t["month"], {names[c]: t[c] for c in t.columns if c in names}, "Months from today [months]",
            "Cumulative cost [$]",
            f"{hz.num_gpus} GPUs of {labels[h_self]}: cumulative cost over {int(h_months)} months"),
            width="stretch", key="eco_horizon")
        switches = [int(m) for m, a, b in zip(t["month"][1:], t["cheapest"][:-1], t["cheapest"][1:], strict=True)
                    if a != b]
        last = str(t["cheapest"].iloc[-1]).replace("_", " ")
        st.markdown(f"Cheapest at month {int(h_months)}: **{last}**"
                    + (f"; the cheapest option changes at month {', '.join(map(str, switches))}." if switches else "."))
        if hz.status != "ok":
            st.caption(f"Left out: {hz.status}.")
        st.caption("Cash costs, no financing charge; the buy lines are net of selling the hardware at that month. The "
                   "API trend includes newer, more efficient models, which a self-hosted fleet could also adopt: it "
                   "flatters the API (pricing/horizon.py).")

# --- cheapest mix ------------------------------------------------------------------------------------------------
st.header("The cheapest mix: own the base, rent the burst, send the overflow to an API")
if not deploy_ids:
    st.info("Needs a self-hosted option that serves the workload (sidebar, Candidates).")
else:
    c1, c2, c3 = st.columns([2, 2, 1])
    m_self = c1.selectbox("Self-hosted option", deploy_ids, format_func=labels.__getitem__, key="eco_m_self",
                          help="The replica (configuration within your latency limits) used for owned and rented "
                               "capacity.")
    m_api = c2.selectbox("API option", [None, *api_choices], key="eco_m_api",
                         format_func=lambda i: "(none)" if i is None else labels[i], help="Takes the overflow.")
    max_h = min(23.5, 24.0 / w.peak_to_average_ratio)
    m_hours = c3.number_input("Hours at peak [h/day]", min_value=0.5, max_value=float(max_h),
                              value=float(min(2.0, max_h)), step=0.5, key="eco_m_hours",
                              help=f"Hours a day at the peak load, 0.5 to {max_h:.1f} (peak ratio "
                                   f"{w.peak_to_average_ratio:g} x hours at peak cannot exceed 24).")
    cm = capacity_mix_for_options(s, cat, options, m_self, m_api, float(m_hours), wi)
    if cm.table.empty:
        st.info(f"No mix: {cm.status}.")
    else:
        mix_view = pd.DataFrame({
            "Option": cm.table["option"],
            "Owned replicas": cm.table["owned_replicas"],
            "Rented replica-hours / month": [_money(v) for v in cm.table["rented_replica_hours_per_month"]],
            "API requests / month": [_money(v) for v in cm.table["api_requests_per_month"]],
            "Monthly cost [$]": [_money(v) for v in cm.table["monthly_cost_usd"]],
            "The mix saves [$ / month]": [_money(v) for v in cm.table["saving_vs_option_usd"]],
        })
        st.dataframe(mix_view, hide_index=True, width="stretch", key="eco_mix_cheapest")
        st.caption(f"Load: {cm.profile.peak_requests_per_s:,.2f} requests/s for {float(m_hours):g} h a day, "
                   f"{cm.profile.base_requests_per_s:,.2f} requests/s otherwise; one replica serves "
                   f"{cm.replica_capacity_requests_per_s:,.2f} requests/s at your utilisation. Owned replicas are paid "
                   "every hour (ownership TCO), rented ones only while they run, the API per request "
                   "(pricing/capacity_mix.py)." + ("" if cm.status == "ok" else f" Left out: {cm.status}."))

# --- several workloads on one fleet -----------------------------------------------------------------------------
st.header("Several workloads on one fleet")
st.caption("Serve several workloads (say chat next to coding) from one pool of GPUs: the pool is sized for "
           "their combined peak and each workload pays its share of the busy GPU-hours.")
choices = mix_choices(st.session_state["x_xw_link"], cat, s.workload.name)
if "eco_mix" not in st.session_state:  # re-derived from the scenario when the page is opened
    st.session_state["eco_mix"] = [k for k in mix_selection(st.session_state["x_xw"], st.session_state["x_xw_link"],
                                                            cat) if k in choices]
st.multiselect("Add workloads to the mix", list(choices), format_func=choices.__getitem__, key="eco_mix",
               on_change=_on_mix, max_selections=MAX_EXTRA_WORKLOADS, placeholder="e.g. Chat assistant",
               help="Catalog workload presets (request shape, traffic, latency limits) served next to the "
                    "sidebar's workload, up to 7. They travel with the link; the Compare page then lets you pick "
                    "which workload to show.")
dropped = [x.name for x in st.session_state["x_xw"] if x.name not in names]
if dropped:
    st.caption(f"{', '.join(dropped)}: same name as the sidebar's workload, so it is counted once.")
deployments = {r["option_id"]: r for r in options.to_dict("records") if r["kind"] != KIND_API}
if len(s.workloads) == 1:
    st.info(f"The scenario has one workload ({s.workload.name}). Add others above to see what each costs on a "
            "shared fleet and what sharing saves against separate fleets.")
elif not deployments:
    st.info("Needs a self-hosted option: choose an open model, a GPU and a precision in the sidebar.")
else:
    deploy_labels = {i: tables.option_label(r) for i, r in deployments.items()}
    if st.session_state.get("eco_mix_option") not in deployments:
        best = next((r["option_id"] for r in ranked if r["kind"] != KIND_API), next(iter(deployments)))
        st.session_state["eco_mix_option"] = best
    mix_id = st.selectbox("Deployment serving every workload", list(deployments), format_func=deploy_labels.__getitem__,
                          key="eco_mix_option",
                          help="One open model on one GPU type at one precision; each workload runs at its own "
                               "best replica size and concurrency within its latency limits.")
    d = deployments[mix_id]
    mix = _fleet_mix(scenario_json, common.catalog_key(), d["model_id"], d["gpu_id"], d["precision"], cat)
    total = mix.iloc[-1]
    if total["monthly_cost_usd"] is None:
        st.info(f"{deploy_labels[mix_id]} serves none of the workloads: "
                + "; ".join(f"{r['workload']}: {r['status']}" for r in mix.iloc[:-1].to_dict("records")) + ".")
    else:
        m1, m2, m3 = st.columns(3)
        fleet_gpus = float(total["gpus_total"])
        shared_usd = float(total["monthly_cost_usd"])
        m1.metric("Shared fleet", f"{fleet_gpus:,.0f} GPU{'' if fleet_gpus == 1 else 's'}"
                  if fleet_gpus.is_integer() else f"{fleet_gpus:,.1f} GPUs on average",
                  help="GPUs in the pooled fleet; when GPUs are not always on, the average paid GPUs [GPUs].")
        m2.metric("Monthly cost, shared", f"${shared_usd:,.0f}", help="Cost of the pooled fleet [$/month].")
        if total["standalone_monthly_cost_usd"] is not None:
            apart = float(total["standalone_monthly_cost_usd"])
            m3.metric("Monthly cost, separate fleets", f"${apart:,.0f}",
                      delta=f"sharing saves ${apart - shared_usd:,.0f} a month" if apart > shared_usd else None,
                      help="What the workloads cost when each has a fleet of its own [$/month].")
        st.plotly_chart(charts.fleet_mix_bars(mix), width="stretch", key="eco_mix_chart")
        view = pd.DataFrame({
            "Workload": mix["workload"],
            "Status": mix["status"],
            "GPUs": [f"{_money(g)} in the shared fleet" if r == SHARED_FLEET else
                     (f"{_money(n)} per replica" if n is not None else "") for r, n, g in
                     zip(mix["workload"], mix["num_gpus_per_replica"], mix["gpus_total"], strict=True)],
            "Busy GPUs, average [GPUs]": [_money(v, 2) for v in mix["busy_gpus_average"]],
            "Busy GPUs, peak [GPUs]": [_money(v, 2) for v in mix["busy_gpus_peak"]],
            "Share [%]": [f"{float(v):.0%}" if v is not None else "" for v in mix["share_frac"]],
            "Monthly cost, shared [$]": [_money(v) for v in mix["monthly_cost_usd"]],
            "Monthly cost, own fleet [$]": [_money(v) for v in mix["standalone_monthly_cost_usd"]],
            "Cost, shared [$ / 1M tokens]": [_money(v, 3) for v in mix["usd_per_million_tokens"]],
        })
        st.dataframe(view, hide_index=True, width="stretch", key="eco_mix_table")
        st.caption("The pool is sized for the sum of the workloads' peaks (peaks assumed to coincide: "
                   "conservative) at the sidebar's utilisation; each workload's cost is its share of busy "
                   "GPU-hours. Sharing saves the rounding up of each fleet and the idle headroom of small "
                   "workloads (pricing/mix.py).")

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
