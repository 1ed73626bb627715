"""Owning GPUs: total cost of ownership per GPU-hour, rent vs buy over time, payback.

Notes
-----
For one GPU bought at price P [$] with a share of server and network s [-] (CPUs, memory, NICs, chassis;
``server_overhead_frac``), depreciated straight-line over Y years, drawing TDP [W] x average load L [-] x
PUE [-] at electricity price e [$/kWh], housed at c [$/kW-month] of IT capacity and run at an operations
overhead o [-/year of capex]::

    capex             K   = P (1 + s)                      (P already includes the server share: K = P)
    depreciation      d   = K / (Y * 8760)                                         [$/GPU-hour]
    power             w   = TDP / 1000 * L * PUE * e                               [$/GPU-hour]
    colocation        h   = TDP / 1000 * c / 730                                   [$/GPU-hour]
    operations        m   = o * K / 8760                                           [$/GPU-hour]
    total             p   = d + w + h + m                 per wall-clock hour      [$/GPU-hour]
    per busy hour     p_u = p / u                         at utilisation u         [$/busy GPU-hour]

This is the standard cost-per-hour build-up of GPU TCO models (e.g. SemiAnalysis "AI Cloud TCO Model";
Epoch AI, "The cost of training frontier AI models", 2024, which amortises hardware over its life and adds
energy at PUE). Straight-line depreciation follows the hyperscalers' 10-K server lives (5-6 years; see
``data/ownership_defaults.yaml``). Colocation is billed per kW of provisioned IT capacity (CBRE), taken as
the GPU's TDP; the server's own CPUs and fans are not in the catalog and are left out (an under-estimate).
Every default comes from ``data/ownership_defaults.yaml`` through the scenario's ``Ownership``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from calculator.units import HOURS_PER_MONTH, HOURS_PER_YEAR, W_PER_KW


def capex_usd(usd_per_gpu: float, server_overhead_frac: float, includes_server_share: bool = False) -> float:
    """Capital cost of one GPU with its share of server and network [$]: ``K = P (1 + s)``.

    usd_per_gpu : purchase price P [$ per GPU]; includes_server_share : P already holds the server share.
    """
    return usd_per_gpu if includes_server_share else usd_per_gpu * (1.0 + server_overhead_frac)


def depreciation_usd_per_gpu_hour(capex: float, depreciation_years: float) -> float:
    """Straight-line depreciation [$/GPU-hour]: ``d = K / (Y * 8760)``."""
    return capex / (depreciation_years * HOURS_PER_YEAR)


def power_usd_per_gpu_hour(tdp_w: float, average_load_frac: float, pue: float,
                           electricity_usd_per_kwh: float) -> float:
    """Electricity of one GPU including facility overhead [$/GPU-hour]: ``w = TDP/1000 * L * PUE * e``.

    tdp_w [W], average_load_frac [-] (average draw / TDP), pue [-], electricity_usd_per_kwh [$/kWh].
    """
    return tdp_w / W_PER_KW * average_load_frac * pue * electricity_usd_per_kwh


def colocation_usd_per_gpu_hour(tdp_w: float, colocation_usd_per_kw_month: float) -> float:
    """Colocation / facility cost per GPU [$/GPU-hour]: ``h = TDP/1000 * c / 730`` (billed per kW of IT)."""
    return tdp_w / W_PER_KW * colocation_usd_per_kw_month / HOURS_PER_MONTH


def operations_usd_per_gpu_hour(capex: float, operations_overhead_frac: float) -> float:
    """Staff, support contracts and spares [$/GPU-hour]: ``m = o * K / 8760`` (o per year of capex)."""
    return operations_overhead_frac * capex / HOURS_PER_YEAR


def usd_per_busy_gpu_hour(usd_per_gpu_hour: float, utilisation_frac: float) -> float:
    """Cost of one hour of useful GPU work [$/busy GPU-hour]: ``p_u = p / u`` (u in (0, 1])."""
    if not 0.0 < utilisation_frac <= 1.0:
        raise ValueError(f"utilisation_frac must be in (0, 1] (got {utilisation_frac!r})")
    return usd_per_gpu_hour / utilisation_frac


@dataclass(frozen=True)
class OwnershipCost:
    """Cost of owning one GPU, per wall-clock hour (components and total) [$/GPU-hour], and its capex [$]."""

    capex_usd: float
    depreciation_usd_per_gpu_hour: float
    power_usd_per_gpu_hour: float
    colocation_usd_per_gpu_hour: float
    operations_usd_per_gpu_hour: float

    @property
    def usd_per_gpu_hour(self) -> float:
        """Total ``p = d + w + h + m`` [$/GPU-hour]."""
        return (self.depreciation_usd_per_gpu_hour + self.power_usd_per_gpu_hour
                + self.colocation_usd_per_gpu_hour + self.operations_usd_per_gpu_hour)

    @property
    def running_usd_per_gpu_hour(self) -> float:
        """Cash cost of running an owned GPU, without depreciation ``w + h + m`` [$/GPU-hour]."""
        return self.power_usd_per_gpu_hour + self.colocation_usd_per_gpu_hour + self.operations_usd_per_gpu_hour


def ownership_cost(usd_per_gpu: float, tdp_w: float, *, server_overhead_frac: float, depreciation_years: float,
                   electricity_usd_per_kwh: float, pue: float, average_load_frac: float,
                   colocation_usd_per_kw_month: float, operations_overhead_frac: float,
                   includes_server_share: bool = False) -> OwnershipCost:
    """Cost of owning one GPU [$/GPU-hour] (see the module Notes for each term)."""
    k = capex_usd(usd_per_gpu, server_overhead_frac, includes_server_share)
    return OwnershipCost(
        capex_usd=k,
        depreciation_usd_per_gpu_hour=depreciation_usd_per_gpu_hour(k, depreciation_years),
        power_usd_per_gpu_hour=power_usd_per_gpu_hour(tdp_w, average_load_frac, pue, electricity_usd_per_kwh),
        colocation_usd_per_gpu_hour=colocation_usd_per_gpu_hour(tdp_w, colocation_usd_per_kw_month),
        operations_usd_per_gpu_hour=operations_usd_per_gpu_hour(k, operations_overhead_frac),
    )


def payback_months(capex: float, rent_usd_per_gpu_hour: float, running_usd_per_gpu_hour: float) -> float | None:
    """Months until buying beats renting one always-on GPU [months], or None if it never does.

    Buying costs K up front and ``r_own`` per hour to run; renting costs ``r_rent`` per hour::

        payback = K / ((r_rent - r_own) * 730)

    None when renting is no dearer than running an owned GPU (buying never pays back).
    """
    saving_usd_per_month = (rent_usd_per_gpu_hour - running_usd_per_gpu_hour) * HOURS_PER_MONTH
    if saving_usd_per_month <= 0.0:
        return None
    return capex / saving_usd_per_month


def rent_vs_buy_cumulative(num_months: int, num_gpus: int, rent_usd_per_gpu_hour: float,
                           own: OwnershipCost) -> pd.DataFrame:
    """Cumulative cash cost of renting vs buying ``num_gpus`` always-on GPUs, month 0..num_months.

    Columns: month, rent_cumulative_usd = ``n * r_rent * 730 * month``,
    buy_cumulative_usd = ``n * (K + r_own * 730 * month)`` (capex paid at month 0, no resale value).
    """
    months = np.arange(0, int(num_months) + 1, dtype=float)
    rent = num_gpus * rent_usd_per_gpu_hour * HOURS_PER_MONTH * months
    buy = num_gpus * (own.capex_usd + own.running_usd_per_gpu_hour * HOURS_PER_MONTH * months)
    return pd.DataFrame({"month": months.astype(int), "rent_cumulative_usd": rent, "buy_cumulative_usd": buy})
