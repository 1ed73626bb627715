"""Ownership TCO: every component hand-computed, payback, rent vs buy; a higher price never lowers cost."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from pricing import tco

# A GPU of $30,000 + 20 % server share, 4-year life, 8 % WACC, 10 % resale, fabric/storage 20 % of capex,
# 1,275 W of server power per GPU at 50 % load, PUE 1.5, $0.10/kWh, $150/kW-month colocation, support 5 %/yr,
# staff $60,000/yr per cluster + $6,000/yr per node on a 16-GPU cluster of 8-GPU nodes, software $1,000/GPU-yr.
ASSUMPTIONS = {"server_overhead_frac": 0.2, "depreciation_years": 4.0, "electricity_usd_per_kwh": 0.10,
               "pue": 1.5, "average_load_frac": 0.5, "colocation_usd_per_kw_month": 150.0,
               "operations_overhead_frac": 0.05, "wacc_frac": 0.08, "residual_value_frac": 0.10,
               "network_storage_frac": 0.20, "staff_usd_per_year_per_cluster": 60000.0,
               "staff_usd_per_year_per_node": 6000.0, "num_gpus_in_cluster": 16, "num_gpus_per_node": 8,
               "software_usd_per_gpu_year": 1000.0}


def test_every_component_hand_computed():
    # K = 30000 * 1.2 = 36000; R = 0.1 K = 3600; H = 8760 h/yr; Y = 4.
    # CRF = 0.08 / (1 - 1.08^-4) = 0.08 / (1 - 0.7350299) = 0.3019208
    # depreciation     36000 / (4 * 8760)                                  = 1.027397 $/h
    # residual_credit  -3600 / 35040                                       = -0.102740 $/h
    # cost_of_capital  ((36000 - 3600 * 0.7350299) * 0.3019208 - 32400/4) / 8760
    #                  = (10070.23 - 8100) / 8760                          = 0.224913 $/h
    # network_storage  0.2 * 36000 * 0.3019208 / 8760                      = 0.248154 $/h
    # power            1.275 kW * 0.5 * 1.5 * $0.10                        = 0.095625 $/h
    # colocation       1.275 kW * $150 / 730                               = 0.261986 $/h
    # staff            (60000 + 6000 * ceil(16/8)) / (16 * 8760)           = 0.513699 $/h
    # support          0.05 * 36000 / 8760                                 = 0.205479 $/h
    # software         1000 / 8760                                         = 0.114155 $/h
    # total                                                                = 2.588669 $/h
    own = tco.ownership_cost(30000.0, 1275.0, **ASSUMPTIONS)
    expected = {"depreciation": 1.027397, "residual_credit": -0.102740, "cost_of_capital": 0.224913,
                "network_storage": 0.248154, "power": 0.095625, "colocation": 0.261986, "staff": 0.513699,
                "support": 0.205479, "software": 0.114155}
    for name, value in expected.items():
        assert_allclose(own.components[name], value, rtol=2e-5, err_msg=name)
    assert set(own.components) == set(tco.COMPONENTS)
    assert_allclose(own.usd_per_gpu_hour, 2.588669, rtol=1e-6)
    assert own.capex_usd == pytest.approx(36000.0)
    assert own.total_capex_usd == pytest.approx(43200.0)
    assert_allclose(tco.usd_per_busy_gpu_hour(own.usd_per_gpu_hour, 0.5), 5.177338, rtol=1e-6)


def test_capital_terms_add_up_to_the_annuity():
    # d + v + k = (K - R (1+r)^-Y) CRF / H whatever r; at r = 0 the cost of capital vanishes and the capital
    # charge is straight-line depreciation net of resale: (36000 - 3600) / 35040 = 0.924658 $/h.
    own = tco.ownership_cost(30000.0, 1275.0, **ASSUMPTIONS)
    annuity = (36000.0 - 3600.0 * 1.08 ** -4) * tco.capital_recovery_factor(0.08, 4.0) / 8760.0
    c = own.components
    assert_allclose(c["depreciation"] + c["residual_credit"] + c["cost_of_capital"], annuity, rtol=1e-12)
    free = tco.ownership_cost(30000.0, 1275.0, **dict(ASSUMPTIONS, wacc_frac=0.0))
    assert free.cost_of_capital_usd_per_gpu_hour == pytest.approx(0.0, abs=1e-12)
    assert_allclose(free.depreciation_usd_per_gpu_hour + free.residual_credit_usd_per_gpu_hour, 0.924658, rtol=1e-6)


def test_whole_server_power_not_tdp():
    # DGX H100: 10,200 W / 8 GPUs = 1,275 W per GPU, 1.82 x the H100's 700 W TDP: power and colocation scale with it.
    at_tdp = tco.ownership_cost(30000.0, 700.0, **ASSUMPTIONS)
    at_server = tco.ownership_cost(30000.0, 1275.0, **ASSUMPTIONS)
    assert_allclose(at_server.power_usd_per_gpu_hour / at_tdp.power_usd_per_gpu_hour, 1275 / 700, rtol=1e-12)
    assert_allclose(at_server.colocation_usd_per_gpu_hour / at_tdp.colocation_usd_per_gpu_hour, 1275 / 700, rtol=1e-12)


def test_staff_fixed_part_spreads_over_the_cluster():
    # 8 GPUs (1 node): (60000 + 6000) / (8 * 8760) = 0.941781 $/h; 1024 GPUs (128 nodes):
    # (60000 + 6000 * 128) / (1024 * 8760) = 0.092306 $/h.
    assert_allclose(tco.staff_usd_per_gpu_hour(60000.0, 6000.0, 8, 8), 0.941781, rtol=1e-6)
    assert_allclose(tco.staff_usd_per_gpu_hour(60000.0, 6000.0, 1024, 8), 0.092306, rtol=1e-5)
    assert tco.num_nodes(9, 8) == 2


def test_server_share_price_is_not_marked_up_again():
    own = tco.ownership_cost(33750.0, 1275.0, includes_server_share=True, **ASSUMPTIONS)
    assert own.capex_usd == 33750.0


def test_payback_and_rent_vs_buy():
    # Running cost = power + colocation + staff + support + software
    #              = 0.095625 + 0.261986 + 0.513699 + 0.205479 + 0.114155 = 1.190945 $/h.
    # Up front K + fK = 43,200 $. Renting at $3/h saves (3 - 1.190945) * 730 = 1320.610 $/month
    # -> payback 43200 / 1320.610 = 32.712 months.
    own = tco.ownership_cost(30000.0, 1275.0, **ASSUMPTIONS)
    assert_allclose(own.running_usd_per_gpu_hour, 1.190945, rtol=1e-6)
    assert_allclose(tco.payback_months(own.total_capex_usd, 3.0, own.running_usd_per_gpu_hour), 32.712, rtol=1e-4)
    assert tco.payback_months(own.total_capex_usd, 1.0, own.running_usd_per_gpu_hour) is None
    table = tco.rent_vs_buy_cumulative(48, 8, 3.0, own)
    assert list(table.columns) == ["month", "rent_cumulative_usd", "buy_cumulative_usd"]
    assert table["buy_cumulative_usd"].iloc[0] == pytest.approx(8 * 43200.0)
    assert table["rent_cumulative_usd"].iloc[12] == pytest.approx(8 * 3.0 * 730 * 12)
    cheaper = table[table["buy_cumulative_usd"] <= table["rent_cumulative_usd"]]["month"]
    assert cheaper.min() == 33  # first whole month after the 32.7-month payback


def test_bad_inputs_are_errors():
    with pytest.raises(ValueError, match="utilisation_frac"):
        tco.usd_per_busy_gpu_hour(1.0, 0.0)
    with pytest.raises(ValueError, match="depreciation_years"):
        tco.capital_recovery_factor(0.08, 0.0)
    with pytest.raises(ValueError, match="wacc_frac"):
        tco.capital_recovery_factor(-0.01, 4.0)


@given(price=st.floats(100, 1e6), extra=st.floats(0, 1e5), kwh=st.floats(0, 2), kwh_extra=st.floats(0, 1),
       wacc=st.floats(0, 0.3), wacc_extra=st.floats(0, 0.2))
def test_a_higher_price_or_rate_never_lowers_cost(price, extra, kwh, kwh_extra, wacc, wacc_extra):
    a = dict(ASSUMPTIONS, electricity_usd_per_kwh=kwh, wacc_frac=wacc)
    base = tco.ownership_cost(price, 1275.0, **a).usd_per_gpu_hour
    assert tco.ownership_cost(price + extra, 1275.0, **a).usd_per_gpu_hour >= base * (1 - 1e-12)
    assert tco.ownership_cost(price, 1275.0, **dict(a, electricity_usd_per_kwh=kwh + kwh_extra)).usd_per_gpu_hour \
        >= base * (1 - 1e-12)
    assert tco.ownership_cost(price, 1275.0, **dict(a, wacc_frac=wacc + wacc_extra)).usd_per_gpu_hour \
        >= base * (1 - 1e-12)
