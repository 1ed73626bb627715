"""Calibration band and tornado."""

from __future__ import annotations

import pytest

from pricing.band import calibration_band
from pricing.scenario import Scenario, WorkloadSpec
from pricing.sensitivity import tornado


def test_calibration_band_hand_computed():
    # c = 1.0 $/1M, e = 0.2: low 1/1.2 = 0.8333, high 1/0.8 = 1.25
    assert calibration_band(1.0, 0.2) == pytest.approx((0.833333, 1.25), rel=1e-5)
    assert calibration_band(1.0, 5.0)[1] == pytest.approx(10.0)  # e clipped at 0.9: stays finite


def test_tornado_moves_the_top_option(catalog):
    wl = WorkloadSpec(name="Coding", input_tokens=2048, output_tokens=28, requests_per_day=2_000_000,
                      peak_to_average_ratio=2.0, ttft_slo_ms=500, tpot_slo_ms=40, quality_profile="coding")
    s = Scenario(workloads=(wl,), model_ids=("qwen3.5-397b-a17b",), api_model_ids=(), gpu_ids=("h200-sxm",),
                 precisions=("fp8",), usd_per_gpu_hour_overrides={"h200-sxm": 4.0})
    df = tornado(s, catalog)
    assert df.attrs["option_id"] == "self|qwen3.5-397b-a17b|h200-sxm|fp8"
    assert set(df["input"]) == {"GPU price", "Utilisation", "Achieved efficiency", "Tokens per request",
                                "Power price", "Traffic"}
    swings = [v for v in df["swing_usd_per_mtok"] if v is not None]
    assert swings == sorted(swings, reverse=True)
    price = df[df["input"] == "GPU price"].iloc[0]
    # Cost is linear in an overridden price: +-25 % of the base $/1M.
    assert price["change_at_high_usd_per_mtok"] == pytest.approx(0.25 * price["base_usd_per_million_tokens"])
    assert price["change_at_low_usd_per_mtok"] == pytest.approx(-0.25 * price["base_usd_per_million_tokens"])
    power = df[df["input"] == "Power price"].iloc[0]
    assert power["swing_usd_per_mtok"] == 0.0  # rented GPUs: the power price does not move the cost
    util = df[df["input"] == "Utilisation"].iloc[0]
    assert util["usd_per_million_tokens_at_low"] >= util["usd_per_million_tokens_at_high"]
