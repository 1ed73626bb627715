"""LiteLLM's price map (``model_prices_and_context_window.json``) against the API catalog: read prices per key,
list the differences, and write a reviewed difference into ``data/api_models.yaml``.

LiteLLM (https://github.com/BerriAI/litellm) keeps one entry per endpoint key (``"gemini/gemini-3.1-pro-preview"``,
``"gpt-5.5"``) with per-token prices in USD (``input_cost_per_token``). An :class:`~calculator.schemas.ApiModel`
names its key in ``litellm_key``. Everything here is pure: callers read and write the files (the ``refresh-prices``
and ``audit`` commands of :mod:`calculator.cli`, the upload importer of ``app_pages.importers``).

Glossary: a *price map* is the parsed JSON object {key: entry}; a *price diff* is one field of one catalog entry whose
value differs from the map's.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from calculator.schemas import ApiModel
from calculator.units import TOKENS_PER_MILLION

MAX_LITELLM_BYTES = 20_000_000  # LiteLLM's full price map is a few MB
LITELLM_CHAT_MODES = ("chat", "responses")  # "responses": OpenAI models sold only on the Responses API
_ABOVE_TIER = re.compile(r"^(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost)"
                         r"_above_(\d+)k_tokens$")

# The ApiModel price fields a price map can give, in the order a diff lists them.
PRICE_FIELDS: tuple[str, ...] = (
    "usd_per_million_input_tokens",
    "usd_per_million_output_tokens",
    "usd_per_million_cached_input_tokens",
    "long_context_threshold_tokens",
    "long_context_usd_per_million_input_tokens",
    "long_context_usd_per_million_output_tokens",
    "long_context_usd_per_million_cached_input_tokens",
)
PRICE_REL_TOL = 0.005  # a price within 0.5 % of the map's is equal (LiteLLM rounds some prices to 3 digits)


class LiteLLMError(ValueError):
    """A price map cannot be read; the message names the file and the problem in one sentence."""


def per_million(value: Any) -> float | None:
    """USD per token [USD] -> USD per million tokens [USD/Mtok]; None stays None.

    ``per_million(2e-06) == 2.0``: the product is rounded to 9 decimals, which removes the binary residue
    (2e-06 x 1e6 = 1.9999999999999998) and keeps every price LiteLLM lists (at most 1e-12 USD per token).
    """
    if value is None:
        return None
    return round(float(value) * TOKENS_PER_MILLION, 9)


def prices_from_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    """Base and long-context prices of one LiteLLM entry, in USD per million tokens [USD/Mtok].

    Two layouts are read. Flat: ``input_cost_per_token``, ``output_cost_per_token``,
    ``cache_read_input_token_cost`` and ``*_above_<N>k_tokens`` (the lowest N becomes the long-context tier,
    threshold N x 1000 tokens). Banded (Qwen on dashscope): ``tiered_pricing`` bands by prompt length; the band
    starting at 0 tokens is the base price, the next band the long-context tier; a third band is only noted
    (key ``notes``), since the schema holds one threshold.
    """
    out: dict[str, Any] = {}
    tiers = entry.get("tiered_pricing")
    if entry.get("input_cost_per_token") is None and isinstance(tiers, list) and tiers:
        bands = sorted(tiers, key=lambda t: float(t.get("range", [0])[0]))
        out["usd_per_million_input_tokens"] = per_million(bands[0].get("input_cost_per_token"))
        out["usd_per_million_output_tokens"] = per_million(bands[0].get("output_cost_per_token"))
        if len(bands) > 1:
            out["long_context_threshold_tokens"] = int(float(bands[1]["range"][0]))
            out["long_context_usd_per_million_input_tokens"] = per_million(bands[1].get("input_cost_per_token"))
            out["long_context_usd_per_million_output_tokens"] = per_million(bands[1].get("output_cost_per_token"))
        if len(bands) > 2:
            edges = ", ".join(f"{float(b['range'][0]):,.0f}" for b in bands)
            out["notes"] = f"LiteLLM lists {len(bands)} prompt-length price bands starting at {edges} tokens; " \
                           "only the first two are kept."
        return out
    out["usd_per_million_input_tokens"] = per_million(entry.get("input_cost_per_token"))
    out["usd_per_million_output_tokens"] = per_million(entry.get("output_cost_per_token"))
    out["usd_per_million_cached_input_tokens"] = per_million(entry.get("cache_read_input_token_cost"))
    tiers_found: dict[int, dict[str, float]] = {}
    for key, value in entry.items():
        match = _ABOVE_TIER.match(key)
        if match and value is not None:
            tiers_found.setdefault(int(match.group(2)) * 1000, {})[match.group(1)] = float(value)
    if tiers_found:
        threshold = min(tiers_found)
        tier = tiers_found[threshold]
        out["long_context_threshold_tokens"] = threshold
        out["long_context_usd_per_million_input_tokens"] = per_million(tier.get("input_cost_per_token"))
        out["long_context_usd_per_million_output_tokens"] = per_million(tier.get("output_cost_per_token"))
        out["long_context_usd_per_million_cached_input_tokens"] = per_million(
            tier.get("cache_read_input_token_cost"))
    return out


def parse_price_map(text: str, what: str = "price map") -> Mapping[str, Any]:
    """The parsed JSON object of a price map; a LiteLLMError naming ``what`` if it is not one."""
    try:
        entries = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LiteLLMError(f"{what}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    except RecursionError as exc:
        raise LiteLLMError(f"{what}: JSON nested too deeply to be a price map") from exc
    if not isinstance(entries, Mapping):
        raise LiteLLMError(f"{what}: expected a JSON object mapping model names to price entries")
    return entries


# --------------------------------------------------------------------------------------------- diff
@dataclass(frozen=True)
class PriceDiff:
    """One price field of one API entry that differs from the price map (``litellm_value`` None: key absent)."""

    api_id: str
    litellm_key: str
    field: str
    catalog_value: float | None
    litellm_value: float | None

    @property
    def change_frac(self) -> float | None:
        """(map - catalog) / catalog, or None when either side is missing or the catalog value is 0."""
        if self.catalog_value is None or self.litellm_value is None or self.catalog_value == 0:
            return None
        return (self.litellm_value - self.catalog_value) / self.catalog_value

    def describe(self) -> str:
        """One line for a reviewer: "gpt-5.5 usd_per_million_output_tokens: 30 -> 32 (+6.7%) [key gpt-5.5]"."""
        if self.field == "litellm_key":
            return f"{self.api_id}: key '{self.litellm_key}' is not in the price map"
        change = f" ({self.change_frac:+.1%})" if self.change_frac is not None else ""
        return (f"{self.api_id} {self.field}: {_num(self.catalog_value)} -> {_num(self.litellm_value)}{change} "
                f"[key {self.litellm_key}]")


def _num(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def _differs(catalog_value: float | None, map_value: float, rel_tol: float) -> bool:
    if catalog_value is None:
        return True
    return not math.isclose(catalog_value, map_value, rel_tol=rel_tol, abs_tol=1e-9)


def price_diffs(api_models: Sequence[ApiModel], price_map: Mapping[str, Any], as_of: dt.date | None = None,
                rel_tol: float = PRICE_REL_TOL) -> tuple[PriceDiff, ...]:
    """Every price field of the catalog's API entries that differs from the price map.

    Only entries with a ``litellm_key`` are compared; entries retired on ``as_of`` are skipped (their last price
    is history). A field the map does not give (None) is not compared: LiteLLM omits many cached prices. A key
    missing from the map gives one diff with ``field="litellm_key"`` and no values.
    """
    out: list[PriceDiff] = []
    for api in api_models:
        key = api.litellm_key
        if key is None or (as_of is not None and api.is_retired(as_of)):
            continue
        entry = price_map.get(key)
        if not isinstance(entry, Mapping):
            out.append(PriceDiff(api.id, key, "litellm_key", None, None))
            continue
        try:
            prices = prices_from_entry(entry)
        except (TypeError, ValueError, AttributeError, KeyError):
            out.append(PriceDiff(api.id, key, "litellm_key", None, None))
            continue
        for field in PRICE_FIELDS:
            value = prices.get(field)
            if value is not None and _differs(getattr(api, field), float(value), rel_tol):
                out.append(PriceDiff(api.id, key, field, getattr(api, field), float(value)))
    return tuple(out)


# --------------------------------------------------------------------------------------------- apply
def _yaml_scalar(value: Any) -> str:
    """A scalar as YAML text: null, a number, an ISO date, or a double-quoted (JSON) string."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return json.dumps(str(value), ensure_ascii=False)


