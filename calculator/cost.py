"""Cost per token from the price of GPU time.

Notes
-----
A deployment of N GPUs rented at p [$/GPU-hour] costs ``N * p / 3600`` [$/s]. In steady state it completes
``X / O`` requests per second (X output tokens/s, O output tokens per request), so one request costs::

    C_req = N p / 3600 * O / X                                                 [$ per request]     (1)

and the blended price is ``c_blend = C_req / (I + O) * 1e6`` [$/1M tokens].

Input/output split. API price lists charge input and output tokens separately, so the self-hosted cost is
split the same way, with ``I * c_in + O * c_out = C_req`` (nothing lost, nothing counted twice). The split
follows the GPU time each phase would take on its own, as a disaggregated deployment would spend it
(DistServe, Zhong et al., OSDI 2024; Splitwise, Patel et al., ISCA 2024): the prefill of the prompt alone,
``T_in = t_prefill(I)``, and the request's share of decode-only steps, ``T_out = O * t_decode(B) / B``::

    s_in  = T_in / (T_in + T_out)                                                                 (2)
    c_in  = C_req * s_in / I * 1e6         c_out = C_req * (1 - s_in) / O * 1e6                   (3)

The earlier marginal split (input pays only the time prefill adds to a decode step) priced input at $0
whenever the step was memory-bound, which no API list price does; the standalone-time split gives input a
price that follows its compute, as providers' input prices do.
"""

from __future__ import annotations

import numpy as np

from calculator.units import S_PER_HOUR, TOKENS_PER_MILLION, FloatOrArray


def usd_per_s(num_gpus: FloatOrArray, usd_per_gpu_hour: FloatOrArray) -> FloatOrArray:
    """Cost rate of a deployment [$/s]: ``N * p / 3600``."""
    return num_gpus * usd_per_gpu_hour / S_PER_HOUR


def usd_per_million_tokens(cost_rate_usd_per_s: FloatOrArray, seconds: FloatOrArray,
                           num_tokens: FloatOrArray) -> FloatOrArray:
    """Cost of GPU time spread over tokens [$/1M tokens]: ``rate * seconds / tokens * 1e6``."""
    tokens = np.maximum(np.asarray(num_tokens, dtype=float), 1e-300)
    return cost_rate_usd_per_s * np.maximum(seconds, 0.0) / tokens * TOKENS_PER_MILLION


def input_share_frac(prefill_s: FloatOrArray, decode_step_s: FloatOrArray, concurrency: FloatOrArray,
                     output_tokens: FloatOrArray) -> FloatOrArray:
    """Share of a request's GPU cost attributed to its input tokens [-] (eq. 2).

    ``s_in = t_prefill / (t_prefill + O * t_decode / B)`` with t_prefill [s] the prefill of the prompt alone,
    t_decode [s] a decode-only step of B sequences, O [tokens] the output length.
    """
    t_in = np.asarray(prefill_s, dtype=float)
    t_out = output_tokens * np.asarray(decode_step_s, dtype=float) / concurrency
    return t_in / np.maximum(t_in + t_out, 1e-300)
