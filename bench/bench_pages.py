"""First render of every page, cold: a fresh Python process per page, the page opened directly from a link.

Usage: ``python bench/bench_pages.py [--repeats 3]``. Target (issue 13): <= 1.5 s per page. The time covers the
first AppTest run of the page in a new process: the app's imports, the catalog load and the page's own work
(a new server process pays this once; later sessions hit the caches). Importing ``streamlit.testing`` itself
is not counted. Prints the median over ``--repeats`` processes per page, of wall time and of CPU time (all
threads; on a shared, loaded machine the CPU time is the steadier figure), and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 1.5
PAGES = ("compare", "sizing", "economics", "catalog", "method")

FIRST_RENDER = """
import time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=120)
at.switch_page("app_pages/{page}.py")
t0, c0 = time.perf_counter(), time.process_time()
at.run()
assert not at.exception, at.exception
print(time.perf_counter() - t0, time.process_time() - c0)
"""


def first_render_s(page: str) -> tuple[float, float]:
    """(wall, CPU) seconds of one cold first render of ``page``; CPU time counts every thread of the process."""
    code = FIRST_RENDER.format(app=str(ROOT / "app.py"), page=page)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.strip().splitlines()[-1].split()
    return float(wall), float(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (wall time grows with it, CPU time less)")
    for page in PAGES:
        runs = [first_render_s(page) for _ in range(args.repeats)]
        wall, cpu = [r[0] for r in runs], [r[1] for r in runs]
        verdict = "meets" if statistics.median(wall) <= TARGET_S else "misses"
        print(f"{page:<10} first render: wall median {statistics.median(wall):.2f} s (min {min(wall):.2f}, "
              f"max {max(wall):.2f}), CPU median {statistics.median(cpu):.2f} s; {verdict} the target "
              f"<= {TARGET_S} s")


if __name__ == "__main__":
    main()
