"""Queueing wait of a prompt (M/M/1) and slots under random arrivals (M/M/K, Erlang C), hand-computed."""

from __future__ import annotations

import math

import numpy as np
from numpy.testing import assert_allclose

from calculator.queueing import erlang_c, open_loop_load, open_loop_load_exact, prompt_wait_s


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


def test_erlang_c_by_hand_and_by_the_closed_form():
    # One slot: P(wait) = rho (M/M/1). Two slots at L = 1: B(1) = 1/2, B(2) = 0.5/2.5 = 0.2,
    # C = 0.2 / (1 - 0.5 x 0.8) = 1/3.
    assert_allclose(erlang_c(1, 0.3), 0.3, rtol=1e-12)
    assert_allclose(erlang_c(2, 1.0), 1.0 / 3.0, rtol=1e-12)
    # The recursion against the closed form C = (a^c/c! x c/(c-a)) / (sum_{k<c} a^k/k! + a^c/c! x c/(c-a)),
    # e.g. a call centre of 55 agents offered 48 erlangs (360 calls per half hour of 4 minutes).
    for c, a in ((55, 48.0), (10, 8.0), (64, 46.6), (3, 2.0)):
        top = a ** c / math.factorial(c) * c / (c - a)
        closed = top / (sum(a ** k / math.factorial(k) for k in range(c)) + top)
        assert_allclose(erlang_c(c, a), closed, rtol=1e-10)
    assert erlang_c(8, 8.0) == 1.0 and erlang_c(8, 9.5) == 1.0  # no steady state at or above the slots


def test_open_loop_load_leaves_one_percent_of_arrivals_waiting():
    loads = np.asarray(open_loop_load(np.array([1.0, 2.0, 64.0, 1024.0, 64.9, 0.5])))
    assert_allclose(loads[0], 0.01, rtol=1e-4)  # one slot: rho = 1 %
    for k, load in zip((2, 64, 1024), loads[1:4], strict=True):
        assert_allclose(erlang_c(k, load), 0.01, rtol=1e-3)
        assert erlang_c(k, load * 1.01) > 0.01  # the largest such load
    # Square-root staffing: K - L grows as sqrt(L); the share carried rises with K (73 % of 64, 93 % of 1,024).
    assert_allclose(loads[2], 46.6, atol=0.05)
    assert_allclose(loads[3], 949.6, atol=0.05)
    assert loads[4] == loads[2]  # whole slots only
    assert loads[5] == 0.0


def test_open_loop_load_of_64_slots_matches_the_mlperf_gb200_interactive_run():
    # MLPerf Inference v6.0 DeepSeek-R1 Interactive, GB200 NVL72 disaggregated, 64 sequences per decode rank
    # (tests/calibration/measurements.yaml): 240,317.85 / 64 = 3,755 output tok/s per decode GPU at a mean TPOT
    # of 11.89 ms is 3,755 x 0.01189 = 44.6 sequences in flight per rank. Erlang C at 1 %: 46.6 (+4.4 %).
    measured = 3755.0 * 0.01189
    assert abs(float(np.asarray(open_loop_load(64.0))) / measured - 1.0) < 0.10


def test_the_table_of_open_loop_loads_agrees_with_the_bisection():
    # open_loop_load reads L*(K) from one pass of the Erlang B recursion over a grid of loads (inverse quadratic
    # interpolation of ln C); the bisection on erlang_c is the reference, to 1e-9 K.
    for k in (65, 66, 100, 174, 304, 777, 1024, 2662, 4096):
        assert abs(float(np.asarray(open_loop_load(float(k)))) - open_loop_load_exact(k)) < 1e-4
