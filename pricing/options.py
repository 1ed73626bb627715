"""Every option for every workload of a scenario on one economic scale: ``compare_options``.

The pipeline of ``pricing``: it chains the core's sweep (``calculator.sweep``), the GPU price
(``pricing.gpu_price``), the fleet (``pricing.fleet``), the API bill (``pricing.api_cost``), quality
(``calculator.quality``), ROI (``pricing.roi``) and the calibration band (``pricing.band``), and
adds no formula of its own beyond bookkeeping.

Self-hosted, in two steps per (model, GPU, precision):

1. *Choose* (:func:`choose_deployment`): the sweep is run at 1 $/GPU-hour, so its dollar figures are
   GPU-hours; every configuration (GPUs per replica x concurrency) that fits and meets the workload's latency
   limits is sized into a fleet, and the one with the fewest paid GPU-hours per month is kept (ties and zero
   traffic: the fewest GPU-hours per 1M tokens). The choice does not depend on the GPU price.
2. *Price* (:func:`price_deployment`): GPU-hours times $/GPU-hour. Per-token prices are the fleet's real
   ones: monthly cost over monthly tokens, idle capacity included (at zero traffic: the busy cost at the
   planned utilisation).

Self-hosted prefill is priced without prefix caching (``cached_input_frac`` lowers only API bills): a
conservative choice, stated in each row's notes.

Adding a column
---------------
Add one field to :class:`OptionRow` (unit in the name, see the package glossary; ``X | None = None`` if the
quantity does not exist for every option) and set it where rows are built (``_self_row``, ``_api_row``).
That is all: the column order of ``compare_options`` is the field order, and the dtype follows the
annotation (``int`` -> int64, ``float`` -> float64, ``bool`` -> bool, ``str`` -> object holding str,
anything ``| None`` -> object holding None, never NaN). ``COLUMNS`` and ``OPTIONAL_COLUMNS`` are derived.
Append new fields at the end, so that existing column positions stay put.
"""

from __future__ import annotations

import datetime as dt
import math
import typing
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace

import numpy as np
import pandas as pd

from calculator.catalog import Catalog, CatalogError
from calculator.quality import QualityResult, quality_index
from calculator.schemas import ApiModel, Architecture, Efficiency, Gpu, WorkloadPreset
from calculator.sizing import RequestShape, estimate
from calculator.sweep import GPU_COUNTS as SWEEP_GPU_COUNTS
from calculator.sweep import sweep
from calculator.token_usage import TokensPerRequest, tokens_per_request
from calculator.units import TOKENS_PER_MILLION
from pricing import api_cost, fleet, roi, success
from pricing.band import calibration_band
from pricing.gpu_price import GpuPrice, gpu_price
from pricing.kinds import KIND_API, OPTION_KINDS, SELF_HOSTED_PROVIDER, self_hosted_kind
from pricing.scenario import Scenario, WorkloadSpec

SELF_NOTE = "self-hosted prefill priced without prefix caching"
API_NOTE = "API latency not modelled"


