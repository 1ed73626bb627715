"""Pure functions behind the app's Economics page and the report: rent vs buy over time, the API
break-even volume and its cost-vs-volume curve, and the ROI table. Each takes the scenario and catalog (or
a ``compare_options`` table) and returns numbers, frozen results or tidy DataFrames; none draws or writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calculator.catalog import Catalog
from calculator.units import HOURS_PER_MONTH
from pricing import fleet
from pricing.capacity_mix import MIX_COLUMNS, LoadProfile, cheapest_mix
from pricing.gpu_price import GpuPrice, owned_price, purchase_capex_usd, server_power_for
from pricing.horizon import Trends, horizon_costs
from pricing.rental import RENTAL_TIERS, rental_quote
from pricing.scenario import Scenario
from pricing.tco import OwnershipCost, payback_months, rent_vs_buy_cumulative

# Which ownership default each component of the TCO stack reads (names of data/ownership_defaults.yaml).
COMPONENT_DEFAULTS: dict[str, tuple[str, ...]] = {
    "depreciation": ("depreciation_years", "server_overhead_frac"),
    "cost_of_capital": ("wacc_frac", "depreciation_years"),
    "residual_credit": ("residual_value_frac",),
    "network_storage": ("network_storage_frac", "wacc_frac"),
    "power": ("average_load_frac", "pue", "electricity_usd_per_kwh"),
    "colocation": ("colocation_usd_per_kw_month",),
    "staff": ("staff_usd_per_year_per_cluster", "staff_usd_per_year_per_node", "num_gpus_in_cluster"),
    "support": ("operations_overhead_frac",),
    "software": ("software_usd_per_gpu_year",),
}


# ----------------------------------------------------------------------------------------- ownership TCO
@dataclass(frozen=True)
class OwnershipBreakdown:
    """The ownership cost of one GPU with where every input comes from.

    cost : the component build-up (None when a price or the power is missing; ``status`` says why).
    purchase_source : the purchase quotes' sources (or "user"); server_power_source : datasheet or estimate.
    defaults : ownership default name -> {value, unit, source, as_of, estimate, user_set}.
    """

    gpu_id: str
    cost: OwnershipCost | None
    purchase_source: str
    server_power_source: str
    defaults: dict[str, dict[str, Any]]
    status: str


def ownership_breakdown(scenario: Scenario, catalog: Catalog, gpu_id: str) -> OwnershipBreakdown:
    """TCO of owning ``gpu_id`` under the scenario's ownership assumptions, with the source of each default
    (``pricing.tco`` Notes). A value the user changed is marked ``user_set``."""
    own = scenario.ownership
    defaults: dict[str, dict[str, Any]] = {}
    for name, item in catalog.ownership_defaults.items():
        if name not in type(own).model_fields and name != "server_power_to_tdp_ratio":
            continue  # a default of another part of the calculator (e.g. spot capacity loss)
        value = getattr(own, name, item.value)
        defaults[name] = {"value": value, "unit": item.unit, "source": item.source, "as_of": item.as_of.isoformat(),
                          "estimate": item.estimate, "user_set": value != item.value}
    power = server_power_for(catalog, gpu_id, own)
    priced = owned_price(scenario, catalog, gpu_id)
    if own.usd_per_gpu is not None:
        purchase = "user"
    else:
        quotes = [p for p in catalog.purchase_prices if p.gpu_id == gpu_id]
        purchase = " | ".join(f"{p.source} (as of {p.as_of}, {p.includes})" for p in quotes)
        if purchase_capex_usd(catalog, gpu_id, scenario.price_statistic, own.server_overhead_frac)[0] is None:
            purchase = ""
    return OwnershipBreakdown(gpu_id, priced.ownership, purchase, power.source if power is not None else "",
                              defaults, priced.status)


# ----------------------------------------------------------------------------------------- rent vs buy
@dataclass(frozen=True)
class RentVsBuy:
    """Cumulative cost of renting vs buying ``num_gpus`` always-on GPUs.

    table : month, rent_cumulative_usd, buy_cumulative_usd (empty when a price is missing).
    payback_months : months until buying is cheaper [months] (None: never, or a price is missing).
    rent_usd_per_gpu_hour, rent_tier : the rental price compared against; ownership : the cost build-up.
    status : "ok" or why the comparison cannot be made.
    """

    table: pd.DataFrame
    payback_months: float | None
    rent_usd_per_gpu_hour: float | None
    rent_tier: str
    ownership: OwnershipCost | None
    status: str


def rent_vs_buy(scenario: Scenario, catalog: Catalog, gpu_id: str, num_gpus: int, num_months: int,
                rent_tier: str | None = None) -> RentVsBuy:
    """Rent vs buy (``pricing.tco`` with the scenario's ownership assumptions) over months. The rental price is
    the user's own $/GPU-hour for the GPU when set, else the catalog's quotes for the basis (default the
    scenario's basis, or on-demand when the basis is ``owned``) in the scenario's provider class at its
    statistic."""
    tier = rent_tier or (scenario.pricing_basis if scenario.pricing_basis in RENTAL_TIERS else "on_demand")
    empty = pd.DataFrame({"month": pd.Series([], dtype="int64"),
                          "rent_cumulative_usd": pd.Series([], dtype=float),
                          "buy_cumulative_usd": pd.Series([], dtype=float)})
    rent: float | None
    if rent_tier is None and gpu_id in scenario.usd_per_gpu_hour_overrides:
        rent, tier, status = float(scenario.usd_per_gpu_hour_overrides[gpu_id]), "override", "ok"
    else:
        quote = rental_quote(catalog.rental_prices, gpu_id, tier, scenario.price_statistic, scenario.provider_class)
        rent, status = quote.usd_per_gpu_hour, quote.status
    owned: GpuPrice = owned_price(scenario, catalog, gpu_id)
    if rent is None or owned.ownership is None:
        status = status if rent is None else owned.status
        return RentVsBuy(empty, None, rent, tier, owned.ownership, status)
    own = owned.ownership
    table = rent_vs_buy_cumulative(num_months, num_gpus, rent, own)
    payback = payback_months(own.total_capex_usd, rent, own.running_usd_per_gpu_hour)
    return RentVsBuy(table, payback, rent, tier, own, "ok")


def rental_prices_by_tier(catalog: Catalog, gpu_id: str, statistic: str,
                          provider_class: str = "any") -> dict[str, float]:
    """Rental price of ``gpu_id`` for every basis with quotes in a provider class [$/GPU-hour], at ``statistic``
    (``pricing.rental``; commitment quotes count as reserved)."""
    out: dict[str, float] = {}
    for tier in RENTAL_TIERS:
        quote = rental_quote(catalog.rental_prices, gpu_id, tier, statistic, provider_class)
        if quote.usd_per_gpu_hour is not None:
            out[tier] = quote.usd_per_gpu_hour
    return out


def payback_by_basis(scenario: Scenario, catalog: Catalog, gpu_id: str) -> dict[str, float | None]:
    """Months until buying ``gpu_id`` pays back against each rental basis with a price [months]
    (``pricing.tco.payback_months``; None: never). Empty when the GPU cannot be owned (no price or power)."""
    owned = owned_price(scenario, catalog, gpu_id)
    if owned.ownership is None:
        return {}
    own = owned.ownership
    prices = rental_prices_by_tier(catalog, gpu_id, scenario.price_statistic, scenario.provider_class)
    if gpu_id in scenario.usd_per_gpu_hour_overrides:
        prices["override"] = float(scenario.usd_per_gpu_hour_overrides[gpu_id])
    return {basis: payback_months(own.total_capex_usd, price, own.running_usd_per_gpu_hour)
            for basis, price in prices.items()}


# ----------------------------------------------------------------------------------------- buy now, rent or wait
def default_trends(catalog: Catalog) -> Trends:
    """The price trends of ``data/ownership_defaults.yaml`` (``pricing.horizon``)."""
    d = catalog.ownership_defaults
    return Trends(api_price_decline_factor_per_year=d["api_price_decline_factor_per_year"].value,
                  rental_price_decline_frac_per_year=d["rental_price_decline_frac_per_year"].value,
                  resale_retention_frac_per_year=d["resale_retention_frac_per_year"].value)


@dataclass(frozen=True)
class Horizon:
    """Cumulative cost of an API option vs a self-hosted fleet rented, bought now, or bought after waiting.

    table : ``pricing.horizon.horizon_costs`` (empty when nothing can be priced); num_gpus : the fleet [GPUs];
    status : "ok" or why an option is missing (the others are still shown).
    """

    table: pd.DataFrame
    num_gpus: int
    rent_usd_per_gpu_hour: float | None
    own: OwnershipCost | None
    status: str


def horizon_for_options(scenario: Scenario, catalog: Catalog, options: pd.DataFrame, self_option_id: str,
                        api_option_id: str | None, num_months: int, trends: Trends | None = None,
                        workload: str | None = None, wait_months: int = 12) -> Horizon:
    """Buy now, rent or wait for the fleet of a self-hosted option at the scenario's traffic (``gpus_total``
    GPUs, always on) against an API option's monthly bill (``pricing.horizon``). Rent: the user's price or the
    scenario's basis (on-demand when owned) in its provider class; buy: ``pricing.tco``."""
    s = _row(options, self_option_id, workload)
    gpus = int(s["gpus_total"])
    trends = trends or default_trends(catalog)
    notes: list[str] = []
    api_monthly = None
    if api_option_id is not None:
        a = _row(options, api_option_id, workload)
        if a.get("monthly_cost_usd") is not None and a["status"] == "ok":
            api_monthly = float(a["monthly_cost_usd"])
        else:
            notes.append(f"{api_option_id}: {a['status']}")
    if gpus <= 0:
        return Horizon(pd.DataFrame(), 0, None, None, f"{self_option_id}: {s['status']}")
    rvb = rent_vs_buy(scenario, catalog, str(s["gpu_id"]), gpus, 1)
    rent = rvb.rent_usd_per_gpu_hour
    own = rvb.ownership
    if rent is None or own is None:
        notes.append(rvb.status)
    table = horizon_costs(num_months, api_monthly, gpus * rent * HOURS_PER_MONTH if rent is not None else None,
                          gpus * own.total_capex_usd if own is not None else None,
                          gpus * own.running_usd_per_gpu_hour * HOURS_PER_MONTH if own is not None else None,
                          trends, wait_months)
    return Horizon(table, gpus, rent, own, "ok" if not notes else "; ".join(notes))


# ----------------------------------------------------------------------------------------- cheapest mix
@dataclass(frozen=True)
class CapacityMix:
    """The cheapest mix of owned base + rented burst + API overflow for one workload (``pricing.capacity_mix``).

    table : ``MIX_COLUMNS`` rows (pure options and the cheapest mix); profile : the load profile used;
    replica_capacity_requests_per_s : c = q u; prices per replica-hour [$] and per API request [$];
    status : "ok" or why an option is missing.
    """

    table: pd.DataFrame
    profile: LoadProfile | None
    replica_capacity_requests_per_s: float | None
    own_usd_per_replica_hour: float | None
    rent_usd_per_replica_hour: float | None
    api_usd_per_request: float | None
    status: str


def capacity_mix_for_options(scenario: Scenario, catalog: Catalog, options: pd.DataFrame, self_option_id: str,
                             api_option_id: str | None, hours_at_peak_per_day: float,
                             workload_index: int = 0) -> CapacityMix:
    """Cheapest mix for a workload of the scenario: its average and peak load (requests/day x peak ratio) with
    ``hours_at_peak_per_day`` at the peak; the self-hosted option's replica (configuration within the limits)
    owned at the ownership TCO or rented at the scenario's rental price (user price or class quote), and the
    API option's price per request."""
    spec = scenario.workloads[workload_index]
    empty = pd.DataFrame(columns=list(MIX_COLUMNS))
    avg = fleet.average_requests_per_s(spec.requests_per_day)
    peak = avg * spec.peak_to_average_ratio
    try:
        profile = LoadProfile(avg, peak, hours_at_peak_per_day)
    except ValueError as exc:
        return CapacityMix(empty, None, None, None, None, None, f"{exc} (hours at peak x peak ratio must be at "
                           f"most 24; at a peak ratio of {spec.peak_to_average_ratio:g}, at most "
                           f"{24 / spec.peak_to_average_ratio:.1f} h)")
    s = _row(options, self_option_id, spec.name)
    q = s.get("replica_requests_per_s")
    if q is None or int(s["num_gpus_per_replica"]) <= 0:
        return CapacityMix(empty, profile, None, None, None, None, f"{self_option_id}: {s['status']}")
    n = int(s["num_gpus_per_replica"])
    capacity = float(q) * scenario.utilisation_frac
    notes: list[str] = []
    rvb = rent_vs_buy(scenario, catalog, str(s["gpu_id"]), n, 1)
    rent = n * rvb.rent_usd_per_gpu_hour if rvb.rent_usd_per_gpu_hour is not None else None
    own = n * rvb.ownership.usd_per_gpu_hour if rvb.ownership is not None else None
    if rent is None or own is None:
        notes.append(rvb.status)
    api = None
    if api_option_id is not None:
        a = _row(options, api_option_id, spec.name)
        if a["status"] == "ok" and a.get("monthly_cost_usd") is not None and a["num_requests_per_month"] > 0:
            api = float(a["monthly_cost_usd"]) / float(a["num_requests_per_month"])
        else:
            notes.append(f"{api_option_id}: {a['status']}")
    if own is None and rent is None and api is None:
        return CapacityMix(empty, profile, capacity, None, None, None, "; ".join(notes))
    table = cheapest_mix(profile, capacity, own, rent, api)
    return CapacityMix(table, profile, capacity, own, rent, api, "ok" if not notes else "; ".join(notes))


# ----------------------------------------------------------------------------------------- break-even
@dataclass(frozen=True)
class BreakEven:
    """Monthly volume above which a self-hosted option is always cheaper than an API option.

    num_requests_per_month [requests/month] and num_million_tokens_per_month [1M tokens/month] are None when
    self-hosting never wins (or a figure is missing); ``status`` says which. ``per_quality_point`` tells
    whether costs were compared per quality point (API cost scaled by Q_self / Q_api).
    """

    num_requests_per_month: float | None
    num_million_tokens_per_month: float | None
    replica_monthly_cost_usd: float | None
    replica_requests_per_month: float | None
    api_usd_per_request: float | None
    per_quality_point: bool
    status: str
    policy: fleet.FleetPolicy = fleet.NO_POLICY  # spare/minimum replicas and capacity loss of the fleet


def _row(options: pd.DataFrame, option_id: str, workload: str | None) -> dict[str, Any]:
    sel = options[options["option_id"] == option_id]
    if workload is not None:
        sel = sel[sel["workload"] == workload]
    if sel.empty:
        raise ValueError(f"option '{option_id}' is not in the comparison table")
    return dict(sel.iloc[0])


def break_even(options: pd.DataFrame, self_option_id: str, api_option_id: str, *, always_on: bool,
               utilisation_frac: float, peak_to_average_ratio: float, workload: str | None = None,
               per_quality_point: bool = False, policy: fleet.FleetPolicy = fleet.NO_POLICY) -> BreakEven:
    """Break-even monthly volume between a self-hosted and an API row of ``compare_options`` (see
    ``pricing.fleet`` Notes). The self-hosted replica configuration is the one chosen at the scenario's
    volume; ``policy`` adds the spare and minimum replicas the comparison table's fleet has. With
    ``per_quality_point`` the API cost is scaled by ``Q_self / Q_api``, so the volume is where
    cost per quality point is equal."""
    s = _row(options, self_option_id, workload)
    a = _row(options, api_option_id, workload)
    price, q_rps, n = s.get("usd_per_gpu_hour"), s.get("replica_requests_per_s"), int(s["num_gpus_per_replica"])
    tokens_per_request = a["num_million_tokens_per_month"] / a["num_requests_per_month"] \
        if a["num_requests_per_month"] > 0 else None
    if s["status"] != "ok" or price is None or q_rps is None:
        return BreakEven(None, None, None, None, None, per_quality_point, f"{self_option_id}: {s['status']}")
    if a["status"] != "ok" or a.get("usd_per_million_tokens") is None:
        return BreakEven(None, None, None, None, None, per_quality_point, f"{api_option_id}: {a['status']}")
    if tokens_per_request is None:
        return BreakEven(None, None, None, None, None, per_quality_point,
                         "no traffic: set requests_per_day above 0 to size the comparison")
    api_per_request = float(a["usd_per_million_tokens"]) * tokens_per_request
    if per_quality_point:
        qs, qa = s.get("quality_index"), a.get("quality_index")
        if qs is None or qa is None or float(qa) <= 0:
            return BreakEven(None, None, None, None, api_per_request, True,
                             "no quality index for one of the options: compare cost only")
        api_per_request *= float(qs) / float(qa)
    replica_cost = n * float(price) * HOURS_PER_MONTH
    v_r = fleet.replica_requests_per_month(float(q_rps), utilisation_frac, peak_to_average_ratio, always_on)
    v = fleet.break_even_requests_per_month(replica_cost, v_r, api_per_request, always_on, policy)
    if v is None:
        return BreakEven(None, None, replica_cost, v_r, api_per_request, per_quality_point,
                         "self-hosting is never cheaper: the API costs less per request than a full replica", policy)
    return BreakEven(v, v * tokens_per_request, replica_cost, v_r, api_per_request, per_quality_point, "ok", policy)


def cost_vs_volume(be: BreakEven, num_requests_per_month: np.ndarray | list[float], always_on: bool) -> pd.DataFrame:
    """Monthly cost of the self-hosted and the API option over a grid of volumes (the break-even chart).

    Columns: num_requests_per_month, self_hosted_monthly_cost_usd (``pricing.fleet``
    ``self_hosted_monthly_cost_usd``), api_monthly_cost_usd = ``c V`` (quality-scaled when ``be`` is).
    Empty when ``be`` lacks the figures.
    """
    v = np.asarray(num_requests_per_month, dtype=float)
    if be.replica_monthly_cost_usd is None or be.replica_requests_per_month is None or be.api_usd_per_request is None:
        return pd.DataFrame({"num_requests_per_month": [], "self_hosted_monthly_cost_usd": [],
                             "api_monthly_cost_usd": []})
    own = [fleet.self_hosted_monthly_cost_usd(x, be.replica_monthly_cost_usd, be.replica_requests_per_month,
                                              always_on, be.policy) for x in v]
    return pd.DataFrame({"num_requests_per_month": v, "self_hosted_monthly_cost_usd": np.asarray(own, dtype=float),
                         "api_monthly_cost_usd": v * be.api_usd_per_request})


def break_even_for_scenario(scenario: Scenario, options: pd.DataFrame, self_option_id: str, api_option_id: str,
                            workload_index: int = 0, per_quality_point: bool = False) -> BreakEven:
    """``break_even`` with the fleet assumptions of the scenario's workload ``workload_index`` (its fleet policy:
    spare and minimum replicas, spot capacity loss, as in the comparison table)."""
    spec = scenario.workloads[workload_index]
    always_on = scenario.sized_always_on
    return break_even(options, self_option_id, api_option_id, always_on=always_on,
                      utilisation_frac=scenario.utilisation_frac, peak_to_average_ratio=spec.peak_to_average_ratio,
                      workload=spec.name, per_quality_point=per_quality_point, policy=scenario.fleet_policy)


# ----------------------------------------------------------------------------------------- ROI table
ROI_COLUMNS: tuple[str, ...] = (
    "rank", "workload", "option_id", "kind", "model_name", "provider", "gpu_name", "gpus_total",
    "monthly_cost_usd", "quality_index", "usd_per_quality_point", "monthly_net_value_usd", "roi_frac", "status",
)


def roi_table(options: pd.DataFrame, workload: str | None = None) -> pd.DataFrame:
    """ROI per option: the ``ROI_COLUMNS`` of ``compare_options`` rows (one workload if named), ranked first."""
    sel = options if workload is None else options[options["workload"] == workload]
    return sel.loc[:, list(ROI_COLUMNS)].reset_index(drop=True)
