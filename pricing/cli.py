"""Commands ``python -m calculator scenario``, ``report`` and ``tco`` (``COMMANDS``; put on the
command line by ``cli.py`` at the repository root). Exit codes: 0 done, 2 bad input (one line on stderr).

Handlers import the scenario and the comparison (pandas) when they run, so other commands (``estimate``) start
fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from calculator.catalog import Catalog, CatalogError
from calculator.cli import InputError, _bounded_float, _whole_number

if TYPE_CHECKING:
    from pricing.scenario import Scenario

_top = _whole_number("--top", 1, 10_000)
_draws = _whole_number("--draws", 100, 1_000_000)
_seed = _whole_number("--seed", 0, 2**32 - 1)


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
    p.add_argument("--draws", type=_draws, default=10_000,
                   help="Monte Carlo draws for the p10/p50/p90 and P(cheapest) columns (100 to 1,000,000; "
                        "default 10,000)")
    p.add_argument("--seed", type=_seed, default=0, help="random seed of the draws (same seed, same figures)")


def cmd_scenario(args: argparse.Namespace, catalog: Catalog) -> int:
    from pricing.scenario import Scenario, scenario_to_yaml

    print(scenario_to_yaml(Scenario()), end="")
    return 0


def load_scenario_file(path: str) -> Scenario:
    """Read and validate a scenario YAML file; InputError (exit 2) with one clear line otherwise."""
    from pricing.scenario import ScenarioError, scenario_from_yaml

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
    from pricing.scenario import check_against_catalog
    from pricing.uncertainty import Settings, calibration_errors, with_uncertainty

    scenario = load_scenario_file(args.scenario)
    scenario, warnings = check_against_catalog(scenario, catalog)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    options = with_uncertainty(compare_options(scenario, catalog), scenario, catalog, calibration_errors(catalog),
                               Settings(num_draws=args.draws, seed=args.seed))
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


def register_tco(sub: Any) -> None:
    p = sub.add_parser("tco", help="cost of owning one GPU per GPU-hour, component by component, with sources")
    p.add_argument("--gpu", required=True, help="catalog GPU id")
    p.add_argument("--years", type=_bounded_float("--years", 0.5, 15.0),
                   help="depreciation life [years], 0.5 to 15 (default: data/ownership_defaults.yaml)")
    p.add_argument("--usd-per-gpu", type=_bounded_float("--usd-per-gpu", 100.0, 5_000_000.0),
                   help="your purchase price per GPU [$], 100 to 5,000,000, without the server share "
                        "(default: the catalog's purchase quotes)")
    p.add_argument("--gpus", type=_whole_number("--gpus", 1, 1_000_000),
                   help="GPUs in the cluster sharing the fixed staff cost, 1 to 1,000,000 (default 64)")
    p.add_argument("--scenario", help="scenario YAML whose ownership assumptions to use (default: the defaults)")
    p.add_argument("--json", action="store_true", help="print JSON")


def cmd_tco(args: argparse.Namespace, catalog: Catalog) -> int:
    from pricing.economics import COMPONENT_DEFAULTS, ownership_breakdown
    from pricing.scenario import Scenario

    scenario = load_scenario_file(args.scenario) if args.scenario else Scenario()
    try:
        catalog.gpu(args.gpu)
    except CatalogError as exc:
        raise InputError(f"--gpu: {exc}") from exc
    update: dict[str, Any] = {}
    if args.years is not None:
        update["depreciation_years"] = args.years
    if args.usd_per_gpu is not None:
        update["usd_per_gpu"] = args.usd_per_gpu
    if args.gpus is not None:
        update["num_gpus_in_cluster"] = args.gpus
    scenario = scenario.model_copy(update={"ownership": scenario.ownership.model_copy(update=update)})
    b = ownership_breakdown(scenario, catalog, args.gpu)
    if b.cost is None:
        if "purchase" in b.status:
            raise InputError(f"--gpu {args.gpu}: no purchase price in the catalog; give --usd-per-gpu P [$]")
        raise InputError(f"--gpu {args.gpu}: {b.status}")
    components = b.cost.components
    out = {
        "gpu_id": args.gpu,
        "usd_per_gpu_hour": b.cost.usd_per_gpu_hour,
        "server_power_w_per_gpu": b.cost.server_power_w_per_gpu,
        "capex_usd": b.cost.capex_usd,
        "network_storage_capex_usd": b.cost.network_storage_capex_usd,
        "running_usd_per_gpu_hour": b.cost.running_usd_per_gpu_hour,
        "components": components,
        "sources": {name: [b.defaults[d]["source"] for d in COMPONENT_DEFAULTS[name] if d in b.defaults]
                    for name in components},
        "purchase_price_source": b.purchase_source,
        "server_power_source": b.server_power_source,
        "defaults": b.defaults,
    }
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"Owning one {args.gpu}: ${b.cost.usd_per_gpu_hour:,.3f} per GPU-hour "
          f"(capex ${b.cost.capex_usd:,.0f} + fabric/storage ${b.cost.network_storage_capex_usd:,.0f}; "
          f"server power {b.cost.server_power_w_per_gpu:,.0f} W per GPU)")
    for name, value in components.items():
        print(f"  {name:<18} {value:>9.4f} $/GPU-hour")
    print(f"Purchase price: {b.purchase_source}\nServer power: {b.server_power_source}")
    return 0


def register_mix(sub: Any) -> None:
    p = sub.add_parser("mix", help="cheapest mix of owned base + rented burst + API overflow for a workload")
    p.add_argument("--scenario", help="scenario YAML file (default: the default scenario)")
    p.add_argument("--workload", type=_whole_number("--workload", 1, 8), default=1,
                   help="which workload of the scenario, 1 to 8 (default 1)")
    p.add_argument("--self", dest="self_option", help="self-hosted option id (default: the best ranked one)")
    p.add_argument("--api", dest="api_option", help="API option id (default: the best ranked one)")
    p.add_argument("--hours-at-peak", type=_bounded_float("--hours-at-peak", 0.01, 23.99), default=2.0,
                   help="hours a day at the peak load [h], 0.01 to 23.99 (default 2)")
    p.add_argument("--csv", help="write the table to this CSV file")
    p.add_argument("--json", action="store_true", help="print JSON")


def cmd_mix(args: argparse.Namespace, catalog: Catalog) -> int:
    from pricing.economics import capacity_mix_for_options
    from pricing.options import compare_options
    from pricing.report import neutralise_cell
    from pricing.scenario import Scenario, check_against_catalog

    scenario = load_scenario_file(args.scenario) if args.scenario else Scenario()
    scenario, warnings = check_against_catalog(scenario, catalog)
    for w in warnings:
        print(f"warning: {w}", file=sys.stderr)
    if args.workload > len(scenario.workloads):
        raise InputError(f"--workload must be between 1 and {len(scenario.workloads)} for this scenario")
    spec = scenario.workloads[args.workload - 1]
    options = compare_options(scenario, catalog)
    rows = options[options["workload"] == spec.name]
    ranked = rows[rows["ranked"]]
    self_ids = list(rows.loc[rows["provider"] == "self-hosted", "option_id"])
    api_ids = list(rows.loc[rows["provider"] != "self-hosted", "option_id"])
    self_id = args.self_option or next((i for i in ranked["option_id"] if i in self_ids), None)
    api_id = args.api_option or next((i for i in ranked["option_id"] if i in api_ids), None)
    if self_id is None or self_id not in self_ids:
        raise InputError(f"--self: no self-hosted option '{self_id}' for this workload; one of: "
                         f"{', '.join(self_ids[:5]) or 'none'}")
    if api_id is not None and api_id not in api_ids:
        raise InputError(f"--api: no API option '{api_id}' for this workload; one of: {', '.join(api_ids[:5])}")
    mix = capacity_mix_for_options(scenario, catalog, options, self_id, api_id, args.hours_at_peak,
                                   args.workload - 1)
    if mix.table.empty:
        raise InputError(f"mix: {mix.status}")
    table = mix.table.assign(workload=spec.name, self_option_id=self_id, api_option_id=api_id or "")
    if args.csv:
        try:
            table.map(neutralise_cell).to_csv(args.csv, index=False)
        except OSError as exc:
            raise InputError(f"--csv: cannot write '{args.csv}' ({exc.strerror})") from exc
    if args.json:
        print(json.dumps({"workload": spec.name, "self_option_id": self_id, "api_option_id": api_id,
                          "hours_at_peak_per_day": args.hours_at_peak, "status": mix.status,
                          "replica_capacity_requests_per_s": mix.replica_capacity_requests_per_s,
                          "own_usd_per_replica_hour": mix.own_usd_per_replica_hour,
                          "rent_usd_per_replica_hour": mix.rent_usd_per_replica_hour,
                          "api_usd_per_request": mix.api_usd_per_request,
                          "rows": mix.table.to_dict("records")}, indent=2))
        return 0
    print(f"{spec.name}: {self_id} vs {api_id}, {args.hours_at_peak:g} h a day at the peak")
    for r in mix.table.to_dict("records"):
        print(f"  {r['option']:<13} ${r['monthly_cost_usd']:>12,.0f}/month  owned {r['owned_replicas']:>3}  "
              f"rented {r['rented_replica_hours_per_month']:>9,.0f} replica-h  "
              f"API {r['api_requests_per_month']:>12,.0f} requests  "
              f"saving of the mix ${r['saving_vs_option_usd']:,.0f}")
    if mix.status != "ok":
        print(f"note: {mix.status}")
    if args.csv:
        print(f"Wrote {args.csv}")
    return 0


COMMANDS = {"scenario": (register_scenario, cmd_scenario), "report": (register_report, cmd_report),
            "tco": (register_tco, cmd_tco), "mix": (register_mix, cmd_mix)}
