"""Rental price statistics over catalog quotes."""

from __future__ import annotations

import datetime as dt

import pytest

from calculator.schemas import RentalPrice
from pricing.rental import price_statistic, rental_quote


def quote(price: float, tier: str = "on_demand", day: int = 1) -> RentalPrice:
    return RentalPrice(gpu_id="x1", provider="p", provider_kind="other", pricing_tier=tier, usd_per_gpu_hour=price,
                       source="test quote", as_of=dt.date(2026, 1, day))


def test_statistics_over_quotes():
    prices = [quote(2.0, day=1), quote(4.0, day=3), quote(3.0, day=2), quote(10.0, day=5)]
    assert rental_quote(prices, "x1", "on_demand", "low").usd_per_gpu_hour == 2.0
    assert rental_quote(prices, "x1", "on_demand", "high").usd_per_gpu_hour == 10.0
    med = rental_quote(prices, "x1", "on_demand", "median")
    assert med.usd_per_gpu_hour == pytest.approx(3.5)  # mean of the middle two (3, 4)
    assert med.num_quotes == 4
    assert med.as_of == dt.date(2026, 1, 5)


def test_missing_tier_has_no_price_and_says_so():
    q = rental_quote([quote(2.0)], "x1", "reserved_1y", "median")
    assert q.usd_per_gpu_hour is None
    assert q.status == "no reserved_1y price for x1 in the catalog"


def test_bad_statistic_is_an_error():
    with pytest.raises(ValueError, match="statistic"):
        price_statistic([1.0], "mean")
