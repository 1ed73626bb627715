"""Owning GPUs: total cost of ownership per GPU-hour, component by component; rent vs buy over time, payback.

Notes
-----
One GPU bought at price P [$] with a share s [-] of its server (CPUs, memory, NICs, chassis;
``server_overhead_frac``; zero when the quote already includes the server share), kept Y years and sold for a
residual fraction rho [-] of its capex, financed at a weighted average cost of capital r [1/year]. Its server
draws at most W [W per GPU] (system datasheet power / GPUs per node), on average a fraction L [-] of it, in a
hall of PUE [-] at electricity price e [$/kWh], colocated at c [$/kW-month] of provisioned power. The cluster
of G GPUs in servers of g GPUs has a fixed staff cost S_c [$/year] plus S_n [$/year] per server; support
contracts and spares cost o [-/year] of capex; software licences cost S_w [$/GPU-year]. With H = 8760 h/year::

    capex                K   = P (1 + s)                                                     [$]
    residual value       R   = rho K                                                         [$]
    capital recovery     CRF = r / (1 - (1 + r)^-Y)         (1/Y when r = 0)                  [1/year]
    levelised capital    A   = (K - R (1 + r)^-Y) CRF                                        [$/year]

    depreciation         d   = K / (Y H)                                                     [$/GPU-hour]
    residual_credit      v   = -R / (Y H)                   (<= 0)                           [$/GPU-hour]
    cost_of_capital      k   = (A - (K - R) / Y) / H        (so d + v + k = A / H)           [$/GPU-hour]
    network_storage      n   = f K CRF / H                  (fabric + storage, levelised)    [$/GPU-hour]
    power                w   = W / 1000 * L * PUE * e                                        [$/GPU-hour]
    colocation           h   = W / 1000 * c / 730                                            [$/GPU-hour]
    staff                m_s = (S_c + S_n ceil(G / g)) / (G H)                               [$/GPU-hour]
    support              m_o = o K / H                                                       [$/GPU-hour]
    software             m_w = S_w / H                                                       [$/GPU-hour]
    total                p   = d + v + k + n + w + h + m_s + m_o + m_w   per wall-clock hour [$/GPU-hour]

``A`` is the annuity that repays the capex net of the discounted resale value at the WACC over the life: the
capital recovery factor of engineering economics (e.g. NREL, "Simple Levelized Cost of Energy (LCOE)
Calculator Documentation"; Short, Packey and Holt, "A Manual for the Economic Evaluation of Energy Efficiency
and Renewable Energy Technologies", NREL/TP-462-5173, 1995). It is split into straight-line depreciation, the
residual credit and the cost of capital so that each is visible. The build-up follows GPU TCO models
(SemiAnalysis "AI Cloud TCO Model"; Epoch AI, "The cost of training frontier AI models", 2024). Power and
colocation are charged on the whole server's power per GPU (an HGX/DGX H100 node draws up to 10.2 kW for
8 GPUs, 1,275 W each, not the GPU's 700 W TDP). Every default is sourced in ``data/ownership_defaults.yaml``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from calculator.units import HOURS_PER_MONTH, HOURS_PER_YEAR, W_PER_KW

# Component names, in the order of the stack (CLI ``tco --json`` keys, CSV and chart labels).
COMPONENTS: tuple[str, ...] = (
    "depreciation", "cost_of_capital", "residual_credit", "network_storage", "power", "colocation", "staff",
    "support", "software",
)


def capex_usd(usd_per_gpu: float, server_overhead_frac: float, includes_server_share: bool = False) -> float:
    """Capital cost of one GPU with its share of the server [$]: ``K = P (1 + s)``.

    usd_per_gpu : purchase price P [$ per GPU]; includes_server_share : P already holds the server share.
    """
    return usd_per_gpu if includes_server_share else usd_per_gpu * (1.0 + server_overhead_frac)


def capital_recovery_factor(wacc_frac: float, years: float) -> float:
    """Capital recovery factor [1/year]: ``CRF = r / (1 - (1 + r)^-Y)``; ``1/Y`` at ``r = 0``.

    The constant yearly payment that repays 1 $ over Y years at interest r (Short et al., NREL/TP-462-5173).
    """
    if years <= 0.0:
        raise ValueError(f"depreciation_years must be above 0 (got {years!r})")
    if wacc_frac < 0.0:
        raise ValueError(f"wacc_frac must be 0 or more (got {wacc_frac!r})")
    if wacc_frac == 0.0:
        return 1.0 / years
    # 1 - (1 + r)^-Y as -expm1(-Y log1p(r)): no cancellation for a tiny r (r = 1e-9 stays accurate).
    return wacc_frac / -math.expm1(-years * math.log1p(wacc_frac))


def depreciation_usd_per_gpu_hour(capex: float, depreciation_years: float) -> float:
    """Straight-line depreciation of the full capex [$/GPU-hour]: ``d = K / (Y * 8760)``."""
    return capex / (depreciation_years * HOURS_PER_YEAR)


def residual_credit_usd_per_gpu_hour(capex: float, residual_value_frac: float, depreciation_years: float) -> float:
    """Resale value at end of life spread over the life, as a credit [$/GPU-hour]: ``v = -rho K / (Y H)``."""
    return -residual_value_frac * capex / (depreciation_years * HOURS_PER_YEAR)


def cost_of_capital_usd_per_gpu_hour(capex: float, residual_value_frac: float, depreciation_years: float,
                                     wacc_frac: float) -> float:
    """Financing cost of the capex [$/GPU-hour]: ``k = ((K - R (1+r)^-Y) CRF - (K - R)/Y) / H`` (Notes).

    Zero at ``r = 0``; the levelised capital charge minus straight-line depreciation net of resale.
    """
    r, y = wacc_frac, depreciation_years
    residual = residual_value_frac * capex
    annuity = (capex - residual * (1.0 + r) ** -y) * capital_recovery_factor(r, y)
    return (annuity - (capex - residual) / y) / HOURS_PER_YEAR


def network_storage_usd_per_gpu_hour(capex: float, network_storage_frac: float, depreciation_years: float,
                                     wacc_frac: float) -> float:
    """Cluster fabric and storage per GPU, levelised at the WACC [$/GPU-hour]: ``n = f K CRF / H``."""
    return network_storage_frac * capex * capital_recovery_factor(wacc_frac, depreciation_years) / HOURS_PER_YEAR


def power_usd_per_gpu_hour(server_power_w_per_gpu: float, average_load_frac: float, pue: float,
                           electricity_usd_per_kwh: float) -> float:
    """Electricity of one GPU's share of its server including facility overhead [$/GPU-hour].

    ``w = W/1000 * L * PUE * e``; W [W per GPU] server maximum power / GPUs per node, L [-] average draw as a
    fraction of W, pue [-], electricity_usd_per_kwh [$/kWh].
    """
    return server_power_w_per_gpu / W_PER_KW * average_load_frac * pue * electricity_usd_per_kwh


def colocation_usd_per_gpu_hour(server_power_w_per_gpu: float, colocation_usd_per_kw_month: float) -> float:
    """Colocation per GPU, billed on provisioned server power [$/GPU-hour]: ``h = W/1000 * c / 730``."""
    return server_power_w_per_gpu / W_PER_KW * colocation_usd_per_kw_month / HOURS_PER_MONTH


def num_nodes(num_gpus_in_cluster: int, num_gpus_per_node: int) -> int:
    """Servers holding the cluster [-]: ``ceil(G / g)``."""
    return math.ceil(num_gpus_in_cluster / num_gpus_per_node)


def staff_usd_per_gpu_hour(staff_usd_per_year_per_cluster: float, staff_usd_per_year_per_node: float,
                           num_gpus_in_cluster: int, num_gpus_per_node: int) -> float:
    """Operations staff per GPU [$/GPU-hour]: ``(S_c + S_n ceil(G/g)) / (G * 8760)``."""
    if num_gpus_in_cluster < 1 or num_gpus_per_node < 1:
        raise ValueError("num_gpus_in_cluster and num_gpus_per_node must be at least 1")
    nodes = num_nodes(num_gpus_in_cluster, num_gpus_per_node)
    return (staff_usd_per_year_per_cluster + staff_usd_per_year_per_node * nodes) / (
        num_gpus_in_cluster * HOURS_PER_YEAR)


def operations_usd_per_gpu_hour(capex: float, operations_overhead_frac: float) -> float:
    """Support contracts and spares [$/GPU-hour]: ``m_o = o * K / 8760`` (o per year of capex)."""
    return operations_overhead_frac * capex / HOURS_PER_YEAR


def usd_per_busy_gpu_hour(usd_per_gpu_hour: float, utilisation_frac: float) -> float:
    """Cost of one hour of useful GPU work [$/busy GPU-hour]: ``p_u = p / u`` (u in (0, 1])."""
    if not 0.0 < utilisation_frac <= 1.0:
        raise ValueError(f"utilisation_frac must be in (0, 1] (got {utilisation_frac!r})")
    return usd_per_gpu_hour / utilisation_frac


@dataclass(frozen=True)
class OwnershipCost:
    """Cost of owning one GPU per wall-clock hour, by component [$/GPU-hour], with its capex [$].

    capex_usd : GPU + server share K [$]; network_storage_capex_usd : f K [$];
    server_power_w_per_gpu : W [W] the power and colocation terms were charged on.
    """

    capex_usd: float
    network_storage_capex_usd: float
    server_power_w_per_gpu: float
    depreciation_usd_per_gpu_hour: float
    cost_of_capital_usd_per_gpu_hour: float
    residual_credit_usd_per_gpu_hour: float
    network_storage_usd_per_gpu_hour: float
    power_usd_per_gpu_hour: float
    colocation_usd_per_gpu_hour: float
    staff_usd_per_gpu_hour: float
    operations_usd_per_gpu_hour: float
    software_usd_per_gpu_hour: float

    @property
    def components(self) -> dict[str, float]:
        """Component name (``COMPONENTS``) -> [$/GPU-hour]; they sum to ``usd_per_gpu_hour``."""
        return {
            "depreciation": self.depreciation_usd_per_gpu_hour,
            "cost_of_capital": self.cost_of_capital_usd_per_gpu_hour,
            "residual_credit": self.residual_credit_usd_per_gpu_hour,
            "network_storage": self.network_storage_usd_per_gpu_hour,
            "power": self.power_usd_per_gpu_hour,
            "colocation": self.colocation_usd_per_gpu_hour,
            "staff": self.staff_usd_per_gpu_hour,
            "support": self.operations_usd_per_gpu_hour,
            "software": self.software_usd_per_gpu_hour,
        }

    @property
    def usd_per_gpu_hour(self) -> float:
        """Total ``p`` [$/GPU-hour] (module Notes)."""
        return float(sum(self.components.values()))

    @property
    def total_capex_usd(self) -> float:
        """Cash paid up front per GPU [$]: ``K + f K``."""
        return self.capex_usd + self.network_storage_capex_usd

    @property
    def running_usd_per_gpu_hour(self) -> float:
        """Cash cost of running an owned GPU, without capital terms ``w + h + m_s + m_o + m_w`` [$/GPU-hour]."""
        return (self.power_usd_per_gpu_hour + self.colocation_usd_per_gpu_hour + self.staff_usd_per_gpu_hour
                + self.operations_usd_per_gpu_hour + self.software_usd_per_gpu_hour)


def ownership_cost(usd_per_gpu: float, server_power_w_per_gpu: float, *, server_overhead_frac: float,
                   depreciation_years: float, electricity_usd_per_kwh: float, pue: float, average_load_frac: float,
                   colocation_usd_per_kw_month: float, operations_overhead_frac: float, wacc_frac: float = 0.0,
                   residual_value_frac: float = 0.0, network_storage_frac: float = 0.0,
                   staff_usd_per_year_per_cluster: float = 0.0, staff_usd_per_year_per_node: float = 0.0,
                   num_gpus_in_cluster: int = 8, num_gpus_per_node: int = 8, software_usd_per_gpu_year: float = 0.0,
                   includes_server_share: bool = False) -> OwnershipCost:
    """Cost of owning one GPU [$/GPU-hour], every component of the module Notes.

    usd_per_gpu : purchase price [$]; server_power_w_per_gpu : server maximum power per GPU [W]; the other
    arguments are the ``Ownership`` assumptions with their units in their names.
    """
    k = capex_usd(usd_per_gpu, server_overhead_frac, includes_server_share)
    y = depreciation_years
    return OwnershipCost(
        capex_usd=k,
        network_storage_capex_usd=network_storage_frac * k,
        server_power_w_per_gpu=server_power_w_per_gpu,
        depreciation_usd_per_gpu_hour=depreciation_usd_per_gpu_hour(k, y),
        cost_of_capital_usd_per_gpu_hour=cost_of_capital_usd_per_gpu_hour(k, residual_value_frac, y, wacc_frac),
        residual_credit_usd_per_gpu_hour=residual_credit_usd_per_gpu_hour(k, residual_value_frac, y),
        network_storage_usd_per_gpu_hour=network_storage_usd_per_gpu_hour(k, network_storage_frac, y, wacc_frac),
        power_usd_per_gpu_hour=power_usd_per_gpu_hour(server_power_w_per_gpu, average_load_frac, pue,
                                                      electricity_usd_per_kwh),
        colocation_usd_per_gpu_hour=colocation_usd_per_gpu_hour(server_power_w_per_gpu, colocation_usd_per_kw_month),
        staff_usd_per_gpu_hour=staff_usd_per_gpu_hour(staff_usd_per_year_per_cluster, staff_usd_per_year_per_node,
                                                      num_gpus_in_cluster, num_gpus_per_node),
        operations_usd_per_gpu_hour=operations_usd_per_gpu_hour(k, operations_overhead_frac),
        software_usd_per_gpu_hour=software_usd_per_gpu_year / HOURS_PER_YEAR,
    )


def payback_months(capex: float, rent_usd_per_gpu_hour: float, running_usd_per_gpu_hour: float) -> float | None:
    """Months until buying beats renting one always-on GPU [months], or None if it never does.

    Buying costs K up front and ``r_own`` per hour to run; renting costs ``r_rent`` per hour::

        payback = K / ((r_rent - r_own) * 730)

    None when renting is no dearer than running an owned GPU (buying never pays back). The financing cost and
    the resale value are left out (a simple cash payback, as a CFO's first screen).
    """
    saving_usd_per_month = (rent_usd_per_gpu_hour - running_usd_per_gpu_hour) * HOURS_PER_MONTH
    if saving_usd_per_month <= 0.0:
        return None
    return capex / saving_usd_per_month


def rent_vs_buy_cumulative(num_months: int, num_gpus: int, rent_usd_per_gpu_hour: float,
                           own: OwnershipCost) -> pd.DataFrame:
    """Cumulative cash cost of renting vs buying ``num_gpus`` always-on GPUs, month 0..num_months.

    Columns: month, rent_cumulative_usd = ``n * r_rent * 730 * month``,
    buy_cumulative_usd = ``n * (K + fK + r_own * 730 * month)`` (capex and fabric paid at month 0; no resale).
    """
    months = np.arange(0, int(num_months) + 1, dtype=float)
    rent = num_gpus * rent_usd_per_gpu_hour * HOURS_PER_MONTH * months
    buy = num_gpus * (own.total_capex_usd + own.running_usd_per_gpu_hour * HOURS_PER_MONTH * months)
    return pd.DataFrame({"month": months.astype(int), "rent_cumulative_usd": rent, "buy_cumulative_usd": buy})
