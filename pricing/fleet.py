"""A fleet of replicas for a workload's traffic: replicas, GPU-hours, monthly cost, idle cost, break-even.

Notes
-----
Traffic of R requests/day (n_in input + n_out output tokens each) with peak-to-average ratio a, served by
replicas that each handle q requests/s at their chosen concurrency (``calculator.sizing``: within the latency
limits), planned at utilisation u::

    average load        lambda = R / 86400                                       [requests/s]
    traffic in tokens   T = R * 365/12 * (n_in + n_out) / 1e6                    [million tokens/month]
    peak load           lambda_peak = a * lambda                                 [requests/s]
    replicas at peak    n_peak = ceil(lambda_peak / (q u))                       [-]
    always on           replica-hours = n_peak * 730                             [replica-hours/month]
    scaled              replica-hours = max(lambda / (q u), 1) * 730             [replica-hours/month]
    GPU-hours           H = replica-hours * N                                    [GPU-hours/month]
    monthly cost        C = H * p                                                [$/month]
    busy GPU-hours      H_busy = lambda / q * N * 730                            [GPU-hours/month]
    idle cost           C_idle = (H - H_busy) * p                                [$/month]

Fleet policy (``FleetPolicy``; defaults: ``pricing.scenario.Scenario``): ``r`` redundant replicas on top of the
peak (N+1 when r = 1: one replica can fail or be drained for an upgrade without breaking the limits), at least
``m`` replicas (e.g. one per region), and a capacity loss ``l`` (spot instances reclaimed by the provider: each
paid replica delivers ``1 - l`` of its capacity on average)::

    replicas at peak    n_peak = max(ceil(lambda_peak / (q u (1 - l))), m) + r      [-]
    scaled              replica-hours = (max(lambda / (q u (1 - l)), m) + r) * 730  [replica-hours/month]

The latency limits are held at the 99th percentile by the configuration choice (mean latency x the measured
p99/mean ratio must meet each limit, ``calculator.sizing``), and ``q`` is already taken at the mean load a
replica's slots carry under Poisson arrivals with 99 % of requests finding a free slot (``calculator.queueing``
eq. 2). The planned utilisation ``u`` is the headroom for what that does not cover: traffic burstier than
Poisson, uneven routing between replicas, forecast error.

"Always on" is capacity planning for the peak with utilisation headroom (the usual rule for latency-bound
services, e.g. Google SRE book, ch. 18 "Software Engineering in SRE", capacity planning; Kubernetes HPA
target utilisation). "Scaled" is ideal autoscaling to the average traffic, at least one warm replica; it
is a lower bound (scale-up lag and cold starts are not modelled). Owned GPUs cannot be scaled away, so the
owned basis is always on.

Break-even monthly volume with an API charging c [$/request]: with one replica costing
``R_m = N p 730`` [$/month] and serving ``V_r`` requests/month at the planned utilisation
(always on: ``V_r = q u / a * 86400 * 365/12``; scaled: ``V_r = q u * 86400 * 365/12``), the self-hosted cost is
``C(V) = R_m ceil(V / V_r)`` (always on) or ``C(V) = R_m max(V / V_r, 1)`` (scaled), and the API costs
``c V``. Self-hosting is cheaper at every volume above::

    scaled:      V* = R_m / c                               if c V_r > R_m, else never
    always on:   k* = ceil(c V_r / (c V_r - R_m)),  V* = (k* - 1) R_m / c  if c V_r > R_m, else never

(in replica band k the cost is k R_m and the API's c V exceeds it from V = k R_m / c; the condition holds
for the whole band once ``k R_m <= c (k-1) V_r``). At V*, C(V*) = c V* exactly.

With a fleet policy (r spare replicas, at least m replicas, capacity loss l) each replica serves
``V_r' = V_r (1 - l)`` and the self-hosted cost is ``C(V) = R_m (max(ceil(V / V_r'), m) + r)`` (always on) or
``C(V) = R_m (max(V / V_r', m) + r)`` (scaled), the same fleet as ``replicas_at_peak`` and
``replica_hours_per_month``. The break-even volume generalises to (both need ``c V_r' > R_m``)::

    scaled:      V* = R_m (m + r) / c                        if that is <= m V_r',
                 else V* = r R_m V_r' / (c V_r' - R_m)        (on the linear part, V > m V_r')
    always on:   k* = max(m + 1, ceil((c V_r' + r R_m) / (c V_r' - R_m))),  V* = (k* - 1 + r) R_m / c

(band k >= m costs (k + r) R_m; every band from k* on is cheaper from its start once
``(k + r) R_m <= c (k - 1) V_r'``, and the last crossing lies in band k* - 1). r = 0, m = 1, l = 0 gives the
formulas above.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from calculator.units import CEIL_REL_TOL, DAYS_PER_MONTH, HOURS_PER_MONTH, S_PER_DAY, TOKENS_PER_MILLION

FloatArray = npt.NDArray[np.float64]


def average_requests_per_s(requests_per_day: float) -> float:
    """Average load [requests/s]: ``R / 86400``."""
    return requests_per_day / S_PER_DAY


def requests_per_month(requests_per_day: float) -> float:
    """Monthly volume [requests/month]: ``R * 365/12``."""
    return requests_per_day * DAYS_PER_MONTH


def million_tokens_per_month(requests_per_day: float, input_tokens: float, output_tokens: float) -> float:
    """Traffic as tokens [million tokens/month] from requests/day and the request shape.

    requests_per_day : average traffic [requests/day]; input_tokens, output_tokens : mean per request [tokens].
    ``T = R * 365/12 * (n_in + n_out) / 1e6`` (input and output tokens both count, as API bills do).
    """
    return requests_per_month(requests_per_day) * (input_tokens + output_tokens) / TOKENS_PER_MILLION


def requests_per_day_from_tokens(million_tokens_per_month_: float, input_tokens: float,
                                 output_tokens: float) -> float:
    """Traffic in requests [requests/day] from tokens [million tokens/month]; inverse of
    :func:`million_tokens_per_month`: ``R = T * 1e6 / (365/12) / (n_in + n_out)``.

    input_tokens + output_tokens must be positive [tokens/request].
    """
    return million_tokens_per_month_ * TOKENS_PER_MILLION / DAYS_PER_MONTH / (input_tokens + output_tokens)


@dataclass(frozen=True)
class FleetPolicy:
    """How a fleet is provisioned beyond the traffic (module Notes).

    redundancy_replicas : r, spare replicas on top of the peak [-] (1 = N+1);
    min_replicas : m, the fewest replicas running [-] (e.g. one per region);
    capacity_loss_frac : l, average share of paid capacity lost to pre-emption [-] (spot), in [0, 1).
    """

    redundancy_replicas: int = 0
    min_replicas: int = 1
    capacity_loss_frac: float = 0.0

    def __post_init__(self) -> None:
        if self.redundancy_replicas < 0 or self.min_replicas < 1:
            raise ValueError("redundancy_replicas must be 0 or more and min_replicas at least 1")
        if not 0.0 <= self.capacity_loss_frac < 1.0:
            raise ValueError(f"capacity_loss_frac must be in [0, 1) (got {self.capacity_loss_frac!r})")


NO_POLICY = FleetPolicy()


def replicas_at_peak(requests_per_day: float, peak_to_average_ratio: float, replica_requests_per_s: FloatArray,
                     utilisation_frac: float, policy: FleetPolicy = NO_POLICY) -> FloatArray:
    """Replicas needed at the peak [-]: ``max(ceil(a R/86400 / (q u (1 - l))), m) + r``; 0 without traffic."""
    q = np.asarray(replica_requests_per_s, dtype=float)
    peak = average_requests_per_s(requests_per_day) * peak_to_average_ratio
    if peak <= 0.0:
        return np.zeros_like(q)
    # Guard tiny float excess (e.g. 2.0000000001 -> 3) with a relative tolerance (units.CEIL_REL_TOL).
    need = peak / (np.maximum(q, 1e-300) * utilisation_frac * (1.0 - policy.capacity_loss_frac))
    return np.maximum(np.ceil(need * (1.0 - CEIL_REL_TOL)), policy.min_replicas) + policy.redundancy_replicas


def replica_hours_per_month(requests_per_day: float, peak_to_average_ratio: float,
                            replica_requests_per_s: FloatArray, utilisation_frac: float,
                            always_on: bool, policy: FleetPolicy = NO_POLICY) -> FloatArray:
    """Paid replica-hours per month [replica-hours/month] (module Notes: always on vs scaled)."""
    q = np.asarray(replica_requests_per_s, dtype=float)
    if requests_per_day <= 0.0:
        return np.zeros_like(q)
    if always_on:
        return replicas_at_peak(requests_per_day, peak_to_average_ratio, q, utilisation_frac,
                                policy) * HOURS_PER_MONTH
    avg = average_requests_per_s(requests_per_day) / (
        np.maximum(q, 1e-300) * utilisation_frac * (1.0 - policy.capacity_loss_frac))
    return (np.maximum(avg, policy.min_replicas) + policy.redundancy_replicas) * HOURS_PER_MONTH


@dataclass(frozen=True)
class FleetCost:
    """Fleet for one workload on one deployment (arrays over candidate configurations, or scalars)."""

    replicas: FloatArray  # at peak [-]
    gpu_hours_per_month: FloatArray  # paid [GPU-hours/month]
    busy_gpu_hours_per_month: FloatArray  # serving at the chosen concurrency [GPU-hours/month]
    monthly_cost_usd: FloatArray  # [$/month]
    monthly_idle_cost_usd: FloatArray  # [$/month]


def fleet_cost(requests_per_day: float, peak_to_average_ratio: float, replica_requests_per_s: FloatArray,
               num_gpus_per_replica: FloatArray, usd_per_gpu_hour: float, utilisation_frac: float,
               always_on: bool, policy: FleetPolicy = NO_POLICY) -> FleetCost:
    """Replicas, GPU-hours, monthly cost and idle cost of a fleet (module Notes). Vectorised over configs."""
    q = np.asarray(replica_requests_per_s, dtype=float)
    n = np.asarray(num_gpus_per_replica, dtype=float)
    replicas = replicas_at_peak(requests_per_day, peak_to_average_ratio, q, utilisation_frac, policy)
    hours = replica_hours_per_month(requests_per_day, peak_to_average_ratio, q, utilisation_frac, always_on,
                                    policy) * n
    busy = average_requests_per_s(requests_per_day) / np.maximum(q, 1e-300) * n * HOURS_PER_MONTH
    busy = np.minimum(busy, hours)
    return FleetCost(replicas, hours, busy, hours * usd_per_gpu_hour, (hours - busy) * usd_per_gpu_hour)


def replica_requests_per_month(replica_requests_per_s: float, utilisation_frac: float,
                               peak_to_average_ratio: float, always_on: bool) -> float:
    """Monthly requests one replica serves at the planned utilisation [requests/month] (``V_r``, Notes)."""
    peak = peak_to_average_ratio if always_on else 1.0
    return replica_requests_per_s * utilisation_frac / peak * S_PER_DAY * DAYS_PER_MONTH


def self_hosted_monthly_cost_usd(num_requests_per_month: float, replica_monthly_cost_usd: float,
                                 replica_requests_per_month_: float, always_on: bool,
                                 policy: FleetPolicy = NO_POLICY) -> float:
    """Self-hosted cost at a monthly volume [$/month] (Notes): ``R_m (max(ceil(V/V_r'), m) + r)`` always on,
    ``R_m (max(V/V_r', m) + r)`` scaled, with ``V_r' = V_r (1 - l)``; 0 at V = 0."""
    if num_requests_per_month <= 0.0:
        return 0.0
    x = num_requests_per_month / (replica_requests_per_month_ * (1.0 - policy.capacity_loss_frac))
    k = math.ceil(x * (1.0 - 1e-12)) if always_on else x
    return replica_monthly_cost_usd * (max(k, policy.min_replicas) + policy.redundancy_replicas)


def break_even_requests_per_month(replica_monthly_cost_usd: float, replica_requests_per_month_: float,
                                  api_usd_per_request: float, always_on: bool,
                                  policy: FleetPolicy = NO_POLICY) -> float | None:
    """Monthly volume above which self-hosting is always cheaper than the API [requests/month] (Notes).

    None when self-hosting is never cheaper (``c V_r' <= R_m``); 0 when a replica costs nothing.
    """
    r_m, c = replica_monthly_cost_usd, api_usd_per_request
    v_r = replica_requests_per_month_ * (1.0 - policy.capacity_loss_frac)
    m, r = policy.min_replicas, policy.redundancy_replicas
    if r_m <= 0.0:
        return 0.0
    if c * v_r <= r_m:
        return None
    if not always_on:
        first = r_m * (m + r) / c
        return first if first <= m * v_r else r * r_m * v_r / (c * v_r - r_m)
    k_star = max(m + 1, math.ceil((c * v_r + r * r_m) / (c * v_r - r_m) - 1e-12))
    return (k_star - 1 + r) * r_m / c


def first_cheaper_requests_per_month(replica_monthly_cost_usd: float, replica_requests_per_month_: float,
                                     api_usd_per_request: float, policy: FleetPolicy = NO_POLICY) -> float | None:
    """Lowest monthly volume at which self-hosting is cheaper than the API [requests/month], or None.

    The smallest fleet (``m`` replicas plus ``r`` spares) costs ``(m + r) R_m`` and serves up to ``m V_r'``;
    the API costs ``c V``. Self-hosting first wins at ``V = (m + r) R_m / c`` if that is within the smallest
    fleet's capacity. With always-on whole replicas (``break_even_requests_per_month``) each added replica
    makes the API cheaper again for a while, so the two cost lines can cross several times below the
    break-even volume; this is where the first crossing is.
    """
    r_m, c = replica_monthly_cost_usd, api_usd_per_request
    v_r = replica_requests_per_month_ * (1.0 - policy.capacity_loss_frac)
    if c <= 0.0:
        return None
    first = (policy.min_replicas + policy.redundancy_replicas) * r_m / c
    return first if first < policy.min_replicas * v_r else None
