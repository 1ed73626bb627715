"""The comparison as a CSV file and a short text summary (the app's download button reuses ``csv_text``).

CSV cells that a user can set (scenario name, custom model names) could start with a spreadsheet formula
character; following the OWASP "CSV Injection" guidance, any text cell that starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return is prefixed with a single quote. Numbers stay numbers; None is an empty
cell. The file carries the scenario name and the as_of date of every price in its columns.
"""

from __future__ import annotations

import csv
import io
import math
import numbers
from pathlib import Path
from typing import Any

import pandas as pd

from calculator.catalog import Catalog
from pricing.economics import break_even_for_scenario
from pricing.scenario import Scenario

FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """A CSV-safe cell: text starting with a formula character gets a leading ``'``; numbers unchanged;
    None and non-finite floats become an empty cell."""
    if value is None:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if not math.isfinite(number):
            return ""
        return int(value) if isinstance(value, numbers.Integral) else number
    if isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def csv_text(options: pd.DataFrame, scenario_name: str, top: int | None = None) -> str:
    """The comparison table as CSV text: a ``scenario_name`` column first, then the ``compare_options``
    columns (units in the names), at most ``top`` rows per workload."""
    table = options if top is None else options.groupby("workload", sort=False, group_keys=False).head(top)
    columns = ["scenario_name", *table.columns]
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(columns)
    for record in table.to_dict(orient="records"):
        writer.writerow([neutralise_cell(scenario_name)] + [neutralise_cell(record[c]) for c in table.columns])
    return buf.getvalue()


def write_csv(options: pd.DataFrame, path: Path | str, scenario_name: str, top: int | None = None) -> None:
    """Write ``csv_text`` to ``path`` (UTF-8). The only function here that touches the file system."""
    Path(path).write_text(csv_text(options, scenario_name, top), encoding="utf-8")


def _money(x: Any) -> str:
    return "-" if x is None else f"${x:,.0f}"


def headline(scenario: Scenario, options: pd.DataFrame, workload_index: int = 0) -> list[str]:
    """For each self-hosted model with a quality index: its best option vs every API option of the
    workload, per quality point, and the monthly volume where that flips (``pricing.economics``)."""
    spec = scenario.workloads[workload_index]
    rows = options[options["workload"] == spec.name]
    ranked_self = rows[rows["ranked"] & (rows["provider"] == "self-hosted")]
    apis = rows[(rows["kind"] == "API") & (rows["status"] == "ok")]
    lines = []
    seen: set[str] = set()
    for _, s in ranked_self.iterrows():
        if s["model_id"] in seen or s["quality_index"] is None:
            continue
        seen.add(str(s["model_id"]))
        for _, a in apis.iterrows():
            if a["quality_index"] is None:
                continue
            be = break_even_for_scenario(scenario, options, s["option_id"], a["option_id"], workload_index,
                                         per_quality_point=True)
            cheaper = s["usd_per_quality_point"] < a["usd_per_quality_point"]
            flip = (f"self-hosting is cheaper per quality point above {be.num_requests_per_month:,.0f} "
                    f"requests/month ({be.num_million_tokens_per_month:,.0f} M tokens/month)"
                    if be.num_requests_per_month is not None else be.status)
            lines.append(
                f"{s['model_name']} self-hosted ({s['gpus_total']} x {s['gpu_name']}, {s['precision']}) "
                f"{_money(s['usd_per_quality_point'])}/quality point vs {a['model_name']} API "
                f"{_money(a['usd_per_quality_point'])}/quality point at "
                f"{s['num_requests_per_month']:,.0f} requests/month: "
                f"{'cheaper' if cheaper else 'dearer'}; {flip}")
    return lines


def summary_text(scenario: Scenario, catalog: Catalog, options: pd.DataFrame, top: int = 5) -> str:
    """A short plain-text summary: per workload the top options and the self-hosted vs API verdicts."""
    out = [f"Scenario: {scenario.name}"]
    eff = catalog.efficiency
    if eff is not None and eff.median_abs_error_frac is not None:
        out.append(f"Throughput model calibration: median error {eff.median_abs_error_frac:.1%} over "
                   f"{eff.num_measurements} measurements (as of {eff.as_of}); $/1M bands use it.")
    for k, spec in enumerate(scenario.workloads):
        rows = options[options["workload"] == spec.name]
        out.append("")
        out.append(f"Workload: {spec.name} ({spec.requests_per_day:,.0f} requests/day, {spec.input_tokens} in / "
                   f"{spec.output_tokens} out tokens, pricing basis {scenario.pricing_basis})")
        for _, r in rows[rows["ranked"]].head(top).iterrows():
            q = "-" if r["quality_index"] is None else f"{r['quality_index']:.1f}"
            upq = "-" if r["usd_per_quality_point"] is None else f"${r['usd_per_quality_point']:,.0f}"
            out.append(f"  {r['rank']:>2}. {r['option_id']:<46} {_money(r['monthly_cost_usd']):>12}/month  "
                       f"${r['usd_per_million_tokens']:.3f}/1M tok  quality {q}  {upq}/point")
        unranked = int((~rows["ranked"]).sum())
        if unranked:
            out.append(f"  ({unranked} options not ranked: see their status)")
        for line in headline(scenario, options, k):
            out.append("  " + line)
    return "\n".join(out)
