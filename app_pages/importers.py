"""Import price and score data from outside the shipped catalogs, and merge it into a catalog.

Three sources are supported, all parsed here without any I/O (callers pass the bytes they read or the
user uploaded):

- LiteLLM's price map, ``model_prices_and_context_window.json``
  (https://github.com/BerriAI/litellm): per-token USD prices become :class:`~calculator.schemas.ApiModel`
  entries in USD per million tokens.
- A user's own GPU rental prices (:class:`~calculator.schemas.RentalPrice` fields) and benchmark scores
  (:class:`~calculator.schemas.Score` fields), as YAML or CSV. Each row is validated by the same closed
  schema as the shipped catalogs; a bad row gives one sentence naming the row and the field.
- :func:`merge_catalog` returns a NEW :class:`~calculator.catalog.Catalog` with user entries added, or
  replacing the catalog's entry with the same key ("add your own for this session").

Untrusted input is bounded: at most ``MAX_USER_FILE_BYTES`` per user file (``MAX_LITELLM_BYTES`` for the
LiteLLM map), YAML is read with ``yaml.safe_load`` only after a streaming pre-scan has refused aliases
(the "billion laughs" expansion needs them), documents nested deeper than ``MAX_YAML_DEPTH`` and documents
with more than ``MAX_YAML_EVENTS`` parse events. CSV goes through the ``csv`` module.

Glossary: a *row* is one entry of a user file, numbered from 1 (a CSV header line is not a row).
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import difflib
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any, TypeVar

import yaml
from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError

from calculator.catalog import Catalog, closest_ids
from calculator.litellm import LITELLM_CHAT_MODES, MAX_LITELLM_BYTES, LiteLLMError, parse_price_map, prices_from_entry
from calculator.schemas import ApiModel, Gpu, Model, RentalPrice, Score

MAX_USER_FILE_BYTES = 1_000_000  # a user's price or score file
MAX_YAML_DEPTH = 10  # nesting of mappings/sequences; the formats need 2 or 3
MAX_YAML_EVENTS = 200_000  # parse events (about 4 per scalar pair); ~1 MB of flat YAML stays below
MAX_ROWS = 10_000


T = TypeVar("T", bound=BaseModel)


class ImporterError(ValueError):
    """A user or LiteLLM file cannot be imported; the message names the row and the field."""


# --------------------------------------------------------------------------------------------- safety
def _check_size(data: bytes | str, limit_bytes: int, what: str) -> bytes:
    raw = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    if len(raw) > limit_bytes:
        raise ImporterError(f"{what} is {len(raw):,} bytes; the limit is {limit_bytes:,} bytes")
    return raw


def _decode(raw: bytes, what: str) -> str:
    try:
        return raw.decode("utf-8-sig")  # utf-8-sig drops the byte-order mark spreadsheet programs write
    except UnicodeDecodeError as exc:
        raise ImporterError(f"{what} is not UTF-8 text ({exc.reason} at byte {exc.start})") from exc


def safe_yaml_load(text: str, what: str = "YAML file") -> Any:
    """Parse YAML with ``yaml.safe_load`` after refusing aliases, deep nesting and huge documents.

    The pre-scan walks the parse events (no objects are built), so a hostile document is refused after
    reading at most ``MAX_YAML_EVENTS`` events.
    """
    depth = 0
    try:
        for num_events, event in enumerate(yaml.parse(text, Loader=yaml.SafeLoader), start=1):
            if isinstance(event, yaml.AliasEvent):
                raise ImporterError(f"{what}: YAML aliases (*{event.anchor}) are not accepted; write values out")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_YAML_DEPTH:
                    raise ImporterError(f"{what}: YAML nested deeper than {MAX_YAML_DEPTH} levels")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if num_events > MAX_YAML_EVENTS:
                raise ImporterError(f"{what}: YAML document has more than {MAX_YAML_EVENTS:,} elements")
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ImporterError(f"{what}: not valid YAML ({exc})") from exc
    except (ValueError, OverflowError) as exc:  # e.g. a date 2026-13-45, an integer of > 4,300 digits
        raise ImporterError(f"{what}: a value cannot be read ({exc})") from exc


# --------------------------------------------------------------------------------------------- messages
def _bounds(schema: type[BaseModel], field: str) -> tuple[float | None, float | None]:
    """The (low, high) bounds a schema field declares with ``Field(ge=, gt=, le=, lt=)``."""
    info = schema.model_fields.get(field)
    low = high = None
    for meta in info.metadata if info else []:
        if isinstance(meta, Ge | Gt):
            low = meta.ge if isinstance(meta, Ge) else meta.gt
        elif isinstance(meta, Le | Lt):
            high = meta.le if isinstance(meta, Le) else meta.lt
    return low, high  # type: ignore[return-value]


def _problem(schema: type[BaseModel], err: Mapping[str, Any]) -> str:
    """One problem of a pydantic error, in words: "field 'x': must be between a and b (got c)"."""
    loc = ".".join(str(x) for x in err["loc"])
    kind = err["type"]
    if kind == "extra_forbidden":
        accepted = ", ".join(schema.model_fields)
        close = difflib.get_close_matches(loc, list(schema.model_fields), n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return f"field '{loc}': unknown field; {hint}accepted fields are {accepted}"
    if kind == "missing":
        return f"field '{loc}': is required"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        low, high = _bounds(schema, str(err["loc"][0]))
        if low is not None and high is not None:
            return f"field '{loc}': must be between {low:g} and {high:g} (got {err['input']})"
    if kind == "literal_error":
        return f"field '{loc}': must be one of {err['ctx']['expected']} (got {err['input']!r})"
    if not err["loc"]:
        return str(err["msg"]).removeprefix("Value error, ")
    return f"field '{loc}': {err['msg']} (got {err.get('input')!r})"


def _validate_row(schema: type[T], item: Any, where: str) -> T:
    if not isinstance(item, Mapping):
        raise ImporterError(f"{where}: expected a mapping of field: value, got {type(item).__name__}")
    try:
        return schema.model_validate(dict(item))
    except ValidationError as exc:
        # A misspelt key shows up twice (unknown key + required key missing): name the misspelling first.
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        more = f" (and {len(errors) - 1} more problem{'s' if len(errors) > 2 else ''} in this row)"
        raise ImporterError(f"{where}, {_problem(schema, errors[0])}" + (more if len(errors) > 1 else "")) from exc


# --------------------------------------------------------------------------------------------- user files
def _rows_from_csv(text: str, what: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        if not reader.fieldnames:
            raise ImporterError(f"{what}: the CSV has no header line")
        for num, row in enumerate(reader, start=1):
            if None in row:
                raise ImporterError(f"{what}: row {num} has more cells than the header has columns")
            # An empty cell means "not given", so the schema's default (or its "is required") applies.
            rows.append({k.strip(): v.strip() for k, v in row.items() if k and v is not None and v.strip() != ""})
    except csv.Error as exc:
        raise ImporterError(f"{what}: not a readable CSV near row {len(rows) + 1} ({exc})") from exc
    return rows


def _rows_from_yaml(text: str, key: str, what: str) -> list[Any]:
    doc = safe_yaml_load(text, what)
    if isinstance(doc, Mapping) and key in doc:
        doc = doc[key]
    if not isinstance(doc, list):
        raise ImporterError(f"{what}: expected a list of entries, or a top-level key '{key}:' holding one")
    return doc


def _read_rows(data: bytes | str, filename: str, key: str) -> list[Any]:
    what = PurePath(filename).name or "file"
    text = _decode(_check_size(data, MAX_USER_FILE_BYTES, what), what)
    suffix = PurePath(filename).suffix.lower()
    if suffix == ".csv":
        rows: list[Any] = _rows_from_csv(text, what)
    elif suffix in (".yaml", ".yml"):
        rows = _rows_from_yaml(text, key, what)
    else:
        raise ImporterError(f"{what}: unknown file type '{suffix}'; use .csv, .yaml or .yml")
    if len(rows) > MAX_ROWS:
        raise ImporterError(f"{what}: {len(rows):,} rows; the limit is {MAX_ROWS:,}")
    return rows


def _with_default_source(item: Any, filename: str) -> Any:
    """A row without ``source`` is attributed to the user's file (the truth: the number came from it)."""
    if isinstance(item, Mapping) and not item.get("source"):
        return {**item, "source": f"user file {PurePath(filename).name}"}
    return item


