"""The scenario in session state: one widget key per scenario field, and the two mappings between them.

Pure (no streamlit): ``scenario_to_state`` gives the values to seed ``st.session_state`` with (once, from the
link); ``scenario_from_state`` rebuilds the :class:`~pricing.scenario.Scenario` from session state on every
run. Widgets are created with ``key=`` only, so session state is the single place a value lives.

Keys starting with ``s_`` hold a widget's value; ``x_`` keys hold scenario parts edited elsewhere (Catalog
page, the Economics page's workload mix) or carried from the link, so they survive page changes:
``x_xw`` is the list of extra workloads (:class:`~pricing.scenario.WorkloadSpec`, after the sidebar's),
``x_xw_link`` the link's own extra workloads that are not a catalog preset (offered again in the mix picker).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_args

from pydantic import ValidationError

from calculator.catalog import Catalog, first_error
from calculator.sizing import LAYOUT_CHOICES
from calculator.units import PRECISIONS
from pricing.fleet import million_tokens_per_month, requests_per_month
from pricing.rental import PROVIDER_CLASSES
from pricing.scenario import (
    MAX_NAME_CHARS,
    CustomModel,
    Ownership,
    PriceStatistic,
    PricingBasis,
    Scenario,
    WorkloadSpec,
    field_bounds,
)

CUSTOM_PRESET = "custom"
# The sidebar's choices: the core's definitions, never copies.
PRECISION_CHOICES: tuple[str, ...] = PRECISIONS
BASIS_CHOICES: tuple[str, ...] = get_args(PricingBasis)
STATISTIC_CHOICES: tuple[str, ...] = get_args(PriceStatistic)
PROVIDER_CLASS_CHOICES: tuple[str, ...] = PROVIDER_CLASSES

# widget key -> WorkloadSpec field
WORKLOAD_KEYS: dict[str, str] = {
    "s_preset": "preset",
    "s_in": "input_tokens",
    "s_out": "output_tokens",
    "s_rpd": "requests_per_day",
    "s_peak": "peak_to_average_ratio",
    "s_ttft": "ttft_slo_ms",
    "s_tpot": "tpot_slo_ms",
    "s_cache": "cached_input_frac",
    "s_qp": "quality_profile",
    "s_minq": "min_quality",
    "s_vpt": "value_per_task_usd",
}
# widget key -> Ownership field
OWNERSHIP_KEYS: dict[str, str] = {
    "s_capex": "usd_per_gpu",
    "s_srv": "server_overhead_frac",
    "s_dep": "depreciation_years",
    "s_kwh": "electricity_usd_per_kwh",
    "s_pue": "pue",
    "s_load": "average_load_frac",
    "s_colo": "colocation_usd_per_kw_month",
    "s_ops": "operations_overhead_frac",
    "s_wacc": "wacc_frac",
    "s_resid": "residual_value_frac",
    "s_net": "network_storage_frac",
    "s_stfc": "staff_usd_per_year_per_cluster",
    "s_stfn": "staff_usd_per_year_per_node",
    "s_clus": "num_gpus_in_cluster",
    "s_sw": "software_usd_per_gpu_year",
}
# Ownership field -> the sidebar's label with unit (also the Economics page's TCO table names its inputs so).
OWNERSHIP_LABELS: dict[str, str] = {
    "usd_per_gpu": "GPU price [$ per GPU]",
    "server_overhead_frac": "Server overhead [share of GPU price]",
    "depreciation_years": "Depreciation [years]",
    "electricity_usd_per_kwh": "Electricity [$ per kWh]",
    "pue": "PUE",
    "average_load_frac": "Average load [share of server power]",
    "colocation_usd_per_kw_month": "Colocation [$ per kW-month]",
    "operations_overhead_frac": "Support and spares [share of capex per year]",
    "wacc_frac": "Cost of capital (WACC) [per year]",
    "residual_value_frac": "Resale value at end of life [share of capex]",
    "network_storage_frac": "Network fabric and storage [share of capex]",
    "staff_usd_per_year_per_cluster": "Staff per cluster [$ per year]",
    "staff_usd_per_year_per_node": "Staff per server [$ per year]",
    "num_gpus_in_cluster": "GPUs in the cluster",
    "software_usd_per_gpu_year": "Software [$ per GPU per year]",
}
# widget key -> Scenario field
SCENARIO_KEYS: dict[str, str] = {
    "s_name": "name",
    "s_models": "model_ids",
    "s_apis": "api_model_ids",
    "s_gpus": "gpu_ids",
    "s_prec": "precisions",
    "s_basis": "pricing_basis",
    "s_stat": "price_statistic",
    "s_cls": "provider_class",
    "s_util": "utilisation_frac",
    "s_on": "always_on",
    "s_nplus": "redundancy_replicas",
    "s_minr": "min_replicas",
    "s_spotloss": "spot_capacity_loss_frac",
}
FLOAT_KEYS = {"s_rpd", "s_peak", "s_ttft", "s_tpot", "s_cache", "s_minq", "s_vpt", "s_util",
              "s_capex", "s_srv", "s_dep", "s_kwh", "s_pue", "s_load", "s_colo", "s_ops", "s_wacc", "s_resid",
              "s_net", "s_stfc", "s_stfn", "s_sw", "s_spotloss"}


def _num(key: str, value: Any) -> Any:
    if value is None or isinstance(value, bool):
        return value
    return float(value) if key in FLOAT_KEYS else value


def scenario_to_state(scenario: Scenario, catalog: Catalog) -> tuple[dict[str, Any], list[str]]:
    """Session-state values for a scenario, and warnings for values the widgets cannot show."""
    warnings: list[str] = []
    w = scenario.workload
    state: dict[str, Any] = {key: _num(key, getattr(w, field)) for key, field in WORKLOAD_KEYS.items()}
    state.update({key: _num(key, getattr(scenario.ownership, field)) for key, field in OWNERSHIP_KEYS.items()})
    for key, field in SCENARIO_KEYS.items():
        value = getattr(scenario, field)
        state[key] = list(value) if isinstance(value, tuple) else _num(key, value)
    presets = [wl.id for wl in catalog.workloads]
    if state["s_preset"] not in presets and state["s_preset"] != CUSTOM_PRESET:
        warnings.append(f"link field 'wl': unknown workload preset '{str(state['s_preset'])[:40]}'; "
                        f"shown as '{CUSTOM_PRESET}' (known: {', '.join(presets)})")
        state["s_preset"] = CUSTOM_PRESET
    if state["s_preset"] != CUSTOM_PRESET:
        preset = workload_from_preset(state["s_preset"], catalog)
        if any(preset[k] != state[k] for k in ("s_in", "s_out", "s_rpd", "s_peak", "s_ttft", "s_tpot", "s_cache")):
            custom_name = "Custom workload" if w.name == catalog.workload(state["s_preset"]).name else w.name
            state["s_preset"] = CUSTOM_PRESET  # the link's numbers are its own, not the preset's
            state["x_wname"] = custom_name
    state["s_in"] = int(w.input_tokens)
    state["s_out"] = int(w.output_tokens)
    state["s_tpm"] = million_tokens_per_month(w.requests_per_day, w.input_tokens, w.output_tokens)
    state["s_rpm"] = requests_per_month(w.requests_per_day)
    state.setdefault("x_wname", w.name)
    state["x_px"] = dict(scenario.usd_per_gpu_hour_overrides)
    state["x_cm"] = list(scenario.custom_models)
    state["x_xw"] = list(scenario.workloads[1:])
    state["x_xw_link"] = [w for w in scenario.workloads[1:] if not _is_preset(w, catalog)]
    return state, warnings


def _at_most(field: str, value: float) -> float:
    """``value`` clipped to the upper bound ``WorkloadSpec`` accepts for ``field``."""
    high = field_bounds(WorkloadSpec, field)[1]
    return value if high is None else min(value, high)


def workload_from_preset(preset_id: str, catalog: Catalog) -> dict[str, Any]:
    """Session-state values of the workload fields a catalog preset sets."""
    wl = catalog.workload(preset_id)
    values: dict[str, Any] = {
        "x_wname": wl.name[:MAX_NAME_CHARS],
        "s_in": int(_at_most("input_tokens", wl.input_tokens)),
        "s_out": int(_at_most("output_tokens", wl.output_tokens)),
        "s_rpd": float(wl.requests_per_day),
        "s_peak": float(_at_most("peak_to_average_ratio", wl.peak_to_average_ratio)),
        "s_ttft": None if wl.ttft_slo_ms is None else float(wl.ttft_slo_ms),
        "s_tpot": None if wl.tpot_slo_ms is None else float(wl.tpot_slo_ms),
        "s_cache": float(wl.cached_input_frac),
        "s_qp": wl.id,
    }
    values["s_tpm"] = million_tokens_per_month(values["s_rpd"], values["s_in"], values["s_out"])
    values["s_rpm"] = requests_per_month(values["s_rpd"])
    return values


# --- several workloads on one fleet: the Economics page's "add workloads to the mix" picker ---------------------
MAX_EXTRA_WORKLOADS = 7  # Scenario.workloads holds up to 8: the sidebar's workload and 7 more
LINK_CHOICE_PREFIX = "link-"


def preset_workload(preset_id: str, catalog: Catalog) -> WorkloadSpec:
    """A workload with a catalog preset's request shape, traffic, latency limits and quality profile.

    Minimum quality and value per request keep their defaults (``WorkloadSpec``).
    """
    v = workload_from_preset(preset_id, catalog)
    return WorkloadSpec(name=v["x_wname"], preset=preset_id, input_tokens=v["s_in"], output_tokens=v["s_out"],
                        requests_per_day=v["s_rpd"], peak_to_average_ratio=v["s_peak"], ttft_slo_ms=v["s_ttft"],
                        tpot_slo_ms=v["s_tpot"], cached_input_frac=v["s_cache"], quality_profile=v["s_qp"])


def _is_preset(spec: WorkloadSpec, catalog: Catalog) -> bool:
    known = {wl.id for wl in catalog.workloads}
    return spec.preset in known and spec == preset_workload(spec.preset, catalog)


def mix_choices(link_extras: list[WorkloadSpec], catalog: Catalog, primary_name: str) -> dict[str, str]:
    """Choices of the mix picker, key -> label: every catalog preset (by id) whose name is not the sidebar
    workload's, then the link's own extra workloads (``link-<i>``, i indexes ``link_extras``)."""
    out = {wl.id: wl.name for wl in catalog.workloads if wl.name[:MAX_NAME_CHARS] != primary_name}
    out.update({f"{LINK_CHOICE_PREFIX}{i}": f"{w.name} (from the link)" for i, w in enumerate(link_extras)})
    return out


def mix_selection(extras: list[WorkloadSpec], link_extras: list[WorkloadSpec], catalog: Catalog) -> list[str]:
    """Picker keys (see :func:`mix_choices`) of the current extra workloads, in order."""
    keys: list[str] = []
    for spec in extras:
        if _is_preset(spec, catalog):
            keys.append(spec.preset)
        elif spec in link_extras:
            keys.append(f"{LINK_CHOICE_PREFIX}{link_extras.index(spec)}")
    return list(dict.fromkeys(keys))


def extras_from_selection(keys: list[str], link_extras: list[WorkloadSpec], catalog: Catalog) -> list[WorkloadSpec]:
    """The extra workloads a picker selection stands for (at most ``MAX_EXTRA_WORKLOADS``)."""
    out: list[WorkloadSpec] = []
    for key in keys[:MAX_EXTRA_WORKLOADS]:
        if key.startswith(LINK_CHOICE_PREFIX):
            out.append(link_extras[int(key.removeprefix(LINK_CHOICE_PREFIX))])
        else:
            out.append(preset_workload(key, catalog))
    return out


def distinct_extras(primary_name: str, extras: list[WorkloadSpec]) -> list[WorkloadSpec]:
    """Extra workloads without the ones named like the sidebar workload or an earlier extra.

    Workloads are told apart by name (tables, charts and the link); a second workload of the same name is the
    same workload counted twice, so it is left out of the scenario (it comes back if the name changes).
    """
    seen = {primary_name}
    out = []
    for spec in extras:
        if spec.name not in seen:
            seen.add(spec.name)
            out.append(spec)
    return out


# --- what the pages look at, beside the scenario: in the link, not in the scenario codec ---------------------
# link key -> session-state key. ``opt``: the self-hosted option the Sizing page opens (``self|model|gpu|precision``,
# the option ids of ``pricing.options``); ``n``: its GPUs per replica (0 = as Compare prices it); ``lay``: its
# deployment layout (``calculator.sizing.LAYOUT_CHOICES``; auto = as Compare prices it, else the search's pick).
VIEW_KEYS: dict[str, str] = {"opt": "x_opt", "n": "x_n", "lay": "x_lay"}
GPU_COUNT_CHOICES: tuple[int, ...] = (0, 1, 2, 4, 8, 16, 32, 64)


# Link keys and scenario fields as the sidebar and pages name them (link warnings speak the user's words).
LINK_LABELS: dict[str, str] = {
    "name": "Scenario name", "wl": "Preset", "wname": "Workload name", "in": "Input tokens / request",
    "out": "Output tokens / request", "rpd": "Requests / day", "peak": "Peak-to-average ratio",
    "ttft": "TTFT limit", "tpot": "TPOT limit", "cache": "Cached input share", "qp": "Quality profile",
    "minq": "Minimum quality index", "vpt": "Value per request", "models": "Open models", "apis": "API models",
    "gpus": "GPUs", "prec": "Weight precisions", "basis": "Pricing basis", "stat": "Price statistic",
    "util": "Utilisation", "on": "GPUs always on", "capex": "GPU price [$ per GPU]", "srv": "Server overhead",
    "dep": "Depreciation", "kwh": "Electricity", "pue": "PUE", "load": "Average GPU load", "colo": "Colocation",
    "ops": "Operations overhead", "px": "Your GPU prices (Catalog page)", "cm": "Your config.json models",
    "xw": "Workloads in the mix (Economics page)", "share": "Share of the shared fleet", "date": "Prices as of (date)",
    "opt": "Option on Sizing",
    "n": "GPUs per replica on Sizing", "lay": "Layout on Sizing",
    "cls": "Provider class", "nplus": "Spare replicas (always-on fleets)",
    "minr": "Minimum replicas", "spotloss": "Spot capacity lost to pre-emption", "wacc": "Cost of capital (WACC)",
    "resid": "Resale value at end of life", "net": "Network fabric and storage", "stfc": "Staff per cluster",
    "stfn": "Staff per server", "clus": "GPUs in the cluster", "sw": "Software [$ per GPU per year]",
    "spw": "Server power per GPU", "retry": "Retries per failed task",
    "rt": "Thinking tokens per request (your overrides)",
}
FIELD_LABELS: dict[str, str] = {
    "model_ids": "Open models", "api_model_ids": "API models", "gpu_ids": "GPUs",
    "usd_per_gpu_hour_overrides": "Your GPU prices", "quality_profile": "Quality profile",
}


def readable_warning(text: str) -> str:
    """A link warning in the sidebar's words: ``link field 'rpd'`` -> ``"Requests / day" ('rpd')``,
    ``gpu_ids: ...`` -> ``GPUs: ...``."""
    text = re.sub(r"link field '([^']+)'",
                  lambda m: f'"{LINK_LABELS[m.group(1)]}" (\'{m.group(1)}\')' if m.group(1) in LINK_LABELS
                  else m.group(0), text)
    head, sep, rest = text.partition(": ")
    return f"{FIELD_LABELS[head]}{sep}{rest}" if sep and head in FIELD_LABELS else text


def lost_gpus_warning(params: Mapping[str, list[str]], scenario: Scenario) -> list[str]:
    """A warning when the link named GPUs but none is known: without one, no self-hosted option is priced."""
    named = [g for v in params.get("gpus", []) for g in v.split(",") if g]
    if named and not scenario.gpu_ids and (scenario.model_ids or scenario.custom_models):
        return ["none of the link's GPUs is in the catalog, so no self-hosted option can be priced; "
                "choose GPUs in the sidebar (Candidates)"]
    return []


def split_query(params: Mapping[str, list[str]]) -> tuple[dict[str, list[str]], dict[str, str]]:
    """A link's parameters as (the scenario's, the view's); the view keeps the last value of each key."""
    scenario = {k: v for k, v in params.items() if k not in VIEW_KEYS}
    view = {k: v[-1] for k, v in params.items() if k in VIEW_KEYS and v}
    return scenario, view


