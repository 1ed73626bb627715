"""Latency under load: how long a new request's prompt waits behind the prompts ahead of it.

Notes
-----
Requests arrive at random (Poisson) at the deployment's request rate. Their prompts share the GPUs with
decoding: in steady state a share ``rho = (t_step - t_decode) / t_step`` of the time goes to prompt chunks
(``calculator.pipeline``, eq. 1), so the prefill work behaves as a single server busy a fraction rho of the
time, with a service time S of about one prompt's prefill. The M/M/1 queue (Kleinrock, Queueing Systems,
vol. 1, 1975, sec. 3.2) gives the waiting time W::

    mean W = rho / (1 - rho) * S                  P(W > t) = rho * exp(-(1 - rho) t / S)
    W_p99  = S / (1 - rho) * ln(100 rho)   (0 when rho <= 0.01)                                (1)

Exponential service times make this an upper approximation for prompts of one fixed length (M/D/1 waits
are about half as long); a closed loop of B clients has at most B - 1 prompts ahead of any request, so W is
capped at ``(B - 1) S``.

Slots under random arrivals. An engine runs at most K sequences at once (its batch cap, or the sequences
whose KV cache fits; per scheduler: the deployment under tensor parallelism, each rank under data-parallel
attention). Requests hold a slot for their whole residence T (prefill and every decode step) and arrive at
random, so the number in flight fluctuates around its mean L = lambda T and a request that finds all K slots
busy waits for one to free: about T / (K - L), seconds when T is an output of hundreds of tokens. Slots as
servers, this is the M/M/K queue (Erlang C; Kleinrock, vol. 1, sec. 3.5)::

    P(wait) = C(K, L) = B(K, L) / (1 - (L / K) (1 - B(K, L))),
    B(0, L) = 1,  B(k, L) = L B(k-1, L) / (k + L B(k-1, L))        (Erlang B recursion)              (2)

An open-loop deployment is loaded to the largest mean L whose P(wait) <= 1 % (``open_loop_load``), so that the
99th percentile of TTFT carries no slot wait (the limits are read at p99). This is square-root staffing
(Halfin & Whitt, Operations Research 29(3), 1981): K - L grows as about 2.3 sqrt(L), so 64 slots carry a mean
of 46.6 (73 %), 1,024 carry 950 (93 %). Check: MLPerf Inference v6.0 DeepSeek-R1 Interactive on GB200 NVL72
(Dynamo, 64 sequences per decode rank, calibration set) made 3,755 output tok/s per decode GPU at a mean TPOT
of 11.89 ms, i.e. 3,755 x 0.01189 = 44.6 sequences in flight per rank: 70 % of its 64. A closed loop (a fixed
number of clients, an offline batch) has no such fluctuation and runs up to K.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

from calculator.units import FloatOrArray

P99_TAIL_FRAC: float = 0.01  # P(W > W_p99); also the share of open-loop arrivals allowed to wait for a slot


def prompt_wait_s(busy_frac: FloatOrArray, service_s: FloatOrArray,
                  concurrency: FloatOrArray) -> tuple[FloatOrArray, FloatOrArray]:
    """Mean and 99th-percentile queueing wait of a prompt [s] (eq. 1).

    Parameters
    ----------
    busy_frac : share rho of the time the deployment spends on prompts, in [0, 1) [-].
    service_s : prefill time of one prompt, S [s].
    concurrency : sequences the deployment serves together, B [-] (caps the queue at B - 1 prompts).
    """
    rho = np.clip(np.asarray(busy_frac, dtype=float), 0.0, 0.999)
    cap = np.maximum(np.asarray(concurrency, dtype=float) - 1.0, 0.0) * service_s
    mean = np.minimum(rho / (1.0 - rho) * service_s, cap)
    tail = np.log(np.maximum(rho / P99_TAIL_FRAC, 1.0))
    p99 = np.minimum(service_s / (1.0 - rho) * tail, cap)
    return mean, p99


def erlang_c(slots: int, load: FloatOrArray) -> FloatOrArray:
    """Probability that an arrival waits for one of ``slots`` busy slots at mean load ``load`` (eq. 2) [-].

    slots : K >= 1 [-]; load : L >= 0, the mean number of slots busy [-]. 1 when L >= K (no steady state).
    """
    mean_load = np.asarray(load, dtype=float)
    blocking = np.ones_like(mean_load)
    for k in range(1, slots + 1):
        blocking = mean_load * blocking / (k + mean_load * blocking)
    occupancy = mean_load / slots
    waiting = blocking / np.maximum(1.0 - occupancy * (1.0 - blocking), 1e-300)
    return np.where(occupancy < 1.0, waiting, 1.0)


TABLE_LOAD_STEP: float = 0.2  # spacing of the loads the table's Erlang C is evaluated at [sequences]; L* to ~4e-6
TABLE_MIN_SLOTS: int = 512  # slots the smallest table covers [-]; larger ones double it (cost ~ slots^2)
TABLE_MAX_SLOTS: int = 8192  # beyond, each K takes the bisection [-]
EXACT_MAX_SLOTS: int = 64  # up to this many slots the table takes the bisection (a coarse grid for small K)


@functools.lru_cache(maxsize=1024)
def open_loop_load_exact(slots: int) -> float:
    """Largest L with ``erlang_c(slots, L) <= P99_TAIL_FRAC``, to 1e-9 of the slots (bisection; C rises with L)."""
    low, high = 0.0, float(slots)
    while high - low > 1e-9 * max(1.0, slots):
        candidates = np.linspace(low, high, 34)[1:-1]
        ok = np.asarray(erlang_c(slots, candidates)) <= P99_TAIL_FRAC
        low = float(candidates[ok].max()) if ok.any() else low
        high = float(candidates[~ok].min()) if (~ok).any() else high
    return low


@functools.lru_cache(maxsize=8)
def _open_loop_table(max_slots: int) -> npt.NDArray[np.float64]:
    """L*(K) for K = 1..max_slots in one pass of the Erlang B recursion (eq. 2) over a grid of loads spaced
    ``TABLE_LOAD_STEP``: after step k the grid holds B(k, L), C(k, L) rises with L below k, and L* is where
    ln C crosses ln 1 % (inverse quadratic interpolation between grid loads). Up to ``EXACT_MAX_SLOTS`` slots
    it takes the bisection."""
    loads = np.arange(1, int(max_slots / TABLE_LOAD_STEP) + 1) * TABLE_LOAD_STEP
    blocking = np.ones_like(loads)
    table = np.zeros(max_slots)
    log_target = np.log(P99_TAIL_FRAC)
    for k in range(1, max_slots + 1):
        blocking = loads * blocking / (k + loads * blocking)
        below = int(np.searchsorted(loads, float(k)))  # grid loads < k
        b = blocking[:below]
        waiting = b / (1.0 - loads[:below] / k * (1.0 - b))
        j = int(np.searchsorted(waiting, P99_TAIL_FRAC, side="right"))  # first grid load with C > 1 %
        if k <= EXACT_MAX_SLOTS or j < 2 or j + 1 >= below:
            table[k - 1] = open_loop_load_exact(k)
            continue
        # Inverse quadratic interpolation of L in ln C through the grid loads j - 1, j, j + 1.
        y = np.log(waiting[j - 1:j + 2])
        x = loads[j - 1:j + 2]
        table[k - 1] = sum(x[a] * np.prod([(log_target - y[c]) / (y[a] - y[c]) for c in range(3) if c != a])
                           for a in range(3))
    return table


def _table_size(slots: int) -> int:
    """The smallest table size (``TABLE_MIN_SLOTS`` doubled) that covers ``slots``."""
    size = TABLE_MIN_SLOTS
    while size < slots:
        size *= 2
    return size


def open_loop_load(slots: FloatOrArray) -> FloatOrArray:
    """Mean number of sequences ``slots`` K carry under Poisson arrivals with at most 1 % of the arrivals
    waiting for a slot [-] (eq. 2; K is floored to whole slots; 0 for K < 1). Read from one table that covers
    every K asked for up to ``TABLE_MAX_SLOTS``; beyond, the bisection."""
    k = np.floor(np.asarray(slots, dtype=float))
    unique, inverse = np.unique(k, return_inverse=True)
    tabled = unique[(unique >= 1) & (unique <= TABLE_MAX_SLOTS)]
    table = _open_loop_table(_table_size(int(tabled.max()))) if tabled.size else np.zeros(0)
    loads = np.array([0.0 if u < 1 else float(table[int(u) - 1]) if u <= TABLE_MAX_SLOTS
                      else open_loop_load_exact(int(u)) for u in unique])
    return loads[inverse].reshape(k.shape)
