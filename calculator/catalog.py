"""Load and validate the YAML catalogs of ``data/`` into typed, frozen schema objects.

Loading is pure (no network) and cached per directory. A catalog error names the file, the entry and the
field, in one sentence.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from calculator.schemas import (
    ApiModel,
    Benchmark,
    Efficiency,
    Gpu,
    Measurement,
    Model,
    OwnershipAssumption,
    PurchasePrice,
    RentalPrice,
    Score,
    ServerPower,
    SpeculativeDecoding,
    TokenUsage,
    WorkloadPreset,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
CALIBRATION_FILE = REPO_ROOT / "tests" / "calibration" / "measurements.yaml"

T = TypeVar("T", bound=BaseModel)


class CatalogError(ValueError):
    """A catalog file is missing, malformed or fails its schema."""


def format_validation_error(err: ValidationError, where: str) -> str:
    """One readable sentence per problem: '<where>: field <loc>: <message>'."""
    parts = []
    for e in err.errors()[:5]:
        loc = ".".join(str(x) for x in e["loc"]) or "(entry)"
        parts.append(f"{where}: field '{loc}': {e['msg']}")
    more = len(err.errors()) - 5
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


def first_error(err: ValidationError, default_field: str) -> tuple[str, str]:
    """The field path and message of a validation error's first problem, e.g. ('workloads.0.input_tokens', ...)."""
    first = err.errors()[0]
    return ".".join(str(x) for x in first["loc"]) or default_field, first["msg"]


# libyaml's C parser with the same safe constructor as ``yaml.safe_load`` (about 10x faster on the catalogs);
# the pure-Python SafeLoader where PyYAML was built without libyaml.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """Parse a YAML file with the safe loader (``SAFE_LOADER``; never the unsafe one)."""
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.load(fh, Loader=SAFE_LOADER)
    except FileNotFoundError as exc:
        raise CatalogError(f"catalog file {path} is missing") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid YAML ({exc})") from exc


def parse_entries(raw: Any, key: str, schema: type[T], where: str) -> tuple[T, ...]:
    """Validate the list under ``key`` of a parsed YAML document into schema objects."""
    if not isinstance(raw, dict) or not isinstance(raw.get(key), list):
        raise CatalogError(f"{where}: expected a top-level key '{key}:' holding a list")
    out = []
    for n, item in enumerate(raw[key]):
        label = item.get("id", item.get("model_id", item.get("gpu_id", n))) if isinstance(item, dict) else n
        try:
            out.append(schema.model_validate(item))
        except ValidationError as exc:
            raise CatalogError(format_validation_error(exc, f"{where} entry '{label}'")) from exc
    return tuple(out)


def _load(path: Path, key: str, schema: type[T], required: bool = True) -> tuple[T, ...]:
    if not path.exists() and not required:
        return ()
    return parse_entries(read_yaml(path), key, schema, path.name)


@dataclass(frozen=True)
class Catalog:
    """All catalogs, with id look-ups. Immutable; build a new one to add user entries."""

    gpus: tuple[Gpu, ...]
    models: tuple[Model, ...]
    api_models: tuple[ApiModel, ...] = ()
    benchmarks: tuple[Benchmark, ...] = ()
    scores: tuple[Score, ...] = ()
    workloads: tuple[WorkloadPreset, ...] = ()
    rental_prices: tuple[RentalPrice, ...] = ()
    purchase_prices: tuple[PurchasePrice, ...] = ()
    ownership_defaults: dict[str, OwnershipAssumption] = field(default_factory=dict)
    server_power: tuple[ServerPower, ...] = ()
    efficiency: Efficiency | None = None
    token_usage: tuple[TokenUsage, ...] = ()
    speculative: tuple[SpeculativeDecoding, ...] = ()

    def speculative_for(self, model_id: str, num_draft_tokens: int | None = None) -> SpeculativeDecoding | None:
        """The published speculative-decoding figure of a model (with that many draft tokens; by default the
        fewest, i.e. the native MTP module), or None when there is none."""
        entries = [s for s in self.speculative if s.model_id == model_id
                   and (num_draft_tokens is None or s.num_draft_tokens == num_draft_tokens)]
        return min(entries, key=lambda s: s.num_draft_tokens) if entries else None

    def gpu(self, gpu_id: str) -> Gpu:
        """The GPU with this id; a CatalogError naming the closest ids otherwise."""
        return _lookup(self.gpus, gpu_id, "GPU")

    def model(self, model_id: str) -> Model:
        """The open-weight model with this id; a CatalogError naming the closest ids otherwise."""
        return _lookup(self.models, model_id, "model")

    def api_model(self, api_id: str) -> ApiModel:
        return _lookup(self.api_models, api_id, "API model")

    def workload(self, workload_id: str) -> WorkloadPreset:
        return _lookup(self.workloads, workload_id, "workload")