def view_to_state(view: Mapping[str, str]) -> tuple[dict[str, Any], list[str]]:
    """Session-state values of the view part of a link, and warnings for values that cannot be used."""
    warnings: list[str] = []
    state: dict[str, Any] = {"x_opt": "", "x_n": 0, "x_lay": "auto"}
    opt = view.get("opt", "")
    if opt:
        if opt.startswith("self|") and len(opt.split("|")) == 4:
            state["x_opt"] = opt[:400]
        else:
            warnings.append(f"the option to open on Sizing ('{opt[:60]}') is not of the form "
                            "self|model|GPU|precision; the first candidate is shown")
    n = view.get("n")
    if n is not None:
        try:
            value = int(n)
        except ValueError:
            value = -1
        if value in GPU_COUNT_CHOICES:
            state["x_n"] = value
        else:
            warnings.append(f"GPUs per replica '{n[:20]}' is not one of "
                            f"{', '.join(str(c) for c in GPU_COUNT_CHOICES[1:])} (or 0 = as Compare prices it); "
                            "using the Compare deployment")
    lay = view.get("lay")
    if lay is not None:
        if lay in LAYOUT_CHOICES:
            state["x_lay"] = lay
        else:
            warnings.append(f"layout '{lay[:20]}' is not one of {', '.join(LAYOUT_CHOICES)}; using auto")
    return state, warnings


