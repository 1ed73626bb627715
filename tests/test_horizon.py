"""Buy now, rent or wait: cumulative costs with price trends, hand-computed."""

from __future__ import annotations

import math

import pytest

from pricing.horizon import Trends, cheapest_at, horizon_costs


def test_flat_prices_hand_computed():
    # No trends (d = 1, g = 0) and a resale that keeps half its value a year (k = 0.5):
    # API $1,000/month -> 12,000 at month 12; rent $800/month -> 9,600;
    # buy $10,000 + $100/month, sold at month 12 for 10,000 x 0.5 = 5,000 -> 10,000 + 1,200 - 5,000 = 6,200.
    t = horizon_costs(36, 1000.0, 800.0, 10_000.0, 100.0, Trends(1.0, 0.0, 0.5))
    row = t.iloc[12]
    assert row["api_cumulative_usd"] == pytest.approx(12_000.0)
    assert row["rent_cumulative_usd"] == pytest.approx(9_600.0)
    assert row["buy_now_cumulative_usd"] == pytest.approx(6_200.0)
    assert cheapest_at(t, 12) == "buy_now"
    assert t.iloc[0]["api_cumulative_usd"] == 0.0


def test_falling_api_and_rental_prices():
    # API falling 9x a year: month m costs 1000 x 9^(-m/12); over 12 months sum = r (1 - r^12) / (1 - r) x 1000
    # with r = 9^(-1/12) = 0.832683 -> 4,423.7. Rent falling 50 % a year: 800 x 0.5^(m/12), same form.
    t = horizon_costs(24, 1000.0, 800.0, 10_000.0, 100.0, Trends(9.0, 0.5, 0.65), wait_months=12)
    r = 9 ** (-1 / 12)
    assert t.iloc[12]["api_cumulative_usd"] == pytest.approx(1000 * r * (1 - r ** 12) / (1 - r), rel=1e-9)
    assert t.iloc[12]["api_cumulative_usd"] == pytest.approx(4_423.7, rel=1e-4)
    q = 0.5 ** (1 / 12)
    rent12 = 800 * q * (1 - q ** 12) / (1 - q)
    assert t.iloc[12]["rent_cumulative_usd"] == pytest.approx(rent12, rel=1e-9)
    # Wait 12 months, then buy at 10,000 x 0.5 = 5,000; at month 24: rent12 + 5,000 + 12 x 100 - 5,000 x 0.65.
    assert t.iloc[24]["wait_then_buy_cumulative_usd"] == pytest.approx(rent12 + 5_000 + 1_200 - 3_250, rel=1e-9)
    assert t.iloc[6]["wait_then_buy_cumulative_usd"] == pytest.approx(t.iloc[6]["rent_cumulative_usd"])
    # Every cumulative curve except the resale-credited buy ones only rises.
    for col in ("api_cumulative_usd", "rent_cumulative_usd"):
        assert all(b >= a for a, b in zip(t[col], t[col][1:], strict=False))
    assert math.isfinite(t["buy_now_cumulative_usd"].iloc[-1])


def test_bad_trends_are_errors_and_missing_inputs_leave_columns_out():
    with pytest.raises(ValueError, match="api_price_decline"):
        Trends(0.5, 0.1, 0.6)
    with pytest.raises(ValueError, match="rental_price_decline"):
        Trends(2.0, 1.0, 0.6)
    t = horizon_costs(12, None, 800.0, None, None, Trends(1.0, 0.0, 0.5))
    assert list(t.columns) == ["month", "rent_cumulative_usd", "cheapest"]