@dataclass(frozen=True, kw_only=True)
class OptionRow:
    """One option (a self-hosted deployment or an API) for one workload: one row of ``compare_options``.

    Quantities that do not exist for an option (an API's GPU price, a price the catalog lacks) are None and
    ``status`` says why; a row never holds NaN or infinity.
    """

    option_id: str  # "self|<model>|<gpu>|<precision>" or "api|<api id>"
    workload: str  # WorkloadSpec.name
    kind: str  # one of pricing.kinds.OPTION_KINDS
    model_id: str
    model_name: str
    provider: str  # SELF_HOSTED_PROVIDER or the API's provider
    gpu_id: str = ""
    gpu_name: str = ""
    precision: str = ""
    num_gpus_per_replica: int = 0
    concurrency_per_replica: int = 0  # requests in flight per replica [-]
    replicas: int = 0  # at the peak [-]
    gpus_total: int = 0  # replicas x GPUs per replica [-]
    usd_per_gpu_hour: float | None = None
    usd_per_million_input_tokens: float | None = None
    usd_per_million_output_tokens: float | None = None
    usd_per_million_tokens: float | None = None  # blended over the workload's input/output mix
    usd_per_million_tokens_low: float | None = None  # calibration band (pricing.band)
    usd_per_million_tokens_high: float | None = None
    monthly_cost_usd: float | None = None
    quality_index: float | None = None  # [0, 100]
    usd_per_quality_point: float | None = None
    ttft_ms: float | None = None  # mean time to first token at the chosen configuration
    tpot_ms: float | None = None  # mean time per output token
    meets_limits: bool
    meets_min_quality: bool
    status: str  # "ok", or one sentence saying why the option cannot be priced or served
    monthly_net_value_usd: float | None = None
    roi_frac: float | None = None
    rank: int | None = None  # 1 = best within the workload; None when not ranked
    ranked: bool = False
    pricing_basis: str  # a rental tier, "owned", "override" or "api"
    price_as_of: str | None = None  # ISO date of the price
    price_estimated: bool = False  # the GPU rental price rests on quotes the catalog marks as estimates
    quality_coverage_frac: float
    num_requests_per_month: float
    num_million_tokens_per_month: float
    monthly_idle_cost_usd: float | None = None  # paid GPU-hours not serving traffic x $/GPU-hour
    replica_requests_per_s: float | None = None  # one replica's throughput at the chosen concurrency
    layout: str = ""  # deployment layout of a self-hosted option: tp, ep or disagg (calculator.pipeline.LAYOUT_SHOWN)
    num_nodes: int = 0  # scale-up domains one replica spans [-]
    notes: str = ""
    provider_class: str | None = None  # of the rental quote taken: hyperscaler, specialist, marketplace (rental)
    commitment_term: str | None = None  # of the rental quote taken: none, capacity_block, 1y, 3y, unstated, ...
    redundancy_replicas: int = 0  # spare replicas in ``replicas`` (1 = N+1; pricing.fleet.FleetPolicy)
    # Issue 9: tokens per request of this model, measured vs estimated quality, success, cost per successful task.
    output_tokens_per_request: float = 0.0  # visible answer + thinking tokens of this model [tokens]
    reasoning_tokens_per_request: float = 0.0  # thinking tokens (calculator.token_usage) [tokens]
    quality_estimated_frac: float | None = None  # share of the index's weight that is estimated [-]
    quality_index_std: float | None = None  # standard error of the index from its estimated cells [points]
    success_frac: float | None = None  # probability that one attempt succeeds (calculator.quality) [-]
    success_sigma_frac: float | None = None  # its standard error [-]
    expected_attempts: float = 1.0  # attempts per task under the retry policy (pricing.success) [-]
    usd_per_successful_task: float | None = None  # monthly cost / successful tasks (pricing.success) [$/task]
    retired: bool = False  # past its retirement date (catalog lifecycle): shown, never ranked
    # Issue 10: the deployment layout's sizes beyond ``layout`` and ``num_nodes``.
    pipeline_parallel: int = 0  # pipeline stages of a self-hosted replica (layout tp across scale-up domains) [-]
    num_prefill_gpus: int = 0  # of the GPUs per replica, those of the prefill pool (layout disagg) [-]
    # The 99th percentiles the latency limits are checked against (calculator.pipeline.meets_latency_limits).
    ttft_p99_ms: float | None = None  # queueing model at the chosen load [ms]
    tpot_p99_ms: float | None = None  # mean x the p99/mean ratio [ms]

    def __post_init__(self) -> None:
        if self.kind not in OPTION_KINDS:
            raise ValueError(f"kind '{self.kind}' is not one of {', '.join(OPTION_KINDS)}")


_TYPES: dict[str, object] = typing.get_type_hints(OptionRow)
COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(OptionRow))
# Columns that hold None where a quantity does not exist (object dtype: never NaN).
OPTIONAL_COLUMNS: tuple[str, ...] = tuple(c for c in COLUMNS if type(None) in typing.get_args(_TYPES[c]))
_DTYPE: dict[object, str] = {int: "int64", float: "float64", bool: "bool", str: "object"}


def column_dtype(column: str) -> str:
    """The pandas dtype of a ``compare_options`` column, from ``OptionRow``'s annotation."""
    return "object" if column in OPTIONAL_COLUMNS else _DTYPE[_TYPES[column]]


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


