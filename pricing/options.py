"""Every option for every workload of a scenario on one economic scale: ``compare_options``.

The pipeline of ``pricing``: it chains the core's sweep (``calculator.sweep``), the GPU price
(``pricing.gpu_price``), the fleet (``pricing.fleet``), the API bill (``pricing.api_cost``), quality
(``calculator.quality``), ROI (``pricing.roi``) and the calibration band (``pricing.band``), and
adds no formula of its own beyond bookkeeping.

Self-hosted: for each (model, GPU, precision) the sweep is run at 1 $/GPU-hour (costs scale linearly with
the price), every configuration (GPUs per replica x concurrency) that fits and meets the workload's latency
limits is sized into a fleet, and the one with the fewest paid GPU-hours per month is kept (ties and zero
traffic: the lowest $/1M tokens). Its per-token prices are the fleet's real ones: monthly cost over monthly
tokens, idle capacity included (at zero traffic: the busy cost at the planned utilisation).

Self-hosted prefill is priced without prefix caching (``cached_input_frac`` lowers only API bills): a
conservative choice, stated in each row's notes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from calculator.catalog import Catalog, CatalogError
from calculator.quality import QualityResult, quality_index
from calculator.schemas import Architecture, Efficiency, Workload
from calculator.sizing import Workload as SizingWorkload
from calculator.sizing import estimate
from calculator.sweep import GPU_COUNTS as SWEEP_GPU_COUNTS
from calculator.sweep import sweep
from calculator.units import TOKENS_PER_MILLION
from pricing import api_cost, fleet, roi
from pricing.band import calibration_band
from pricing.gpu_price import GpuPrice, gpu_price
from pricing.scenario import Scenario, WorkloadSpec

COLUMNS: tuple[str, ...] = (
    "option_id", "workload", "kind", "model_id", "model_name", "provider", "gpu_id", "gpu_name", "precision",
    "num_gpus_per_replica", "concurrency_per_replica", "replicas", "gpus_total", "usd_per_gpu_hour",
    "usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_million_tokens",
    "usd_per_million_tokens_low", "usd_per_million_tokens_high", "monthly_cost_usd", "quality_index",
    "usd_per_quality_point", "ttft_ms", "tpot_ms", "meets_limits", "meets_min_quality", "status",
    "monthly_net_value_usd", "roi_frac",
    # Extra columns (after the ones of notes/interfaces.md):
    "rank", "ranked", "pricing_basis", "price_as_of", "quality_coverage_frac", "num_requests_per_month",
    "num_million_tokens_per_month", "monthly_idle_cost_usd", "replica_requests_per_s", "notes",
)
# Columns that hold None where a quantity does not exist (object dtype: never NaN).
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "usd_per_gpu_hour", "usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_million_tokens",
    "usd_per_million_tokens_low", "usd_per_million_tokens_high", "monthly_cost_usd", "quality_index",
    "usd_per_quality_point", "ttft_ms", "tpot_ms", "monthly_net_value_usd", "roi_frac", "rank", "price_as_of",
    "monthly_idle_cost_usd", "replica_requests_per_s",
)
INT_COLUMNS: tuple[str, ...] = ("num_gpus_per_replica", "concurrency_per_replica", "replicas", "gpus_total")
FLOAT_COLUMNS: tuple[str, ...] = ("quality_coverage_frac", "num_requests_per_month", "num_million_tokens_per_month")
BOOL_COLUMNS: tuple[str, ...] = ("meets_limits", "meets_min_quality", "ranked")

SELF_NOTE = "self-hosted prefill priced without prefix caching"
API_NOTE = "API latency not modelled"


@dataclass(frozen=True)
class Candidate:
    """An open model to self-host (catalog or custom): what the sweep needs plus display fields."""

    id: str
    name: str
    architecture: Architecture
    context_length_tokens: int | None = None


def candidates(scenario: Scenario, catalog: Catalog) -> list[Candidate]:
    """The scenario's open models (catalog ids, then custom models), unknown ids skipped."""
    out: list[Candidate] = []
    custom = {m.id: m for m in scenario.custom_models}
    for mid in scenario.model_ids:
        if mid in custom:
            c = custom[mid]
            out.append(Candidate(c.id, c.name, c.architecture))
            continue
        try:
            m = catalog.model(mid)
        except CatalogError:
            continue
        out.append(Candidate(m.id, m.name, m.architecture, m.context_length_tokens))
    known = {c.id for c in out}
    out.extend(Candidate(c.id, c.name, c.architecture) for c in scenario.custom_models if c.id not in known)
    return out


