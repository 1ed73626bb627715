"""Cost per successful task with and without retries (pricing.success), hand-computed."""

from __future__ import annotations

import pytest

from pricing.success import expected_attempts, task_success_frac, usd_per_successful_task


def test_cost_per_successful_task_without_retries():
    # $10,000/month for 100,000 tasks at success 0.8: 10,000 / (100,000 x 0.8) = $0.125 per successful task.
    assert usd_per_successful_task(10_000.0, 100_000.0, 0.8) == pytest.approx(0.125)
    assert expected_attempts(0.8, 0) == pytest.approx(1.0)


def test_cost_per_successful_task_with_two_retries():
    # p = 0.5, up to 2 retries: P(success) = 1 - 0.5^3 = 0.875; E[attempts] = 1 + 0.5 + 0.25 = 1.75.
    # At $0.10 per attempt and 100,000 tasks: cost = 100,000 x 1.75 x 0.10 = $17,500/month;
    # per successful task = 17,500 / (100,000 x 0.875) = $0.20.
    assert task_success_frac(0.5, 2) == pytest.approx(0.875)
    assert expected_attempts(0.5, 2) == pytest.approx(1.75)
    cost = 100_000 * expected_attempts(0.5, 2) * 0.10
    assert usd_per_successful_task(cost, 100_000.0, 0.5, max_retries=2) == pytest.approx(0.20)


def test_no_success_means_no_figure_and_all_attempts_used():
    assert usd_per_successful_task(1_000.0, 100.0, 0.0) is None
    assert usd_per_successful_task(1_000.0, 0.0, 0.5) is None
    assert expected_attempts(0.0, 3) == 4.0


def test_retries_never_raise_cost_per_success_above_no_retries():
    # Under independence, the cost per successful task is the same with or without retries: each attempt costs c
    # and succeeds with p, so c E[attempts] / P(success) = c / p. A check that would fail if either formula slipped.
    for p in (0.1, 0.37, 0.9):
        for n in (1, 3, 7):
            per_success = expected_attempts(p, n) * 0.02 / task_success_frac(p, n)
            assert per_success == pytest.approx(0.02 / p)
