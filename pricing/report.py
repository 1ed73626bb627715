"""The comparison as a tidy CSV, an .xlsx workbook and a short text summary (the app's downloads reuse them).

CSV (``csv_text``): one row per option and workload, the ``compare_options`` columns after ``scenario_name``
(units in the names; scripts rely on these columns, new ones are added at the end), numbers as numbers, a
missing quantity an empty cell and ``status`` saying why: ``pd.read_csv`` gives numeric dtypes.

Workbook (``workbook_bytes``): sheets ``options`` (the CSV's table), ``scenario and assumptions`` (every
scenario field and the model's constants), ``sources and dates`` (where each catalog entry behind an option
comes from, and when it was observed) and ``sensitivity`` (the tornado of each workload's rank-1 option).

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from calculator.catalog import Catalog, CatalogError
from pricing.economics import break_even_for_scenario
from pricing.kinds import KIND_API, SELF_HOSTED_PROVIDER
from pricing.scenario import Scenario
from pricing.uncertainty import ROBUST_P

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


def write_xlsx(data: bytes, path: Path | str) -> None:
    """Write workbook bytes (``workbook_bytes``) to ``path``."""
    Path(path).write_bytes(data)


SHEETS: tuple[str, ...] = ("options", "scenario and assumptions", "sources and dates", "sensitivity")


def scenario_rows(scenario: Scenario, catalog: Catalog) -> list[tuple[str, Any, str]]:
    """(parameter, value, unit or meaning) of every scenario field and the speed model's constants."""
    rows: list[tuple[str, Any, str]] = [("scenario name", scenario.name, "")]
    for k, spec in enumerate(scenario.workloads):
        prefix = f"workload {k + 1}: " if len(scenario.workloads) > 1 else "workload: "
        for field, value in spec.model_dump(mode="json").items():
            rows.append((prefix + field, value, ""))
    for field in ("model_ids", "api_model_ids", "gpu_ids", "precisions"):
        rows.append((field, ", ".join(getattr(scenario, field)), "candidates"))
    rows += [("pricing_basis", scenario.pricing_basis, ""), ("price_statistic", scenario.price_statistic, ""),
             ("utilisation_frac", scenario.utilisation_frac, "planned busy share of paid GPU time"),
             ("always_on", scenario.always_on, "pay for the peak fleet every hour")]
    for field, value in scenario.ownership.model_dump(mode="json").items():
        rows.append((f"ownership: {field}", value, "owned GPUs"))
    for gpu_id, price in scenario.usd_per_gpu_hour_overrides.items():
        rows.append((f"your price: {gpu_id}", price, "$/GPU-hour"))
    for cm in scenario.custom_models:
        rows.append((f"custom model: {cm.id}", cm.name, "config.json"))
    eff = catalog.efficiency
    if eff is not None:
        for field, value in eff.model_dump(mode="json").items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                rows.append((f"speed model: {field}", value, f"data/efficiency.yaml (as of {eff.as_of})"))
    return rows


def source_rows(options: pd.DataFrame, catalog: Catalog) -> list[tuple[str, str, str, str, str]]:
    """(kind, id, name, as_of, source) of every catalog entry the options use, then each catalog part's dates."""
    out: list[tuple[str, str, str, str, str]] = []
    seen: set[tuple[str, str]] = set()
    lookups: dict[str, Any] = {"model": catalog.model, "GPU": catalog.gpu, "API model": catalog.api_model}
    for record in options.to_dict("records"):
        refs = [("API model", record["model_id"])] if record["kind"] == KIND_API else [
            ("model", record["model_id"]), ("GPU", record["gpu_id"])]
        for kind, item_id in refs:
            if not item_id or (kind, item_id) in seen:
                continue
            seen.add((kind, item_id))
            try:
                item: Any = lookups[kind](str(item_id))
            except CatalogError:  # a custom model of the scenario: not in the catalog
                out.append((kind, str(item_id), str(record["model_name"]), "", "your config.json (this scenario)"))
                continue
            out.append((kind, item.id, item.name, str(item.as_of), item.source))
    parts: dict[str, list[Any]] = {
        "models": list(catalog.models), "gpus": list(catalog.gpus), "api_models": list(catalog.api_models),
        "benchmarks": list(catalog.benchmarks), "scores": list(catalog.scores), "workloads": list(catalog.workloads),
        "rental_prices": list(catalog.rental_prices), "purchase_prices": list(catalog.purchase_prices),
        "ownership_defaults": list(catalog.ownership_defaults.values()),
        "efficiency": [catalog.efficiency] if catalog.efficiency else [],
    }
    for name, items in parts.items():
        dates = sorted(str(x.as_of) for x in items)
        if dates:
            out.append(("catalog part", name, f"{len(items)} entries", f"{dates[0]} to {dates[-1]}",
                        "data/ (every entry cites its source)"))
    return out