def profile_for(spec: WorkloadSpec, catalog: Catalog) -> WorkloadPreset | None:
    """The catalog workload profile whose quality weights score ``spec`` (None if unknown)."""
    try:
        return catalog.workload(spec.quality_profile)
    except CatalogError:
        return None


def _quality(option_model_id: str, profile: WorkloadPreset | None, catalog: Catalog) -> QualityResult:
    if profile is None:
        return QualityResult(None, 0.0, {})
    return quality_index(option_model_id, profile, catalog)


@dataclass(frozen=True)
class _ModelLoad:
    """What one model adds to a workload: its tokens per request, success and attempts per task."""

    tokens: TokensPerRequest
    quality: QualityResult
    attempts: float  # expected attempts per task [-]
    spec: WorkloadSpec  # the workload with this model's output tokens and attempted requests


def _model_load(model_id: str, spec: WorkloadSpec, catalog: Catalog, q: QualityResult) -> _ModelLoad:
    """The workload as one model runs it: output tokens include its thinking tokens (``calculator.token_usage``)
    and every task is attempted ``E[attempts]`` times under the retry policy (``pricing.success``)."""
    tokens = tokens_per_request(model_id, spec.output_tokens, spec.preset, catalog,
                                spec.reasoning_tokens_overrides.get(model_id), spec.quality_profile)
    attempts = success.expected_attempts(q.success_frac, spec.max_retries) if q.success_frac is not None else 1.0
    model_spec = spec.model_copy(update={"output_tokens": max(1, round(tokens.output_tokens)),
                                         "requests_per_day": spec.requests_per_day * attempts})
    return _ModelLoad(tokens, q, attempts, model_spec)


def _is_retired(lifecycle: object, on: dt.date) -> bool:
    is_retired = getattr(lifecycle, "is_retired", None)
    return bool(is_retired(on)) if callable(is_retired) else False


def _retired_note(entry: object) -> str:
    when = getattr(entry, "retired_on", None)
    successor = getattr(entry, "superseded_by", None)
    return f"retired on {when}" + (f" (superseded by {successor})" if successor else "")


def _with_success(row: OptionRow, spec: WorkloadSpec, load: _ModelLoad, retired: bool, notes: list[str]) -> OptionRow:
    """Add the issue-9 columns: tokens, estimated share, success, cost per successful task, retirement; and
    put the task count (not the attempts) in ``num_requests_per_month``."""
    q = load.quality
    tasks = fleet.requests_per_month(spec.requests_per_day)
    per_task: float | None = None
    net: float | None = None
    if row.monthly_cost_usd is not None and q.success_frac is not None:
        per_task = success.usd_per_successful_task(row.monthly_cost_usd, tasks, q.success_frac, spec.max_retries)
        task_success = success.task_success_frac(q.success_frac, spec.max_retries)
        net = roi.monthly_net_value_usd(spec.value_per_task_usd, task_success * 100.0, tasks, row.monthly_cost_usd)
    if load.tokens.reasoning_tokens > 0.0:
        notes.append(f"{load.tokens.reasoning_tokens:,.0f} thinking tokens per request ({load.tokens.source})")
    if spec.max_retries > 0 and q.success_frac is not None:
        notes.append(f"{load.attempts:.2f} attempts per task (up to {spec.max_retries} retries)")
    if q.estimated_frac:
        notes.append(f"{q.estimated_frac:.0%} of the quality index estimated (+/- {q.index_std or 0.0:.1f} points)")
    return replace(
        row, num_requests_per_month=tasks, output_tokens_per_request=load.tokens.output_tokens,
        reasoning_tokens_per_request=load.tokens.reasoning_tokens, quality_estimated_frac=q.estimated_frac,
        quality_index_std=q.index_std, success_frac=q.success_frac,
        success_sigma_frac=q.index_std / 100.0 if q.index_std is not None else None,
        expected_attempts=load.attempts, usd_per_successful_task=per_task, retired=retired,
        monthly_net_value_usd=net if net is not None else row.monthly_net_value_usd,
        roi_frac=roi.roi_frac(net, row.monthly_cost_usd) if net is not None and row.monthly_cost_usd else row.roi_frac,
        notes="; ".join(notes))


