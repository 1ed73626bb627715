"""Buy now, rent, or wait: cumulative cost of serving one workload over a horizon of months.

Notes
-----
Prices move. Over a horizon of M months (36-60 for a hardware decision) the options are compared on their
cumulative cash cost, month by month, with three sourced trends (defaults in ``data/ownership_defaults.yaml``):

- the API price to reach a fixed capability falls by a factor ``d`` per year (Epoch AI, "LLM inference prices
  have fallen rapidly but unequally across tasks", 2025: 9x to 900x per year depending on the milestone);
- the rental price of a GPU falls by a fraction ``g`` per year as the GPU ages (H100: ~$8/h at its 2023 launch
  to $2.35/h for one-year contracts in March 2026, SemiAnalysis index);
- owned hardware keeps a resale value that retains a fraction ``k`` per year (secondary-market curves).

For a workload costing ``A`` [$/month] on the API, ``R`` [$/month] on rented GPUs and, owned, ``C`` [$] up front
plus ``O`` [$/month] to run (``pricing.tco``), month m = 1..M (t = m/12 years)::

    API          a_m = A d^-t                               cumulative  sum a_m
    rent         r_m = R (1 - g)^t                          cumulative  sum r_m
    buy now      C + O m - V_m,   V_m = C k^t                (net of selling the hardware at month m)
    wait W, buy  sum_{m<=W} r_m + [C' + O (m - W) - C' k^((m-W)/12)]  for m > W,  C' = C (1-g)^(W/12)
                 (rent for W months, then buy at a price that fell like the rental price)

The resale curve starts at the purchase price and keeps ``k`` of its value a year (secondary-market curves give
60-65 % after one year, 25-35 % after three). Financing cost and the efficiency gains self-hosting also gets from newer
open models are left out (stated; the API trend includes model improvements, so it flatters the API option).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

MONTHS_PER_YEAR = 12.0
OPTIONS: tuple[str, ...] = ("api", "rent", "buy_now", "wait_then_buy")


@dataclass(frozen=True)
class Trends:
    """Price trends over time (module Notes).

    api_price_decline_factor_per_year : d >= 1, the API price divides by d each year [-] (1 = flat);
    rental_price_decline_frac_per_year : g in [0, 1), rental price lost per year of GPU age [-];
    resale_retention_frac_per_year : k in (0, 1], share of resale value kept each year [-].
    """

    api_price_decline_factor_per_year: float
    rental_price_decline_frac_per_year: float
    resale_retention_frac_per_year: float

    def __post_init__(self) -> None:
        if not self.api_price_decline_factor_per_year >= 1.0:
            raise ValueError("api_price_decline_factor_per_year must be 1 or more (1 = prices stay flat)")
        if not 0.0 <= self.rental_price_decline_frac_per_year < 1.0:
            raise ValueError("rental_price_decline_frac_per_year must be in [0, 1)")
        if not 0.0 < self.resale_retention_frac_per_year <= 1.0:
            raise ValueError("resale_retention_frac_per_year must be in (0, 1]")


def horizon_costs(num_months: int, api_usd_per_month: float | None, rent_usd_per_month: float | None,
                  buy_capex_usd: float | None, own_running_usd_per_month: float | None, trends: Trends,
                  wait_months: int = 12) -> pd.DataFrame:
    """Cumulative cost [$] of each option at month 0..num_months (module Notes); columns ``month`` and
    ``<option>_cumulative_usd`` for the options with inputs (a None input leaves its column out), plus
    ``cheapest`` (the option with the lowest cumulative cost at that month)."""
    if num_months < 1:
        raise ValueError("num_months must be at least 1")
    months = np.arange(0, int(num_months) + 1, dtype=float)
    t = months / MONTHS_PER_YEAR
    out: dict[str, np.ndarray] = {"month": months.astype(int)}
    step = np.concatenate([[0.0], np.ones(len(months) - 1)])  # month 0 has no running cost yet
    if api_usd_per_month is not None:
        d = trends.api_price_decline_factor_per_year
        out["api_cumulative_usd"] = np.cumsum(step * api_usd_per_month * d ** -t)
    rent_monthly = None
    if rent_usd_per_month is not None:
        g = trends.rental_price_decline_frac_per_year
        rent_monthly = step * rent_usd_per_month * (1.0 - g) ** t
        out["rent_cumulative_usd"] = np.cumsum(rent_monthly)
    if buy_capex_usd is not None and own_running_usd_per_month is not None:
        k = trends.resale_retention_frac_per_year
        resale = buy_capex_usd * k ** t
        out["buy_now_cumulative_usd"] = buy_capex_usd + own_running_usd_per_month * months - resale
        if rent_monthly is not None and 0 < wait_months < num_months:
            w = float(wait_months)
            aged_capex = buy_capex_usd * (1.0 - trends.rental_price_decline_frac_per_year) ** (w / MONTHS_PER_YEAR)
            rented = np.cumsum(rent_monthly)
            after = months > w
            owned = aged_capex + own_running_usd_per_month * (months - w) \
                - aged_capex * k ** ((months - w) / MONTHS_PER_YEAR)
            out["wait_then_buy_cumulative_usd"] = np.where(after, rented[int(w)] + owned, rented)
    table = pd.DataFrame(out)
    cols = [c for c in table.columns if c.endswith("_cumulative_usd")]
    if cols:
        values = table[cols].to_numpy(float)
        table["cheapest"] = [cols[i].removesuffix("_cumulative_usd") for i in np.argmin(values, axis=1)]
    return table


def cheapest_at(table: pd.DataFrame, month: int) -> str | None:
    """The cheapest option cumulatively at ``month`` (None when the table has no option)."""
    if "cheapest" not in table or month >= len(table):
        return None
    return str(table["cheapest"].iloc[month])