def profile_for(spec: WorkloadSpec, catalog: Catalog) -> Workload | None:
    """The catalog workload profile whose quality weights score ``spec`` (None if unknown)."""
    try:
        return catalog.workload(spec.quality_profile)
    except CatalogError:
        return None


def _quality(option_model_id: str, profile: Workload | None, catalog: Catalog) -> QualityResult:
    if profile is None:
        return QualityResult(None, 0.0, {})
    return quality_index(option_model_id, profile, catalog)


def _meets_min_quality(index: float | None, min_quality: float) -> bool:
    return (index is not None and index >= min_quality) or (index is None and min_quality <= 0.0)


def _value_columns(spec: WorkloadSpec, q: QualityResult, monthly_cost: float | None,
                   num_requests: float) -> dict[str, Any]:
    if monthly_cost is None:
        return {"usd_per_quality_point": None, "monthly_net_value_usd": None, "roi_frac": None}
    net = roi.monthly_net_value_usd(spec.value_per_task_usd, q.index, num_requests, monthly_cost)
    return {
        "usd_per_quality_point": roi.usd_per_quality_point(monthly_cost, q.index),
        "monthly_net_value_usd": net,
        "roi_frac": roi.roi_frac(net, monthly_cost),
    }


def _sizing_workload(spec: WorkloadSpec) -> SizingWorkload:
    return SizingWorkload(spec.input_tokens, spec.output_tokens, spec.ttft_slo_ms, spec.tpot_slo_ms)


def _infeasible_message(cand: Candidate, gpu_id: str, precision: str, spec: WorkloadSpec, catalog: Catalog,
                        eff: Efficiency, rows: pd.DataFrame) -> str:
    """Why no configuration of a deployment serves the workload (memory, or latency limits)."""
    fitting = rows[rows["fits"]]
    if fitting.empty:
        est = estimate(cand.architecture, catalog.gpu(gpu_id), _sizing_workload(spec), eff, precision=precision)
        if est.fits:
            return f"needs more than {max(SWEEP_GPU_COUNTS)} GPUs per replica (the most the comparison sizes)"
        return est.message
    parts = []
    ratio = eff.p99_to_mean_latency_ratio
    if spec.ttft_slo_ms is not None:
        best = float(fitting["ttft_ms"].min())
        parts.append(f"best TTFT {best:.0f} ms mean, ~{best * ratio:.0f} ms at p99 (limit {spec.ttft_slo_ms:g} ms)")
    if spec.tpot_slo_ms is not None:
        best = float(fitting["tpot_ms"].min())
        parts.append(f"best TPOT {best:.1f} ms mean, ~{best * ratio:.1f} ms at p99 (limit {spec.tpot_slo_ms:g} ms)")
    return "no configuration meets the latency limits: " + ", ".join(parts)