def _meets_min_quality(index: float | None, min_quality: float) -> bool:
    return (index is not None and index >= min_quality) or (index is None and min_quality <= 0.0)


@dataclass(frozen=True)
class _Value:
    """ROI quantities of an option (``pricing.roi``); all None without a monthly cost."""

    usd_per_quality_point: float | None = None
    monthly_net_value_usd: float | None = None
    roi_frac: float | None = None


def _value(spec: WorkloadSpec, q: QualityResult, monthly_cost_usd: float | None, num_requests: float) -> _Value:
    if monthly_cost_usd is None:
        return _Value()
    net = roi.monthly_net_value_usd(spec.value_per_task_usd, q.index, num_requests, monthly_cost_usd)
    return _Value(roi.usd_per_quality_point(monthly_cost_usd, q.index), net, roi.roi_frac(net, monthly_cost_usd))


def _request_shape(spec: WorkloadSpec) -> RequestShape:
    return RequestShape(spec.input_tokens, spec.output_tokens, spec.ttft_slo_ms, spec.tpot_slo_ms)


def _infeasible_message(cand: Candidate, gpu_id: str, precision: str, spec: WorkloadSpec, catalog: Catalog,
                        eff: Efficiency, rows: pd.DataFrame) -> str:
    """Why no configuration of a deployment serves the workload (memory, or latency limits)."""
    fitting = rows[rows["fits"]]
    if fitting.empty:
        est = estimate(cand.architecture, catalog.gpu(gpu_id), _request_shape(spec), eff, precision=precision)
        if est.fits:
            return f"needs more than {max(SWEEP_GPU_COUNTS)} GPUs per replica (the most the comparison sizes)"
        return est.message
    # The 99th percentiles the limits were checked against (calculator.pipeline.meets_latency_limits): TTFT's
    # comes from the queueing model, not from the mean times the p99/mean ratio.
    parts = []
    if spec.ttft_slo_ms is not None:
        best = float(fitting["ttft_p99_ms"].min())
        parts.append(f"best TTFT {best:.0f} ms at p99 (limit {spec.ttft_slo_ms:g} ms)")
    if spec.tpot_slo_ms is not None:
        best = float(fitting["tpot_p99_ms"].min())
        parts.append(f"best TPOT {best:.1f} ms at p99 (limit {spec.tpot_slo_ms:g} ms)")
    return "no configuration meets the latency limits: " + ", ".join(parts)


@dataclass(frozen=True)
class Deployment:
    """The configuration chosen for one (model, GPU, precision) and workload, and its fleet in GPU-hours.

    Price-free: the sweep ran at 1 $/GPU-hour, so its dollar figures are GPU-hours (per 1M tokens, at the
    chosen concurrency, busy time only).
    """

    num_gpus_per_replica: int
    concurrency_per_replica: int
    replicas: int  # at the peak [-]
    ttft_ms: float
    tpot_ms: float
    ttft_p99_ms: float
    tpot_p99_ms: float
    replica_requests_per_s: float
    gpu_hours_per_month: float  # paid [GPU-hours/month]
    busy_gpu_hours_per_month: float  # serving traffic [GPU-hours/month]
    gpu_hours_per_million_input_tokens: float
    gpu_hours_per_million_output_tokens: float
    gpu_hours_per_million_tokens: float  # blended over the workload's mix
    redundancy_replicas: int = 0  # spare replicas included in ``replicas`` [-]
    layout: str = "tp"  # calculator.pipeline.LAYOUT_SHOWN: tp, ep or disagg
    num_nodes: int = 1
    pipeline_parallel: int = 1  # pipeline stages across scale-up domains (layout tp) [-]
    num_prefill_gpus: int = 0  # of num_gpus_per_replica, the prefill pool's (layout disagg) [-]

    @property
    def gpus_total(self) -> int:
        """GPUs of the fleet at the peak [-]: replicas x GPUs per replica."""
        return self.replicas * self.num_gpus_per_replica


