"""Time to refuse a YAML alias bomb ("billion laughs", 9**9 strings if expanded) in a user's upload.

Usage: ``python bench/bench_yaml_bomb.py [--repeats 7]``. Prints the median and the slowest refusal [ms];
tests/test_importers.py checks that the file is refused, this script how fast (a refusal that expanded the
aliases first would take minutes and gigabytes).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app_pages.importers import ImporterError, load_rental_prices
from tests.test_importers import alias_bomb


def refusal_ms() -> float:
    t0 = time.perf_counter()
    try:
        load_rental_prices(alias_bomb(), "bomb.yaml")
    except ImporterError:
        return (time.perf_counter() - t0) * 1e3
    raise SystemExit("the alias bomb was NOT refused")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times = [refusal_ms() for _ in range(args.repeats)]
    print(f"alias bomb refused: median {statistics.median(times):.2f} ms, slowest {max(times):.2f} ms "
          f"over {args.repeats} runs")


if __name__ == "__main__":
    main()
