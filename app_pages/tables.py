"""The comparison table as the buyer sees it, and the CSV export built from the very same cells.

Pure (no streamlit). ``display_table`` turns ``pricing.options.compare_options`` rows into labelled,
formatted cells (units in the headers); ``export_csv`` writes those cells, so every number in the file is
the number on screen, plus the scenario's parameters, the catalog's as_of dates and the selected option's
detail. A missing quantity is never NaN: the cell shows why (the option's status, or "no score").
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import pandas as pd

from calculator.catalog import Catalog
from pricing.kinds import KIND_API
from pricing.report import neutralise_cell
from pricing.scenario import Scenario, scenario_to_query

NO_SCORE = "no score"
# (column of compare_options, header with unit, formatter)
Formatter = Callable[[float], str]


def _money(digits: int) -> Formatter:
    return lambda x: f"{x:,.{digits}f}"


def _plain(digits: int) -> Formatter:
    return lambda x: f"{x:.{digits}f}"


COLUMNS: tuple[tuple[str, str, Formatter | None], ...] = (
    ("rank", "Rank", lambda x: f"{x:.0f}"),
    ("model_name", "Option", None),
    ("kind", "Type", None),
    ("usd_per_million_tokens", "Cost [$ / 1M tokens]", _money(3)),
    ("monthly_cost_usd", "Monthly cost [$]", _money(0)),
    ("quality_index", "Quality index [0-100]", _plain(1)),
    ("usd_per_quality_point", "$ per quality point [$/month]", _money(0)),
    ("meets_limits", "Meets latency limits", None),
    ("meets_min_quality", "Meets min. quality", None),
    ("gpus_total", "GPUs needed", lambda x: f"{x:.0f}"),
    ("deployment", "Deployment", None),
    ("ttft_ms", "TTFT [ms]", _money(0)),
    ("tpot_ms", "TPOT [ms]", _plain(1)),
    ("usd_per_million_input_tokens", "Input [$ / 1M tokens]", _money(3)),
    ("usd_per_million_output_tokens", "Output [$ / 1M tokens]", _money(3)),
    ("usd_per_gpu_hour", "GPU price [$ / GPU-hour]", _money(2)),
    ("price_as_of", "Price as of", None),
    ("status", "Status", None),
    ("option_id", "Option id", None),
)
HEADERS: dict[str, str] = {col: header for col, header, _ in COLUMNS}


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def deployment(row: dict[str, Any]) -> str:
    """How an option is served, in words: 'API (google)' or '4 x NVIDIA H200 (fp8) per replica, 2 replicas, ...'."""
    if row["kind"] == KIND_API:
        return f"API ({row['provider']})"
    if not row.get("gpus_total"):
        return f"{row['gpu_name']}, {row['precision']}"
    replicas = int(row["replicas"])
    return (f"{int(row['num_gpus_per_replica'])} x {row['gpu_name']} ({row['precision']}) per replica, "
            f"{replicas} replica{'s' if replicas != 1 else ''}, {int(row['concurrency_per_replica'])} "
            "concurrent requests each")


def cell(row: dict[str, Any], column: str) -> str:
    """The text of one cell: formatted number, yes/no, or the reason a number is missing."""
    formatter = next(f for c, _, f in COLUMNS if c == column)
    if column == "model_name":
        return option_label(row)
    value = deployment(row) if column == "deployment" else row.get(column)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if formatter is None:
        return "" if value is None else str(value)
    if _is_number(value):
        return formatter(float(value))
    if column in ("quality_index", "usd_per_quality_point") and row.get("status") == "ok":
        return NO_SCORE
    if column in ("ttft_ms", "tpot_ms") and row.get("kind") == KIND_API:
        return "not modelled"
    if column == "rank":
        return "not ranked"
    if column == "usd_per_gpu_hour" and row.get("kind") == KIND_API:
        return ""
    return str(row.get("status") or "n/a")


def display_table(options: pd.DataFrame) -> pd.DataFrame:
    """Formatted cells, one row per option (same order as ``options``), headers with units."""
    records = options.to_dict("records")
    data = {header: [cell(r, col) for r in records] for col, header, _ in COLUMNS}
    return pd.DataFrame(data, columns=[h for _, h, _ in COLUMNS])


def option_label(row: dict[str, Any]) -> str:
    """Short name of an option for pickers and charts."""
    if row["kind"] == KIND_API:
        return f"{row['model_name']} (API, {row['provider']})"
    return f"{row['model_name']} on {row['gpu_name']} ({row['precision']})"


def workload_rows(options: pd.DataFrame, workload: str) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, str]]:
    """One workload's options with an ``option_label`` column, as (table, records, labels by option_id)."""
    rows = options[options["workload"] == workload].reset_index(drop=True)
    records = rows.to_dict("records")
    labels = {r["option_id"]: option_label(r) for r in records}
    return rows.assign(option_label=[labels[r["option_id"]] for r in records]), records, labels


