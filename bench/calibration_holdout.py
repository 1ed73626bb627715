"""How well does the efficiency fit generalise? Fit on half of the calibration set, test on the other half.

Prints in-sample and out-of-sample median absolute errors for two interleaved splits.
Run: python bench/calibration_holdout.py   (takes ~2 minutes)
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.catalog import load_catalog, load_measurements
from calculator.validate import compare, fit, median_abs_error


def main() -> None:
    cat = load_catalog()
    assert cat.efficiency is not None
    ms = load_measurements()
    for k in (0, 1):
        train = [m for j, m in enumerate(ms) if j % 2 == k]
        test = [m for j, m in enumerate(ms) if j % 2 != k]
        eff = fit(cat, cat.efficiency, train, num_starts=6)
        inside = median_abs_error(compare(cat, eff, train))
        outside = median_abs_error(compare(cat, eff, test))
        print(f"split {k}: fit on {len(train)}, median abs error in-sample {inside:.1%}, held-out {outside:.1%}")
    print(f"shipped constants on all {len(ms)}: {median_abs_error(compare(cat, cat.efficiency, ms)):.1%}")


if __name__ == "__main__":
    main()
