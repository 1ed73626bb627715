"""Several workloads on one fleet: shares, pooled cost vs standalone fleets."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from calculator.units import HOURS_PER_MONTH
from pricing.mix import fleet_mix
from pricing.scenario import scenario_from_yaml

MIX = Path(__file__).parent / "fixtures" / "scenarios" / "mix.yaml"


def test_mix_shares_and_pooled_cost(catalog):
    s = scenario_from_yaml(MIX.read_text())
    df = fleet_mix(s, catalog, "qwen3.5-397b-a17b", "h200-sxm", "fp8")
    per = df[df["workload"] != "(shared fleet)"]
    total = df[df["workload"] == "(shared fleet)"].iloc[0]
    assert list(per["workload"]) == ["Chat", "Coding", "Batch"]
    assert (per["status"] == "ok").all()
    assert sum(per["share_frac"]) == pytest.approx(1.0)
    assert sum(per["monthly_cost_usd"]) == pytest.approx(total["monthly_cost_usd"])
    # Pooled, always on: G = ceil(sum of peak busy GPUs / (u N)) N at $4/GPU-hour x 730 h.
    n = max(per["num_gpus_per_replica"])
    gpus = math.ceil(sum(per["busy_gpus_peak"]) / (s.utilisation_frac * n)) * n
    assert total["num_gpus_per_replica"] == gpus
    assert total["monthly_cost_usd"] == pytest.approx(gpus * 4.0 * HOURS_PER_MONTH)
    assert total["monthly_cost_usd"] <= total["standalone_monthly_cost_usd"]
