"""Output tokens one request costs a given model: the visible answer plus the model's own thinking tokens.

Notes
-----
A workload preset fixes the visible answer length ``O_answer`` (``output_tokens``). A reasoning model first
generates ``O_think`` thinking tokens, which differ by model and reasoning-effort setting by up to ~10x
(Artificial Analysis, tokens used per Intelligence Index task). Per request::

    O_total = O_answer + O_think                                                         [tokens]

``O_think`` is looked up in this order: the user's override for the model (scenario); the model's entry for
the preset in ``data/token_usage.yaml``; the model's entry for every preset; for a reasoning model without an
entry, the preset's ``reasoning_tokens_per_request`` (a documented default); else 0. An API entry that serves
an open model falls back to the open model's entries. APIs bill ``O_total`` as output tokens (thinking tokens
are billed as output by every provider in ``data/api_models.yaml``); self-hosted decoding spends time and
KV-cache memory on all ``O_total`` tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from calculator.catalog import Catalog
from calculator.schemas import TokenUsage

TokenSource = Literal["override", "token_usage", "preset_default", "not_reasoning"]


@dataclass(frozen=True)
class TokensPerRequest:
    """Answer and thinking tokens of one request [tokens], and where the thinking figure came from."""

    answer_tokens: float
    reasoning_tokens: float
    source: TokenSource
    setting: str | None = None

    @property
    def output_tokens(self) -> float:
        """All generated tokens of the request [tokens]: ``answer + reasoning``."""
        return self.answer_tokens + self.reasoning_tokens


def _entries(model_id: str, catalog: Catalog) -> list[TokenUsage]:
    return [t for t in catalog.token_usage if t.model_id == model_id]


def is_reasoning_model(model_or_api_id: str, catalog: Catalog) -> bool:
    """Whether a model thinks before answering: an API entry's ``reasoning`` flag; an open model when it has
    an entry in token_usage.yaml or an API entry serving it is flagged ``reasoning``."""
    for api in catalog.api_models:
        if api.id == model_or_api_id:
            return api.reasoning
    if _entries(model_or_api_id, catalog):
        return True
    return any(a.reasoning for a in catalog.api_models if a.open_model_id == model_or_api_id)


def tokens_per_request(model_or_api_id: str, answer_tokens: float, preset_id: str | None, catalog: Catalog,
                       override_reasoning_tokens: float | None = None,
                       fallback_preset_id: str | None = None) -> TokensPerRequest:
    """Answer + thinking tokens of one request of ``model_or_api_id`` on a workload (module Notes).

    ``preset_id`` is the workload's preset; a workload the user edited away from every preset (an unknown
    ``preset_id``) uses ``fallback_preset_id`` (its quality profile) for the per-preset figures."""
    known = {w.id for w in catalog.workloads}
    if preset_id not in known and fallback_preset_id in known:
        preset_id = fallback_preset_id
    if override_reasoning_tokens is not None:
        return TokensPerRequest(answer_tokens, float(override_reasoning_tokens), "override")
    ids = [model_or_api_id]
    for api in catalog.api_models:
        if api.id == model_or_api_id and api.open_model_id:
            ids.append(api.open_model_id)
    if not is_reasoning_model(model_or_api_id, catalog):
        return TokensPerRequest(answer_tokens, 0.0, "not_reasoning")
    for mid in ids:
        entries = _entries(mid, catalog)
        for wanted in (preset_id, None):
            for t in entries:
                if t.workload_id == wanted:
                    answer = t.answer_tokens_per_request if t.answer_tokens_per_request is not None else answer_tokens
                    return TokensPerRequest(answer, t.reasoning_tokens_per_request, "token_usage", t.setting)
    default = 0.0
    for w in catalog.workloads:
        if w.id == preset_id:
            default = float(w.reasoning_tokens_per_request)
    return TokensPerRequest(answer_tokens, default, "preset_default")