def _sheet_cell(value: Any) -> Any:
    cell = neutralise_cell(value)
    return None if cell == "" else cell


def workbook_bytes(options: pd.DataFrame, scenario: Scenario, catalog: Catalog,
                   sensitivity: dict[str, pd.DataFrame] | None = None) -> bytes:
    """The .xlsx workbook of the comparison (sheets ``SHEETS``; module docstring). ``sensitivity``: tornado
    tables by workload name (``pricing.sensitivity.tornado``); text cells are neutralised like the CSV's."""
    from openpyxl import Workbook  # imported here: only the exports need it

    book = Workbook()
    ws = book.active
    ws.title = SHEETS[0]
    ws.append(["scenario_name", *options.columns])
    for record in options.to_dict("records"):
        ws.append([_sheet_cell(scenario.name)] + [_sheet_cell(record[c]) for c in options.columns])
    ws.freeze_panes = "A2"
    ws = book.create_sheet(SHEETS[1])
    ws.append(["parameter", "value", "unit or meaning"])
    for name, value, unit in scenario_rows(scenario, catalog):
        ws.append([_sheet_cell(name), _sheet_cell(value if not isinstance(value, list | dict) else str(value)),
                   _sheet_cell(unit)])
    ws = book.create_sheet(SHEETS[2])
    ws.append(["kind", "id", "name", "as_of", "source"])
    for row in source_rows(options, catalog):
        ws.append([_sheet_cell(x) for x in row])
    ws = book.create_sheet(SHEETS[3])
    frames = sensitivity or {}
    if not frames:
        ws.append(["no sensitivity computed"])
    header_done = False
    for workload, frame in frames.items():
        if not header_done:
            ws.append(["workload", "option_id", *frame.columns])
            header_done = True
        for record in frame.to_dict("records"):
            ws.append([_sheet_cell(workload), _sheet_cell(frame.attrs.get("option_id", ""))]
                      + [_sheet_cell(record[c]) for c in frame.columns])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def sensitivity_by_workload(scenario: Scenario, catalog: Catalog, options: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The tornado (``pricing.sensitivity.tornado``) of each workload's rank-1 option, by workload name."""
    from pricing.sensitivity import top_option_id, tornado

    out: dict[str, pd.DataFrame] = {}
    for k, spec in enumerate(scenario.workloads):
        option_id = top_option_id(options, spec.name)
        if option_id is not None:
            out[spec.name] = tornado(scenario, catalog, option_id=option_id, workload_index=k)
    return out


def _money(x: Any) -> str:
    return "-" if x is None else f"${x:,.0f}"


def _per_task(x: Any) -> str:
    return "-" if x is None else f"${x:,.4f}"


def headline(scenario: Scenario, options: pd.DataFrame, workload_index: int = 0) -> list[str]:
    """For each self-hosted model with a success rate: its best option vs every API option of the workload,
    per successful task (``pricing.success``), and the monthly volume where that flips (``pricing.economics``;
    the API cost is scaled by the ratio of success rates, so the flip is where $ per successful task is equal)."""
    spec = scenario.workloads[workload_index]
    rows = options[options["workload"] == spec.name]
    ranked_self = rows[rows["ranked"] & (rows["provider"] == SELF_HOSTED_PROVIDER)]
    apis = rows[(rows["kind"] == KIND_API) & (rows["status"] == "ok") & ~rows["retired"]]
    lines = []
    seen: set[str] = set()
    for _, s in ranked_self.iterrows():
        if s["model_id"] in seen or s["usd_per_successful_task"] is None:
            continue
        seen.add(str(s["model_id"]))
        for _, a in apis.iterrows():
            if a["usd_per_successful_task"] is None:
                continue
            be = break_even_for_scenario(scenario, options, s["option_id"], a["option_id"], workload_index,
                                         per_quality_point=True)
            cheaper = s["usd_per_successful_task"] < a["usd_per_successful_task"]
            flip = (f"self-hosting is cheaper per successful task above {be.num_requests_per_month:,.0f} "
                    f"requests/month ({be.num_million_tokens_per_month:,.0f} M tokens/month)"
                    if be.num_requests_per_month is not None else be.status)
            lines.append(
                f"{s['model_name']} self-hosted ({s['gpus_total']} x {s['gpu_name']}, {s['precision']}) "
                f"{_per_task(s['usd_per_successful_task'])}/successful task vs {a['model_name']} API "
                f"{_per_task(a['usd_per_successful_task'])}/successful task at "
                f"{s['num_requests_per_month']:,.0f} requests/month: "
                f"{'cheaper' if cheaper else 'dearer'}; {flip}")
    return lines


def confidence_lines(rows: pd.DataFrame, names: Mapping[str, str] | None = None) -> list[str]:
    """Whether one workload's winner is robust or a close call, from the Monte Carlo's ``p_cheapest``.

    Robust: one option is the cheapest per successful task in at least ``ROBUST_P`` of the draws
    (``pricing.uncertainty``). Otherwise every option with at least ``CONTENDER_P`` of the draws is named.
    ``names``: option_id -> the name to print (the app's option labels); by default the option id.
    """
    if "p_cheapest" not in rows.columns:
        return []
    probs = sorted((((names or {}).get(str(oid), str(oid)), float(p))
                    for oid, p in zip(rows["option_id"], rows["p_cheapest"], strict=True) if p is not None),
                   key=lambda x: -x[1])
    if not probs:
        return []
    best, p = probs[0]
    if p >= ROBUST_P:
        return [f"Robust: {best} is the cheapest per successful task in {p:.0%} of the draws."]
    contenders = ", ".join(f"{oid} {q:.0%}" for oid, q in probs if q >= CONTENDER_P)
    return [f"Close call (no option is cheapest in {ROBUST_P:.0%} of the draws): {contenders}."]


CONTENDER_P = 0.05  # an option cheapest in at least 5 % of the draws is named in a close call


def cheapest_at_quality_floor(options: pd.DataFrame, workload: str, min_quality: float) -> pd.Series | None:
    """The ranked option with the lowest $ per successful task among those whose quality index is at or
    above ``min_quality`` [0-100]; None when none qualifies."""
    rows = options[(options["workload"] == workload) & options["ranked"]]
    rows = rows[[q is not None and q >= min_quality and c is not None
                 for q, c in zip(rows["quality_index"], rows["usd_per_successful_task"], strict=True)]]
    if rows.empty:
        return None
    return rows.loc[min(rows.index, key=lambda i: float(rows.at[i, "usd_per_successful_task"]))]


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
            est = "" if not r["quality_estimated_frac"] else f" ({r['quality_estimated_frac']:.0%} estimated)"
            out.append(f"  {r['rank']:>2}. {r['option_id']:<46} {_per_task(r['usd_per_successful_task']):>10}"
                       f"/successful task  {_money(r['monthly_cost_usd']):>12}/month  "
                       f"${r['usd_per_million_tokens']:.3f}/1M tok  quality {q}{est}")
        unranked = int((~rows["ranked"]).sum())
        if unranked:
            out.append(f"  ({unranked} options not ranked: see their status)")
        for line in [*confidence_lines(rows), *headline(scenario, options, k)]:
            out.append("  " + line)
    return "\n".join(out)