def set_entry_fields(yaml_text: str, entry_id: str, fields: Mapping[str, Any]) -> str:
    """``yaml_text`` with ``fields`` of the list entry ``- id: entry_id`` set (replaced or added before ``source``).

    A text edit, so comments, key order and quoting elsewhere stay as they are; a field's continuation lines
    (a folded long string) are replaced with it. Raises LiteLLMError if no entry has that id.
    """
    lines = yaml_text.split("\n")
    start = indent = None
    for n, line in enumerate(lines):
        match = re.match(r"^(\s*)- id: (.+?)\s*$", line)
        if match and match.group(2).strip("'\"") == entry_id:
            start, indent = n, match.group(1) + "  "
            break
    if start is None or indent is None:
        raise LiteLLMError(f"no entry with id '{entry_id}' in the catalog file")
    end = len(lines)
    for n in range(start + 1, len(lines)):
        if re.match(r"^\s*- id: ", lines[n]) or (lines[n] and not lines[n][0].isspace() and lines[n][0] != "-"):
            end = n
            break
    for key, value in fields.items():
        new = f"{indent}{key}: {_yaml_scalar(value)}"
        head = re.compile(rf"^{re.escape(indent)}{re.escape(key)}:")
        found = next((n for n in range(start + 1, end) if head.match(lines[n])), None)
        if found is not None:
            stop = found + 1
            while stop < end and lines[stop].startswith(indent + " "):
                stop += 1
            lines[found:stop] = [new]
            end -= stop - found - 1
        else:
            at = next((n for n in range(start + 1, end) if lines[n].startswith(f"{indent}source:")), end)
            lines.insert(at, new)
            end += 1
    return "\n".join(lines)


