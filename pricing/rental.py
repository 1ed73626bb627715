"""Rental prices of GPU time from the catalog (``data/gpu_prices.yaml``).

Each catalog quote is a price per GPU-hour for one provider, tier and instance. A scenario asks for one
tier (``on_demand``, ``reserved_1y``, ``reserved_3y``, ``spot``) and one statistic over the quotes of that
tier (``low`` = cheapest, ``median``, ``high`` = dearest). A GPU without a quote for the tier has no price:
the caller reports that, it never invents one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calculator.schemas import RentalPrice

RENTAL_TIERS: tuple[str, ...] = ("on_demand", "reserved_1y", "reserved_3y", "spot")
STATISTICS: tuple[str, ...] = ("low", "median", "high")


@dataclass(frozen=True)
class RentalQuote:
    """A rental price chosen from the catalog quotes of one GPU and tier.

    usd_per_gpu_hour : price [$/GPU-hour], or None when the catalog has no quote for the tier.
    num_quotes : number of catalog quotes the statistic was taken over [-].
    as_of : newest ``as_of`` date of those quotes (None without quotes).
    status : "ok" or why there is no price.
    """

    usd_per_gpu_hour: float | None
    num_quotes: int
    as_of: dt.date | None
    status: str


def quotes_for(prices: Sequence[RentalPrice], gpu_id: str, tier: str) -> list[RentalPrice]:
    """Catalog quotes of one GPU in one pricing tier."""
    return [p for p in prices if p.gpu_id == gpu_id and p.pricing_tier == tier]


def price_statistic(values_usd_per_gpu_hour: Sequence[float], statistic: str) -> float:
    """One statistic over price quotes [$/GPU-hour]: ``low`` = min, ``median`` = median, ``high`` = max.

    The median of an even number of quotes is the mean of the two middle ones (numpy.median).
    """
    if statistic not in STATISTICS:
        raise ValueError(f"price statistic must be one of {', '.join(STATISTICS)} (got {statistic!r})")
    if not values_usd_per_gpu_hour:
        raise ValueError("no price quotes to take a statistic over")
    arr = np.asarray(values_usd_per_gpu_hour, dtype=float)
    if statistic == "low":
        return float(np.min(arr))
    if statistic == "high":
        return float(np.max(arr))
    return float(np.median(arr))


def rental_quote(prices: Sequence[RentalPrice], gpu_id: str, tier: str, statistic: str) -> RentalQuote:
    """The rental price of ``gpu_id`` in ``tier`` at ``statistic`` over the catalog quotes (or why none)."""
    if tier not in RENTAL_TIERS:
        raise ValueError(f"rental tier must be one of {', '.join(RENTAL_TIERS)} (got {tier!r})")
    found = quotes_for(prices, gpu_id, tier)
    if not found:
        return RentalQuote(None, 0, None, f"no {tier} price for {gpu_id} in the catalog")
    value = price_statistic([q.usd_per_gpu_hour for q in found], statistic)
    return RentalQuote(value, len(found), max(q.as_of for q in found), "ok")
