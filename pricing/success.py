"""Cost per successful task: what a buyer pays for work that succeeds, with an optional retry policy.

Notes
-----
A task succeeds on one attempt with probability p (``success_frac`` of ``calculator.quality``: the
workload's chance-corrected benchmark pass rate). With up to N retries after a failure, attempts stop at the
first success or after N + 1 attempts (independent attempts, a geometric series)::

    P(task succeeds)    = 1 - (1 - p)^(N + 1)                                            [-]
    E[attempts]         = sum_{k=0}^{N} (1 - p)^k = (1 - (1 - p)^(N + 1)) / p            [-]   (N + 1 if p = 0)
    monthly cost        = cost of V x E[attempts] requests                               [$/month]
    $ per successful task = monthly cost / (V x P(task succeeds))                        [$/task]

for V tasks a month. Without retries (N = 0) this is ``C / (V p)``. Independence is an assumption: a task a
model fails once it often fails again, so retries help less in practice (stated on the Method page).
"""

from __future__ import annotations

import math


def task_success_frac(success_frac: float, max_retries: int) -> float:
    """Probability that a task succeeds within ``max_retries + 1`` attempts [-]: ``1 - (1 - p)^(N+1)``."""
    p = min(max(success_frac, 0.0), 1.0)
    return 1.0 - (1.0 - p) ** (max_retries + 1)


def expected_attempts(success_frac: float, max_retries: int) -> float:
    """Expected attempts per task [-]: ``(1 - (1 - p)^(N+1)) / p``, and ``N + 1`` when p = 0."""
    p = min(max(success_frac, 0.0), 1.0)
    if p <= 0.0:
        return float(max_retries + 1)
    return (1.0 - (1.0 - p) ** (max_retries + 1)) / p


def usd_per_successful_task(monthly_cost_usd: float, num_tasks_per_month: float, success_frac: float,
                            max_retries: int = 0) -> float | None:
    """Monthly cost over successful tasks [$/task]: ``C / (V P(success within N retries))``.

    ``monthly_cost_usd`` must already include the retried attempts (``expected_attempts``). None when no task
    succeeds, there are no tasks, or the ratio overflows.
    """
    succeeded = num_tasks_per_month * task_success_frac(success_frac, max_retries)
    if succeeded <= 0.0:
        return None
    value = monthly_cost_usd / succeeded
    return value if math.isfinite(value) else None