def view_to_query(state: Mapping[str, Any]) -> dict[str, str]:
    """The view part of the link (left out while it is at its defaults)."""
    out: dict[str, str] = {}
    if state.get("x_opt"):
        out["opt"] = str(state["x_opt"])
    if state.get("x_n"):
        out["n"] = str(int(state["x_n"]))
    if state.get("x_lay") and state["x_lay"] != "auto":
        out["lay"] = str(state["x_lay"])
    return out


def is_history_step(ctx: Any, shown: Mapping[str, str], written: Mapping[str, str] | None) -> bool:
    """True when this run comes from the browser's Back/Forward and shows a link other than the last one written.

    ``ctx`` is Streamlit's script-run context (``is_history_navigation`` is set for Back/Forward reruns);
    ``shown`` the link of this run, ``written`` the link the previous run wrote. Only history steps re-seed:
    an ordinary rerun may carry a link a step behind (the browser had not yet applied the last write), and
    re-seeding then would undo the user's newest change.
    """
    return bool(getattr(ctx, "is_history_navigation", False)) and written is not None and dict(shown) != dict(written)


class StateError(ValueError):
    """Session state does not make a valid scenario; the message names the field and its range."""


def scenario_from_state(state: Mapping[str, Any]) -> Scenario:
    """Rebuild the scenario from session state (raises StateError naming the field)."""
    work = {field: state[key] for key, field in WORKLOAD_KEYS.items()}
    work["name"] = state["x_wname"]
    own = {field: state[key] for key, field in OWNERSHIP_KEYS.items()}
    top = {field: (tuple(state[key]) if isinstance(state[key], list) else state[key])
           for key, field in SCENARIO_KEYS.items()}
    try:
        workload = WorkloadSpec.model_validate(work)
        ownership = Ownership.model_validate(own)
        custom = tuple(CustomModel.model_validate(m) if isinstance(m, dict) else m for m in state["x_cm"])
        return Scenario.model_validate({
            **top, "workloads": (workload, *distinct_extras(workload.name, list(state["x_xw"]))),
            "ownership": ownership,
            "usd_per_gpu_hour_overrides": dict(state["x_px"]), "custom_models": custom,
        })
    except ValidationError as exc:
        loc, msg = first_error(exc, "scenario")
        raise StateError(f"scenario field '{loc}': {msg}") from exc