def _unknown(kind: str, wanted: str, ids: Sequence[str]) -> str:
    return f"unknown {kind} '{wanted}'; closest: {', '.join(closest_ids(wanted, list(ids)))}"


def load_rental_prices(data: bytes | str, filename: str, catalog: Catalog | None = None) -> tuple[RentalPrice, ...]:
    """GPU rental prices from a user's YAML or CSV file (fields of :class:`RentalPrice`).

    Parameters
    ----------
    data : bytes or str
        File content, at most ``MAX_USER_FILE_BYTES``.
    filename : str
        The file's name; its suffix (.csv, .yaml, .yml) chooses the parser and it becomes the ``source``
        of rows that give none.
    catalog : Catalog, optional
        When given, each row's ``gpu_id`` must be one of its GPUs.

    Returns
    -------
    tuple of RentalPrice
        ``usd_per_gpu_hour`` in USD per GPU-hour [USD/h], validated to 0.05-100.

    Raises
    ------
    ImporterError
        One sentence naming the row and the field, e.g. "prices.csv, row 3, field 'usd_per_gpu_hour':
        must be between 0.05 and 100 (got 250)".
    """
    what = PurePath(filename).name
    out = []
    gpu_ids = [g.id for g in catalog.gpus] if catalog else []
    for num, item in enumerate(_read_rows(data, filename, "rental_prices"), start=1):
        price = _validate_row(RentalPrice, _with_default_source(item, filename), f"{what}, row {num}")
        if catalog is not None and price.gpu_id not in gpu_ids:
            raise ImporterError(f"{what}, row {num}, field 'gpu_id': {_unknown('GPU id', price.gpu_id, gpu_ids)}")
        out.append(price)
    return tuple(out)


