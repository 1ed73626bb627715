"""Command-line interface: ``python -m calculator {catalog, estimate, validate, ...}``.

Exit codes: 0 computed (a model that does not fit is reported with ``"fits": false``), 2 bad input
(one line on stderr naming the field and the accepted range, or the closest catalog ids).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

import yaml

from calculator.catalog import DATA_DIR, Catalog, CatalogError, load_catalog, load_measurements, load_physics_catalog
from calculator.hf_config import HfConfigError, load_hf_config, model_from_hf_config
from calculator.schemas import Model
from calculator.sizing import LAYOUT_CHOICES, SPEC_DECODE_CHOICES, RequestShape, SizingError, estimate
from calculator.units import KV_PRECISIONS, MAX_USD_PER_GPU_HOUR, PARAMS_PER_BILLION, PRECISIONS

Handler = Callable[[argparse.Namespace, "Catalog"], int]
# A command added by another floor (``cli.py`` at the repository root puts the ``pricing`` commands in):
# name -> (function that adds its sub-parser, handler).
Register = Callable[[Any], None]  # receives the sub-parsers action (argparse._SubParsersAction)


class InputError(ValueError):
    """Bad command-line input; printed as one line on stderr with exit code 2."""


def _json_safe(value: Any) -> Any:
    """Replace non-finite floats by None so the JSON output never holds NaN or Infinity."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def print_json(obj: Any) -> None:
    print(json.dumps(_json_safe(obj), indent=2, default=str, allow_nan=False))