def closest_ids(wanted: str, ids: list[str], n: int = 3) -> list[str]:
    """The ids most similar to ``wanted`` (difflib ratio), best first."""
    return difflib.get_close_matches(wanted, ids, n=n, cutoff=0.3) or ids[:n]


def _lookup(items: tuple[Any, ...], wanted: str, kind: str) -> Any:
    for item in items:
        if item.id == wanted:
            return item
    ids = [item.id for item in items]
    raise CatalogError(f"unknown {kind} id '{wanted}'; closest: {', '.join(closest_ids(wanted, ids))}")


def load_ownership_defaults(path: Path) -> dict[str, OwnershipAssumption]:
    """Named ownership assumptions (power price, PUE, ...) from ``ownership_defaults.yaml``."""
    if not path.exists():
        return {}
    raw = read_yaml(path)
    if not isinstance(raw, dict) or not isinstance(raw.get("ownership_defaults"), dict):
        raise CatalogError(f"{path.name}: expected a top-level mapping 'ownership_defaults:'")
    out = {}
    for name, item in raw["ownership_defaults"].items():
        try:
            out[name] = OwnershipAssumption.model_validate(item)
        except ValidationError as exc:
            raise CatalogError(format_validation_error(exc, f"{path.name} entry '{name}'")) from exc
    return out


def load_server_power(path: Path) -> tuple[ServerPower, ...]:
    """Whole-server power per GPU system (``server_power:`` list of ``ownership_defaults.yaml``)."""
    if not path.exists():
        return ()
    raw = read_yaml(path)
    if not isinstance(raw, dict) or "server_power" not in raw:
        return ()
    return parse_entries(raw, "server_power", ServerPower, path.name)


def load_efficiency(path: Path) -> Efficiency:
    """The fitted efficiency constants of ``data/efficiency.yaml``."""
    raw = read_yaml(path)
    block = raw.get("efficiency") if isinstance(raw, dict) else raw
    # ``fit_result`` (what the fit achieved) is kept apart from the constants in the file; the object carries
    # both so that callers read one thing.
    result = raw.get("fit_result") if isinstance(raw, dict) else None
    if isinstance(block, dict) and isinstance(result, dict):
        block = {**block, **result}
    try:
        return Efficiency.model_validate(block)
    except ValidationError as exc:
        raise CatalogError(format_validation_error(exc, path.name)) from exc


@functools.lru_cache(maxsize=4)
def load_physics_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Only what the physics of one deployment reads (cached): GPUs, open models, the efficiency constants and
    the speculative-decoding figures. Prices, scores, API models and workloads stay empty. ``estimate`` on the
    command line uses it: it parses about a third of the catalogs' YAML (``bench/bench_cli.py``)."""
    return Catalog(
        gpus=_load(data_dir / "gpus.yaml", "gpus", Gpu),
        models=_load(data_dir / "models.yaml", "models", Model),
        efficiency=load_efficiency(data_dir / "efficiency.yaml"),
        speculative=_load(data_dir / "speculative.yaml", "speculative", SpeculativeDecoding, required=False),
    )


@functools.lru_cache(maxsize=4)
def load_catalog(data_dir: Path = DATA_DIR) -> Catalog:
    """Load every catalog file of ``data_dir`` (cached): ``load_physics_catalog`` plus prices, scores, API models,
    workloads, ownership and token usage. Raises CatalogError with a clear message."""
    prices = data_dir / "gpu_prices.yaml"
    scores = data_dir / "scores.yaml"
    raw_prices = read_yaml(prices) if prices.exists() else {"rental_prices": [], "purchase_prices": []}
    raw_scores = read_yaml(scores) if scores.exists() else {"benchmarks": [], "scores": []}
    return dataclasses.replace(
        load_physics_catalog(data_dir),
        api_models=_load(data_dir / "api_models.yaml", "api_models", ApiModel, required=False),
        benchmarks=parse_entries(raw_scores, "benchmarks", Benchmark, scores.name),
        scores=parse_entries(raw_scores, "scores", Score, scores.name),
        workloads=_load(data_dir / "workloads.yaml", "workloads", WorkloadPreset, required=False),
        rental_prices=parse_entries(raw_prices, "rental_prices", RentalPrice, prices.name),
        purchase_prices=parse_entries(raw_prices, "purchase_prices", PurchasePrice, prices.name),
        ownership_defaults=load_ownership_defaults(data_dir / "ownership_defaults.yaml"),
        server_power=load_server_power(data_dir / "ownership_defaults.yaml"),
        token_usage=_load(data_dir / "token_usage.yaml", "token_usage", TokenUsage, required=False),
    )


def load_measurements(path: Path = CALIBRATION_FILE) -> tuple[Measurement, ...]:
    """The calibration set of published measurements (``tests/calibration/measurements.yaml``)."""
    return _load(path, "measurements", Measurement)