def self_hosted_rows(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec,
                     eff: Efficiency | None = None, prices: dict[str, GpuPrice] | None = None) -> list[dict[str, Any]]:
    """One row per (model, GPU, precision) of the scenario for one workload (see the module docstring)."""
    eff = eff or catalog.efficiency
    assert eff is not None, "the catalog has no efficiency constants"
    cands = candidates(scenario, catalog)
    gpus = [catalog.gpu(g) for g in scenario.gpu_ids if any(x.id == g for x in catalog.gpus)]
    if not cands or not gpus or not scenario.precisions:
        return []
    prices = prices or {g.id: gpu_price(scenario, catalog, g.id) for g in gpus}
    df = sweep(cands, gpus, list(scenario.precisions), spec.input_tokens, spec.output_tokens, eff,  # type: ignore[arg-type]
               usd_per_gpu_hour=[1.0] * len(gpus), ttft_slo_ms=spec.ttft_slo_ms, tpot_slo_ms=spec.tpot_slo_ms)
    profile = profile_for(spec, catalog)
    num_requests = fleet.requests_per_month(spec.requests_per_day)
    tokens_per_request = spec.input_tokens + spec.output_tokens
    always_on = scenario.always_on or scenario.pricing_basis == "owned"
    band_frac = eff.median_abs_error_frac or 0.0
    rows: list[dict[str, Any]] = []
    groups = dict(list(df.groupby(["model_id", "gpu_id", "precision"], observed=True)))
    quality_cache = {c.id: _quality(c.id, profile, catalog) for c in cands}
    for cand in cands:
        q = quality_cache[cand.id]
        for gpu in gpus:
            price = prices[gpu.id]
            for precision in scenario.precisions:
                rows.append(_self_row(scenario, catalog, spec, eff, cand, gpu.id, gpu.name, precision,
                                      groups.get((cand.id, gpu.id, precision)), price, q, num_requests,
                                      tokens_per_request, always_on, band_frac))
    return rows


def _self_row(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec, eff: Efficiency, cand: Candidate,
              gpu_id: str, gpu_name: str, precision: str, rows: pd.DataFrame | None, price: GpuPrice,
              q: QualityResult, num_requests: float, tokens_per_request: int, always_on: bool,
              band_frac: float) -> dict[str, Any]:
    notes = [SELF_NOTE]
    if scenario.pricing_basis == "owned" and not scenario.always_on:
        notes.append("owned GPUs cannot be scaled down: sized always on")
    row: dict[str, Any] = {
        "option_id": f"self|{cand.id}|{gpu_id}|{precision}",
        "workload": spec.name,
        "kind": "self-hosted MoE" if cand.architecture.is_moe else "self-hosted dense",
        "model_id": cand.id, "model_name": cand.name, "provider": "self-hosted",
        "gpu_id": gpu_id, "gpu_name": gpu_name, "precision": precision,
        "num_gpus_per_replica": 0, "concurrency_per_replica": 0, "replicas": 0, "gpus_total": 0,
        "usd_per_gpu_hour": price.usd_per_gpu_hour,
        "quality_index": q.index, "quality_coverage_frac": q.coverage_frac,
        "meets_limits": False, "meets_min_quality": _meets_min_quality(q.index, spec.min_quality),
        "pricing_basis": "override" if price.source == "override" else scenario.pricing_basis,
        "price_as_of": price.as_of.isoformat() if price.as_of else None,
        "num_requests_per_month": num_requests,
        "num_million_tokens_per_month": num_requests * tokens_per_request / TOKENS_PER_MILLION,
    }
    context = cand.context_length_tokens
    feasible = rows[rows["fits"] & rows["meets_limits"]] if rows is not None else None
    if context is not None and tokens_per_request > context:
        row["status"] = (f"input + output ({tokens_per_request} tokens) exceed the context length of "
                         f"{cand.name} ({context} tokens)")
    elif feasible is None or feasible.empty:
        row["status"] = _infeasible_message(cand, gpu_id, precision, spec, catalog, eff,
                                            rows if rows is not None else pd.DataFrame({"fits": []}))
    else:
        p = price.usd_per_gpu_hour
        cost = fleet.fleet_cost(spec.requests_per_day, spec.peak_to_average_ratio,
                                feasible["requests_per_s"].to_numpy(float), feasible["num_gpus"].to_numpy(float),
                                1.0, scenario.utilisation_frac, always_on)
        order = np.lexsort((feasible["usd_per_million_tokens"].to_numpy(float), cost.gpu_hours_per_month))
        j = int(order[0])
        best = feasible.iloc[j]
        row.update({
            "num_gpus_per_replica": int(best["num_gpus"]), "concurrency_per_replica": int(best["concurrency"]),
            "replicas": int(cost.replicas[j]), "gpus_total": int(cost.replicas[j] * best["num_gpus"]),
            "ttft_ms": float(best["ttft_ms"]), "tpot_ms": float(best["tpot_ms"]), "meets_limits": True,
            "replica_requests_per_s": float(best["requests_per_s"]),
        })
        if p is None:
            row["status"] = price.status
        else:
            hours, busy = float(cost.gpu_hours_per_month[j]), float(cost.busy_gpu_hours_per_month[j])
            # Idle factor: paid GPU-hours per busy GPU-hour (planned 1/u without traffic).
            idle_factor = hours / busy if busy > 0.0 else 1.0 / scenario.utilisation_frac
            monthly = hours * p
            c_in = float(best["usd_per_million_input_tokens"]) * p * idle_factor
            c_out = float(best["usd_per_million_output_tokens"]) * p * idle_factor
            c_blend = float(best["usd_per_million_tokens"]) * p * idle_factor
            low, high = calibration_band(c_blend, band_frac)
            row.update({
                "usd_per_million_input_tokens": c_in, "usd_per_million_output_tokens": c_out,
                "usd_per_million_tokens": c_blend, "usd_per_million_tokens_low": low,
                "usd_per_million_tokens_high": high, "monthly_cost_usd": monthly,
                "monthly_idle_cost_usd": float(cost.monthly_idle_cost_usd[j]) * p,
                **_value_columns(spec, q, monthly, num_requests),
            })
            row["status"] = "ok"
            per_token = ("usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_million_tokens",
                         "usd_per_million_tokens_low", "usd_per_million_tokens_high")
            if not all(math.isfinite(row[k]) for k in per_token):
                # A fleet that serves almost nothing has an unbounded cost per token: say so, do not print inf.
                row.update(dict.fromkeys(per_token))
                row["status"] = (f"traffic of {spec.requests_per_day:.3g} requests/day is too small to price "
                                 f"per token (the fleet costs ${monthly:,.0f}/month)")
            if p == 0.0:
                notes.append("GPU price is 0 $/GPU-hour: cost 0, ROI undefined")
            if spec.requests_per_day <= 0.0:
                notes.append("no traffic: monthly cost 0, $/1M tokens at the planned utilisation")
    row["notes"] = "; ".join(notes)
    return row


