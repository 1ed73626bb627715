"""Sensitivity: the tornado of an option's $/1M tokens (the calibration band is ``pricing.band``).

Notes
-----
Tornado: one input at a time is set to the low and the high end of a stated range, everything else at the
scenario's value, and the option's $/1M tokens is recomputed through the same pipeline
(``pricing.options``). Ranges and where they come from:

- GPU price: the catalog's low and high quotes for the pricing basis (rental tier or purchase price);
  a user's own price (override, ``ownership.usd_per_gpu``) moves by +-r.
- Achieved efficiency: bandwidth and FLOP efficiency x (1 -+ e), e the calibration error (``pricing.band``).
- Power price: ``data/ownership_defaults.yaml`` ``electricity_usd_per_kwh`` low and high (only moves owned GPUs).
- Utilisation, tokens per request, traffic: +-r, ``RELATIVE_RANGE_FRAC`` (a judgement for a planning
  range, not a measurement; pass your own ``relative_range_frac``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from calculator.catalog import Catalog
from calculator.schemas import Efficiency
from pricing.options import compare_options, workload_options
from pricing.scenario import Scenario, WorkloadSpec

_Case = tuple[str, str, Any, Any, Any, Callable[[Any], tuple[Scenario, WorkloadSpec, Efficiency]], str]
RELATIVE_RANGE_FRAC: float = 0.25  # stated planning range +-25 % (judgement), see module Notes


def _restrict(scenario: Scenario, option_id: str) -> Scenario:
    parts = option_id.split("|")
    if parts[0] == "self" and len(parts) == 4:
        return scenario.model_copy(update={"model_ids": (parts[1],), "gpu_ids": (parts[2],),
                                           "precisions": (parts[3],), "api_model_ids": ()})
    if parts[0] == "api" and len(parts) == 2:
        return scenario.model_copy(update={"model_ids": (), "gpu_ids": (), "api_model_ids": (parts[1],)})
    raise ValueError(f"option_id '{option_id}' is not of the form self|model|gpu|precision or api|id")


def option_usd_per_million_tokens(scenario: Scenario, catalog: Catalog, option_id: str, spec: WorkloadSpec,
                                  eff: Efficiency | None = None) -> tuple[float | None, str]:
    """$/1M tokens of one option for one workload (and its status), through ``pricing.options``."""
    rows = [r for r in workload_options(_restrict(scenario, option_id), catalog, spec, eff)
            if r.option_id == option_id]
    if not rows:
        return None, f"option '{option_id}' not found"
    return rows[0].usd_per_million_tokens, rows[0].status


def top_option_id(options: pd.DataFrame, workload: str) -> str | None:
    """The rank-1 option of a workload in a ``compare_options`` table (None if nothing is ranked)."""
    sel = options[(options["workload"] == workload) & options["ranked"]]
    return None if sel.empty else str(sel.iloc[0]["option_id"])


def _scale_eff(eff: Efficiency, factor: float) -> Efficiency:
    return eff.model_copy(update={
        "bandwidth_efficiency_frac": min(eff.bandwidth_efficiency_frac * factor, 1.0),
        "expert_bandwidth_efficiency_frac": min(eff.expert_bandwidth_efficiency_frac * factor, 1.0),
        "flops_efficiency_frac": min(eff.flops_efficiency_frac * factor, 1.0),
        "fp4_flops_efficiency_frac": min(eff.fp4_flops_efficiency_frac * factor, 1.0),
        "weight_only_flops_efficiency_frac": min(eff.weight_only_flops_efficiency_frac * factor, 1.0),
    })


def tornado(scenario: Scenario, catalog: Catalog, option_id: str | None = None, workload_index: int = 0,
            relative_range_frac: float = RELATIVE_RANGE_FRAC) -> pd.DataFrame:
    """How much an option's $/1M tokens moves when each input moves over its stated range (module Notes).

    option_id : default the workload's rank-1 option. Returns one row per input, largest swing first:
    input, unit, low_value, base_value, high_value, base_usd_per_million_tokens,
    usd_per_million_tokens_at_low, usd_per_million_tokens_at_high, change_at_low_usd_per_mtok,
    change_at_high_usd_per_mtok, swing_usd_per_mtok, range_source, status. Missing values are None.
    """
    spec = scenario.workloads[workload_index]
    eff = catalog.efficiency
    assert eff is not None, "the catalog has no efficiency constants"
    if option_id is None:
        option_id = top_option_id(compare_options(scenario.model_copy(update={"workloads": (spec,)}), catalog),
                                  spec.name)
        if option_id is None:
            return pd.DataFrame(columns=["input", "status"])
    base, base_status = option_usd_per_million_tokens(scenario, catalog, option_id, spec, eff)
    r = relative_range_frac
    e = eff.median_abs_error_frac or 0.0
    gpu_id = option_id.split("|")[2] if option_id.startswith("self|") else None
    own = scenario.ownership

    cases: list[_Case] = []

    def with_spec(**kw: Any) -> tuple[Scenario, WorkloadSpec, Efficiency]:
        return scenario, spec.model_copy(update=kw), eff

    # GPU price
    if gpu_id is not None and gpu_id in scenario.usd_per_gpu_hour_overrides:
        p0 = scenario.usd_per_gpu_hour_overrides[gpu_id]

        def set_override(x: float) -> tuple[Scenario, WorkloadSpec, Efficiency]:
            over = {**scenario.usd_per_gpu_hour_overrides, str(gpu_id): x}
            return scenario.model_copy(update={"usd_per_gpu_hour_overrides": over}), spec, eff
        cases.append(("GPU price", "$/GPU-hour", p0 * (1 - r), p0, p0 * (1 + r), set_override, f"your price +-{r:.0%}"))
    elif scenario.pricing_basis == "owned" and own.usd_per_gpu is not None:
        k0 = own.usd_per_gpu

        def set_capex(x: float) -> tuple[Scenario, WorkloadSpec, Efficiency]:
            return scenario.model_copy(update={"ownership": own.model_copy(update={"usd_per_gpu": x})}), spec, eff
        cases.append(("GPU price", "$ per GPU", k0 * (1 - r), k0, k0 * (1 + r), set_capex, f"your price +-{r:.0%}"))
    else:
        def set_stat(x: str) -> tuple[Scenario, WorkloadSpec, Efficiency]:
            return scenario.model_copy(update={"price_statistic": x}), spec, eff
        cases.append(("GPU price", "catalog quote", "low", scenario.price_statistic, "high", set_stat,
                      f"catalog {scenario.pricing_basis} quotes, lowest to highest"))
    # Utilisation
    u = scenario.utilisation_frac

    def set_util(x: float) -> tuple[Scenario, WorkloadSpec, Efficiency]:
        return scenario.model_copy(update={"utilisation_frac": x}), spec, eff
    cases.append(("Utilisation", "fraction", u * (1 - r), u, min(u * (1 + r), 1.0), set_util, f"+-{r:.0%} (judgement)"))
    # Achieved efficiency
    cases.append(("Achieved efficiency", "x fitted", 1 - e, 1.0, 1 + e,
                  lambda x: (scenario, spec, _scale_eff(eff, x)), f"calibration median error +-{e:.1%}"))
    # Tokens per request
    cases.append(("Tokens per request", "x scenario", 1 - r, 1.0, 1 + r,
                  lambda x: with_spec(input_tokens=max(1, round(spec.input_tokens * x)),
                                      output_tokens=max(1, round(spec.output_tokens * x))),
                  f"+-{r:.0%} (judgement)"))
    # Power price
    d = catalog.ownership_defaults.get("electricity_usd_per_kwh")
    if d is not None and d.low is not None and d.high is not None:
        def set_power(x: float) -> tuple[Scenario, WorkloadSpec, Efficiency]:
            return scenario.model_copy(update={
                "ownership": own.model_copy(update={"electricity_usd_per_kwh": x})}), spec, eff
        cases.append(("Power price", "$/kWh", d.low, own.electricity_usd_per_kwh, d.high, set_power,
                      "ownership_defaults.yaml electricity_usd_per_kwh low/high (owned GPUs only)"))
    # Traffic
    cases.append(("Traffic", "requests/day", spec.requests_per_day * (1 - r), spec.requests_per_day,
                  spec.requests_per_day * (1 + r), lambda x: with_spec(requests_per_day=x), f"+-{r:.0%} (judgement)"))

    rows = []
    for name, unit, lo, mid, hi, apply, source in cases:
        at: list[float | None] = []
        notes = []
        for x in (lo, hi):
            s2, spec2, eff2 = apply(x)
            value, status = option_usd_per_million_tokens(s2, catalog, option_id, spec2, eff2)
            at.append(value)
            if value is None:
                notes.append(f"at {x}: {status}")
        ch = [None if (v is None or base is None) else v - base for v in at]
        swing = None if None in ch else abs(ch[1] - ch[0])  # type: ignore[operator]
        rows.append({"input": name, "unit": unit, "low_value": lo, "base_value": mid, "high_value": hi,
                     "base_usd_per_million_tokens": base, "usd_per_million_tokens_at_low": at[0],
                     "usd_per_million_tokens_at_high": at[1], "change_at_low_usd_per_mtok": ch[0],
                     "change_at_high_usd_per_mtok": ch[1], "swing_usd_per_mtok": swing,
                     "range_source": source, "status": "; ".join(notes) if notes else base_status})
    rows.sort(key=lambda x: -(x["swing_usd_per_mtok"] or 0.0))
    out = pd.DataFrame(rows)
    for col in ("base_usd_per_million_tokens", "usd_per_million_tokens_at_low", "usd_per_million_tokens_at_high",
                "change_at_low_usd_per_mtok", "change_at_high_usd_per_mtok", "swing_usd_per_mtok",
                "low_value", "base_value", "high_value"):
        out[col] = pd.Series(list(out[col]), dtype=object)
    out.attrs["option_id"] = option_id
    return out