def choose_deployment(feasible: pd.DataFrame, spec: WorkloadSpec, utilisation_frac: float,
                      always_on: bool, policy: fleet.FleetPolicy = fleet.NO_POLICY) -> Deployment:
    """The configuration with the fewest paid GPU-hours per month (ties: fewest GPU-hours per 1M tokens).

    feasible : sweep rows (``calculator.sweep``, run at 1 $/GPU-hour) of one (model, GPU, precision) that fit
    and meet the latency limits; non-empty. The fleet of each row is ``pricing.fleet.fleet_cost`` under the
    fleet policy (spare replicas, fewest replicas, spot capacity loss).
    """
    cost = fleet.fleet_cost(spec.requests_per_day, spec.peak_to_average_ratio,
                            feasible["requests_per_s"].to_numpy(float), feasible["num_gpus"].to_numpy(float),
                            1.0, utilisation_frac, always_on, policy)
    order = np.lexsort((feasible["usd_per_million_tokens"].to_numpy(float), cost.gpu_hours_per_month))
    j = int(order[0])
    best = feasible.iloc[j]
    return Deployment(
        num_gpus_per_replica=int(best["num_gpus"]), concurrency_per_replica=int(best["concurrency"]),
        replicas=int(cost.replicas[j]), ttft_ms=float(best["ttft_ms"]), tpot_ms=float(best["tpot_ms"]),
        ttft_p99_ms=float(best["ttft_p99_ms"]), tpot_p99_ms=float(best["tpot_p99_ms"]),
        replica_requests_per_s=float(best["requests_per_s"]),
        gpu_hours_per_month=float(cost.gpu_hours_per_month[j]),
        busy_gpu_hours_per_month=float(cost.busy_gpu_hours_per_month[j]),
        gpu_hours_per_million_input_tokens=float(best["usd_per_million_input_tokens"]),
        gpu_hours_per_million_output_tokens=float(best["usd_per_million_output_tokens"]),
        gpu_hours_per_million_tokens=float(best["usd_per_million_tokens"]),
        redundancy_replicas=policy.redundancy_replicas if spec.requests_per_day > 0.0 else 0,
        layout=str(best.get("layout", "tp")), num_nodes=int(best.get("num_nodes", 1)),
        pipeline_parallel=int(best.get("pipeline_parallel", 1)), num_prefill_gpus=int(best.get("num_prefill_gpus", 0)),
    )


@dataclass(frozen=True)
class SelfHostedPrice:
    """A deployment priced at a GPU price. Per-token prices are None when traffic is too small to give a
    finite price (a fleet that serves almost nothing)."""

    usd_per_million_input_tokens: float | None
    usd_per_million_output_tokens: float | None
    usd_per_million_tokens: float | None
    usd_per_million_tokens_low: float | None
    usd_per_million_tokens_high: float | None
    monthly_cost_usd: float
    monthly_idle_cost_usd: float


def price_deployment(dep: Deployment, usd_per_gpu_hour: float, utilisation_frac: float,
                     band_frac: float) -> SelfHostedPrice:
    """Price a deployment [$]: monthly cost ``C = H p``, idle cost ``(H - H_busy) p`` (``pricing.fleet``), and
    per-token prices ``c = h p H / H_busy`` with h the busy GPU-hours per 1M tokens, so that the idle
    capacity is paid by the tokens served (without traffic: ``H / H_busy`` is the planned ``1 / u``).
    The band is ``pricing.band.calibration_band`` with the core's calibration error ``band_frac``.
    """
    p = usd_per_gpu_hour
    hours, busy = dep.gpu_hours_per_month, dep.busy_gpu_hours_per_month
    # Idle factor: paid GPU-hours per busy GPU-hour (planned 1/u without traffic).
    idle_factor = hours / busy if busy > 0.0 else 1.0 / utilisation_frac
    c_in = dep.gpu_hours_per_million_input_tokens * p * idle_factor
    c_out = dep.gpu_hours_per_million_output_tokens * p * idle_factor
    c_blend = dep.gpu_hours_per_million_tokens * p * idle_factor
    low, high = calibration_band(c_blend, band_frac)
    monthly, idle = hours * p, (hours - busy) * p
    if not all(math.isfinite(v) for v in (c_in, c_out, c_blend, low, high)):
        return SelfHostedPrice(None, None, None, None, None, monthly, idle)
    return SelfHostedPrice(c_in, c_out, c_blend, low, high, monthly, idle)