def load_scores(data: bytes | str, filename: str, catalog: Catalog | None = None) -> tuple[Score, ...]:
    """Benchmark scores from a user's YAML or CSV file (fields of :class:`Score`).

    When ``catalog`` is given, ``model_id`` must be an open or API model id of it, ``benchmark_id`` one of
    its benchmarks, and ``value`` within that benchmark's ``[min_value, max_value]``. Errors as in
    :func:`load_rental_prices`.
    """
    what = PurePath(filename).name
    out = []
    for num, item in enumerate(_read_rows(data, filename, "scores"), start=1):
        where = f"{what}, row {num}"
        score = _validate_row(Score, _with_default_source(item, filename), where)
        if catalog is not None:
            _check_score(score, catalog, where)
        out.append(score)
    return tuple(out)


def _check_score(score: Score, catalog: Catalog, where: str) -> None:
    model_ids = [m.id for m in catalog.models] + [a.id for a in catalog.api_models]
    if score.model_id not in model_ids:
        raise ImporterError(f"{where}, field 'model_id': {_unknown('model id', score.model_id, model_ids)}")
    benchmarks = {b.id: b for b in catalog.benchmarks}
    bench = benchmarks.get(score.benchmark_id)
    if bench is None:
        raise ImporterError(f"{where}, field 'benchmark_id': "
                            f"{_unknown('benchmark id', score.benchmark_id, list(benchmarks))}")
    if not bench.min_value <= score.value <= bench.max_value:
        raise ImporterError(f"{where}, field 'value': must be between {bench.min_value:g} and "
                            f"{bench.max_value:g} for {bench.id} (got {score.value:g})")


# --------------------------------------------------------------------------------------------- LiteLLM
def slug(text: str) -> str:
    """A catalog id from free text: lower case, runs of other characters -> '-' ("a/B_c" -> "a-b-c")."""
    out = re.sub(r"[^a-z0-9.]+", "-", text.lower())
    return re.sub(r"-{2,}", "-", out).strip("-.")


def _open_model_for(key: str, models: Sequence[Model]) -> str | None:
    """The catalog model whose Hugging Face repo ends the LiteLLM key ("groq/openai/gpt-oss-120b")."""
    lowered = key.lower()
    for model in models:
        if model.hf_repo and (lowered == model.hf_repo.lower() or lowered.endswith("/" + model.hf_repo.lower())):
            return model.id
    return None


