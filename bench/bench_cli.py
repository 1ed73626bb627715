"""Wall time of one ``python -m calculator estimate`` (a fresh process: imports, catalog load, one estimate).

Usage: ``python bench/bench_cli.py [--repeats 7]``. Target (issue 13): median <= 0.3 s. Also prints the total
and the slowest imports of one run (``python -X importtime``), the usual culprit. The floor on a 2-core machine:
importing numpy, pydantic and PyYAML alone takes about 0.35 s (``python -c 'import numpy, yaml; from pydantic
import BaseModel'``), and the physics needs all three.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["-m", "calculator", "estimate", "--model", "gpt-oss-120b", "--gpu", "h100-sxm", "--num-gpus", "1",
        "--precision", "fp8", "--input-tokens", "1000", "--output-tokens", "200", "--json"]


def wall_s() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *ARGS], cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - t0


def import_times_us() -> list[tuple[int, int, str]]:
    """(self, cumulative, module) in microseconds of one run's ``python -X importtime``."""
    proc = subprocess.run([sys.executable, "-X", "importtime", *ARGS], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[0].split(":")[-1]), int(parts[1]), parts[2].rstrip()))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times = [wall_s() for _ in range(args.repeats)]
    print(f"estimate wall time over {args.repeats} runs: median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s (target <= 0.3 s)")
    rows = import_times_us()
    print(f"imports of one run (-X importtime, sum of self times): {sum(r[0] for r in rows) / 1e6:.3f} s; "
          "slowest (cumulative):")
    for _, cumulative_us, name in sorted(rows, key=lambda r: r[1], reverse=True)[:8]:
        print(f"  {cumulative_us / 1e6:6.3f} s {name}")


if __name__ == "__main__":
    main()