def detail_rows(row: dict[str, Any]) -> list[tuple[str, str]]:
    """Every field of one option: (header with unit or column name, the displayed text)."""
    out = [(header, cell(row, col)) for col, header, _ in COLUMNS]
    shown = {c for c, _, _ in COLUMNS}
    for key, value in row.items():
        if key in shown:
            continue
        text = "" if value is None else (f"{value:.6g}" if _is_number(value) and isinstance(value,
                                         float) else str(value))
        out.append((key, text))
    return out


def catalog_dates(catalog: Catalog) -> list[tuple[str, str, str]]:
    """(catalog part, oldest as_of, newest as_of) of every catalog part with entries."""
    parts: dict[str, Iterable[Any]] = {
        "models": catalog.models, "gpus": catalog.gpus, "api_models": catalog.api_models,
        "benchmarks": catalog.benchmarks, "scores": catalog.scores, "workloads": catalog.workloads,
        "rental_prices": catalog.rental_prices, "purchase_prices": catalog.purchase_prices,
        "ownership_defaults": catalog.ownership_defaults.values(),
        "efficiency": [catalog.efficiency] if catalog.efficiency else [],
    }
    out = []
    for name, items in parts.items():
        dates = sorted(str(x.as_of) for x in items)
        if dates:
            out.append((name, dates[0], dates[-1]))
    return out


def csv_cell(text: str) -> str:
    """A displayed cell as written to the CSV: numbers without thousands separators (same value, same
    decimals as on screen), text neutralised against spreadsheet formulas by ``pricing.report``."""
    plain = text.replace(",", "")
    try:
        float(plain)
    except ValueError:
        return str(neutralise_cell(text))
    return plain


def _write(rows: Sequence[Sequence[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    for r in rows:
        writer.writerow([csv_cell(str(x)) for x in r])
    return buf.getvalue()


def export_rows(table: pd.DataFrame, scenario: Scenario, catalog: Catalog,
                selected: dict[str, Any] | None) -> list[list[str]]:
    """The CSV's rows: the comparison table, the selected option's detail, the scenario, the catalog dates.

    Sections are separated by an empty row and start with a row ``[section name]``.
    """
    rows: list[list[str]] = [["comparison"], list(table.columns)]
    rows += [[str(v) for v in r] for r in table.itertuples(index=False)]
    if selected is not None:
        rows += [[], ["selected option"], ["field", "value"]]
        rows += [[k, v] for k, v in detail_rows(selected)]
    rows += [[], ["scenario"], ["parameter", "value"]]
    rows += [[k, v] for k, v in scenario_to_query(scenario).items()]
    rows += [[], ["catalog as_of"], ["catalog", "oldest as_of", "newest as_of"]]
    rows += [list(x) for x in catalog_dates(catalog)]
    return rows


def export_csv(table: pd.DataFrame, scenario: Scenario, catalog: Catalog, selected: dict[str, Any] | None) -> str:
    """CSV text of :func:`export_rows`: numbers as on screen (no thousands separators), text cells
    neutralised with ``pricing.report.neutralise_cell`` (OWASP CSV injection)."""
    return _write(export_rows(table, scenario, catalog, selected))


def read_sections(text: str) -> dict[str, list[list[str]]]:
    """Parse an exported CSV back into its sections (for tests and for re-import)."""
    sections: dict[str, list[list[str]]] = {}
    current: list[list[str]] | None = None
    for row in csv.reader(io.StringIO(text)):
        if not row:
            current = None
            continue
        if current is None:
            current = sections.setdefault(row[0], [])
            continue
        current.append(row)
    return sections
