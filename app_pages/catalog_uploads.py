"""The Catalog page's "Add your own" uploads, without streamlit: bytes in, the user's entries and one sentence out.

Every function here hands the user's bytes to :mod:`app_pages.importers` (the one validated path: size limits,
UTF-8, YAML alias/nesting checks, the catalogs' closed schemas, references to known ids) and only adds the
bookkeeping the page needs: the user's entries so far are merged with the new ones (same keys as
:func:`app_pages.importers.merge_catalog`), the result is checked by ``merge_catalog`` against the session
catalog, and the outcome is put in one sentence.

Each ``add_*`` function returns ``(entries, message)``: ``entries`` is the user's full list after the upload
(earlier entries with the same key replaced), or ``None`` when the upload is refused; ``message`` is a short
summary ("Added 12 prices for 4 GPUs ...") or the reason for the refusal, naming the row and the field as the
importer does.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from pathlib import PurePath
from typing import TypeVar

from app_pages import importers
from app_pages.importers import MAX_LITELLM_BYTES, MAX_ROWS, MAX_USER_FILE_BYTES, ImporterError
from calculator.catalog import Catalog
from calculator.schemas import ApiModel, RentalPrice, Score

T = TypeVar("T")
Outcome = tuple[tuple[T, ...] | None, str]

TABLE_FILE_TYPES = ("csv", "yaml", "yml")
LITELLM_FILE_TYPES = ("json",)
SCORE_HEADER = "model_id,benchmark_id,value"  # the columns of a pasted score line
PASTE_FILENAME = "pasted scores.csv"
PASTE_SOURCE = "pasted in the app (this session)"
MAX_PASTE_CHARS = 200_000  # the text area's limit; well below MAX_USER_FILE_BYTES with the added columns
BYTES_PER_UPLOAD_MB = 1024 * 1024  # st.file_uploader's max_upload_size counts megabytes of 2**20 bytes



def upload_limit_mb(limit_bytes: int) -> int:
    """The uploader's ``max_upload_size`` [MB of 2**20 bytes] that lets ``limit_bytes`` through, so the
    importer's exact limit (and its message) applies to every file up to it."""
    return math.ceil(limit_bytes / BYTES_PER_UPLOAD_MB)


def table_file_help(what: str, fields: str) -> str:
    """Help text of a CSV/YAML uploader: the fields and the importer's limits."""
    return (f"A CSV file with a header line, or a YAML list of entries, with the fields of {what}: {fields}. "
            f"At most {MAX_USER_FILE_BYTES:,} bytes and {MAX_ROWS:,} rows; UTF-8 text.")


LITELLM_HELP = (f"LiteLLM's model_prices_and_context_window.json, or an excerpt of it (a JSON object of model "
                f"name: price entry). Chat models with per-token prices become API models. At most "
                f"{MAX_LITELLM_BYTES:,} bytes.")


def _plural(num: int, noun: str, plural: str | None = None) -> str:
    return f"{num:,} {noun if num == 1 else plural or noun + 's'}"


