"""Fleet sizing and monthly cost (hand-computed), break-even volume, and traffic/price invariants."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pricing import fleet


def test_always_on_fleet_hand_computed():
    # 864,000 requests/day = 10 req/s average; peak x3 = 30 req/s. Replica: 4 req/s at u = 0.75 -> 3 req/s
    # planned -> ceil(30/3) = 10 replicas x 8 GPUs x 730 h = 58,400 GPU-h; at $2/h = $116,800/month.
    # Busy: 10/4 * 8 * 730 = 14,600 GPU-h -> idle (58,400 - 14,600) * 2 = $87,600.
    c = fleet.fleet_cost(864_000, 3.0, np.array([4.0]), np.array([8.0]), 2.0, 0.75, always_on=True)
    assert c.replicas[0] == 10
    assert c.gpu_hours_per_month[0] == pytest.approx(58_400)
    assert c.monthly_cost_usd[0] == pytest.approx(116_800)
    assert c.monthly_idle_cost_usd[0] == pytest.approx(87_600)


def test_scaled_fleet_pays_average_with_one_warm_replica():
    # Scaled: 10 / (4 * 0.75) = 3.333 replicas on average x 8 GPUs x 730 h x $2 = $38,933.33.
    c = fleet.fleet_cost(864_000, 3.0, np.array([4.0]), np.array([8.0]), 2.0, 0.75, always_on=False)
    assert c.monthly_cost_usd[0] == pytest.approx(38_933.333, rel=1e-6)
    # Tiny traffic still pays one warm replica: 8 x 730 x 2 = $11,680.
    tiny = fleet.fleet_cost(10, 3.0, np.array([4.0]), np.array([8.0]), 2.0, 0.75, always_on=False)
    assert tiny.monthly_cost_usd[0] == pytest.approx(11_680)


def test_zero_traffic_costs_nothing_and_stays_finite():
    c = fleet.fleet_cost(0, 2.0, np.array([4.0]), np.array([8.0]), 2.0, 0.7, always_on=True)
    assert c.replicas[0] == 0 and c.monthly_cost_usd[0] == 0 and np.isfinite(c.monthly_idle_cost_usd[0])


@pytest.mark.parametrize("always_on", [True, False])
def test_break_even_solves_cost_self_equals_cost_api(always_on):
    # Replica: $10,000/month, serves 1,000,000 requests/month.
    # Scaled, API $0.012/request: c V_r = 12,000 > R_m; V* = 10000 / 0.012 = 833,333.3 requests/month.
    # Always on, API $0.025/request: c V_r = 25,000; k* = ceil(25000 / 15000) = 2;
    #   V* = (2 - 1) * 10000 / 0.025 = 400,000 requests/month.
    r_m, v_r = 10_000.0, 1_000_000.0
    c = 0.025 if always_on else 0.012
    v = fleet.break_even_requests_per_month(r_m, v_r, c, always_on)
    expected = 400_000.0 if always_on else 833_333.333
    assert v == pytest.approx(expected)
    assert fleet.self_hosted_monthly_cost_usd(v, r_m, v_r, always_on) == pytest.approx(c * v)
    # Above V*, self-hosting is never dearer; just below, it is dearer.
    for x in np.linspace(v * 1.0001, v * 50, 400):
        assert fleet.self_hosted_monthly_cost_usd(x, r_m, v_r, always_on) <= c * x * (1 + 1e-12)
    assert fleet.self_hosted_monthly_cost_usd(v * 0.99, r_m, v_r, always_on) > c * v * 0.99


def test_break_even_with_several_replica_bands():
    # R_m = 10,000, V_r = 1e6, c = 0.0105: c V_r = 10,500; k* = ceil(10500 / 500) = 21;
    # V* = 20 * 10000 / 0.0105 = 19,047,619 requests/month (inside band 20: 19e6 < V* <= 20e6).
    v = fleet.break_even_requests_per_month(10_000, 1e6, 0.0105, True)
    assert v == pytest.approx(19_047_619.05, rel=1e-9)
    assert fleet.self_hosted_monthly_cost_usd(v, 10_000, 1e6, True) == pytest.approx(0.0105 * v)


def test_break_even_counts_the_spare_replica():
    # R_m = $10,000/month, V_r = 1e6 requests/month per replica, N+1 (r = 1, m = 1).
    # Always on, c = $0.025: c V_r = 25,000; k* = max(2, ceil((25,000 + 10,000) / 15,000)) = ceil(2.33) = 3;
    #   V* = (3 - 1 + 1) x 10,000 / 0.025 = 1,200,000 (band 2 costs 3 x 10,000 = 30,000 = 0.025 x 1.2e6;
    #   band 3 costs 40,000 <= 0.025 x 2e6 = 50,000 from its start). Without the spare: 400,000.
    n1 = fleet.FleetPolicy(redundancy_replicas=1)
    v = fleet.break_even_requests_per_month(10_000, 1e6, 0.025, True, n1)
    assert v == pytest.approx(1_200_000.0)
    assert fleet.self_hosted_monthly_cost_usd(v, 10_000, 1e6, True, n1) == pytest.approx(30_000.0)
    for x in np.linspace(v * 1.0001, v * 50, 400):
        assert fleet.self_hosted_monthly_cost_usd(x, 10_000, 1e6, True, n1) <= 0.025 * x * (1 + 1e-12)
    # Scaled, c = $0.012: the smallest fleet (1 + 1 replicas, $20,000) would need 1,666,667 > 1 x V_r requests,
    #   so the crossing is on the linear part: V* = r R_m V_r / (c V_r - R_m) = 1e10 / 2,000 = 5,000,000
    #   (C = 10,000 x (5 + 1) = 60,000 = 0.012 x 5e6).
    v = fleet.break_even_requests_per_month(10_000, 1e6, 0.012, False, n1)
    assert v == pytest.approx(5_000_000.0)
    assert fleet.self_hosted_monthly_cost_usd(v, 10_000, 1e6, False, n1) == pytest.approx(60_000.0)
    # Spot capacity loss 20 %: each replica serves 0.8e6, c V_r' = 9,600 < R_m -> never cheaper.
    assert fleet.break_even_requests_per_month(10_000, 1e6, 0.012, False,
                                               fleet.FleetPolicy(capacity_loss_frac=0.2)) is None
    # First crossing with N+1: the smallest fleet costs 2 x 1,000 = 2,000 = 0.5 x 4,000 (< V_r = 10,000).
    assert fleet.first_cheaper_requests_per_month(1000.0, 10_000.0, 0.5, n1) == pytest.approx(4000.0)


@given(st.floats(100.0, 1e6), st.floats(1e3, 1e8), st.floats(1e-6, 1.0), st.booleans(), st.integers(0, 3),
       st.integers(1, 4), st.floats(0.0, 0.5))
def test_break_even_with_policy_is_where_self_hosting_stays_cheaper(r_m, v_r, c, always_on, r, m, loss):
    policy = fleet.FleetPolicy(redundancy_replicas=r, min_replicas=m, capacity_loss_frac=loss)
    v = fleet.break_even_requests_per_month(r_m, v_r, c, always_on, policy)
    if v is None:
        assert c * v_r * (1 - loss) <= r_m
        return
    assert fleet.self_hosted_monthly_cost_usd(v, r_m, v_r, always_on, policy) == pytest.approx(c * v, rel=1e-9)
    for x in np.geomspace(v * (1 + 1e-9), v * 1e3, 200):
        assert fleet.self_hosted_monthly_cost_usd(x, r_m, v_r, always_on, policy) <= c * x * (1 + 1e-9)
    below = v * (1 - 1e-6)
    assert fleet.self_hosted_monthly_cost_usd(below, r_m, v_r, always_on, policy) > c * below


def test_break_even_never_when_api_is_cheaper_per_replica():
    assert fleet.break_even_requests_per_month(10_000, 1e6, 0.005, True) is None
    assert fleet.break_even_requests_per_month(10_000, 1e6, 0.01, False) is None
    assert fleet.break_even_requests_per_month(0.0, 1e6, 0.01, True) == 0.0


traffic = st.floats(0, 1e9)


@given(r1=traffic, extra=st.floats(0, 1e9), peak=st.floats(1, 10), q=st.floats(0.01, 1e3), n=st.sampled_from([1, 2, 8]),
       u=st.floats(0.05, 1.0), on=st.booleans())
def test_more_traffic_never_lowers_monthly_cost(r1, extra, peak, q, n, u, on):
    a = fleet.fleet_cost(r1, peak, np.array([q]), np.array([n]), 2.0, u, on).monthly_cost_usd[0]
    b = fleet.fleet_cost(r1 + extra, peak, np.array([q]), np.array([n]), 2.0, u, on).monthly_cost_usd[0]
    assert b >= a
    assert np.isfinite(a) and np.isfinite(b)


@given(r=traffic, p=st.floats(0, 100), extra=st.floats(0, 100), on=st.booleans())
def test_a_higher_gpu_price_never_lowers_monthly_cost(r, p, extra, on):
    a = fleet.fleet_cost(r, 2.0, np.array([3.0]), np.array([4]), p, 0.7, on).monthly_cost_usd[0]
    b = fleet.fleet_cost(r, 2.0, np.array([3.0]), np.array([4]), p + extra, 0.7, on).monthly_cost_usd[0]
    assert b >= a


def test_million_tokens_per_month_hand_computed():
    # Coding preset: 200,000 requests/day x 365/12 days/month = 6,083,333.3 requests/month;
    # x (2048 + 28) tokens = 12,629,000,000 tokens = 12,629.0 million tokens/month.
    assert fleet.million_tokens_per_month(200_000, 2048, 28) == pytest.approx(12_629.0, rel=1e-12)
    assert fleet.requests_per_day_from_tokens(12_629.0, 2048, 28) == pytest.approx(200_000, rel=1e-12)
    assert fleet.million_tokens_per_month(0, 2048, 28) == 0.0


@given(st.floats(0, 1e10, allow_nan=False), st.integers(1, 2_000_000), st.integers(1, 200_000))
def test_tokens_and_requests_round_trip(requests_per_day, input_tokens, output_tokens):
    tokens = fleet.million_tokens_per_month(requests_per_day, input_tokens, output_tokens)
    back = fleet.requests_per_day_from_tokens(tokens, input_tokens, output_tokens)
    assert back == pytest.approx(requests_per_day, rel=1e-9, abs=1e-9)


def test_n_plus_one_min_replicas_and_spot_loss_hand_computed():
    # Same traffic as above: 30 req/s at peak, 3 req/s planned per replica -> 10 replicas for the traffic.
    # N+1: 11 replicas x 8 GPUs x 730 h x $2 = $128,480/month.
    n1 = fleet.fleet_cost(864_000, 3.0, np.array([4.0]), np.array([8.0]), 2.0, 0.75, always_on=True,
                          policy=fleet.FleetPolicy(redundancy_replicas=1))
    assert n1.replicas[0] == 11 and n1.monthly_cost_usd[0] == pytest.approx(128_480)
    # Spot losing 15 % of capacity: 30 / (3 * 0.85) = 11.76 -> 12 replicas, + 1 spare = 13.
    spot = fleet.FleetPolicy(redundancy_replicas=1, capacity_loss_frac=0.15)
    assert fleet.replicas_at_peak(864_000, 3.0, np.array([4.0]), 0.75, spot)[0] == 13
    # At least 2 replicas (two regions) for a tiny always-on service: max(ceil(tiny), 2) + 1 = 3.
    two = fleet.FleetPolicy(redundancy_replicas=1, min_replicas=2)
    assert fleet.replicas_at_peak(10, 3.0, np.array([4.0]), 0.75, two)[0] == 3
    # Scaled with a spare warm replica: (10 / (4 * 0.75) + 1) x 8 x 730 x 2 = $50,613.33/month.
    scaled = fleet.fleet_cost(864_000, 3.0, np.array([4.0]), np.array([8.0]), 2.0, 0.75, always_on=False,
                              policy=fleet.FleetPolicy(redundancy_replicas=1))
    assert scaled.monthly_cost_usd[0] == pytest.approx(50_613.333, rel=1e-6)
    with pytest.raises(ValueError, match="capacity_loss_frac"):
        fleet.FleetPolicy(capacity_loss_frac=1.0)


def test_scenario_policy_n_plus_one_only_when_always_on():
    from pricing.scenario import Scenario

    assert Scenario().fleet_policy.redundancy_replicas == 1  # N+1 by default (always on)
    assert Scenario(always_on=False).fleet_policy.redundancy_replicas == 0
    assert Scenario(always_on=False, pricing_basis="owned").fleet_policy.redundancy_replicas == 1
    assert Scenario(redundancy_replicas=0).fleet_policy.redundancy_replicas == 0  # switchable
    assert Scenario(pricing_basis="spot").fleet_policy.capacity_loss_frac == 0.15
    assert Scenario().fleet_policy.capacity_loss_frac == 0.0


def test_first_cheaper_volume_hand_computed() -> None:
    from pricing.fleet import first_cheaper_requests_per_month

    # A replica costs $1,000/month and serves up to 10,000 requests; the API costs $0.50 a request:
    # self-hosting first wins at 1000 / 0.5 = 2,000 requests/month, within one replica.
    assert first_cheaper_requests_per_month(1000.0, 10_000.0, 0.5) == pytest.approx(2000.0)
    # At $0.05 a request the API costs $500 for a full replica's 10,000 requests: self-hosting never wins there.
    assert first_cheaper_requests_per_month(1000.0, 10_000.0, 0.05) is None
    assert first_cheaper_requests_per_month(1000.0, 10_000.0, 0.0) is None