@dataclass(frozen=True)
class _WorkloadContext:
    """What every row of one workload shares."""

    scenario: Scenario
    catalog: Catalog
    spec: WorkloadSpec
    eff: Efficiency
    num_requests: float  # [requests/month]
    tokens_per_request: int
    always_on: bool
    band_frac: float

    @property
    def num_million_tokens(self) -> float:
        return self.num_requests * self.tokens_per_request / TOKENS_PER_MILLION


def _context(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec, eff: Efficiency) -> _WorkloadContext:
    return _WorkloadContext(
        scenario=scenario, catalog=catalog, spec=spec, eff=eff,
        num_requests=fleet.requests_per_month(spec.requests_per_day),
        tokens_per_request=spec.input_tokens + spec.output_tokens,
        always_on=scenario.sized_always_on,
        band_frac=eff.median_abs_error_frac or 0.0,
    )


def self_hosted_rows(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec,
                     eff: Efficiency | None = None, prices: dict[str, GpuPrice] | None = None) -> list[OptionRow]:
    """One row per (model, GPU, precision) of the scenario for one workload (see the module docstring)."""
    eff = eff or catalog.efficiency
    assert eff is not None, "the catalog has no efficiency constants"
    cands = candidates(scenario, catalog)
    gpus = [catalog.gpu(g) for g in scenario.gpu_ids if any(x.id == g for x in catalog.gpus)]
    if not cands or not gpus or not scenario.precisions:
        return []
    prices = prices or {g.id: gpu_price(scenario, catalog, g.id) for g in gpus}
    profile = profile_for(spec, catalog)
    today = dt.date.today()
    rows: list[OptionRow] = []
    for cand in cands:
        q = _quality(cand.id, profile, catalog)
        load = _model_load(cand.id, spec, catalog, q)
        # Each model decodes its own tokens (answer + thinking) and serves its own attempts per task.
        # Served with the model's published speculative decoding where it has one, as ``estimate`` decodes.
        df = sweep([cand], gpus, list(scenario.precisions), spec.input_tokens, load.spec.output_tokens, eff,  # type: ignore[list-item]
                   usd_per_gpu_hour=[1.0] * len(gpus), ttft_slo_ms=spec.ttft_slo_ms, tpot_slo_ms=spec.tpot_slo_ms,
                   speculation=[catalog.speculative_for(cand.id)])
        ctx = _context(scenario, catalog, load.spec, eff)
        groups = dict(list(df.groupby(["model_id", "gpu_id", "precision"], observed=True)))
        entry = next((m for m in catalog.models if m.id == cand.id), None)
        retired = _is_retired(entry, today)
        for gpu in gpus:
            for precision in scenario.precisions:
                row = _self_row(ctx, cand, gpu, precision, groups.get((cand.id, gpu.id, precision)),
                                prices[gpu.id], q)
                notes = [row.notes] + ([_retired_note(entry)] if retired else [])
                rows.append(_with_success(replace(row, workload=spec.name), spec, load, retired, notes))
    return rows


