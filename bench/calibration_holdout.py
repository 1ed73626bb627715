"""How well does the efficiency fit generalise? Print the out-of-sample error, overall and per class.

Reads tests/calibration/out_of_sample.yaml (5 interleaved folds: each measurement predicted by constants fitted
on the other four; written by scripts/fit_out_of_sample.py, which refits, taking several minutes) and the
in-sample error of the shipped constants of data/efficiency.yaml.
Run: python bench/calibration_holdout.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.catalog import load_catalog, load_measurements
from calculator.validate import compare, errors_by_class, median_abs_error


def main() -> None:
    cat = load_catalog()
    assert cat.efficiency is not None
    ms = load_measurements()
    comparisons = compare(cat, cat.efficiency, ms)
    print(f"shipped constants, in sample, all {len(ms)}: median abs error {median_abs_error(comparisons):.1%}")
    in_sample, held_out = errors_by_class(cat, comparisons)
    inside = {str(r["class"]): r for r in in_sample}
    print(f"{'class':<18} {'n':>4} {'in-sample':>10} {'out-of-sample':>14} {'p90':>7} {'<=25%':>6}")
    for row in held_out:
        r_in = inside.get(str(row["class"]), {})
        print(f"{row['class']!s:<18} {row['num_measurements']!s:>4} {r_in.get('median_abs_error_frac', 0.0):>10.1%} "
              f"{row['median_abs_error_frac']:>14.1%} {row['p90_abs_error_frac']:>7.1%} "
              f"{row['within_25_percent_frac']:>6.0%}")


if __name__ == "__main__":
    main()
