"""What in the catalogs may be out of date on a given day: ``python -m calculator audit [--as-of DATE]``.

One pure function, :func:`audit`, turns a :class:`~calculator.catalog.Catalog` (and optionally LiteLLM's price
map) into typed :class:`Finding` rows; the CLI (:func:`calculator.cli.cmd_audit`) and the Catalog page only
print them. The checks:

- ``retired``: a model, API entry or GPU whose ``retired_on`` is on or before the day.
- ``stale``: an observation older than its kind's shelf life (``STALE_AFTER_MONTHS``): API prices 3 months, GPU
  rental prices 3 months, purchase prices 12 months; specs (models, GPUs) never go stale. Retired entries are
  not checked (their last price is history).
- ``missing_released_on``: a model, API entry or GPU without a release date (a GPU's ``release_year`` counts).
- ``newer_in_catalog``: an API entry whose ``superseded_by`` names a live entry, or whose provider sells a newer
  entry of the same line in the catalog. The *line* of an id is the id without version numbers and parameter
  sizes (``claude-sonnet-4.5`` -> ``claude-sonnet``; ``deepinfra-qwen3-235b-a22b`` -> ``deepinfra-qwen``), and
  "newer" means a later ``released_on``: a heuristic, which a reviewer confirms.
- ``litellm_drift`` / ``not_in_litellm``: an API price that differs from the supplied LiteLLM price map by more
  than ``calculator.litellm.PRICE_REL_TOL``, or a ``litellm_key`` the map does not have.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

from calculator.catalog import Catalog
from calculator.litellm import price_diffs
from calculator.schemas import ApiModel, Gpu, Model

Kind = Literal["model", "api_model", "gpu", "rental_price", "purchase_price"]
Problem = Literal["retired", "stale", "missing_released_on", "newer_in_catalog", "litellm_drift", "not_in_litellm"]

# Shelf life of an observation, in months, per kind (None: never stale). Issue 15.
STALE_AFTER_MONTHS: dict[str, int | None] = {
    "api_model": 3,
    "rental_price": 3,
    "purchase_price": 12,
    "model": None,
    "gpu": None,
}


@dataclass(frozen=True)
class Finding:
    """One thing that may be out of date: the entry's ``id``, its ``kind``, the ``problem`` and one sentence."""

    id: str
    kind: Kind
    problem: Problem
    detail: str


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day: 05-31 - 3 -> 02-28)."""
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _lifecycle_items(cat: Catalog) -> Iterable[tuple[Kind, Model | ApiModel | Gpu]]:
    for model in cat.models:
        yield "model", model
    for api in cat.api_models:
        yield "api_model", api
    for gpu in cat.gpus:
        yield "gpu", gpu


def retired_entries(cat: Catalog, as_of: dt.date) -> list[Finding]:
    """Models, API entries and GPUs past their ``retired_on`` on ``as_of``."""
    out = []
    for kind, item in _lifecycle_items(cat):
        if item.is_retired(as_of):
            successor = f"; successor {item.superseded_by}" if item.superseded_by else ""
            out.append(Finding(item.id, kind, "retired", f"retired on {item.retired_on}{successor}"))
    return out


def _stale(entry_id: str, kind: Kind, observed: dt.date, as_of: dt.date) -> Finding | None:
    months = STALE_AFTER_MONTHS[kind]
    if months is None or observed >= months_before(as_of, months):
        return None
    age_days = (as_of - observed).days
    return Finding(entry_id, kind, "stale",
                   f"as_of {observed} is {age_days} days old; {kind} values go stale after {months} months")


def price_entry_ids(cat: Catalog) -> tuple[list[str], list[str]]:
    """Readable ids of rental and purchase prices: "h100-sxm/lambda/on_demand[/instance][/region]", "b200/purchase/2".
    """
    rental = ["/".join(x for x in (p.gpu_id, p.provider, p.pricing_tier, p.instance, p.region) if x)
              for p in cat.rental_prices]
    counts: dict[str, int] = {}
    purchase = []
    for p in cat.purchase_prices:
        counts[p.gpu_id] = counts.get(p.gpu_id, 0) + 1
        purchase.append(f"{p.gpu_id}/purchase/{counts[p.gpu_id]}")
    return rental, purchase


def stale_entries(cat: Catalog, as_of: dt.date) -> list[Finding]:
    """API prices, rental prices and purchase prices observed longer ago than ``STALE_AFTER_MONTHS`` allows."""
    out = [f for api in cat.api_models if not api.is_retired(as_of)
           if (f := _stale(api.id, "api_model", api.as_of, as_of))]
    retired_gpus = {g.id for g in cat.gpus if g.is_retired(as_of)}
    rental_ids, purchase_ids = price_entry_ids(cat)
    for rid, rental in zip(rental_ids, cat.rental_prices, strict=True):
        if rental.gpu_id not in retired_gpus and (f := _stale(rid, "rental_price", rental.as_of, as_of)):
            out.append(f)
    for pid, purchase in zip(purchase_ids, cat.purchase_prices, strict=True):
        if purchase.gpu_id not in retired_gpus and (f := _stale(pid, "purchase_price", purchase.as_of, as_of)):
            out.append(f)
    return out


def missing_released_on(cat: Catalog) -> list[Finding]:
    """Models, API entries and GPUs without a release date (a GPU's ``release_year`` counts as one)."""
    out = []
    for kind, item in _lifecycle_items(cat):
        has_year = isinstance(item, Gpu) and item.release_year is not None
        if item.released_on is None and not has_year:
            out.append(Finding(item.id, kind, "missing_released_on", "no released_on"))
    return out


def product_line(api_id: str) -> str:
    """An API id without parameter sizes and version numbers: "deepinfra-qwen3.5-397b-a17b" -> "deepinfra-qwen"."""
    without_sizes = re.sub(r"-a?\d+(\.\d+)?b(?=-|$)", "", api_id)
    without_versions = re.sub(r"\d+(\.\d+)*", "", without_sizes)
    return re.sub(r"-{2,}", "-", without_versions).strip("-.")


def newer_in_catalog(cat: Catalog, as_of: dt.date) -> list[Finding]:
    """Live API entries with a live successor in the catalog (``superseded_by``, or a newer entry of the line)."""
    live = [a for a in cat.api_models if not a.is_retired(as_of)]
    by_id = {a.id: a for a in live}
    out = []
    for api in live:
        successor = by_id.get(api.superseded_by or "")
        if successor is not None:
            out.append(Finding(api.id, "api_model", "newer_in_catalog", f"superseded by {successor.id}"))
            continue
        if api.released_on is None:
            continue
        newer = [b for b in live if b.provider == api.provider and product_line(b.id) == product_line(api.id)
                 and b.released_on is not None and b.released_on > api.released_on]
        if newer:
            newest = max(newer, key=lambda b: (b.released_on, b.id))
            out.append(Finding(api.id, "api_model", "newer_in_catalog",
                               f"{api.provider} sells {newest.id} (released {newest.released_on}), newer in the "
                               f"same line than this entry (released {api.released_on})"))
    return out


def litellm_drift(cat: Catalog, price_map: Mapping[str, Any], as_of: dt.date) -> list[Finding]:
    """API prices that differ from LiteLLM's price map, and ``litellm_key`` values the map lacks."""
    out = []
    for diff in price_diffs(cat.api_models, price_map, as_of):
        problem: Problem = "not_in_litellm" if diff.litellm_value is None and diff.field == "litellm_key" \
            else "litellm_drift"
        out.append(Finding(diff.api_id, "api_model", problem, diff.describe()))
    return out


def audit(cat: Catalog, as_of: dt.date, price_map: Mapping[str, Any] | None = None) -> tuple[Finding, ...]:
    """Every finding of the checks above on ``as_of``, in the order: retired, stale, missing, newer, drift."""
    findings = [
        *retired_entries(cat, as_of),
        *stale_entries(cat, as_of),
        *missing_released_on(cat),
        *newer_in_catalog(cat, as_of),
    ]
    if price_map is not None:
        findings.extend(litellm_drift(cat, price_map, as_of))
    return tuple(findings)


def audit_json(as_of: dt.date, findings: Iterable[Finding]) -> dict[str, Any]:
    """The ``audit --json`` document: {"as_of": "YYYY-MM-DD", "findings": [{"id", "kind", "problem", "detail"}]}."""
    return {"as_of": as_of.isoformat(), "findings": [asdict(f) for f in findings]}


def count_by_problem(findings: Iterable[Finding]) -> dict[str, int]:
    """Number of findings per problem, e.g. {"retired": 4, "stale": 12}."""
    out: dict[str, int] = {}
    for finding in findings:
        out[finding.problem] = out.get(finding.problem, 0) + 1
    return out


def summarise_counts(findings: Iterable[Finding]) -> str:
    """"4 retired, 12 stale" (or "nothing") for a heading."""
    counts = count_by_problem(findings)
    return ", ".join(f"{n} {problem.replace('_', ' ')}" for problem, n in counts.items()) or "nothing"