def apply_price_diffs(yaml_text: str, diffs: Sequence[PriceDiff], api_models: Sequence[ApiModel],
                      as_of: dt.date, map_source: str) -> str:
    """``api_models.yaml`` text with the reviewed ``diffs`` written in: new prices, ``as_of`` and a note per entry.

    Diffs without a map value (a key absent from the map) are left out: a missing key needs a human. Each changed
    entry gets ``as_of`` = the price map's date and a sentence appended to ``notes`` naming the fields, the old
    values and ``map_source`` (e.g. "litellm 1.110.2 model_prices_and_context_window_backup.json").
    """
    by_id = {a.id: a for a in api_models}
    changes: dict[str, list[PriceDiff]] = {}
    for diff in diffs:
        if diff.litellm_value is not None and diff.field in PRICE_FIELDS:
            changes.setdefault(diff.api_id, []).append(diff)
    for api_id, entry_diffs in changes.items():
        fields: dict[str, Any] = {}
        for diff in entry_diffs:
            is_count = diff.field == "long_context_threshold_tokens"
            fields[diff.field] = int(diff.litellm_value) if is_count and diff.litellm_value is not None \
                else diff.litellm_value
        old = ", ".join(f"{d.field} was {_num(d.catalog_value)}" for d in entry_diffs)
        note = f"Refreshed from {map_source} ({as_of.isoformat()}): {old}."
        previous = by_id[api_id].notes if api_id in by_id else None
        fields["as_of"] = as_of
        fields["notes"] = f"{previous} {note}" if previous else note
        yaml_text = set_entry_fields(yaml_text, api_id, fields)
    return yaml_text
