"""Rental prices of GPU time from the catalog (``data/gpu_prices.yaml``): the price a buyer can get.

Each catalog quote is a price per GPU-hour for one provider, tier and instance, with the provider's class
(hyperscaler, specialist cloud, marketplace; ``calculator.schemas.PROVIDER_CLASS_OF_KIND``) and a commitment
term. A scenario asks for one rental basis (``on_demand``, ``reserved_1y``, ``reserved_3y``, ``spot``), one
provider class (or ``any``) and one statistic over the matching quotes: ``low`` is the best quote in the class,
the price a buyer who shops within that class pays; ``median`` and ``high`` stay for the sensitivity view.

Which quotes count for a basis (``counts_for_basis``):
- ``on_demand`` and ``spot``: quotes of that tier;
- ``reserved_1y``: 1-year reserved quotes and commitment quotes whose term is under three years or unstated
  (capacity blocks, monthly and 1-2 year contracts, "reserved from" rate cards without a term);
- ``reserved_3y``: 3-year reserved quotes and 3-year commitments.
Market indices (provider kind ``other``) are references, not quotes: they count only for the class ``any``.
A GPU without a quote for the basis and class has no price: the caller says so and never invents one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from calculator.schemas import RentalPrice

RENTAL_TIERS: tuple[str, ...] = ("on_demand", "reserved_1y", "reserved_3y", "spot")
STATISTICS: tuple[str, ...] = ("low", "median", "high")
PROVIDER_CLASSES: tuple[str, ...] = ("any", "hyperscaler", "specialist", "marketplace")
_SHORT_TERMS = ("capacity_block", "1m", "3m", "6m", "1y", "2y", "unstated")


@dataclass(frozen=True)
class RentalQuote:
    """A rental price chosen from the catalog quotes of one GPU, basis and provider class.

    usd_per_gpu_hour : price at the statistic [$/GPU-hour], or None when no quote matches.
    num_quotes : quotes the statistic was taken over [-]; as_of : newest ``as_of`` among them.
    provider, provider_class, commitment_term : of the quote taken (low/high); None for a median of several.
    estimated : the price rests on catalog estimates: the quote taken is ``estimate: true``, or (a median of
        several) more than half of the quotes are.
    low/median/high_usd_per_gpu_hour : the range of the matching quotes [$/GPU-hour] (sensitivity).
    status : "ok" or why there is no price.
    """

    usd_per_gpu_hour: float | None
    num_quotes: int
    as_of: dt.date | None
    status: str
    provider: str | None = None
    provider_class: str | None = None
    commitment_term: str | None = None
    low_usd_per_gpu_hour: float | None = None
    median_usd_per_gpu_hour: float | None = None
    high_usd_per_gpu_hour: float | None = None
    estimated: bool = False


def counts_for_basis(quote: RentalPrice, basis: str) -> bool:
    """Whether a catalog quote prices a rental basis (module docstring): commitments count as reserved."""
    if quote.pricing_tier == basis:
        return True
    if quote.pricing_tier != "commitment":
        return False
    if basis == "reserved_1y":
        return quote.term in _SHORT_TERMS
    return basis == "reserved_3y" and quote.term == "3y"


def in_class(quote: RentalPrice, provider_class: str) -> bool:
    """Whether a quote belongs to a provider class (``any``: every quote, market indices included)."""
    return provider_class == "any" or quote.provider_class == provider_class


def quotes_for(prices: Sequence[RentalPrice], gpu_id: str, tier: str,
               provider_class: str = "any") -> list[RentalPrice]:
    """Catalog quotes of one GPU that price a basis, within a provider class."""
    return [p for p in prices if p.gpu_id == gpu_id and counts_for_basis(p, tier) and in_class(p, provider_class)]


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


def _class_words(provider_class: str) -> str:
    return {"any": "", "hyperscaler": " from a hyperscaler", "specialist": " from a specialist cloud",
            "marketplace": " on a marketplace"}[provider_class]


def rental_quote(prices: Sequence[RentalPrice], gpu_id: str, tier: str, statistic: str,
                 provider_class: str = "any") -> RentalQuote:
    """The rental price of ``gpu_id`` for a basis at ``statistic`` over the quotes of a provider class."""
    if tier not in RENTAL_TIERS:
        raise ValueError(f"rental tier must be one of {', '.join(RENTAL_TIERS)} (got {tier!r})")
    if provider_class not in PROVIDER_CLASSES:
        raise ValueError(f"provider class must be one of {', '.join(PROVIDER_CLASSES)} (got {provider_class!r})")
    found = quotes_for(prices, gpu_id, tier, provider_class)
    if not found:
        return RentalQuote(None, 0, None, f"no {tier} price{_class_words(provider_class)} for {gpu_id} in the catalog")
    values = [q.usd_per_gpu_hour for q in found]
    value = price_statistic(values, statistic)
    low, median, high = (price_statistic(values, s) for s in STATISTICS)
    taken = None
    if statistic != "median" or len(found) == 1:
        taken = min(found, key=lambda q: q.usd_per_gpu_hour) if statistic != "high" else \
            max(found, key=lambda q: q.usd_per_gpu_hour)
    return RentalQuote(value, len(found), max(q.as_of for q in found), "ok",
                       provider=taken.provider if taken else None,
                       provider_class=taken.provider_class if taken else provider_class,
                       commitment_term=taken.term if taken else None,
                       low_usd_per_gpu_hour=low, median_usd_per_gpu_hour=median, high_usd_per_gpu_hour=high,
                       estimated=taken.estimate if taken else 2 * sum(q.estimate for q in found) > len(found))
