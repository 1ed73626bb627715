"""Cost per token from the price of GPU time.

Notes
-----
A replica of N GPUs rented at p [$/GPU-hour] costs ``N * p / 3600`` [$/s]. In steady-state continuous
batching one mixed step of duration t_mixed serves B decode tokens and ``B * I / O`` prefill tokens
(the requests that finish each step are replaced by new ones whose prompts are prefilled in the same
step). The step's time is attributed to output tokens up to the duration t_decode of a decode-only step
of the same batch, and the remainder ``t_mixed - t_decode`` to input tokens, so that
``I * c_in + O * c_out`` equals the GPU cost of one request::

    c_out = N p / 3600 * t_decode / B * 1e6                                [$/1M output tokens]
    c_in  = N p / 3600 * (t_mixed - t_decode) / (B I / O) * 1e6            [$/1M input tokens]
    c_blend = N p / 3600 * t_mixed / (B (1 + I/O)) * 1e6                   [$/1M tokens, input+output]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from calculator.units import S_PER_HOUR, TOKENS_PER_MILLION

ArrayLike = float | npt.NDArray[np.float64]


def usd_per_s(num_gpus: ArrayLike, usd_per_gpu_hour: ArrayLike) -> ArrayLike:
    """Cost rate of a replica [$/s]: ``N * p / 3600``."""
    return num_gpus * usd_per_gpu_hour / S_PER_HOUR


def usd_per_million_tokens(cost_rate_usd_per_s: ArrayLike, seconds: ArrayLike, num_tokens: ArrayLike) -> ArrayLike:
    """Cost of GPU time spread over tokens [$/1M tokens]: ``rate * seconds / tokens * 1e6``."""
    tokens = np.maximum(np.asarray(num_tokens, dtype=float), 1e-300)
    return cost_rate_usd_per_s * np.maximum(seconds, 0.0) / tokens * TOKENS_PER_MILLION