def _names(ids: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _replace_by_key(existing: Sequence[T], new: Sequence[T], key: Callable[[T], Hashable]) -> tuple[T, ...]:
    """``existing`` with entries whose key appears in ``new`` replaced, then the other new entries."""
    merged = {key(item): item for item in existing}
    for item in new:
        merged[key(item)] = item
    return tuple(merged.values())


def _refused(kind: str, exc: ImporterError) -> str:
    return f"{kind} not added: {exc}."


def _merge_error(catalog: Catalog, api_models: Sequence[ApiModel] = (), rental_prices: Sequence[RentalPrice] = (),
                 scores: Sequence[Score] = ()) -> str | None:
    """The reference problem ``merge_catalog`` finds with these user entries, or None."""
    try:
        importers.merge_catalog(catalog, api_models=api_models, rental_prices=rental_prices, scores=scores)
    except ImporterError as exc:
        return str(exc)
    return None


# ---------------------------------------------------------------------------------------------- rental prices
def add_rental_prices(data: bytes, filename: str, catalog: Catalog,
                      existing: Sequence[RentalPrice]) -> Outcome[RentalPrice]:
    """The user's rental prices after uploading ``data`` (a CSV or YAML file of RentalPrice fields).

    ``catalog`` is the session catalog (so a price may be for one of the user's own GPUs).
    """
    name = PurePath(filename).name
    try:
        new = importers.load_rental_prices(data, filename, catalog)
    except ImporterError as exc:
        return None, _refused("Prices", exc)
    if not new:
        return None, f"Prices not added: {name} has no rows."
    entries = _replace_by_key(existing, new, importers.rental_key)
    problem = _merge_error(catalog, rental_prices=entries)
    if problem:
        return None, f"Prices not added: {problem}."
    gpus = sorted({p.gpu_id for p in new})
    return entries, (f"Added {_plural(len(new), 'price')} for {_plural(len(gpus), 'GPU')} ({_names(gpus)}) "
                     f"from {name}; they join the catalog's quotes under the price statistic you choose.")


# ---------------------------------------------------------------------------------------------- scores
def add_scores(data: bytes, filename: str, catalog: Catalog, existing: Sequence[Score]) -> Outcome[Score]:
    """The user's benchmark scores after uploading ``data`` (a CSV or YAML file of Score fields)."""
    name = PurePath(filename).name
    try:
        new = importers.load_scores(data, filename, catalog)
    except ImporterError as exc:
        return None, _refused("Scores", exc)
    if not new:
        return None, f"Scores not added: {name} has no rows."
    entries = _replace_by_key(existing, new, importers.score_key)
    problem = _merge_error(catalog, scores=entries)
    if problem:
        return None, f"Scores not added: {problem}."
    models = sorted({s.model_id for s in new})
    benchmarks = sorted({s.benchmark_id for s in new})
    return entries, (f"Added {_plural(len(new), 'score')} for {_plural(len(models), 'model')} on "
                     f"{_plural(len(benchmarks), 'benchmark')}; they replace the catalog's score for the same "
                     "model and benchmark.")


def pasted_scores_csv(text: str, today: dt.date) -> str:
    """Pasted score lines as the CSV ``importers.load_scores`` reads.

    Blank lines and lines starting with ``#`` are dropped. Bare lines ("model_id, benchmark_id, value") get the
    header ``SCORE_HEADER``; a pasted header line starting with ``model_id`` is kept. The provenance columns the
    schema requires and a paste does not carry are added in front of every line: ``source`` = ``PASTE_SOURCE``
    and ``as_of`` = ``today``, unless the pasted header has them.
    """
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    if not lines:
        return ""
    first = [cell.strip() for cell in lines[0].split(",")]
    header, rows = (lines[0], lines[1:]) if first[0] == "model_id" else (SCORE_HEADER, lines)
    added = {"source": PASTE_SOURCE, "as_of": today.isoformat()}
    added = {k: v for k, v in added.items() if k not in first}
    prefix_header = "".join(f"{k}," for k in added)
    prefix_row = "".join(f"{v}," for v in added.values())
    return "\n".join([prefix_header + header, *(prefix_row + row for row in rows)]) + "\n"


def add_pasted_scores(text: str, catalog: Catalog, existing: Sequence[Score], today: dt.date) -> Outcome[Score]:
    """The user's benchmark scores after pasting ``text`` (lines 'model_id, benchmark_id, value')."""
    csv_text = pasted_scores_csv(text, today)
    if not csv_text:
        return None, "Scores not added: paste at least one line 'model_id, benchmark_id, value'."
    return add_scores(csv_text.encode("utf-8"), PASTE_FILENAME, catalog, existing)


# ---------------------------------------------------------------------------------------------- API models
def add_api_models(data: bytes, filename: str, catalog: Catalog, existing: Sequence[ApiModel],
                   as_of: dt.date) -> Outcome[ApiModel]:
    """The user's API models after uploading a LiteLLM price map (or an excerpt) dated ``as_of``.

    Chat entries with per-token prices become API models in USD per million tokens; an entry whose key ends
    with an open model's Hugging Face repo is linked to it (``open_model_id``).
    """
    name = PurePath(filename).name
    skipped: list[str] = []
    try:
        new = importers.api_models_from_litellm(data, f"LiteLLM price map {name} (your upload)", as_of,
                                                catalog.models, skipped)
    except ImporterError as exc:
        return None, _refused("API models", exc)
    if not new:
        first = f" (first: {skipped[0]})" if skipped else ""
        return None, (f"API models not added: {name} has no chat model with input and output prices per token; "
                      f"{_plural(len(skipped), 'entry', 'entries')} skipped{first}.")
    entries = _replace_by_key(existing, new, lambda a: a.id)
    problem = _merge_error(catalog, api_models=entries)
    if problem:
        return None, f"API models not added: {problem}."
    shipped_ids = {a.id for a in catalog.api_models} - {a.id for a in existing}
    replaced = sum(a.id in shipped_ids for a in new)
    providers = sorted({a.provider for a in new})
    message = f"Added {_plural(len(new), 'API model')} from {_plural(len(providers), 'provider')} ({_names(providers)})"
    if replaced:
        message += f"; {replaced:,} replace the catalog's entry with the same id"
    if skipped:
        message += f"; {len(skipped):,} entries skipped (not chat, no per-token price, or out of range)"
    return entries, message + ". Pick them in the sidebar under 'API models'."


def scores_for_known_models(scores: Sequence[Score], model_ids: Iterable[str]) -> tuple[Score, ...]:
    """The user's scores whose model is still known (after the user removed a model or their API models)."""
    known = set(model_ids)
    return tuple(s for s in scores if s.model_id in known)
