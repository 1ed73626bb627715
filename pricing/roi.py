"""Value of a workload's successful tasks, net value and return on cost.

Notes
-----
Mapping from quality to success: the probability that a task of the workload succeeds is taken as the
workload's quality index read as a pass rate::

    success_frac = index / 100                                                        [-]

Benchmarks of the profiles report pass rates (SWE-bench Verified: % of issues resolved; LiveCodeBench:
pass@1; IFEval: % instructions followed), so the weighted index is a weighted pass rate. This is a
first-order mapping, stated as an assumption: real tasks are easier or harder than the benchmarks, and
failures can be retried or caught by a reviewer; replace it with a measured success rate when one exists.
Then, for V tasks per month worth v [$] each when they succeed, at monthly cost C::

    monthly value       = v * success_frac * V                                        [$/month]
    monthly net value   = monthly value - C                                           [$/month]
    roi_frac            = (monthly value - C) / C          (None when C = 0)          [-]
    usd_per_quality_pt  = C / index                        (None without an index)    [$/month per point]
"""

from __future__ import annotations

import math

from calculator.quality import INDEX_MAX


def success_frac(quality_index: float) -> float:
    """Probability that a task succeeds [-]: ``index / 100`` (module Notes)."""
    return min(max(quality_index / INDEX_MAX, 0.0), 1.0)


def monthly_value_usd(value_per_task_usd: float, quality_index: float, num_requests_per_month: float) -> float:
    """Value of the successful tasks of a month [$/month]: ``v * success_frac * V``."""
    return value_per_task_usd * success_frac(quality_index) * num_requests_per_month


def monthly_net_value_usd(value_per_task_usd: float, quality_index: float | None, num_requests_per_month: float,
                          monthly_cost: float) -> float | None:
    """Monthly value minus cost [$/month]; None without a quality index."""
    if quality_index is None:
        return None
    return monthly_value_usd(value_per_task_usd, quality_index, num_requests_per_month) - monthly_cost


def roi_frac(monthly_net_value: float | None, monthly_cost: float) -> float | None:
    """Return on cost [-]: ``net / C``; None without a net value, at zero cost, or when the ratio overflows
    (a cost of a few 1e-300 dollars: the return is unbounded, not a number to print)."""
    if monthly_net_value is None or monthly_cost <= 0.0:
        return None
    ratio = monthly_net_value / monthly_cost
    return ratio if math.isfinite(ratio) else None


def usd_per_quality_point(monthly_cost: float, quality_index: float | None) -> float | None:
    """Monthly cost per quality point [$/month per index point]: ``C / index``; None without an index > 0."""
    if quality_index is None or quality_index <= 0.0:
        return None
    return monthly_cost / quality_index
