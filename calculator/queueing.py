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
"""

from __future__ import annotations

import numpy as np

from calculator.units import FloatOrArray

P99_TAIL_FRAC: float = 0.01  # P(W > W_p99)


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
