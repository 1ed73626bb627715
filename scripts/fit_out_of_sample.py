"""Fit the efficiency constants once per fold and store the held-out predictions.

Writes tests/calibration/out_of_sample.yaml: for each of the 5 interleaved folds (measurement j of
tests/calibration/measurements.yaml in fold j mod 5), the constants fitted on the other four folds
(calculator.validate.fit, the same multi-start grid descent and off-grid refinement as
``python -m calculator validate --fit``; folds fitted in parallel processes), and every
measurement's prediction by the constants of the fold that held it out. The points the p99/mean latency
ratio is taken from are left out (calculator.validate.is_ratio_point).

Run after any change to the physics, the fit grid or the calibration set (tests/test_validate.py fails when
the stored predictions no longer match the code):

    python scripts/fit_out_of_sample.py [--starts 2] [--processes 2]     (takes tens of minutes)

then copy the printed out-of-sample median into data/efficiency.yaml (fit_result).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.catalog import load_catalog, load_measurements
from calculator.validate import (
    NUM_FOLDS,
    OUT_OF_SAMPLE_FILE,
    abs_error_quantile,
    error_by_class,
    fit_fold,
    predict_out_of_sample,
    write_out_of_sample,
)


def _fit_fold(fold: int, num_starts: int) -> dict[str, float]:
    cat = load_catalog()
    assert cat.efficiency is not None
    return fit_fold(cat, cat.efficiency, load_measurements(), fold, NUM_FOLDS, num_starts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=2,
                        help="starting points per fold fit (the neutral one, then seeded random ones)")
    parser.add_argument("--processes", type=int, default=2, help="folds fitted at once")
    args = parser.parse_args()
    cat = load_catalog()
    assert cat.efficiency is not None
    measurements = load_measurements()
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        constants = list(pool.map(_fit_fold, range(NUM_FOLDS), [args.starts] * NUM_FOLDS))
    residuals = predict_out_of_sample(cat, cat.efficiency, measurements, constants)
    header = (
        "# Out-of-sample calibration: written by scripts/fit_out_of_sample.py (do not edit by hand).\n"
        f"# Generated {dt.date.today().isoformat()} from tests/calibration/measurements.yaml "
        f"({len(measurements)} measurements) and the non-fitted constants of data/efficiency.yaml.\n"
        f"# {NUM_FOLDS} interleaved folds (measurement j in fold j mod {NUM_FOLDS}); each fold's constants are fitted "
        f"on the other folds by calculator.validate.fit ({args.starts} starts, then the off-grid refinement);\n"
        "# residuals: each measurement predicted by the constants of the fold that held it out. The p99/mean\n"
        "# ratio points are left out. tests/test_validate.py re-predicts every residual from these constants.\n"
    )
    write_out_of_sample(OUT_OF_SAMPLE_FILE, constants, residuals, header)
    ratios = [r.ratio for r in residuals]
    print(f"{len(residuals)} held-out predictions written to {OUT_OF_SAMPLE_FILE}")
    print(f"out-of-sample median abs error {abs_error_quantile(ratios, 0.5):.4f}, "
          f"p90 {abs_error_quantile(ratios, 0.9):.4f}")
    for row in error_by_class([(r.klass, r.ratio) for r in residuals]):
        print(f"  {row['class']!s:<18} n={row['num_measurements']!s:>3} median {row['median_abs_error_frac']:.1%} "
              f"p90 {row['p90_abs_error_frac']:.1%}")


if __name__ == "__main__":
    main()
