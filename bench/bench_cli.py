"""Wall time of one ``python -m calculator estimate`` (a fresh process: imports, catalog load, one estimate).

Usage: ``python bench/bench_cli.py [--repeats 7]``. Target (issue 13): median <= 0.3 s. Also prints the
slowest imports of one run (``python -X importtime``), the usual culprit.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARGS = ["-m", "calculator", "estimate", "--model", "llama-3.1-70b", "--gpu", "h100-sxm",
        "--input-tokens", "1000", "--output-tokens", "200"]


def wall_s() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, *ARGS], cwd=ROOT, capture_output=True, check=True)
    return time.perf_counter() - t0


def slowest_imports(n: int = 8) -> list[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", *ARGS], cwd=ROOT, capture_output=True, text=True,
                          check=True)
    rows = []
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return [f"{us / 1e6:6.3f} s {name}" for us, name in rows[:n]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    times = [wall_s() for _ in range(args.repeats)]
    print(f"estimate wall time over {args.repeats} runs: median {statistics.median(times):.3f} s, "
          f"min {min(times):.3f} s, max {max(times):.3f} s (target <= 0.3 s)")
    print("slowest imports (cumulative):")
    for line in slowest_imports():
        print("  " + line)


if __name__ == "__main__":
    main()
