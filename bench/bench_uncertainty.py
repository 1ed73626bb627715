"""Print the Monte Carlo's draws per second on the default scenario, and its P(cheapest) table.

Run: python bench/bench_uncertainty.py [num_draws]   (figures go to stdout; nothing is asserted here)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.catalog import load_catalog
from pricing import uncertainty as u
from pricing.options import compare_options
from pricing.scenario import Scenario


def main() -> None:
    num_draws = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    catalog = load_catalog()
    scenario = Scenario()
    options = compare_options(scenario, catalog)
    settings = u.Settings(num_draws=num_draws)
    t0 = time.perf_counter()
    errors = u.calibration_errors(catalog)
    t_errors = time.perf_counter() - t0
    inputs = u.inputs_from_frame(options, scenario, catalog, settings)
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        draws = u.simulate(inputs, errors, settings)
        frame = u.summary_frame(draws)
        runs.append(time.perf_counter() - t0)
    best, med = min(runs), statistics.median(runs)
    print(f"options simulated: {len(inputs)}; draws: {num_draws:,}; residual load {t_errors * 1000:.0f} ms")
    print(f"simulate + summary: median {med * 1000:.0f} ms, best {best * 1000:.0f} ms "
          f"({num_draws / med:,.0f} draws/s, {num_draws * len(inputs) / med:,.0f} option-draws/s, one core)")
    ranked = options[options["ranked"]][["option_id", "workload"]]
    table = ranked.merge(frame, on=["option_id", "workload"]).sort_values("p_cheapest", ascending=False)
    print("\nP(cheapest per successful task), default scenario:")
    for _, r in table.iterrows():
        p = r["p_cheapest"]
        if p is None:
            continue
        print(f"  {p:6.3f}  {r['option_id']:<45s}  monthly p10/p50/p90 ${r['monthly_cost_usd_p10']:,.0f} / "
              f"${r['monthly_cost_usd_p50']:,.0f} / ${r['monthly_cost_usd_p90']:,.0f}  [{r['error_class']}]")


if __name__ == "__main__":
    main()
