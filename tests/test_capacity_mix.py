"""The cheapest mix of owned base, rented burst and API overflow (hand-computed) and its invariants."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pricing.capacity_mix import LoadProfile, cheapest_mix, plan_cost

# One replica serves 1 request/s within the limits. Owned $2.00/replica-hour, rented $3.00, API $0.001/request
# (= $3.60 for the traffic of one replica-hour). Hours a month: 2 h/day at peak -> 2 x 365/12 = 60.8333 h;
# base 22 x 365/12 = 669.1667 h.
OWN, RENT, API = 2.0, 3.0, 0.001


def by_option(df):
    return {r["option"]: r for r in df.to_dict("records")}


def test_peaky_profile_mix_beats_every_pure_option():
    # Average 2 req/s, peak 10 req/s for 2 h a day -> base (48 - 20) / 22 = 1.2727 req/s.
    # Own only: 10 replicas x $2 x 730 h                                   = $14,600.00
    # Rent only: peak 10 x $3 x 60.8333 + base ceil(1.27) = 2 x $3 x 669.1667 = 1,825.00 + 4,015.00 = $5,840.00
    # API only: 2 req/s x 3600 x 730 h x $0.001                             = $5,256.00
    # Mix, 1 owned: 1 x 2 x 730 = 1,460; base shortfall 0.2727 req/s to the API: 0.2727 x 3.6 x 669.1667 = 657.00
    #   (cheaper than a $3 replica); peak shortfall 9 req/s rented: 9 x 3 x 60.8333 = 1,642.50 -> $3,759.50
    #   (0 owned: $4,489.50; 2 owned: $4,380.00).
    prof = LoadProfile(2.0, 10.0, 2.0)
    assert prof.base_requests_per_s == pytest.approx(28 / 22)
    rows = by_option(cheapest_mix(prof, 1.0, OWN, RENT, API))
    assert rows["own only"]["monthly_cost_usd"] == pytest.approx(14_600.0)
    assert rows["rent only"]["monthly_cost_usd"] == pytest.approx(5_840.0)
    assert rows["API only"]["monthly_cost_usd"] == pytest.approx(5_256.0)
    mix = rows["cheapest mix"]
    assert mix["owned_replicas"] == 1 and mix["monthly_cost_usd"] == pytest.approx(3_759.5)
    assert rows["API only"]["saving_vs_option_usd"] == pytest.approx(5_256.0 - 3_759.5)
    assert all(rows[k]["saving_vs_option_usd"] > 0 for k in ("own only", "rent only", "API only"))
    assert mix["api_requests_per_month"] == pytest.approx((3 / 11) * 3600 * 669.1667, rel=1e-6)


def test_flat_profile_mix_equals_the_best_pure_option():
    # Flat 4 req/s all day (exactly 4 replicas): owning is cheapest ($2 < $3 < $3.60) and the mix is own only:
    # 4 x 2 x 730 = $5,840 per month, saving 0 against it.
    rows = by_option(cheapest_mix(LoadProfile(4.0, 4.0, 12.0), 1.0, OWN, RENT, API))
    assert rows["cheapest mix"]["monthly_cost_usd"] == pytest.approx(rows["own only"]["monthly_cost_usd"])
    assert rows["own only"]["monthly_cost_usd"] == pytest.approx(5_840.0)
    assert rows["own only"]["saving_vs_option_usd"] == pytest.approx(0.0)


def test_bad_profiles_are_errors_and_unserved_loads_have_no_plan():
    with pytest.raises(ValueError, match="peak"):
        LoadProfile(5.0, 4.0, 2.0)
    with pytest.raises(ValueError, match="hours_at_peak"):
        LoadProfile(1.0, 2.0, 24.0)
    with pytest.raises(ValueError, match="too long"):
        LoadProfile(1.0, 10.0, 12.0)
    assert plan_cost(LoadProfile(1.0, 2.0, 2.0), 0, 1.0, OWN, None, None) is None


@settings(deadline=None, max_examples=60)
@given(avg=st.floats(0.1, 20), ratio=st.floats(1.0, 8.0), hours=st.floats(0.5, 12.0),
       own=st.floats(0.5, 10), rent=st.floats(0.5, 10), api=st.floats(1e-5, 0.01))
def test_mix_never_costs_more_than_a_pure_option(avg, ratio, hours, own, rent, api):
    peak = max(min(avg * ratio, avg * 24 / hours * (1 - 1e-9)), avg)
    rows = by_option(cheapest_mix(LoadProfile(avg, peak, hours), 1.5, own, rent, api))
    best = rows["cheapest mix"]["monthly_cost_usd"]
    for k in ("own only", "rent only", "API only"):
        assert best <= rows[k]["monthly_cost_usd"] * (1 + 1e-9) + 1e-9
