"""Several workloads on one fleet: shares, pooled cost vs standalone fleets."""

from __future__ import annotations

from pathlib import Path

import pytest

from pricing.fleet import FleetPolicy
from pricing.kinds import SHARED_FLEET
from pricing.mix import fleet_mix, pooled_gpus
from pricing.scenario import scenario_from_yaml

MIX = Path(__file__).parent / "fixtures" / "scenarios" / "mix.yaml"


def test_pooled_gpus_hand_computed():
    # Two workloads: A on 2-GPU replicas, 3.0 busy GPUs on average and 6.0 at its peak; B on 4-GPU replicas,
    # 1.0 busy GPU on average and 1.0 at its peak. Utilisation 0.5, N = max(2, 4) = 4.
    # Always on: ceil((6 + 1) / (0.5 x 4)) x 4 = ceil(3.5) x 4 = 16 GPUs.
    # Scaled: max((3 + 1) / 0.5, 4) = 8 GPUs (on average).
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 1.0], 0.5, always_on=True) == 16.0
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 1.0], 0.5, always_on=False) == 8.0
    # An exact fit stays exact: (6 + 2) / (0.5 x 4) = 4.0 replicas -> 16 GPUs, not 20.
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 2.0], 0.5, always_on=True) == 16.0
    # A trickle still keeps one replica warm when scaled: max(0.01 / 0.5, 4) = 4.
    assert pooled_gpus([4], [0.01], [0.02], 0.5, always_on=False) == 4.0
    assert pooled_gpus([4], [0.0], [0.0], 0.5, always_on=True) == 0.0
    # N+1 adds one replica of the largest size: 16 + 4 = 20 (always on), 8 + 4 = 12 (scaled).
    n1 = FleetPolicy(redundancy_replicas=1)
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 1.0], 0.5, always_on=True, policy=n1) == 20.0
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 1.0], 0.5, always_on=False, policy=n1) == 12.0
    # At least 6 replicas: max(ceil(3.5), 6) x 4 = 24; spot loss 50 % doubles the need: ceil(7) x 4 = 28.
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 1.0], 0.5, always_on=True, policy=FleetPolicy(min_replicas=6)) == 24.0
    assert pooled_gpus([2, 4], [3.0, 1.0], [6.0, 1.0], 0.5, always_on=True,
                       policy=FleetPolicy(capacity_loss_frac=0.5)) == 28.0


def test_a_pool_of_one_workload_costs_what_its_own_fleet_costs(catalog):
    # One workload on a "shared" fleet is its own fleet: same spare replica, same cost as the comparison table.
    s = scenario_from_yaml(MIX.read_text())
    one = s.model_copy(update={"workloads": s.workloads[1:2]})
    assert one.fleet_policy.redundancy_replicas >= 1 or not one.sized_always_on
    df = fleet_mix(one, catalog, "qwen3.5-397b-a17b", "h200-sxm", "fp8")
    total = df[df["workload"] == SHARED_FLEET].iloc[0]
    assert total["monthly_cost_usd"] == pytest.approx(total["standalone_monthly_cost_usd"], rel=1e-9)


def test_mix_shares_and_pooled_cost(catalog):
    s = scenario_from_yaml(MIX.read_text())
    df = fleet_mix(s, catalog, "qwen3.5-397b-a17b", "h200-sxm", "fp8")
    per = df[df["workload"] != SHARED_FLEET]
    total = df[df["workload"] == SHARED_FLEET].iloc[0]
    assert list(per["workload"]) == ["Chat", "Coding", "Batch"]
    assert (per["status"] == "ok").all()
    # The shared row holds the fleet's GPUs in gpus_total; it has no replica size of its own.
    assert total["num_gpus_per_replica"] is None and total["gpus_total"] > 0
    assert sum(per["share_frac"]) == pytest.approx(1.0)
    assert sum(per["monthly_cost_usd"]) == pytest.approx(total["monthly_cost_usd"])
    # Average busy GPUs per workload: lambda / q x N, lambda = requests/day / 86,400 (Chat: 100,000/day).
    chat = per[per["workload"] == "Chat"].iloc[0]
    assert chat["busy_gpus_average"] == pytest.approx(100_000 / 86_400 / chat["replica_requests_per_s"]
                                                      * chat["num_gpus_per_replica"])
    # At $4.00/GPU-hour x 730 h the fleet's cost is $2,920 per GPU (the pooled size: test_pooled_gpus_hand_computed).
    assert total["monthly_cost_usd"] == pytest.approx(total["gpus_total"] * 2_920.0)
    assert total["monthly_cost_usd"] <= total["standalone_monthly_cost_usd"]