def api_rows(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec) -> list[dict[str, Any]]:
    """One row per API model of the scenario for one workload."""
    profile = profile_for(spec, catalog)
    num_requests = fleet.requests_per_month(spec.requests_per_day)
    tokens_per_request = spec.input_tokens + spec.output_tokens
    rows: list[dict[str, Any]] = []
    for api_id in scenario.api_model_ids:
        try:
            api = catalog.api_model(api_id)
        except CatalogError:
            continue
        q = _quality(api.id, profile, catalog)
        prices = api_cost.prices_for_request(api, spec.input_tokens)
        c_in = api_cost.effective_input_usd_per_million(prices, spec.cached_input_frac)
        c_blend = api_cost.blended_usd_per_million(api, spec.input_tokens, spec.output_tokens, spec.cached_input_frac)
        monthly = api_cost.monthly_cost_usd(api, spec.input_tokens, spec.output_tokens, spec.cached_input_frac,
                                            num_requests)
        notes = [API_NOTE]
        if prices.long_context:
            notes.append(f"long-context prices (input above {api.long_context_threshold_tokens} tokens)")
        if api.open_model_id:
            notes.append(f"quality from open model {api.open_model_id}")
        if spec.requests_per_day <= 0.0:
            notes.append("no traffic: monthly cost 0")
        status = "ok"
        if api.context_length_tokens is not None and tokens_per_request > api.context_length_tokens:
            status = (f"input + output ({tokens_per_request} tokens) exceed the context length of {api.name} "
                      f"({api.context_length_tokens} tokens)")
        elif api.max_output_tokens is not None and spec.output_tokens > api.max_output_tokens:
            status = f"output ({spec.output_tokens} tokens) exceeds {api.name}'s limit of {api.max_output_tokens}"
        rows.append({
            "option_id": f"api|{api.id}", "workload": spec.name, "kind": "API",
            "model_id": api.id, "model_name": api.name, "provider": api.provider,
            "gpu_id": "", "gpu_name": "", "precision": "",
            "num_gpus_per_replica": 0, "concurrency_per_replica": 0, "replicas": 0, "gpus_total": 0,
            "usd_per_gpu_hour": None,
            "usd_per_million_input_tokens": c_in,
            "usd_per_million_output_tokens": prices.usd_per_million_output_tokens,
            "usd_per_million_tokens": c_blend, "usd_per_million_tokens_low": c_blend,
            "usd_per_million_tokens_high": c_blend, "monthly_cost_usd": monthly,
            "quality_index": q.index, "quality_coverage_frac": q.coverage_frac,
            "ttft_ms": None, "tpot_ms": None, "meets_limits": True,
            "meets_min_quality": _meets_min_quality(q.index, spec.min_quality), "status": status,
            **_value_columns(spec, q, monthly, num_requests),
            "pricing_basis": "api", "price_as_of": api.as_of.isoformat(),
            "num_requests_per_month": num_requests,
            "num_million_tokens_per_month": num_requests * tokens_per_request / TOKENS_PER_MILLION,
            "notes": "; ".join(notes),
        })
    return rows


