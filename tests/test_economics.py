"""Economics page functions: rent vs buy, break-even (solves cost_self = cost_api), ROI table."""

from __future__ import annotations

import numpy as np
import pytest

from pricing.economics import break_even_for_scenario, cost_vs_volume, rent_vs_buy, roi_table
from pricing.options import compare_options
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
    curve = cost_vs_volume(be, [v, v * 0.999, v * 3], always_on=True)
    assert curve["self_hosted_monthly_cost_usd"][0] == pytest.approx(curve["api_monthly_cost_usd"][0])
    assert curve["self_hosted_monthly_cost_usd"][1] > curve["api_monthly_cost_usd"][1]
    assert curve["self_hosted_monthly_cost_usd"][2] <= curve["api_monthly_cost_usd"][2]
    assert be.num_million_tokens_per_month == pytest.approx(v * 2076 / 1e6)
    # One replica costs N x $4 x 730.
    row = df[df["option_id"] == "self|qwen3.5-397b-a17b|h200-sxm|fp8"].iloc[0]
    assert be.replica_monthly_cost_usd == pytest.approx(row["num_gpus_per_replica"] * 4.0 * 730)


def test_rent_vs_buy(catalog):
    own = Ownership(usd_per_gpu=30000, server_overhead_frac=0.2, depreciation_years=4, electricity_usd_per_kwh=0.1,
                    pue=1.5, average_load_frac=0.5, colocation_usd_per_kw_month=150, operations_overhead_frac=0.05)
    r = rent_vs_buy(Scenario(ownership=own), catalog, "h100-sxm", num_gpus=8, num_months=36)
    assert r.status == "ok" and len(r.table) == 37
    # Same build-up as tests/test_tco.py: K = 36,000, running 0.401815 $/h.
    assert r.ownership.capex_usd == pytest.approx(36000)
    expected = 36000 / ((r.rent_usd_per_gpu_hour - 0.401815) * 730)
    assert r.payback_months == pytest.approx(expected, rel=1e-5)
    assert np.all(np.diff(r.table["rent_cumulative_usd"]) >= 0)
    missing = rent_vs_buy(Scenario(), catalog, "h200-sxm", 8, 12)
    assert missing.status != "ok" and missing.table.empty


def test_roi_table(setup):
    _, df = setup
    t = roi_table(df, "Coding")
    assert "roi_frac" in t.columns and len(t) == 3