def api_models_from_litellm(
    data: bytes | str | Mapping[str, Any],
    source: str,
    as_of: dt.date,
    models: Sequence[Model] = (),
    skipped: list[str] | None = None,
) -> tuple[ApiModel, ...]:
    """API models from LiteLLM's ``model_prices_and_context_window.json``.

    Parameters
    ----------
    data : bytes, str or mapping
        The JSON text (at most ``MAX_LITELLM_BYTES``) or its parsed mapping {model key: entry}.
    source : str
        What the user imported, e.g. the file name; stored as each entry's ``source``.
    as_of : date
        Date of the price map (e.g. the litellm release or commit date).
    models : sequence of Model, optional
        Open models; an entry whose key ends with a model's ``hf_repo`` gets that ``open_model_id``.
    skipped : list, optional
        Receives one line per entry that was not imported and why (non-chat mode, no price, out of range).

    Returns
    -------
    tuple of ApiModel
        Prices in USD per million tokens [USD/Mtok] = LiteLLM's USD per token x 1e6. ``id`` is a slug of
        the key ("gemini/gemini-3.1-pro-preview" -> "gemini-gemini-3.1-pro-preview"), ``name`` the key,
        ``provider`` LiteLLM's ``litellm_provider``, ``context_length_tokens`` its ``max_input_tokens``.
        Only modes in ``LITELLM_CHAT_MODES`` are kept (embeddings, images, audio are skipped).
    """
    if isinstance(data, Mapping):
        entries: Mapping[str, Any] = data
    else:
        try:  # the core's reader, also behind `python -m calculator refresh-prices`
            entries = parse_price_map(_decode(_check_size(data, MAX_LITELLM_BYTES, source), source), source)
        except LiteLLMError as exc:
            raise ImporterError(str(exc)) from exc
    notes = skipped if skipped is not None else []
    out: dict[str, ApiModel] = {}
    for key, entry in entries.items():
        if not isinstance(entry, Mapping) or entry.get("mode") not in LITELLM_CHAT_MODES:
            notes.append(f"{key}: mode {entry.get('mode') if isinstance(entry, Mapping) else None!r} is not chat")
            continue
        try:
            prices = prices_from_entry(entry)
        except (TypeError, ValueError, AttributeError, KeyError) as exc:
            notes.append(f"{key}: price fields cannot be read ({exc})")
            continue
        if prices.get("usd_per_million_input_tokens") is None or prices.get("usd_per_million_output_tokens") is None:
            notes.append(f"{key}: no input or output price per token")
            continue
        note = f"Imported from LiteLLM key '{key}'." + (f" {prices.pop('notes')}" if "notes" in prices else "")
        max_input = entry.get("max_input_tokens")
        item = {
            "id": slug(key),
            "name": key,
            "provider": str(entry.get("litellm_provider") or key.split("/")[0]),
            "open_model_id": _open_model_for(key, models),
            **prices,
            "context_length_tokens": max_input if isinstance(max_input, int) and max_input >= 1000 else None,
            "max_output_tokens": entry.get("max_output_tokens") if isinstance(entry.get("max_output_tokens"), int)
            else None,
            "reasoning": bool(entry.get("supports_reasoning", False)),
            "source": source,
            "as_of": as_of,
            "notes": note,
        }
        try:
            model = ApiModel.model_validate(item)
        except ValidationError as exc:
            notes.append(f"{key}: {_problem(ApiModel, exc.errors()[0])}")
            continue
        out[model.id] = model  # a later duplicate slug replaces an earlier one
    return tuple(out.values())


# --------------------------------------------------------------------------------------------- merge
def rental_key(p: RentalPrice) -> tuple[str, ...]:
    return (p.gpu_id, p.provider.strip().lower(), p.pricing_tier, (p.instance or "").lower(), (p.region or "").lower())


def score_key(s: Score) -> tuple[str, ...]:
    return (s.model_id, s.benchmark_id)


def _merge(base: Iterable[Any], extra: Iterable[Any], key: Any) -> tuple[Any, ...]:
    """``base`` with entries whose key appears in ``extra`` replaced; new ``extra`` entries appended."""
    merged = {key(item): item for item in base}
    for item in extra:
        merged[key(item)] = item
    return tuple(merged.values())


def merge_catalog(
    catalog: Catalog,
    gpus: Iterable[Gpu] = (),
    models: Iterable[Model] = (),
    api_models: Iterable[ApiModel] = (),
    rental_prices: Iterable[RentalPrice] = (),
    scores: Iterable[Score] = (),
) -> Catalog:
    """A NEW catalog with user entries added, or replacing the entry with the same key.

    Keys: ``id`` for GPUs, models and API models; (model_id, benchmark_id) for scores; (gpu_id, provider,
    pricing_tier, instance, region) for rental prices (provider, instance and region compared without
    case). The input catalog is not changed.

    Raises
    ------
    ImporterError
        When a merged entry refers to an id the merged catalog lacks (a price for an unknown GPU, a score
        for an unknown model or benchmark, an API model's unknown ``open_model_id``).
    """
    new = dataclasses.replace(
        catalog,
        gpus=_merge(catalog.gpus, gpus, lambda g: g.id),
        models=_merge(catalog.models, models, lambda m: m.id),
        api_models=_merge(catalog.api_models, api_models, lambda a: a.id),
        rental_prices=_merge(catalog.rental_prices, rental_prices, rental_key),
        scores=_merge(catalog.scores, scores, score_key),
    )
    gpu_ids = [g.id for g in new.gpus]
    for price in new.rental_prices:
        if price.gpu_id not in gpu_ids:
            raise ImporterError(f"rental price from {price.provider}: {_unknown('GPU id', price.gpu_id, gpu_ids)}")
    model_ids = [m.id for m in new.models]
    for api in new.api_models:
        if api.open_model_id is not None and api.open_model_id not in model_ids:
            raise ImporterError(f"API model '{api.id}', field 'open_model_id': "
                                f"{_unknown('model id', api.open_model_id, model_ids)}")
    for score in new.scores:
        _check_score(score, new, f"score of '{score.model_id}' on '{score.benchmark_id}'")
    return new