def _sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
    upq = row.get("usd_per_quality_point")
    blend = row.get("usd_per_million_tokens")
    return (not row["ranked"], upq is None, upq if upq is not None else 0.0,
            blend if blend is not None else float("inf"), row["option_id"])


def rank_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order one workload's rows: ranked options first (status ok, within limits and minimum quality),
    by $/quality point, then $/1M tokens; the rest after, with ``rank`` None."""
    out = []
    for r in rows:
        r = dict(r)
        r["ranked"] = bool(r["status"] == "ok" and r["meets_limits"] and r["meets_min_quality"]
                           and r.get("monthly_cost_usd") is not None)
        out.append(r)
    out.sort(key=_sort_key)
    n = 0
    for r in out:
        if r["ranked"]:
            n += 1
            r["rank"] = n
        else:
            r["rank"] = None
    return out


def to_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Rows -> DataFrame with the fixed columns; optional quantities stay None in object columns (no NaN)."""
    data: dict[str, Any] = {}
    for col in COLUMNS:
        values = [r.get(col) for r in rows]
        if col in OPTIONAL_COLUMNS:
            data[col] = pd.Series(values, dtype=object)
        elif col in INT_COLUMNS:
            data[col] = pd.Series([int(v or 0) for v in values], dtype="int64")
        elif col in FLOAT_COLUMNS:
            data[col] = pd.Series([float(v or 0.0) for v in values], dtype="float64")
        elif col in BOOL_COLUMNS:
            data[col] = pd.Series([bool(v) for v in values], dtype=bool)
        else:
            data[col] = pd.Series(["" if v is None else str(v) for v in values], dtype=object)
    return pd.DataFrame(data, columns=list(COLUMNS))


def workload_options(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec,
                     eff: Efficiency | None = None) -> list[dict[str, Any]]:
    """Ranked rows (dicts) of every option for one workload."""
    return rank_rows(self_hosted_rows(scenario, catalog, spec, eff) + api_rows(scenario, catalog, spec))


def compare_options(scenario: Scenario, catalog: Catalog) -> pd.DataFrame:
    """One row per option per workload, ranked within each workload (columns: ``COLUMNS``; see
    notes/interfaces.md). Never NaN or infinity: a missing quantity is None and ``status`` says why."""
    rows: list[dict[str, Any]] = []
    for spec in scenario.workloads:
        rows.extend(workload_options(scenario, catalog, spec))
    return to_frame(rows)