def _self_row(ctx: _WorkloadContext, cand: Candidate, gpu: Gpu, precision: str, sweep_rows: pd.DataFrame | None,
              price: GpuPrice, q: QualityResult) -> OptionRow:
    """One self-hosted row: check the context length, choose the deployment, price it, say what happened."""
    scenario, spec = ctx.scenario, ctx.spec
    notes = [SELF_NOTE]
    if scenario.pricing_basis == "owned" and not scenario.always_on:
        notes.append("owned GPUs cannot be scaled down: sized always on")
    dep: Deployment | None = None
    priced: SelfHostedPrice | None = None
    context = cand.context_length_tokens
    if context is not None and ctx.tokens_per_request > context:
        status = (f"input + output ({ctx.tokens_per_request} tokens) exceed the context length of "
                  f"{cand.name} ({context} tokens)")
    else:
        rows = sweep_rows if sweep_rows is not None else pd.DataFrame({"fits": [], "meets_limits": []})
        feasible = rows[rows["fits"] & rows["meets_limits"]]
        if feasible.empty:
            status = _infeasible_message(cand, gpu.id, precision, spec, ctx.catalog, ctx.eff, rows)
        else:
            dep = choose_deployment(feasible, spec, scenario.utilisation_frac, ctx.always_on, scenario.fleet_policy)
            if price.usd_per_gpu_hour is None:
                status = price.status
            else:
                priced = price_deployment(dep, price.usd_per_gpu_hour, scenario.utilisation_frac, ctx.band_frac)
                status = "ok"
                if priced.usd_per_million_tokens is None:
                    # A fleet that serves almost nothing has an unbounded cost per token: say so, not inf.
                    status = (f"traffic of {spec.requests_per_day:.3g} requests/day is too small to price "
                              f"per token (the fleet costs ${priced.monthly_cost_usd:,.0f}/month)")
                if price.estimated:
                    notes.append(f"GPU price from an estimated quote ({price.provider or 'median of quotes'}, "
                                 "catalog estimate: see Catalog, GPU prices)")
                if price.usd_per_gpu_hour == 0.0:
                    notes.append("GPU price is 0 $/GPU-hour: cost 0, ROI undefined")
                if spec.requests_per_day <= 0.0:
                    notes.append("no traffic: monthly cost 0, $/1M tokens at the planned utilisation")
    monthly = priced.monthly_cost_usd if priced is not None else None
    value = _value(spec, q, monthly, ctx.num_requests)
    return OptionRow(
        option_id=f"self|{cand.id}|{gpu.id}|{precision}", workload=spec.name,
        kind=self_hosted_kind(cand.architecture.is_moe),
        model_id=cand.id, model_name=cand.name, provider=SELF_HOSTED_PROVIDER,
        gpu_id=gpu.id, gpu_name=gpu.name, precision=precision,
        num_gpus_per_replica=dep.num_gpus_per_replica if dep else 0,
        layout=dep.layout if dep else "", num_nodes=dep.num_nodes if dep else 0,
        pipeline_parallel=dep.pipeline_parallel if dep else 0, num_prefill_gpus=dep.num_prefill_gpus if dep else 0,
        concurrency_per_replica=dep.concurrency_per_replica if dep else 0,
        replicas=dep.replicas if dep else 0, gpus_total=dep.gpus_total if dep else 0,
        usd_per_gpu_hour=price.usd_per_gpu_hour,
        usd_per_million_input_tokens=priced.usd_per_million_input_tokens if priced else None,
        usd_per_million_output_tokens=priced.usd_per_million_output_tokens if priced else None,
        usd_per_million_tokens=priced.usd_per_million_tokens if priced else None,
        usd_per_million_tokens_low=priced.usd_per_million_tokens_low if priced else None,
        usd_per_million_tokens_high=priced.usd_per_million_tokens_high if priced else None,
        monthly_cost_usd=monthly, quality_index=q.index, usd_per_quality_point=value.usd_per_quality_point,
        ttft_ms=dep.ttft_ms if dep else None, tpot_ms=dep.tpot_ms if dep else None,
        meets_limits=dep is not None, meets_min_quality=_meets_min_quality(q.index, spec.min_quality),
        status=status, monthly_net_value_usd=value.monthly_net_value_usd, roi_frac=value.roi_frac,
        pricing_basis="override" if price.source == "override" else scenario.pricing_basis,
        price_as_of=price.as_of.isoformat() if price.as_of else None, price_estimated=price.estimated,
        provider_class=price.provider_class, commitment_term=price.commitment_term,
        redundancy_replicas=dep.redundancy_replicas if dep else 0,
        quality_coverage_frac=q.coverage_frac, num_requests_per_month=ctx.num_requests,
        num_million_tokens_per_month=ctx.num_million_tokens,
        monthly_idle_cost_usd=priced.monthly_idle_cost_usd if priced else None,
        replica_requests_per_s=dep.replica_requests_per_s if dep else None,
        notes="; ".join(notes),
        ttft_p99_ms=dep.ttft_p99_ms if dep else None, tpot_p99_ms=dep.tpot_p99_ms if dep else None,
    )


