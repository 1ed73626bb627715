"""Dashboard speed with AppTest: cold start, and median time from a widget change to a finished rerun.

Usage: ``python bench/bench_app.py [--repeats 15]``. Targets (issue 4): cold start <= 3 s, median rerun after
a widget change <= 300 ms on the default scenario. Cold start is measured in a fresh Python process (imports,
catalog load and the first run of the Compare page); reruns alternate between two values of several widgets so
every rerun recomputes the comparison (the cache only helps when a value comes back).
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")

COLD = f"""
import time
t0 = time.perf_counter()
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({APP!r}, default_timeout=60).run()
assert not at.exception, at.exception
print(time.perf_counter() - t0)
"""


def cold_start_s() -> float:
    """Seconds from a fresh interpreter to the first finished run of the default page."""
    out = subprocess.run([sys.executable, "-c", COLD], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def rerun_times_s(repeats: int) -> dict[str, list[float]]:
    """Seconds per rerun after a widget change, per widget, on the default scenario (Compare page)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=60).run()
    changes = {
        "output tokens": lambda i: at.number_input(key="s_out").set_value(28 + 10 * i),
        "requests/day": lambda i: at.number_input(key="s_rpd").set_value(200_000.0 + 1000.0 * i),
        "utilisation": lambda i: at.slider(key="s_util").set_value(0.5 + 0.05 * (i % 8)),
        "pricing basis": lambda i: at.selectbox(key="s_basis").select(("spot", "on_demand")[i % 2]),
    }
    times: dict[str, list[float]] = {}
    for name, change in changes.items():
        times[name] = []
        for i in range(repeats):
            widget = change(i + 1)
            t0 = time.perf_counter()
            widget.run()
            times[name].append(time.perf_counter() - t0)
            assert not at.exception, at.exception
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15, help="reruns per widget")
    args = parser.parse_args()
    colds = [cold_start_s() for _ in range(3)]
    print(f"cold start (fresh process -> first page drawn): median {statistics.median(colds):.2f} s "
          f"(runs: {', '.join(f'{c:.2f}' for c in colds)}; target <= 3 s)")
    times = rerun_times_s(args.repeats)
    every = [t for ts in times.values() for t in ts]
    for name, ts in times.items():
        print(f"rerun after changing {name:<14}: median {statistics.median(ts) * 1e3:6.0f} ms, "
              f"max {max(ts) * 1e3:6.0f} ms")
    print(f"rerun after a widget change (all): median {statistics.median(every) * 1e3:.0f} ms "
          f"over {len(every)} reruns (target <= 300 ms)")


if __name__ == "__main__":
    main()