def _catalog_entry(item: Any, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    out = item.model_dump(mode="json")
    out.update(extra or {})
    return out


def cmd_catalog(args: argparse.Namespace, cat: Catalog) -> int:
    from calculator.params import param_counts

    models = []
    for model in cat.models:
        counts = param_counts(model.architecture)
        models.append(_catalog_entry(model, {
            "is_moe": model.architecture.is_moe,
            "total_params_b": round(counts.total / PARAMS_PER_BILLION, 3),
            "active_params_b": round(counts.active / PARAMS_PER_BILLION, 3),
        }))
    payload = {
        "models": models,
        "gpus": [_catalog_entry(g) for g in cat.gpus],
        "api_models": [_catalog_entry(a) for a in cat.api_models],
        "benchmarks": [_catalog_entry(b) for b in cat.benchmarks],
        "workloads": [_catalog_entry(w) for w in cat.workloads],
    }
    if args.json:
        print_json(payload)
    else:
        print(f"{len(models)} models, {len(payload['gpus'])} GPUs, {len(payload['api_models'])} API models")
        for row in models:
            kind = "MoE" if row["is_moe"] else "dense"
            print(f"  {row['id']:<26} {kind:<5} {row['total_params_b']:>8.1f}B total "
                  f"{row['active_params_b']:>7.1f}B active")
        for g in cat.gpus:
            print(f"  {g.id:<16} {g.memory_gb:>6.0f} GB {g.memory_bandwidth_gb_per_s:>7.0f} GB/s "
                  f"{g.bf16_dense_tflops:>7.0f} bf16 dense TFLOPs")
    return 0


def _resolve_model(args: argparse.Namespace, cat: Catalog) -> Model:
    if args.model_config:
        try:
            return model_from_hf_config(load_hf_config(args.model_config), "custom-model",
                                        source=str(args.model_config))
        except HfConfigError as exc:
            raise InputError(f"--model-config: {exc}") from exc
    try:
        return cat.model(args.model)
    except CatalogError as exc:
        raise InputError(f"--model: {exc}") from exc


def _whole_number(name: str, low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number between {low} and {high}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be between {low} and {high} (got {value})")
        return value
    return parse


def _bounded_float(name: str, low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number between {low:g} and {high:g}") from None
        if not math.isfinite(value) or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{name} must be between {low:g} and {high:g} (got {text})")
        return value
    return parse


def cmd_estimate(args: argparse.Namespace, cat: Catalog) -> int:
    model = _resolve_model(args, cat)
    try:
        gpu = cat.gpu(args.gpu)
    except CatalogError as exc:
        raise InputError(f"--gpu: {exc}") from exc
    assert cat.efficiency is not None
    wl = RequestShape(args.input_tokens, args.output_tokens, args.ttft_slo_ms, args.tpot_slo_ms)
    try:
        est = estimate(model.architecture, gpu, wl, cat.efficiency, precision=args.precision,
                       kv_precision=args.kv_precision, num_gpus=args.num_gpus, concurrency=args.concurrency,
                       usd_per_gpu_hour=args.usd_per_gpu_hour, layout=args.layout,
                       cached_input_frac=args.cached_input_frac,
                       speculation=cat.speculative_for(model.id) if args.spec_decode == "auto" else None)
    except SizingError as exc:
        raise InputError(str(exc)) from exc
    out = {"model_id": model.id, "gpu_id": gpu.id, **est.to_dict()}
    out["usd_per_million_input_tokens"] = est.usd_per_million_input_tokens
    if args.json:
        print_json(out)
    else:
        for key, value in out.items():
            print(f"{key:<32} {value}")
    return 0


def cmd_validate(args: argparse.Namespace, cat: Catalog) -> int:
    """``python -m calculator validate [--fit] [--json]``."""
    from calculator.validate import (
        FIT_GRID,
        NUM_FOLDS,
        compare,
        errors_by_class,
        fit,
        layout_modelled,
        mean_abs_error,
        median_abs_error,
        table,
    )

    assert cat.efficiency is not None
    try:
        measurements = load_measurements()
    except CatalogError as exc:
        print(f"error: {exc}")
        return 2
    eff = cat.efficiency
    if args.fit:
        eff = fit(cat, eff, measurements, num_starts=args.starts)
        print("fitted efficiency constants:")
        for name in FIT_GRID:
            print(f"  {name}: {getattr(eff, name)}")
    comparisons = compare(cat, eff, measurements)
    med = median_abs_error(comparisons)
    try:
        in_sample, held_out = errors_by_class(cat, comparisons)
    except CatalogError as exc:
        print(f"error: {exc}")
        return 2
    not_modelled = [m for m in measurements if not layout_modelled(m)]
    if args.json:
        print_json({"median_abs_error_frac": med, "num_measurements": len(comparisons),
                    "in_sample_by_class": in_sample, "out_of_sample_by_class": held_out,
                    "rows": table(comparisons), "layout_not_modelled": [m.id for m in not_modelled]})
        return 0
    print(f"{'measurement':<58} {'metric':<28} {'measured':>10} {'predicted':>10} {'error':>7}")
    for c in comparisons:
        m = c.measurement
        print(f"{m.id[:58]:<58} {m.metric:<28} {m.measured_value:>10.1f} {c.predicted:>10.1f} "
              f"{c.error_frac:>+7.1%}")
    gpus = sorted({c.measurement.gpu_id for c in comparisons})
    print(f"\n{len(comparisons)} measurements on {len(gpus)} GPU types ({', '.join(gpus)})")
    print(f"median absolute error: {med:.1%}")
    print(f"mean absolute error:   {mean_abs_error(comparisons):.1%}")
    if not_modelled:
        print(f"\nnot modelled (disaggregated runs whose metric the decode pool alone does not give; kept in the "
              f"set, left out of every figure): "
              f"{len(not_modelled)}")
        for m in not_modelled:
            pools = f"prefill {m.prefill_gpus or '-'} + decode {m.decode_gpus} GPUs"
            print(f"  {m.id[:58]:<58} {m.metric:<28} {m.measured_value:>10.1f}  {pools}")
    held = {str(row["class"]): row for row in held_out}
    print(f"\nabsolute error by class (p99/mean ratio points left out; out of sample: {NUM_FOLDS}-fold, "
          "tests/calibration/out_of_sample.yaml)")
    print(f"{'class':<18} {'n':>4} {'in-sample median':>17} {'out-of-sample median':>21} {'p90':>7} {'<=25%':>6}")
    for row in in_sample:
        h = held.get(str(row["class"]))

        def pct(key: str, h: dict[str, object] | None = h) -> str:
            value = h.get(key) if h else None
            return f"{value:.1%}" if isinstance(value, float) else "-"

        print(f"{row['class']!s:<18} {row['num_measurements']!s:>4} {row['median_abs_error_frac']:>17.1%} "
              f"{pct('median_abs_error_frac'):>21} {pct('p90_abs_error_frac'):>7} {pct('within_25_percent_frac'):>6}")
    return 0


def _iso_date(name: str) -> Callable[[str], dt.date]:
    def parse(text: str) -> dt.date:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a date YYYY-MM-DD (got {text!r})") from None
    return parse


def _read_price_map(path: str) -> Mapping[str, Any]:
    """The LiteLLM price map at ``path`` (at most ``MAX_LITELLM_BYTES``), or an InputError naming the file."""
    from calculator.litellm import MAX_LITELLM_BYTES, LiteLLMError, parse_price_map

    file = Path(path)
    try:
        size = file.stat().st_size
        if size > MAX_LITELLM_BYTES:
            raise InputError(f"--litellm: {path} is {size:,} bytes; the limit is {MAX_LITELLM_BYTES:,} bytes")
        return parse_price_map(file.read_text(encoding="utf-8"), path)
    except OSError as exc:
        raise InputError(f"--litellm: cannot read {path} ({exc.strerror})") from exc
    except (LiteLLMError, UnicodeDecodeError) as exc:
        raise InputError(f"--litellm: {exc}") from exc


def cmd_audit(args: argparse.Namespace, cat: Catalog) -> int:
    """``python -m calculator audit [--as-of DATE] [--litellm FILE] [--json]``: exit 0 with the findings."""
    from calculator.audit import audit, audit_json, summarise_counts

    as_of = args.as_of or dt.date.today()
    price_map = _read_price_map(args.litellm) if args.litellm else None
    findings = audit(cat, as_of, price_map)
    if args.json:
        print_json(audit_json(as_of, findings))
        return 0
    for f in findings:
        print(f"{f.problem:<20} {f.kind:<15} {f.id:<40} {f.detail}")
    print(f"\n{len(findings)} findings as of {as_of}: {summarise_counts(findings)}")
    return 0


def cmd_refresh_prices(args: argparse.Namespace, cat: Catalog) -> int:
    """``python -m calculator refresh-prices --litellm FILE [--as-of DATE --apply]``: a diff to review; writes the
    API catalog only with ``--apply``."""
    from calculator.catalog import parse_entries
    from calculator.litellm import apply_price_diffs, price_diffs
    from calculator.schemas import ApiModel

    price_map = _read_price_map(args.litellm)
    diffs = price_diffs(cat.api_models, price_map, args.as_of or dt.date.today())
    for diff in diffs:
        print(diff.describe())
    print(f"{len(diffs)} differences against {args.litellm}")
    if not args.apply:
        if diffs:
            print("review them, then run again with --apply --as-of <date of the price map> to write them")
        return 0
    if args.as_of is None:
        raise InputError("--apply needs --as-of: the date of the price map (e.g. the litellm release date)")
    path = Path(args.file)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"--file: cannot read {path} ({exc.strerror})") from exc
    map_name = f"LiteLLM price map {Path(args.litellm).name}"
    new_text = apply_price_diffs(text, diffs, cat.api_models, args.as_of, map_name)
    parse_entries(yaml.safe_load(new_text), "api_models", ApiModel, path.name)  # refuse to write an invalid file
    path.write_text(new_text, encoding="utf-8")
    changed = len({d.api_id for d in diffs if d.litellm_value is not None})
    print(f"wrote {changed} entries to {path}; keys missing from the map need a human")
    return 0


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr and exit code 2 (sub-parsers inherit it)."""

    def error(self, message: str) -> NoReturn:
        _fail(message)


def build_parser(extra: dict[str, tuple[Register, Handler]] | None = None) -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m calculator",
                                     description="LLM procurement calculator: memory, speed and cost of "
                                                 "open models on GPUs, against API prices.")
    sub = parser.add_subparsers(dest="command", required=True)

    p_cat = sub.add_parser("catalog", help="list the catalogs")
    p_cat.add_argument("--json", action="store_true", help="print JSON")

    p_est = sub.add_parser("estimate", help="memory, latency, throughput and cost of one deployment")
    src = p_est.add_mutually_exclusive_group(required=True)
    src.add_argument("--model", help="catalog model id")
    src.add_argument("--model-config", help="path to a Hugging Face config.json")
    p_est.add_argument("--gpu", required=True, help="catalog GPU id")
    p_est.add_argument("--num-gpus", type=_whole_number("--num-gpus", 1, 4096),
                       help="GPUs per replica (default: the fewest that fit)")
    p_est.add_argument("--precision", choices=PRECISIONS, default="bf16", help="weight precision")
    p_est.add_argument("--kv-precision", choices=KV_PRECISIONS,
                       help="KV-cache precision (default fp8 for fp8/fp4 weights, else bf16)")
    p_est.add_argument("--input-tokens", required=True, type=_whole_number("--input-tokens", 1, 10_000_000))
    p_est.add_argument("--output-tokens", required=True, type=_whole_number("--output-tokens", 1, 1_000_000))
    p_est.add_argument("--concurrency", type=_whole_number("--concurrency", 1, 1_000_000),
                       help="sequences per replica (default: highest throughput within memory and limits)")
    p_est.add_argument("--ttft-slo-ms", type=_bounded_float("--ttft-slo-ms", 0.001, 1e9),
                       help="time-to-first-token limit, 99th percentile [ms] (the predicted mean keeps headroom)")
    p_est.add_argument("--tpot-slo-ms", type=_bounded_float("--tpot-slo-ms", 0.001, 1e9),
                       help="time-per-output-token limit, 99th percentile [ms] (the predicted mean keeps headroom)")
    p_est.add_argument("--usd-per-gpu-hour", type=_bounded_float("--usd-per-gpu-hour", 0.0, MAX_USD_PER_GPU_HOUR))
    p_est.add_argument("--layout", choices=LAYOUT_CHOICES, default="auto",
                       help="deployment layout: tp (tensor parallel; beyond one scale-up domain, pipeline "
                            "stages across domains where faster: pipeline_parallel in the result), ep (expert "
                            "parallel with data-parallel attention, MoE only), disagg (separate prefill and decode "
                            "pools, the split searched), auto (the best of them; default). With --num-gpus N, "
                            "N GPUs in one deployment of that layout (both pools together for disagg)")
    p_est.add_argument("--spec-decode", choices=SPEC_DECODE_CHOICES, default="auto",
                       help="speculative decoding with the model's MTP heads where a published acceptance rate "
                            "exists (auto, default) or off")
    p_est.add_argument("--cached-input-frac", type=_bounded_float("--cached-input-frac", 0.0, 0.99), default=0.0,
                       help="share of each prompt served from the prefix cache, 0 to 0.99 (default 0)")
    p_est.add_argument("--json", action="store_true", help="print JSON")

    p_val = sub.add_parser("validate", help="predicted vs measured on the calibration set")
    p_val.add_argument("--json", action="store_true", help="print JSON")
    p_val.add_argument("--fit", action="store_true", help="refit the efficiency constants and print them")
    p_val.add_argument("--starts", type=_whole_number("--starts", 1, 1000), default=12,
                       help="random starting points of the fit (default 12)")

    p_aud = sub.add_parser("audit", help="what in the catalogs may be out of date")
    p_aud.add_argument("--as-of", type=_iso_date("--as-of"), help="the day to audit for (default: today)")
    p_aud.add_argument("--litellm", help="LiteLLM model_prices_and_context_window.json to compare API prices with")
    p_aud.add_argument("--json", action="store_true", help="print JSON")

    p_ref = sub.add_parser("refresh-prices", help="API prices against a LiteLLM price map: a diff, applied on request")
    p_ref.add_argument("--litellm", required=True, help="LiteLLM model_prices_and_context_window.json")
    p_ref.add_argument("--as-of", type=_iso_date("--as-of"), help="the date of the price map (needed by --apply)")
    p_ref.add_argument("--apply", action="store_true", help="write the differences into the API catalog file")
    p_ref.add_argument("--file", default=str(DATA_DIR / "api_models.yaml"), help="the API catalog file to write")

    for register, _ in (extra or {}).values():
        register(sub)
    return parser


def _fail(message: str) -> NoReturn:
    print(f"error: {message}", file=sys.stderr)
    raise SystemExit(2)


# Commands that read only GPUs, models, efficiency and speculative decoding (``load_physics_catalog``): they skip
# the prices, scores and API models, most of the catalogs' YAML.
PHYSICS_ONLY = frozenset({"estimate"})


def main(argv: Sequence[str] | None = None, extra: dict[str, tuple[Register, Handler]] | None = None) -> int:
    """Run the CLI. ``extra`` adds commands of other floors (``cli.py`` at the repository root passes them)."""
    args = build_parser(extra).parse_args(argv)
    try:
        cat = load_physics_catalog() if args.command in PHYSICS_ONLY else load_catalog()
    except CatalogError as exc:
        _fail(f"catalog: {exc}")
    handlers: dict[str, Handler] = {
        "catalog": cmd_catalog,
        "estimate": cmd_estimate,
        "validate": cmd_validate,
        "audit": cmd_audit,
        "refresh-prices": cmd_refresh_prices,
    }
    handlers.update({name: handler for name, (_, handler) in (extra or {}).items()})
    try:
        return int(handlers[args.command](args, cat))
    except InputError as exc:
        _fail(str(exc))
