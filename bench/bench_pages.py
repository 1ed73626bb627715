"""First render of every page, cold: a fresh Python process per page, the page opened directly from a link.

Usage: ``python bench/bench_pages.py [--repeats 3]``. Target (issue 13): <= 1.5 s per page. The time covers the
first AppTest run of the page in a new process: the app's imports, the catalog load and the page's own work
(a new server process pays this once; later sessions hit the caches). Importing ``streamlit.testing`` itself
is not counted. Prints the median over ``--repeats`` processes per page.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = ("compare", "sizing", "economics", "catalog", "method")

FIRST_RENDER = """
import time
from streamlit.testing.v1 import AppTest
at = AppTest.from_file({app!r}, default_timeout=120)
at.switch_page("app_pages/{page}.py")
t0 = time.perf_counter()
at.run()
assert not at.exception, at.exception
print(time.perf_counter() - t0)
"""


def first_render_s(page: str) -> float:
    code = FIRST_RENDER.format(app=str(ROOT / "app.py"), page=page)
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for page in PAGES:
        times = [first_render_s(page) for _ in range(args.repeats)]
        print(f"{page:<10} first render: median {statistics.median(times):.2f} s "
              f"(min {min(times):.2f}, max {max(times):.2f}; target <= 1.5 s)")


if __name__ == "__main__":
    main()
