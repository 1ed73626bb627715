"""Queueing wait of a prompt (M/M/1), hand-computed."""

from __future__ import annotations

import math

from numpy.testing import assert_allclose

from calculator.queueing import prompt_wait_s


def test_wait_at_half_load():
    # rho = 0.5, S = 0.2 s: mean W = 0.5/0.5 x 0.2 = 0.2 s;
    # W_p99 = 0.2/0.5 x ln(100 x 0.5) = 0.4 x 3.912023 = 1.564809 s
    mean, p99 = prompt_wait_s(0.5, 0.2, 100.0)
    assert_allclose(mean, 0.2, rtol=1e-12)
    assert_allclose(p99, 0.4 * math.log(50.0), rtol=1e-12)
    assert_allclose(p99, 1.564809, rtol=1e-6)


def test_no_wait_when_idle_or_alone():
    assert prompt_wait_s(0.005, 0.2, 100.0)[1] == 0.0  # P(W > 0) = rho < 1 %: the p99 wait is 0
    mean, p99 = prompt_wait_s(0.9, 0.2, 1.0)  # a lone client never queues behind another prompt
    assert mean == 0.0 and p99 == 0.0
    # Capped at B - 1 prompts ahead: rho = 0.99, S = 0.1, B = 3 -> at most 0.2 s.
    assert_allclose(prompt_wait_s(0.99, 0.1, 3.0)[1], 0.2, rtol=1e-12)
