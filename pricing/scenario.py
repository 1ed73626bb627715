"""The scenario: everything a user sets, as one typed object, with its URL and YAML codecs.

A scenario holds the workloads (request shape, traffic, latency limits, quality profile), the candidates
(open models, API models, GPUs, precisions), the pricing assumptions (how GPUs are paid for, ownership
costs) and a free-text name. The app's shareable link, the scenario YAML files of
``python -m calculator report`` and the default scenario are all this object.

URL codec (version ``v=1``): one query parameter per field of the primary workload and of the pricing
assumptions (short readable keys, see ``QUERY_KEYS``), comma-separated id lists for the candidates, and
base64url-encoded JSON for the rare structured extras (custom models, extra workloads, price overrides).
Decoding never fails: a bad or unknown field yields a warning naming it, and that field alone takes its
default.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import functools
import json
import math
import unicodedata
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from calculator.catalog import DATA_DIR, CatalogError, first_error, load_catalog, load_ownership_defaults, read_yaml
from calculator.schemas import Architecture
from calculator.units import MAX_USD_PER_GPU_HOUR
from pricing.fleet import FleetPolicy

SCENARIO_VERSION: Literal["1"] = "1"
MAX_QUERY_VALUE_CHARS = 20_000
MAX_NAME_CHARS = 120
# Default ownership assumptions (the catalog file the Catalog page cites; one source for the numbers).
_OWNERSHIP_DEFAULTS = load_ownership_defaults(DATA_DIR / "ownership_defaults.yaml")

PricingBasis = Literal["on_demand", "reserved_1y", "reserved_3y", "spot", "owned"]
PriceStatistic = Literal["low", "median", "high"]
ProviderClass = Literal["any", "hyperscaler", "specialist", "marketplace"]  # pricing.rental.PROVIDER_CLASSES


class _Closed(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


DEFAULT_SCENARIO_FILE = DATA_DIR / "default_scenario.yaml"


class ScenarioDefaults(_Closed):
    """What ``data/default_scenario.yaml`` sets: the scenario a new user starts from."""

    name: str = Field(max_length=MAX_NAME_CHARS)
    workload_preset: str
    model_ids: tuple[str, ...]
    api_model_ids: tuple[str, ...]
    gpu_ids: tuple[str, ...]
    precisions: tuple[str, ...]
    ownership: dict[str, float] = Field(default_factory=dict)  # filled from data/ownership_defaults.yaml
    source: str
    as_of: str
    notes: str | None = None


@functools.lru_cache(maxsize=1)
def scenario_defaults() -> ScenarioDefaults:
    """The default scenario's candidates and preset (``data/default_scenario.yaml``) and the ownership
    defaults (``data/ownership_defaults.yaml``), read once."""
    raw = read_yaml(DEFAULT_SCENARIO_FILE)
    if not isinstance(raw, dict) or not isinstance(raw.get("default_scenario"), dict):
        raise CatalogError(f"{DEFAULT_SCENARIO_FILE.name}: expected a top-level mapping 'default_scenario:'")
    own = {k: float(v.value) for k, v in load_catalog().ownership_defaults.items()}
    return ScenarioDefaults.model_validate({**raw["default_scenario"], "ownership": own})


@functools.lru_cache(maxsize=32)
def _preset_fields_cached(preset_id: str) -> tuple[tuple[str, Any], ...]:
    workloads = {w.id: w for w in load_catalog().workloads}
    w = workloads.get(preset_id) or workloads.get(scenario_defaults().workload_preset)
    if w is None:
        return (("preset", preset_id),)
    return (("name", w.name), ("preset", preset_id), ("input_tokens", w.input_tokens),
            ("output_tokens", w.output_tokens), ("requests_per_day", w.requests_per_day),
            ("peak_to_average_ratio", w.peak_to_average_ratio), ("ttft_slo_ms", w.ttft_slo_ms),
            ("tpot_slo_ms", w.tpot_slo_ms), ("cached_input_frac", w.cached_input_frac),
            ("quality_profile", w.id))


def preset_fields(preset_id: str) -> dict[str, Any]:
    """A workload preset's values as ``WorkloadSpec`` fields (the default scenario's preset if unknown)."""
    return dict(_preset_fields_cached(preset_id))


def _strip_control_characters(text: str) -> str:
    """Drop C0/C1 control characters (tabs, newlines, NEL, ...) from a user-set name."""
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cc")


class WorkloadSpec(_Closed):
    """One workload: request shape [tokens], traffic, latency limits [ms], quality profile and retry policy.

    Preset rule: a workload that names a ``preset`` (a workload id of ``data/workloads.yaml``) gets that
    preset's request shape, traffic, latency limits and quality profile for every field it omits; fields given
    explicitly override the preset. Without a ``preset`` the default scenario's preset applies
    (``data/default_scenario.yaml``). Nothing here is typed twice: the numbers live in ``data/``.
    """

    name: str = Field(max_length=MAX_NAME_CHARS)
    preset: str
    input_tokens: int = Field(ge=1, le=2_000_000)
    output_tokens: int = Field(ge=1, le=200_000)  # visible answer; thinking tokens are per model
    requests_per_day: float = Field(ge=0, le=1e10)
    peak_to_average_ratio: float = Field(ge=1.0, le=50.0)
    ttft_slo_ms: float | None = Field(ge=0.001, le=600_000)
    tpot_slo_ms: float | None = Field(ge=0.001, le=60_000)
    cached_input_frac: float = Field(ge=0.0, le=1.0)
    quality_profile: str
    min_quality: float = Field(default=0.0, ge=0.0, le=100.0)
    value_per_task_usd: float = Field(default=0.05, ge=0.0, le=1e6)
    share_of_fleet_frac: float = Field(default=1.0, ge=0.0, le=1.0)
    max_retries: int = Field(default=0, ge=0, le=10)  # failed tasks retried up to this many times
    # Thinking tokens per request [tokens] by model or API id, overriding data/token_usage.yaml.
    reasoning_tokens_overrides: dict[str, float] = Field(default_factory=dict)

    @model_validator(mode="before")
    @classmethod
    def _fill_from_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        preset_id = data.get("preset") or scenario_defaults().workload_preset
        return {**preset_fields(str(preset_id)), **data}

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return _strip_control_characters(value)

    @field_validator("reasoning_tokens_overrides")
    @classmethod
    def _tokens_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for model_id, tokens in value.items():
            if not (isinstance(tokens, int | float) and math.isfinite(tokens) and 0.0 <= tokens <= 1_000_000):
                raise ValueError(f"thinking tokens for '{str(model_id)[:60]}' must be between 0 and 1,000,000")
        return value


def default_workload() -> WorkloadSpec:
    """The default scenario's workload: its preset's values (``data/default_scenario.yaml``)."""
    return WorkloadSpec.model_validate({})


class CustomModel(_Closed):
    """A model the user brought (uploaded config.json) for this scenario."""

    id: str = Field(pattern=r"^custom-[a-z0-9][a-z0-9.\-]{0,60}$")
    name: str = Field(max_length=MAX_NAME_CHARS)
    architecture: Architecture


def _ownership_default(name: str) -> float:
    """Default of one ownership assumption: its ``value`` in ``data/ownership_defaults.yaml`` (one source)."""
    return _OWNERSHIP_DEFAULTS[name].value


class Ownership(_Closed):
    """Assumptions for owning GPUs. Defaults are read from data/ownership_defaults.yaml (its ``value`` fields)."""

    usd_per_gpu: float | None = Field(default=None, ge=100, le=5_000_000)  # None: catalog purchase price
    server_overhead_frac: float = Field(default=_ownership_default("server_overhead_frac"), ge=0.0, le=5.0)
    depreciation_years: float = Field(default=_ownership_default("depreciation_years"), ge=0.5, le=15.0)
    electricity_usd_per_kwh: float = Field(default=_ownership_default("electricity_usd_per_kwh"), ge=0.0, le=2.0)
    pue: float = Field(default=_ownership_default("pue"), ge=1.0, le=3.0)
    average_load_frac: float = Field(default=_ownership_default("average_load_frac"), ge=0.0, le=1.0)
    colocation_usd_per_kw_month: float = Field(default=_ownership_default("colocation_usd_per_kw_month"), ge=0.0,
                                               le=5000.0)
    # support contracts and spares, per year of capex (staff is separate)
    operations_overhead_frac: float = Field(default=_ownership_default("operations_overhead_frac"), ge=0.0, le=1.0)
    wacc_frac: float = Field(default=_ownership_default("wacc_frac"), ge=0.0, le=0.5)
    residual_value_frac: float = Field(default=_ownership_default("residual_value_frac"), ge=0.0, le=1.0)
    network_storage_frac: float = Field(default=_ownership_default("network_storage_frac"), ge=0.0, le=2.0)
    staff_usd_per_year_per_cluster: float = Field(default=_ownership_default("staff_usd_per_year_per_cluster"),
                                                  ge=0.0, le=1e8)
    staff_usd_per_year_per_node: float = Field(default=_ownership_default("staff_usd_per_year_per_node"), ge=0.0,
                                               le=1e7)
    num_gpus_in_cluster: int = Field(default=int(_ownership_default("num_gpus_in_cluster")), ge=1, le=1_000_000)
    software_usd_per_gpu_year: float = Field(default=_ownership_default("software_usd_per_gpu_year"), ge=0.0, le=1e6)
    server_power_w_per_gpu: float | None = Field(default=None, ge=10.0, le=20000.0)  # None: catalog / estimate


class Scenario(_Closed):
    """Everything a user sets. Saves to YAML and to the shareable link (same fields)."""

    version: Literal["1"] = "1"
    name: str = Field(default_factory=lambda: scenario_defaults().name, max_length=MAX_NAME_CHARS)
    workloads: tuple[WorkloadSpec, ...] = Field(default_factory=lambda: (default_workload(),), min_length=1,
                                                max_length=8)
    model_ids: tuple[str, ...] = Field(default_factory=lambda: scenario_defaults().model_ids)
    api_model_ids: tuple[str, ...] = Field(default_factory=lambda: scenario_defaults().api_model_ids)
    gpu_ids: tuple[str, ...] = Field(default_factory=lambda: scenario_defaults().gpu_ids)
    precisions: tuple[Literal["bf16", "fp8", "fp4", "int4"], ...] = Field(
        default_factory=lambda: scenario_defaults().precisions)  # type: ignore[arg-type]
    pricing_basis: PricingBasis = "on_demand"
    # The price a buyer gets: the best ("low") quote within one provider class (pricing.rental).
    provider_class: ProviderClass = "specialist"
    price_statistic: PriceStatistic = "low"
    utilisation_frac: float = Field(default=0.7, ge=0.05, le=1.0)
    always_on: bool = True
    # Fleet policy (pricing.fleet.FleetPolicy): spare replicas of an always-on fleet (1 = N+1), the fewest
    # replicas (e.g. one per region), and the capacity lost to pre-emption on spot (data/ownership_defaults.yaml).
    redundancy_replicas: int = Field(default=1, ge=0, le=16)
    min_replicas: int = Field(default=1, ge=1, le=64)
    spot_capacity_loss_frac: float = Field(default=0.15, ge=0.0, le=0.9)
    usd_per_gpu_hour_overrides: dict[str, float] = Field(default_factory=dict)
    ownership: Ownership = Ownership()
    custom_models: tuple[CustomModel, ...] = Field(default=(), max_length=5)
    # The day API prices are read for: announced price changes effective on or before it apply
    # (ApiModel.prices_on). None: the day the comparison runs.
    priced_on: dt.date | None = None

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str) -> str:
        return _strip_control_characters(value)

    @field_validator("model_ids", "api_model_ids", "gpu_ids", "precisions")
    @classmethod
    def _unique_ids(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(value))  # drop repeats, keep the first order

    @field_validator("usd_per_gpu_hour_overrides")
    @classmethod
    def _prices_in_range(cls, value: dict[str, float]) -> dict[str, float]:
        for gpu_id, price in value.items():
            if not (isinstance(price, int | float) and math.isfinite(price) and 0.0 <= price <= MAX_USD_PER_GPU_HOUR):
                raise ValueError(f"price for '{gpu_id}' must be between 0 and {MAX_USD_PER_GPU_HOUR:g} $/GPU-hour")
        return value

    @property
    def sized_always_on(self) -> bool:
        """Whether fleets are sized for the peak all month: asked for, or owned (owned GPUs cannot be scaled away)."""
        return self.always_on or self.pricing_basis == "owned"

    @property
    def fleet_policy(self) -> FleetPolicy:
        """The fleet policy of this scenario: spare replicas only for always-on (or owned) fleets, the capacity
        loss only on the spot basis (``pricing.fleet``)."""
        return FleetPolicy(redundancy_replicas=self.redundancy_replicas if self.sized_always_on else 0,
                           min_replicas=self.min_replicas,
                           capacity_loss_frac=self.spot_capacity_loss_frac if self.pricing_basis == "spot" else 0.0)

    @property
    def workload(self) -> WorkloadSpec:
        """The primary workload (the one the sidebar edits)."""
        return self.workloads[0]


# ------------------------------------------------------------------------------------------------ YAML
# Unicode line breaks that PyYAML's plain and single-quoted styles fold away on reading (NEL, LS, PS): a string
# holding one is written double-quoted, where the emitter escapes it (\N, \L, \P).
_YAML_LINE_BREAKS = "\x85\u2028\u2029"


class _ScenarioDumper(yaml.SafeDumper):  # type: ignore[misc]  # PyYAML has no type stubs here (Any)
    """``yaml.SafeDumper`` whose strings survive a round trip through ``yaml.safe_load`` (``_YAML_LINE_BREAKS``)."""


def _represent_str(dumper: Any, text: str) -> Any:
    style = '"' if any(c in text for c in _YAML_LINE_BREAKS) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_ScenarioDumper.add_representer(str, _represent_str)


def scenario_to_yaml(scenario: Scenario) -> str:
    """Serialise a scenario to YAML (stable key order; round-trips through ``scenario_from_yaml``, names with
    Unicode line breaks included)."""
    return yaml.dump(scenario.model_dump(mode="json"), Dumper=_ScenarioDumper, sort_keys=False, allow_unicode=True)


class ScenarioError(ValueError):
    """A scenario file or value is invalid; the message names the field."""


def scenario_from_yaml(text: str) -> Scenario:
    """Parse a scenario YAML document (``yaml.safe_load`` only); ScenarioError names the bad field."""
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(f"scenario file is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise ScenarioError("scenario file must hold a mapping of fields (name, workloads, model_ids, ...)")
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        loc, msg = first_error(exc, "scenario")
        raise ScenarioError(f"scenario field '{loc}': {msg}") from exc


# ------------------------------------------------------------------------------------------------ URL
# query key -> (where the value goes, kind). "w." = primary workload field, "o." = ownership field.
QUERY_KEYS: dict[str, tuple[str, str]] = {
    "name": ("name", "str"),
    "wl": ("w.preset", "str"),
    "wname": ("w.name", "str"),
    "in": ("w.input_tokens", "int"),
    "out": ("w.output_tokens", "int"),
    "rpd": ("w.requests_per_day", "float"),
    "peak": ("w.peak_to_average_ratio", "float"),
    "ttft": ("w.ttft_slo_ms", "float?"),
    "tpot": ("w.tpot_slo_ms", "float?"),
    "cache": ("w.cached_input_frac", "float"),
    "qp": ("w.quality_profile", "str"),
    "minq": ("w.min_quality", "float"),
    "vpt": ("w.value_per_task_usd", "float"),
    "share": ("w.share_of_fleet_frac", "float"),
    "retry": ("w.max_retries", "int"),
    "rt": ("w.reasoning_tokens_overrides", "json"),
    "models": ("model_ids", "list"),
    "apis": ("api_model_ids", "list"),
    "gpus": ("gpu_ids", "list"),
    "prec": ("precisions", "list"),
    "basis": ("pricing_basis", "str"),
    "stat": ("price_statistic", "str"),
    "cls": ("provider_class", "str"),
    "util": ("utilisation_frac", "float"),
    "on": ("always_on", "bool"),
    "nplus": ("redundancy_replicas", "int"),
    "minr": ("min_replicas", "int"),
    "spotloss": ("spot_capacity_loss_frac", "float"),
    "capex": ("o.usd_per_gpu", "float?"),
    "srv": ("o.server_overhead_frac", "float"),
    "dep": ("o.depreciation_years", "float"),
    "kwh": ("o.electricity_usd_per_kwh", "float"),
    "pue": ("o.pue", "float"),
    "load": ("o.average_load_frac", "float"),
    "colo": ("o.colocation_usd_per_kw_month", "float"),
    "ops": ("o.operations_overhead_frac", "float"),
    "wacc": ("o.wacc_frac", "float"),
    "resid": ("o.residual_value_frac", "float"),
    "net": ("o.network_storage_frac", "float"),
    "stfc": ("o.staff_usd_per_year_per_cluster", "float"),
    "stfn": ("o.staff_usd_per_year_per_node", "float"),
    "clus": ("o.num_gpus_in_cluster", "int"),
    "sw": ("o.software_usd_per_gpu_year", "float"),
    "spw": ("o.server_power_w_per_gpu", "float?"),
    "px": ("usd_per_gpu_hour_overrides", "json"),
    "cm": ("custom_models", "json"),
    "xw": ("extra_workloads", "json"),
    "date": ("priced_on", "date?"),
}
NONE_TOKEN = "none"


def _b64(obj: Any) -> str:
    raw = json.dumps(obj, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> Any:
    padded = text + "=" * (-len(text) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode()).decode())


def _fmt(value: Any, kind: str) -> str:
    if value is None:
        return NONE_TOKEN
    if kind == "list":
        return ",".join(value)
    if kind == "bool":
        return "1" if value else "0"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _get(scenario: Scenario, path: str) -> Any:
    if path.startswith("w."):
        return getattr(scenario.workload, path[2:])
    if path.startswith("o."):
        return getattr(scenario.ownership, path[2:])
    if path == "extra_workloads":
        return [w.model_dump(mode="json") for w in scenario.workloads[1:]]
    value = getattr(scenario, path)
    if path == "custom_models":
        return [m.model_dump(mode="json") for m in value]
    return value


def scenario_to_query(scenario: Scenario) -> dict[str, str]:
    """Query parameters of the shareable link. Empty structured extras are left out."""
    out: dict[str, str] = {"v": SCENARIO_VERSION}
    for key, (path, kind) in QUERY_KEYS.items():
        value = _get(scenario, path)
        if kind == "json":
            if value:
                out[key] = _b64(value)
            continue
        out[key] = _fmt(value, kind)
    return out


def _parse(text: str, kind: str) -> Any:
    if kind == "str":
        return text
    if kind == "list":
        return tuple(x for x in text.split(",") if x)
    if kind == "bool":
        if text not in ("0", "1", "true", "false"):
            raise ValueError("must be 0 or 1")
        return text in ("1", "true")
    if kind == "json":
        try:
            return _unb64(text)
        except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
            raise ValueError("is not valid base64url-encoded JSON") from exc
    if kind.endswith("?") and text == NONE_TOKEN:
        return None
    if kind == "date?":
        return dt.date.fromisoformat(text)
    number = float(text) if kind.startswith("float") else int(text)
    if isinstance(number, float) and not math.isfinite(number):
        raise ValueError("must be a finite number")
    return number


def field_bounds(model: type[BaseModel], name: str) -> tuple[Any, Any]:
    """The (low, high) bounds a schema field accepts (``ge``/``gt``, ``le``/``lt``; None where unbounded)."""
    info = model.model_fields.get(name)
    low = high = None
    for meta in info.metadata if info is not None else ():
        for attr in ("ge", "gt"):
            if getattr(meta, attr, None) is not None:
                low = getattr(meta, attr)
        for attr in ("le", "lt"):
            if getattr(meta, attr, None) is not None:
                high = getattr(meta, attr)
    return low, high


def _field_range(model: type[BaseModel], name: str) -> str:
    low, high = field_bounds(model, name)
    if low is not None and high is not None:
        return f" (accepted range {low:g} to {high:g})"
    return ""


def scenario_from_query(params: dict[str, str | list[str]]) -> tuple[Scenario, list[str]]:
    """Decode a link's query parameters. Never raises: bad fields give warnings and their defaults."""
    warnings: list[str] = []
    default = Scenario()
    top: dict[str, Any] = {}
    work: dict[str, Any] = {}
    own: dict[str, Any] = {}
    extra_workloads: list[Any] = []
    version = params.get("v", SCENARIO_VERSION)
    if isinstance(version, list):
        version = version[-1] if version else SCENARIO_VERSION
    if version != SCENARIO_VERSION:
        warnings.append(f"link version 'v={str(version)[:20]}' is not supported (expected v={SCENARIO_VERSION}); "
                        "reading the fields it shares with this version")
    for key, raw in params.items():
        if key == "v":
            continue
        if key not in QUERY_KEYS:
            warnings.append(f"unknown link field '{key[:40]}' ignored")
            continue
        if isinstance(raw, list):
            if not raw:
                continue
            raw = raw[-1]
        text = str(raw)
        path, kind = QUERY_KEYS[key]
        if len(text) > MAX_QUERY_VALUE_CHARS:
            warnings.append(f"link field '{key}' is too long ({len(text)} characters; limit "
                            f"{MAX_QUERY_VALUE_CHARS}); using the default")
            continue
        try:
            value = _parse(text, kind)
        except ValueError as exc:
            reason = str(exc) if str(exc).startswith(("must", "is")) else f"is not a valid {kind.rstrip('?')}"
            warnings.append(f"link field '{key}' {reason}; using the default")
            continue
        if path.startswith("w."):
            work[path[2:]] = value
        elif path.startswith("o."):
            own[path[2:]] = value
        elif path == "extra_workloads":
            extra_workloads = value if isinstance(value, list) else []
        else:
            top[path] = value

    # Validate field by field, so one bad field falls back alone.
    def checked(model: type[BaseModel], fields: dict[str, Any], prefix: str) -> dict[str, Any]:
        good: dict[str, Any] = {}
        for name, value in fields.items():
            try:
                model.model_validate({**good, name: value})
                good[name] = value
            except ValidationError:
                key = next((k for k, (p, _) in QUERY_KEYS.items() if p == f"{prefix}{name}"), name)
                warnings.append(f"link field '{key}' has an invalid value{_field_range(model, name)}; "
                                "using the default")
        return good

    workload = WorkloadSpec.model_validate(checked(WorkloadSpec, work, "w."))
    ownership = Ownership.model_validate(checked(Ownership, own, "o."))
    extras: list[WorkloadSpec] = []
    for item in extra_workloads[:7]:
        try:
            extras.append(WorkloadSpec.model_validate(item))
        except ValidationError:
            warnings.append("link field 'xw' holds an invalid extra workload; it was dropped")
    fields = checked(Scenario, top, "")
    try:
        scenario = Scenario.model_validate({**fields, "workloads": (workload, *extras), "ownership": ownership})
    except ValidationError:
        warnings.append("link could not be read as a whole; using the default scenario")
        scenario = default
    return scenario, warnings


