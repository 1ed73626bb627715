"""How far could free constants take the calibration error? A floor for the accuracy targets of issue 10.

For each grouping of the predicted measurements (by serving engine, GPU type, engine x GPU, engine x GPU x
architecture class, model x GPU), every group's speed errors ``ln(predicted / measured speed)`` are shifted by
the group's own median: what a free multiplicative speed constant per group would give, fitted *in sample* on
the very points it is scored on. The printed median absolute error and share within +-25 % are therefore
lower bounds for any held-out figure of the shipped physics with that many extra constants.
Run: python bench/calibration_floor.py
"""

from __future__ import annotations

import sys
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.catalog import load_catalog, load_measurements
from calculator.validate import MeasurementClass, Residual, abs_error_quantile, compare, measurement_class

Row = tuple[float, MeasurementClass, str, str]  # speed log error, class, GPU id, model id


def _summary(log_errors: np.ndarray) -> tuple[float, float]:
    """Median |speed ratio - 1| and the share within +-25 % [-]."""
    ratios = np.exp(log_errors)
    return abs_error_quantile(list(ratios), 0.5), float(np.mean(np.abs(ratios - 1.0) <= 0.25))


def main() -> None:
    cat = load_catalog()
    assert cat.efficiency is not None
    rows: list[Row] = []
    for c in compare(cat, cat.efficiency, load_measurements()):
        m = c.measurement
        klass = measurement_class(m, cat)
        speed = Residual(m.id, -1, c.predicted, m.measured_value, klass, m.metric).speed_ratio  # fold -1: in sample
        rows.append((float(np.log(speed)), klass, m.gpu_id, m.model_id))
    errors = np.array([r[0] for r in rows])
    median, within = _summary(errors)
    print(f"{len(rows)} predicted measurements, shipped constants, in sample: median {median:.1%}, "
          f"{within:.0%} within +-25 %")
    groupings: dict[str, Callable[[Row], object]] = {
        "engine": lambda r: r[1].engine,
        "GPU": lambda r: r[2],
        "engine x GPU": lambda r: (r[1].engine, r[2]),
        "engine x GPU x architecture": lambda r: (r[1].engine, r[2], r[1].architecture),
        "model x GPU": lambda r: (r[3], r[2]),
    }
    print(f"{'one free speed factor per':<30} {'groups':>6} {'median':>8} {'<=25%':>6}")
    for name, key in groupings.items():
        members: dict[object, list[int]] = defaultdict(list)
        for i, row in enumerate(rows):
            members[key(row)].append(i)
        shifted = errors.copy()
        for idx in members.values():
            shifted[idx] -= np.median(errors[idx])
        median, within = _summary(shifted)
        print(f"{name:<30} {len(members):>6} {median:>8.1%} {within:>6.0%}")


if __name__ == "__main__":
    main()
