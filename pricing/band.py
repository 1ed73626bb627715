"""The calibration band around a self-hosted price: the core's typical throughput error, in dollars.

Notes
-----
The core predicts throughput within a median absolute error e over the calibration set
(``data/efficiency.yaml``, ``median_abs_error_frac``). Cost is inversely proportional to throughput, so::

    low  = c / (1 + e)          high = c / (1 - e)                    [$/1M tokens]

It is a typical error, not a bound: half the calibration points lie outside it. ``pricing.options`` puts the
band on every self-hosted row; ``pricing.sensitivity`` uses the same e for its "achieved efficiency" bar.
"""

from __future__ import annotations


def calibration_band(usd_per_million_tokens: float, error_frac: float) -> tuple[float, float]:
    """Band around a self-hosted price from the core's calibration error [$/1M tokens] (module Notes).

    e is clipped to [0, 0.9] so the high end stays finite.
    """
    e = min(max(error_frac, 0.0), 0.9)
    return usd_per_million_tokens / (1.0 + e), usd_per_million_tokens / (1.0 - e)
