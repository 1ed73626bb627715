"""Commands ``python -m calculator scenario`` and ``python -m calculator report`` (``COMMANDS``; put on the
command line by ``cli.py`` at the repository root). Exit codes: 0 done, 2 bad input (one line on stderr).

Handlers import the comparison (pandas) when they run, so other commands start fast.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from calculator.catalog import Catalog
from calculator.cli import InputError
from pricing.scenario import Scenario, ScenarioError, check_against_catalog, scenario_from_yaml, scenario_to_yaml


def _top(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("--top must be a whole number between 1 and 10000") from None
    if not 1 <= value <= 10000:
        raise argparse.ArgumentTypeError(f"--top must be between 1 and 10000 (got {value})")
    return value


def register_scenario(sub: Any) -> None:
    p = sub.add_parser("scenario", help="print a scenario as YAML (start a scenario file from it)")
    p.add_argument("--default", action="store_true", required=True, help="the default scenario")


def register_report(sub: Any) -> None:
    p = sub.add_parser("report", help="compare every option of a scenario; write a CSV and print a summary")
    p.add_argument("--scenario", required=True, help="scenario YAML file (see `scenario --default`)")
    p.add_argument("--csv", help="write the full comparison to this CSV file")
    p.add_argument("--xlsx", help="write a workbook (options, scenario and assumptions, sources and dates, "
                                  "sensitivity) to this .xlsx file")
    p.add_argument("--top", type=_top, help="at most N options per workload (CSV and summary)")


def cmd_scenario(args: argparse.Namespace, catalog: Catalog) -> int:
    print(scenario_to_yaml(Scenario()), end="")
    return 0


def load_scenario_file(path: str) -> Scenario:
    """Read and validate a scenario YAML file; InputError (exit 2) with one clear line otherwise."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
        raise InputError(f"--scenario: cannot read '{path}' ({reason})") from exc
    try:
        return scenario_from_yaml(text)
    except ScenarioError as exc:
        raise InputError(" ".join(f"--scenario {path}: {exc}".split())) from exc


def cmd_report(args: argparse.Namespace, catalog: Catalog) -> int:
    from pricing.options import compare_options
    from pricing.report import sensitivity_by_workload, summary_text, workbook_bytes, write_csv, write_xlsx

    scenario = load_scenario_file(args.scenario)
    scenario, warnings = check_against_catalog(scenario, catalog)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    options = compare_options(scenario, catalog)
    if args.csv:
        try:
            write_csv(options, args.csv, scenario.name, args.top)
        except OSError as exc:
            raise InputError(f"--csv: cannot write '{args.csv}' ({exc.strerror})") from exc
    if args.xlsx:
        table = options if args.top is None else options.groupby("workload", sort=False).head(args.top)
        data = workbook_bytes(table, scenario, catalog, sensitivity_by_workload(scenario, catalog, options))
        try:
            write_xlsx(data, args.xlsx)
        except OSError as exc:
            raise InputError(f"--xlsx: cannot write '{args.xlsx}' ({exc.strerror})") from exc
    print(summary_text(scenario, catalog, options, top=args.top or 5))
    for path in (args.csv, args.xlsx):
        if path:
            print(f"\nWrote {path}")
    return 0


COMMANDS = {"scenario": (register_scenario, cmd_scenario), "report": (register_report, cmd_report)}