def api_rows(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec) -> list[OptionRow]:
    """One row per API model of the scenario for one workload (unknown ids skipped)."""
    profile = profile_for(spec, catalog)
    num_requests = fleet.requests_per_month(spec.requests_per_day)
    rows: list[OptionRow] = []
    for api_id in scenario.api_model_ids:
        try:
            api = catalog.api_model(api_id)
        except CatalogError:
            continue
        day = scenario.priced_on or dt.date.today()
        priced = api.prices_on(day)  # announced price changes apply by date
        q = _quality(api.id, profile, catalog)
        load = _model_load(api.id, spec, catalog, q)
        row = _api_row(load.spec, priced, q, num_requests * load.attempts)
        notes = [row.notes]
        if priced is not api:
            applied = max(c.effective_on for c in api.price_changes if c.effective_on <= day)
            notes.append(f"list price changed on {applied} (prices in force on {day})")
        retired = _is_retired(api, day)
        if retired:
            notes.append(_retired_note(api))
        rows.append(_with_success(replace(row, workload=spec.name), spec, load, retired, notes))
    return rows


def _api_row(spec: WorkloadSpec, api: ApiModel, q: QualityResult, num_requests: float) -> OptionRow:
    tokens_per_request = spec.input_tokens + spec.output_tokens
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
    value = _value(spec, q, monthly, num_requests)
    return OptionRow(
        option_id=f"api|{api.id}", workload=spec.name, kind=KIND_API,
        model_id=api.id, model_name=api.name, provider=api.provider,
        usd_per_million_input_tokens=c_in, usd_per_million_output_tokens=prices.usd_per_million_output_tokens,
        usd_per_million_tokens=c_blend, usd_per_million_tokens_low=c_blend, usd_per_million_tokens_high=c_blend,
        monthly_cost_usd=monthly, quality_index=q.index, usd_per_quality_point=value.usd_per_quality_point,
        meets_limits=True, meets_min_quality=_meets_min_quality(q.index, spec.min_quality), status=status,
        monthly_net_value_usd=value.monthly_net_value_usd, roi_frac=value.roi_frac,
        pricing_basis="api", price_as_of=api.as_of.isoformat(), quality_coverage_frac=q.coverage_frac,
        num_requests_per_month=num_requests,
        num_million_tokens_per_month=num_requests * tokens_per_request / TOKENS_PER_MILLION,
        notes="; ".join(notes),
    )


def _sort_key(row: OptionRow) -> tuple[bool, bool, float, float, str]:
    per_task, blend = row.usd_per_successful_task, row.usd_per_million_tokens
    return (not row.ranked, per_task is None, per_task if per_task is not None else 0.0,
            blend if blend is not None else float("inf"), row.option_id)


def rank_rows(rows: Sequence[OptionRow]) -> list[OptionRow]:
    """Order one workload's rows: ranked options first (status ok, within limits and minimum quality, not
    retired), by $ per successful task, then $/1M tokens; the rest after, with ``rank`` None."""
    marked = [replace(r, ranked=bool(r.status == "ok" and r.meets_limits and r.meets_min_quality
                                      and not r.retired and r.monthly_cost_usd is not None), rank=None)
              for r in rows]
    marked.sort(key=_sort_key)
    out: list[OptionRow] = []
    n = 0
    for r in marked:
        if r.ranked:
            n += 1
            r = replace(r, rank=n)
        out.append(r)
    return out


def to_frame(rows: Sequence[OptionRow]) -> pd.DataFrame:
    """Rows -> DataFrame with the columns of ``OptionRow`` in field order, dtypes from the annotations
    (module docstring); optional quantities stay None in object columns (no NaN)."""
    data = {col: pd.Series([getattr(r, col) for r in rows], dtype=column_dtype(col)) for col in COLUMNS}
    return pd.DataFrame(data, columns=list(COLUMNS))


def workload_options(scenario: Scenario, catalog: Catalog, spec: WorkloadSpec,
                     eff: Efficiency | None = None) -> list[OptionRow]:
    """Ranked rows of every option for one workload."""
    return rank_rows(self_hosted_rows(scenario, catalog, spec, eff) + api_rows(scenario, catalog, spec))


def compare_options(scenario: Scenario, catalog: Catalog) -> pd.DataFrame:
    """One row per option per workload, ranked within each workload (columns: the fields of ``OptionRow``).
    Never NaN or infinity: a missing quantity is None and ``status`` says why."""
    rows: list[OptionRow] = []
    for spec in scenario.workloads:
        rows.extend(workload_options(scenario, catalog, spec))
    return to_frame(rows)
