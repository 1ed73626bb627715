"""The $/GPU-hour a scenario's pricing basis gives for one GPU, or a clear reason why there is none.

Order of precedence:
1. ``scenario.usd_per_gpu_hour_overrides[gpu_id]`` (the user's own price), whatever the basis;
2. basis ``owned``: the ownership cost per wall-clock hour (``pricing.tco``) from the purchase price
   (``scenario.ownership.usd_per_gpu`` if set, else the catalog's purchase quotes at the price statistic)
   and the whole server's power per GPU (``server_power_for``);
3. a rental basis: the statistic (default the best quote) over the catalog's quotes of that basis within the
   scenario's provider class (``pricing.rental``; commitment quotes count as reserved).
No fallback between tiers: a GPU without a price for the basis gets a status saying so and is not ranked.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from calculator.catalog import Catalog
from calculator.schemas import PurchasePrice
from pricing.rental import rental_quote
from pricing.scenario import Ownership, Scenario
from pricing.tco import OwnershipCost, capex_usd, ownership_cost

# GPUs per server when no system datasheet is in the catalog (HGX/DGX and OAM platforms hold 8) [-].
DEFAULT_GPUS_PER_NODE = 8


@dataclass(frozen=True)
class GpuPrice:
    """Price of one GPU-hour under a scenario's pricing basis.

    usd_per_gpu_hour : [$/GPU-hour] per wall-clock hour, or None (then ``status`` says why).
    source : "override", "owned" or the rental tier; as_of : newest date of the quotes used.
    ownership : the cost build-up when owned (None otherwise).
    provider, provider_class, commitment_term : of the rental quote taken (None for a median of several quotes,
    an override or owned GPUs; ``provider_class`` is then the class asked for).
    estimated : the rental price rests on quotes the catalog marks as estimates (``RentalQuote.estimated``).
    """

    usd_per_gpu_hour: float | None
    source: str
    as_of: dt.date | None
    status: str
    ownership: OwnershipCost | None = None
    provider: str | None = None
    provider_class: str | None = None
    commitment_term: str | None = None
    estimated: bool = False


def purchase_capex_usd(catalog: Catalog, gpu_id: str, statistic: str,
                       server_overhead_frac: float) -> tuple[float | None, dt.date | None]:
    """Capex of one GPU with its server share [$] from the catalog's purchase quotes, at a statistic.

    Each quote is turned into capex first (``pricing.tco.capex_usd``: a ``gpu_only`` price gets the server
    share added, a ``server_share`` price does not); then low = min of the quotes' lows, median = median of
    their typical values, high = max of their highs. None when the catalog has no purchase quote.
    """
    quotes = [p for p in catalog.purchase_prices if p.gpu_id == gpu_id]
    if not quotes:
        return None, None

    def k(value: float | None, q: PurchasePrice) -> float:
        price = value if value is not None else q.usd_per_gpu_typical
        return capex_usd(price, server_overhead_frac, q.includes == "server_share")

    if statistic == "low":
        value = min(k(q.usd_per_gpu_low, q) for q in quotes)
    elif statistic == "high":
        value = max(k(q.usd_per_gpu_high, q) for q in quotes)
    else:
        value = float(np.median([k(q.usd_per_gpu_typical, q) for q in quotes]))
    return value, max(q.as_of for q in quotes)


@dataclass(frozen=True)
class ServerPowerChoice:
    """Server power charged to one owned GPU: w_per_gpu [W], GPUs per node [-], and where it comes from."""

    w_per_gpu: float
    num_gpus_per_node: int
    source: str
    estimate: bool


def server_power_for(catalog: Catalog, gpu_id: str, own: Ownership) -> ServerPowerChoice | None:
    """Whole-server power per GPU [W]: the user's figure, else the system datasheet (``server_power`` of
    ``data/ownership_defaults.yaml``), else ``server_power_to_tdp_ratio x TDP`` (an estimate); None without
    any of them (no TDP either)."""
    entry = next((e for e in catalog.server_power if e.gpu_id == gpu_id), None)
    per_node = entry.num_gpus_per_node if entry is not None else DEFAULT_GPUS_PER_NODE
    if own.server_power_w_per_gpu is not None:
        return ServerPowerChoice(own.server_power_w_per_gpu, per_node, "user", False)
    if entry is not None:
        return ServerPowerChoice(entry.w_per_gpu, per_node, f"{entry.system}: {entry.source}", entry.estimate)
    gpu = catalog.gpu(gpu_id)
    ratio = catalog.ownership_defaults.get("server_power_to_tdp_ratio")
    if gpu.tdp_w is None or ratio is None:
        return None
    return ServerPowerChoice(gpu.tdp_w * ratio.value, per_node,
                             f"estimate: {ratio.value:g} x TDP {gpu.tdp_w:g} W ({ratio.source})", True)


def ownership_for(own: Ownership, capex: float, power: ServerPowerChoice) -> OwnershipCost:
    """``pricing.tco.ownership_cost`` of one GPU at capex K [$] (server share included) and server power."""
    return ownership_cost(capex, power.w_per_gpu, server_overhead_frac=own.server_overhead_frac,
                          depreciation_years=own.depreciation_years,
                          electricity_usd_per_kwh=own.electricity_usd_per_kwh, pue=own.pue,
                          average_load_frac=own.average_load_frac,
                          colocation_usd_per_kw_month=own.colocation_usd_per_kw_month,
                          operations_overhead_frac=own.operations_overhead_frac, wacc_frac=own.wacc_frac,
                          residual_value_frac=own.residual_value_frac, network_storage_frac=own.network_storage_frac,
                          staff_usd_per_year_per_cluster=own.staff_usd_per_year_per_cluster,
                          staff_usd_per_year_per_node=own.staff_usd_per_year_per_node,
                          num_gpus_in_cluster=own.num_gpus_in_cluster, num_gpus_per_node=power.num_gpus_per_node,
                          software_usd_per_gpu_year=own.software_usd_per_gpu_year, includes_server_share=True)


def owned_price(scenario: Scenario, catalog: Catalog, gpu_id: str) -> GpuPrice:
    """Ownership cost of one GPU under the scenario's ``ownership`` assumptions (see ``pricing.tco``)."""
    own = scenario.ownership
    power = server_power_for(catalog, gpu_id, own)
    if power is None:
        return GpuPrice(None, "owned", None, f"no TDP or server power for {gpu_id} in the catalog: power cost of "
                                             "owning it unknown (set ownership.server_power_w_per_gpu)")
    capex: float | None
    if own.usd_per_gpu is not None:
        capex, as_of = capex_usd(own.usd_per_gpu, own.server_overhead_frac), None
    else:
        capex, as_of = purchase_capex_usd(catalog, gpu_id, scenario.price_statistic, own.server_overhead_frac)
        if capex is None:
            return GpuPrice(None, "owned", None, f"no purchase price for {gpu_id} in the catalog "
                                                 "(enter a GPU price: sidebar, Ownership assumptions; "
                                                 "ownership.usd_per_gpu in a scenario file)")
    cost = ownership_for(own, capex, power)
    return GpuPrice(cost.usd_per_gpu_hour, "owned", as_of, "ok", cost)


def gpu_price(scenario: Scenario, catalog: Catalog, gpu_id: str) -> GpuPrice:
    """The $/GPU-hour of ``gpu_id`` under the scenario (override > owned > rental tier), or why none."""
    if gpu_id in scenario.usd_per_gpu_hour_overrides:
        return GpuPrice(float(scenario.usd_per_gpu_hour_overrides[gpu_id]), "override", None, "ok")
    if scenario.pricing_basis == "owned":
        return owned_price(scenario, catalog, gpu_id)
    quote = rental_quote(catalog.rental_prices, gpu_id, scenario.pricing_basis, scenario.price_statistic,
                         scenario.provider_class)
    return GpuPrice(quote.usd_per_gpu_hour, scenario.pricing_basis, quote.as_of, quote.status,
                    provider=quote.provider, provider_class=quote.provider_class,
                    commitment_term=quote.commitment_term, estimated=quote.estimated)