def check_against_catalog(scenario: Scenario, catalog: Any) -> tuple[Scenario, list[str]]:
    """Drop candidate ids the catalog (plus the scenario's custom models) does not know, with warnings.

    ``catalog`` is a :class:`calculator.catalog.Catalog`. Returns the cleaned scenario and one warning per
    unknown id, naming the field and the closest known ids.
    """
    from calculator.catalog import closest_ids

    warnings: list[str] = []
    known = {
        "model_ids": [m.id for m in catalog.models] + [m.id for m in scenario.custom_models],
        "api_model_ids": [a.id for a in catalog.api_models],
        "gpu_ids": [g.id for g in catalog.gpus],
    }
    update: dict[str, Any] = {}
    for field_name, ids in known.items():
        kept = []
        for item in getattr(scenario, field_name):
            if item in ids:
                if item not in kept:
                    kept.append(item)
            else:
                near = ", ".join(closest_ids(item, ids))
                warnings.append(f"{field_name}: unknown id '{item[:60]}' dropped (closest: {near})")
        update[field_name] = tuple(kept)
    profiles = [w.id for w in catalog.workloads]
    workloads = []
    for w in scenario.workloads:
        if profiles and w.quality_profile not in profiles:
            warnings.append(f"quality_profile: unknown profile '{w.quality_profile[:60]}'; using '{profiles[0]}'")
            w = w.model_copy(update={"quality_profile": profiles[0]})
        workloads.append(w)
    update["workloads"] = tuple(workloads)
    gpu_ids = set(known["gpu_ids"])
    bad_prices = [g for g in scenario.usd_per_gpu_hour_overrides if g not in gpu_ids]
    if bad_prices:
        warnings.append(f"usd_per_gpu_hour_overrides: unknown GPU ids dropped: {', '.join(bad_prices)[:200]}")
        update["usd_per_gpu_hour_overrides"] = {
            g: p for g, p in scenario.usd_per_gpu_hour_overrides.items() if g in gpu_ids}
    return scenario.model_copy(update=update), warnings
