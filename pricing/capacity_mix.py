"""The cheapest mix: owned base capacity + rented burst capacity + API overflow for a load profile.

Notes
-----
A workload's load is a two-level daily profile: ``lambda_peak`` [requests/s] for ``h`` hours a day and a base
``lambda_base`` the rest of the day, so that the daily average is ``lambda_avg``::

    lambda_base = (24 lambda_avg - h lambda_peak) / (24 - h)                       [requests/s]

A replica of the chosen deployment (``pricing.options``: a configuration that meets the latency limits) serves
``c = q u`` requests/s at the planned utilisation. Capacity can come from

- owned replicas ``B`` (paid every hour: ``p_own`` [$/replica-hour], the ownership TCO ``pricing.tco``),
- rented replicas, paid only in the hours they run (``p_rent`` [$/replica-hour], hourly billing),
- the API, paid per request (``c_api`` [$/request]; its own latency is not modelled).

For a given ``B``, each period (base, peak) is filled independently at least cost: the shortfall
``x = max(lambda - B c, 0)`` is covered by ``k = floor(x / c)`` rented replicas when a full replica costs less
than its traffic on the API (``p_rent < c * 3600 * c_api``), and the remainder ``x - k c`` by one more
replica or by the API, whichever is cheaper. The cost per month is::

    C(B) = B p_own 730 + sum_periods  hours_p [k_p p_rent + min(p_rent, r_p 3600 c_api)]     [$/month]

(``hours_p`` = h x 365/12 for the peak period, (24 - h) x 365/12 for the base; without renting the remainder
goes to the API). The cheapest mix is the ``B`` in 0..ceil(lambda_peak / c) with the lowest ``C(B)``; the pure
options are own only (``B = ceil(lambda_peak / c)``), rent only (``ceil(lambda_p / c)`` rented replicas in each
period) and API only. The mix never costs more than the cheapest pure option (own only is ``B`` at its maximum;
rent only and API only are the B = 0 choices when one channel is always cheaper, and the per-period choice is at
least as good). Peaks are assumed to recur daily; spare replicas (N+1) are not added here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from calculator.units import DAYS_PER_MONTH, HOURS_PER_MONTH, S_PER_HOUR

HOURS_PER_DAY = 24.0
MIX_COLUMNS: tuple[str, ...] = (
    "option", "owned_replicas", "rented_replica_hours_per_month", "api_requests_per_month", "monthly_cost_usd",
    "saving_vs_option_usd",
)


@dataclass(frozen=True)
class LoadProfile:
    """A two-level daily load: average and peak [requests/s], hours a day at the peak [h]."""

    average_requests_per_s: float
    peak_requests_per_s: float
    hours_at_peak_per_day: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.average_requests_per_s <= self.peak_requests_per_s:
            raise ValueError("average load must be between 0 and the peak load [requests/s]")
        if not 0.0 < self.hours_at_peak_per_day < HOURS_PER_DAY:
            raise ValueError("hours_at_peak_per_day must be between 0 and 24 (exclusive)")
        if self.average_requests_per_s * HOURS_PER_DAY < self.peak_requests_per_s * self.hours_at_peak_per_day:
            raise ValueError("the peak lasts too long for the average: peak x hours at peak exceeds average x 24")

    @property
    def base_requests_per_s(self) -> float:
        """Load outside the peak [requests/s]: ``(24 lambda_avg - h lambda_peak) / (24 - h)``."""
        h = self.hours_at_peak_per_day
        return (HOURS_PER_DAY * self.average_requests_per_s - h * self.peak_requests_per_s) / (HOURS_PER_DAY - h)

    def periods(self) -> tuple[tuple[float, float], ...]:
        """(load [requests/s], hours per month [h]) of the peak and base periods."""
        h = self.hours_at_peak_per_day
        return ((self.peak_requests_per_s, h * DAYS_PER_MONTH),
                (self.base_requests_per_s, (HOURS_PER_DAY - h) * DAYS_PER_MONTH))


@dataclass(frozen=True)
class MixPlan:
    """One way to serve the profile: owned replicas, rented replica-hours and API requests per month, cost."""

    option: str
    owned_replicas: int
    rented_replica_hours_per_month: float
    api_requests_per_month: float
    monthly_cost_usd: float


def _fill(shortfall_rps: float, capacity_rps: float, rent_usd_per_replica_hour: float | None,
          api_usd_per_request: float | None) -> tuple[float, float, float]:
    """Cheapest cover of a shortfall for one hour: (rented replicas, API requests/s, $/hour). Module Notes."""
    if shortfall_rps <= 0.0:
        return 0.0, 0.0, 0.0
    api_hour = (lambda x: x * S_PER_HOUR * api_usd_per_request) if api_usd_per_request is not None else None
    if rent_usd_per_replica_hour is None:
        assert api_hour is not None
        return 0.0, shortfall_rps, api_hour(shortfall_rps)
    full = math.floor(shortfall_rps / capacity_rps * (1.0 + 1e-12))
    if api_hour is not None and api_hour(capacity_rps) <= rent_usd_per_replica_hour:
        return 0.0, shortfall_rps, api_hour(shortfall_rps)  # the API is cheaper than any replica
    rest = max(shortfall_rps - full * capacity_rps, 0.0)
    if rest <= 1e-12 * capacity_rps:
        return float(full), 0.0, full * rent_usd_per_replica_hour
    if api_hour is not None and api_hour(rest) < rent_usd_per_replica_hour:
        return float(full), rest, full * rent_usd_per_replica_hour + api_hour(rest)
    return float(full + 1), 0.0, (full + 1) * rent_usd_per_replica_hour


def plan_cost(profile: LoadProfile, owned_replicas: int, capacity_rps: float, own_usd_per_replica_hour: float | None,
              rent_usd_per_replica_hour: float | None, api_usd_per_request: float | None,
              option: str = "mix") -> MixPlan | None:
    """Monthly cost of owning ``owned_replicas`` and filling each period at least cost (module Notes); None when
    the load cannot be served (no rental and no API for a shortfall, or owned replicas without an owned price)."""
    if owned_replicas > 0 and own_usd_per_replica_hour is None:
        return None
    cost = owned_replicas * (own_usd_per_replica_hour or 0.0) * HOURS_PER_MONTH
    rented_hours = api_requests = 0.0
    for load, hours in profile.periods():
        shortfall = max(load - owned_replicas * capacity_rps, 0.0)
        if shortfall > 0.0 and rent_usd_per_replica_hour is None and api_usd_per_request is None:
            return None
        k, api_rps, usd_per_hour = _fill(shortfall, capacity_rps, rent_usd_per_replica_hour, api_usd_per_request)
        cost += usd_per_hour * hours
        rented_hours += k * hours
        api_requests += api_rps * S_PER_HOUR * hours
    return MixPlan(option, owned_replicas, rented_hours, api_requests, cost)


def cheapest_mix(profile: LoadProfile, capacity_rps: float, own_usd_per_replica_hour: float | None,
                 rent_usd_per_replica_hour: float | None, api_usd_per_request: float | None) -> pd.DataFrame:
    """The pure options (own only, rent only, API only) and the cheapest mix, with the mix's saving against each
    [$/month] (``MIX_COLUMNS``; an option without a price is left out). Module Notes."""
    if capacity_rps <= 0.0:
        raise ValueError("replica capacity must be above 0 requests/s")
    b_max = math.ceil(profile.peak_requests_per_s / capacity_rps * (1.0 - 1e-12))
    plans: list[MixPlan] = []
    if own_usd_per_replica_hour is not None:
        own = plan_cost(profile, b_max, capacity_rps, own_usd_per_replica_hour, None, None, "own only")
        if own is not None:
            plans.append(own)
    if rent_usd_per_replica_hour is not None:
        rent = plan_cost(profile, 0, capacity_rps, None, rent_usd_per_replica_hour, None, "rent only")
        if rent is not None:
            plans.append(rent)
    if api_usd_per_request is not None:
        api = plan_cost(profile, 0, capacity_rps, None, None, api_usd_per_request, "API only")
        if api is not None:
            plans.append(api)
    candidates = [plan_cost(profile, b, capacity_rps, own_usd_per_replica_hour, rent_usd_per_replica_hour,
                            api_usd_per_request) for b in range(b_max + 1)]
    best = min((c for c in candidates if c is not None), key=lambda c: (c.monthly_cost_usd, -c.owned_replicas),
               default=None)
    rows = []
    for p in plans:
        rows.append({"option": p.option, "owned_replicas": p.owned_replicas,
                     "rented_replica_hours_per_month": p.rented_replica_hours_per_month,
                     "api_requests_per_month": p.api_requests_per_month, "monthly_cost_usd": p.monthly_cost_usd,
                     "saving_vs_option_usd": p.monthly_cost_usd - best.monthly_cost_usd if best else None})
    if best is not None:
        rows.append({"option": "cheapest mix", "owned_replicas": best.owned_replicas,
                     "rented_replica_hours_per_month": best.rented_replica_hours_per_month,
                     "api_requests_per_month": best.api_requests_per_month,
                     "monthly_cost_usd": best.monthly_cost_usd, "saving_vs_option_usd": 0.0})
    return pd.DataFrame(rows, columns=list(MIX_COLUMNS))
