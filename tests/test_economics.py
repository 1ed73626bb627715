"""Economics page functions: rent vs buy, break-even (solves cost_self = cost_api), ROI table."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pricing.economics import (
    break_even,
    break_even_for_scenario,
    capacity_mix_for_options,
    cost_vs_volume,
    horizon_for_options,
    payback_by_basis,
    rent_vs_buy,
    rental_prices_by_tier,
    roi_table,
)
from pricing.kinds import KIND_API, KIND_DENSE
from pricing.options import OptionRow, compare_options, to_frame
from pricing.scenario import Ownership, Scenario, WorkloadSpec

WL = WorkloadSpec(name="Coding", input_tokens=2048, output_tokens=28, requests_per_day=200_000,
                  peak_to_average_ratio=4.16, ttft_slo_ms=500, tpot_slo_ms=40, quality_profile="coding")


@pytest.fixture(scope="module")
def setup(catalog):
    s = Scenario(workloads=(WL,), model_ids=("qwen3.5-397b-a17b",), api_model_ids=("qwen3-max", "gemini-3.1-pro"),
                 gpu_ids=("h200-sxm",), precisions=("fp8",), usd_per_gpu_hour_overrides={"h200-sxm": 4.0})
    return s, compare_options(s, catalog)


@pytest.mark.parametrize("per_quality_point", [False, True])
def test_break_even_solves_cost_self_equals_cost_api(setup, per_quality_point):
    s, df = setup
    be = break_even_for_scenario(s, df, "self|qwen3.5-397b-a17b|h200-sxm|fp8", "api|gemini-3.1-pro",
                                 per_quality_point=per_quality_point)
    assert be.status == "ok"
    v = be.num_requests_per_month
    # Just below v, on the same whole-replica step (the fleet cost is flat there, the API's grows), self-hosting
    # costs more: probe halfway between the step's left edge (k - 1) V_r' and v, k = ceil(v / V_r'). A fixed
    # probe such as 0.999 v can fall on the step before, where the lines may cross again (pricing.fleet:
    # several crossings below the break-even are allowed; above it self-hosting is always cheaper).
    v_r = be.replica_requests_per_month * (1.0 - be.policy.capacity_loss_frac)
    below = ((math.ceil(v / v_r) - 1) * v_r + v) / 2.0
    curve = cost_vs_volume(be, [v, below, v * 1.5, v * 3, v * 10], always_on=True)
    assert curve["self_hosted_monthly_cost_usd"][0] == pytest.approx(curve["api_monthly_cost_usd"][0])
    assert curve["self_hosted_monthly_cost_usd"][1] > curve["api_monthly_cost_usd"][1]
    assert (curve["self_hosted_monthly_cost_usd"][2:] <= curve["api_monthly_cost_usd"][2:] * (1 + 1e-9)).all()
    # Tokens per request are the API model's own: 2048 input + its answer and thinking tokens.
    api_out = df[df["option_id"] == "api|gemini-3.1-pro"].iloc[0]["output_tokens_per_request"]
    assert be.num_million_tokens_per_month == pytest.approx(v * (2048 + api_out) / 1e6)
    # One replica costs N x $4 x 730.
    row = df[df["option_id"] == "self|qwen3.5-397b-a17b|h200-sxm|fp8"].iloc[0]
    assert be.replica_monthly_cost_usd == pytest.approx(row["num_gpus_per_replica"] * 4.0 * 730)


def test_break_even_chart_passes_through_the_tables_fleet_cost(setup):
    # The self-hosted line of the break-even chart, read at the scenario's own volume, must be the comparison
    # table's monthly cost of that option: the same fleet (N+1 spare replica, fewest replicas) on both pages.
    s, df = setup
    assert s.fleet_policy.redundancy_replicas == 1
    be = break_even_for_scenario(s, df, "self|qwen3.5-397b-a17b|h200-sxm|fp8", "api|gemini-3.1-pro")
    row = df[df["option_id"] == "self|qwen3.5-397b-a17b|h200-sxm|fp8"].iloc[0]
    curve = cost_vs_volume(be, [row["num_requests_per_month"]], always_on=True)
    assert curve["self_hosted_monthly_cost_usd"][0] == pytest.approx(row["monthly_cost_usd"], rel=1e-9)


def hand_options() -> pd.DataFrame:
    """A comparison table we control: a self-hosted option of 2 GPUs per replica at 2.50 $/GPU-hour, one
    replica serving 3 requests/s, quality 60; an API at $2.00 per 1M tokens, quality 80, 1,100 tokens per
    request (1e6 requests/month = 1,100 M tokens/month)."""
    common = {"workload": "w", "meets_limits": True, "meets_min_quality": True, "status": "ok",
              "num_requests_per_month": 1e6, "num_million_tokens_per_month": 1_100.0, "quality_coverage_frac": 1.0}
    rows = [
        OptionRow(option_id="self|m|g|fp8", kind=KIND_DENSE, model_id="m", model_name="M", provider="self-hosted",
                  num_gpus_per_replica=2, usd_per_gpu_hour=2.5, replica_requests_per_s=3.0, quality_index=60.0,
                  pricing_basis="override", **common),
        OptionRow(option_id="api|a", kind=KIND_API, model_id="a", model_name="A", provider="p",
                  usd_per_million_tokens=2.0, quality_index=80.0, pricing_basis="api", **common),
    ]
    return to_frame(rows)


def test_break_even_hand_computed():
    # API: $2.00/1M x 1,100 tokens = $0.0022 per request. One replica: R_m = 2 GPUs x $2.50 x 730 h = $3,650/month.
    # Always on (u = 0.5, peak 2): V_r = 3 x 0.5 / 2 x 86,400 x 365/12 = 1,971,000 requests/month per replica;
    # c V_r = $4,336.20 > R_m, k* = ceil(4,336.2 / (4,336.2 - 3,650)) = ceil(6.319) = 7,
    # V* = (7 - 1) x 3,650 / 0.0022 = 9,954,545.45 requests/month (6 replicas: $21,900 = 0.0022 x V*).
    be = break_even(hand_options(), "self|m|g|fp8", "api|a", always_on=True, utilisation_frac=0.5,
                    peak_to_average_ratio=2.0)
    assert be.status == "ok"
    assert be.replica_monthly_cost_usd == pytest.approx(3_650.0)
    assert be.api_usd_per_request == pytest.approx(0.0022)
    assert be.replica_requests_per_month == pytest.approx(1_971_000.0)
    assert be.num_requests_per_month == pytest.approx(9_954_545.45, rel=1e-9)
    assert be.num_million_tokens_per_month == pytest.approx(9_954_545.45 * 1_100 / 1e6, rel=1e-9)
    # Scaled to the average: V* = R_m / c = 3,650 / 0.0022 = 1,659,090.9 requests/month.
    scaled = break_even(hand_options(), "self|m|g|fp8", "api|a", always_on=False, utilisation_frac=0.5,
                        peak_to_average_ratio=2.0)
    assert scaled.num_requests_per_month == pytest.approx(1_659_090.9, rel=1e-7)
    # Per quality point: the API's cost is scaled by 60 / 80 -> $0.00165 per request, V* = 3,650 / 0.00165
    # = 2,212,121.2 requests/month.
    per_q = break_even(hand_options(), "self|m|g|fp8", "api|a", always_on=False, utilisation_frac=0.5,
                       peak_to_average_ratio=2.0, per_quality_point=True)
    assert per_q.num_requests_per_month == pytest.approx(2_212_121.2, rel=1e-7)


def test_rent_vs_buy(catalog):
    own = Ownership(usd_per_gpu=30000, server_overhead_frac=0.2, depreciation_years=4, electricity_usd_per_kwh=0.1,
                    pue=1.5, average_load_frac=0.5, colocation_usd_per_kw_month=150, operations_overhead_frac=0.05,
                    wacc_frac=0.08, residual_value_frac=0.1, network_storage_frac=0.2,
                    staff_usd_per_year_per_cluster=60000, staff_usd_per_year_per_node=6000, num_gpus_in_cluster=16,
                    software_usd_per_gpu_year=1000)
    # One on-demand quote we control: 2.00 $/GPU-hour (any provider class).
    quote = next(p for p in catalog.rental_prices if p.gpu_id == "h100-sxm" and p.pricing_tier == "on_demand")
    priced = replace(catalog, rental_prices=(quote.model_copy(update={"usd_per_gpu_hour": 2.0}),))
    r = rent_vs_buy(Scenario(ownership=own, provider_class="any"), priced, "h100-sxm", num_gpus=8, num_months=36)
    assert r.status == "ok" and len(r.table) == 37
    # Same build-up as tests/test_tco.py (H100 in a DGX H100: 1,275 W per GPU): K = 36,000, up front 43,200,
    # running 1.190945 $/h. Payback: 43,200 / ((2.00 - 1.190945) x 730) = 43,200 / 590.610 = 73.145 months.
    assert r.rent_usd_per_gpu_hour == 2.0
    assert r.ownership.capex_usd == pytest.approx(36000)
    assert r.payback_months == pytest.approx(73.145, rel=1e-4)
    # Month 12, 8 GPUs: rent 8 x 2.00 x 730 x 12 = $140,160.
    assert r.table["rent_cumulative_usd"].iloc[12] == pytest.approx(140_160.0)
    assert np.all(np.diff(r.table["rent_cumulative_usd"]) >= 0)
    unpriced = next(g.id for g in catalog.gpus if not any(p.gpu_id == g.id for p in catalog.purchase_prices))
    missing = rent_vs_buy(Scenario(), catalog, unpriced, 8, 12)
    assert missing.status != "ok" and missing.table.empty


def test_roi_table(setup):
    _, df = setup
    t = roi_table(df, "Coding")
    assert "roi_frac" in t.columns and len(t) == 3


def test_payback_against_each_rental_basis(catalog):
    # Owned H100 with the test_tco build-up: up front 43,200 $, running 1.190945 $/h. Payback against a rental
    # price p is 43200 / ((p - 1.190945) * 730) months; a user's own price is one more basis.
    own = Ownership(usd_per_gpu=30000, server_overhead_frac=0.2, depreciation_years=4, electricity_usd_per_kwh=0.1,
                    pue=1.5, average_load_frac=0.5, colocation_usd_per_kw_month=150, operations_overhead_frac=0.05,
                    wacc_frac=0.08, residual_value_frac=0.1, network_storage_frac=0.2,
                    staff_usd_per_year_per_cluster=60000, staff_usd_per_year_per_node=6000, num_gpus_in_cluster=16,
                    software_usd_per_gpu_year=1000)
    s = Scenario(ownership=own, usd_per_gpu_hour_overrides={"h100-sxm": 3.0})
    paybacks = payback_by_basis(s, catalog, "h100-sxm")
    prices = rental_prices_by_tier(catalog, "h100-sxm", s.price_statistic, s.provider_class)
    assert set(paybacks) == set(prices) | {"override"} and "on_demand" in paybacks
    # override $3.00/h: 43200 / ((3 - 1.190945) * 730) = 32.712 months
    assert paybacks["override"] == pytest.approx(32.712, rel=1e-4)
    for basis, price in prices.items():
        expected = 43200 / ((price - 1.190945) * 730) if price > 1.190945 else None
        assert paybacks[basis] == (pytest.approx(expected, rel=1e-5) if expected is not None else None), basis
    # A user's own $/GPU-hour serves rent vs buy too.
    r = rent_vs_buy(s, catalog, "h100-sxm", num_gpus=8, num_months=36)
    assert (r.rent_tier, r.rent_usd_per_gpu_hour) == ("override", 3.0)
    assert r.payback_months == pytest.approx(32.712, rel=1e-4)
    # A dearer basis never pays back later.
    ordered = sorted((p, paybacks[b]) for b, p in prices.items() if paybacks[b] is not None)
    assert all(a[1] >= b[1] for a, b in itertools.pairwise(ordered))


def test_horizon_and_cheapest_mix_for_scenario_options(setup, catalog):
    # The fleet of the H200 option (user price $4/GPU-hour) against Gemini: every column present, month 0 zero
    # for the pay-as-you-go options; the cheapest mix never costs more than its pure options.
    s, df = setup
    hz = horizon_for_options(s, catalog, df, "self|qwen3.5-397b-a17b|h200-sxm|fp8", "api|gemini-3.1-pro", 36,
                             workload="Coding")
    row = df[df["option_id"] == "self|qwen3.5-397b-a17b|h200-sxm|fp8"].iloc[0]
    assert hz.num_gpus == row["gpus_total"] and hz.rent_usd_per_gpu_hour == 4.0
    assert {"api_cumulative_usd", "rent_cumulative_usd"} <= set(hz.table.columns) and len(hz.table) == 37
    # Rent at month 1: GPUs x $4 x 730 x (1 - g)^(1/12) with the default g = 0.33.
    assert hz.table["rent_cumulative_usd"].iloc[1] == pytest.approx(hz.num_gpus * 4.0 * 730 * 0.67 ** (1 / 12))
    cm = capacity_mix_for_options(s, catalog, df, "self|qwen3.5-397b-a17b|h200-sxm|fp8", "api|gemini-3.1-pro", 4.0)
    rows = {r["option"]: r for r in cm.table.to_dict("records")}
    assert "cheapest mix" in rows and "rent only" in rows and "API only" in rows
    assert all(rows["cheapest mix"]["monthly_cost_usd"] <= r["monthly_cost_usd"] + 1e-6 for r in rows.values())
    too_long = capacity_mix_for_options(s, catalog, df, "self|qwen3.5-397b-a17b|h200-sxm|fp8", None, 12.0)
    assert too_long.table.empty and "at most" in too_long.status
