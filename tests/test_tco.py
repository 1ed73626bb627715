"""Ownership TCO: hand-computed $/GPU-hour, payback and rent vs buy; a higher price never lowers cost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pricing import tco

ASSUMPTIONS = {"server_overhead_frac": 0.2, "depreciation_years": 4.0, "electricity_usd_per_kwh": 0.10,
               "pue": 1.5, "average_load_frac": 0.5, "colocation_usd_per_kw_month": 150.0,
               "operations_overhead_frac": 0.05}


def test_purchase_usd_per_gpu_hour_hand_computed():
    # $30,000 GPU + 20 % server share -> K = $36,000.
    # depreciation 36000 / (4 * 8760)          = 1.027397 $/h
    # power 700 W: 0.7 kW * 0.5 * 1.5 * $0.10   = 0.052500 $/h
    # colocation 0.7 kW * $150 / 730            = 0.143836 $/h
    # operations 0.05 * 36000 / 8760            = 0.205479 $/h
    # total                                     = 1.429212 $/h; at 50 % utilisation 2.858425 $/busy h
    own = tco.ownership_cost(30000.0, 700.0, **ASSUMPTIONS)
    assert own.capex_usd == pytest.approx(36000.0)
    assert_allclose(own.depreciation_usd_per_gpu_hour, 1.027397, rtol=1e-6)
    assert_allclose(own.power_usd_per_gpu_hour, 0.0525, rtol=1e-9)
    assert_allclose(own.colocation_usd_per_gpu_hour, 0.143836, rtol=1e-5)
    assert_allclose(own.operations_usd_per_gpu_hour, 0.205479, rtol=1e-5)
    assert_allclose(own.usd_per_gpu_hour, 1.429212, rtol=1e-6)
    assert_allclose(tco.usd_per_busy_gpu_hour(own.usd_per_gpu_hour, 0.5), 2.858425, rtol=1e-6)


def test_server_share_price_is_not_marked_up_again():
    own = tco.ownership_cost(33750.0, 700.0, includes_server_share=True, **ASSUMPTIONS)
    assert own.capex_usd == 33750.0


def test_payback_and_rent_vs_buy():
    # Running cost (no depreciation) = 0.0525 + 0.143836 + 0.205479 = 0.401815 $/h.
    # Renting at $3/h saves (3 - 0.401815) * 730 = 1896.675 $/month -> payback 36000 / 1896.675 = 18.981 months.
    own = tco.ownership_cost(30000.0, 700.0, **ASSUMPTIONS)
    assert_allclose(tco.payback_months(own.capex_usd, 3.0, own.running_usd_per_gpu_hour), 18.981, rtol=1e-4)
    assert tco.payback_months(own.capex_usd, 0.3, own.running_usd_per_gpu_hour) is None
    table = tco.rent_vs_buy_cumulative(24, 8, 3.0, own)
    assert list(table.columns) == ["month", "rent_cumulative_usd", "buy_cumulative_usd"]
    assert table["buy_cumulative_usd"].iloc[0] == pytest.approx(8 * 36000.0)
    assert table["rent_cumulative_usd"].iloc[12] == pytest.approx(8 * 3.0 * 730 * 12)
    cheaper = table[table["buy_cumulative_usd"] <= table["rent_cumulative_usd"]]["month"]
    assert cheaper.min() == 19  # first whole month after the 18.98-month payback


def test_utilisation_out_of_range_is_an_error():
    with pytest.raises(ValueError, match="utilisation_frac"):
        tco.usd_per_busy_gpu_hour(1.0, 0.0)


@given(price=st.floats(100, 1e6), extra=st.floats(0, 1e5), kwh=st.floats(0, 2), kwh_extra=st.floats(0, 1))
def test_a_higher_price_never_lowers_cost(price, extra, kwh, kwh_extra):
    a = dict(ASSUMPTIONS, electricity_usd_per_kwh=kwh)
    b = dict(ASSUMPTIONS, electricity_usd_per_kwh=kwh + kwh_extra)
    base = tco.ownership_cost(price, 700.0, **a).usd_per_gpu_hour
    assert tco.ownership_cost(price + extra, 700.0, **a).usd_per_gpu_hour >= base
    assert tco.ownership_cost(price, 700.0, **b).usd_per_gpu_hour >= base
