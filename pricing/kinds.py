"""The kinds of option a comparison ranks, and the labels of special rows (one definition; the app, charts
and reports import these).

Kept in a module of its own with no imports, so that pages which only need the names do not load the
pricing pipeline.
"""

from __future__ import annotations

KIND_MOE = "self-hosted MoE"
KIND_DENSE = "self-hosted dense"
KIND_API = "API"
OPTION_KINDS: tuple[str, ...] = (KIND_MOE, KIND_DENSE, KIND_API)
SELF_HOSTED_PROVIDER = "self-hosted"  # the ``provider`` of a self-hosted option
SHARED_FLEET = "(shared fleet)"  # the ``workload`` of the pooled-fleet row of ``pricing.mix.fleet_mix``


def self_hosted_kind(is_moe: bool) -> str:
    """The kind of a self-hosted option: ``KIND_MOE`` for a mixture-of-experts model, else ``KIND_DENSE``."""
    return KIND_MOE if is_moe else KIND_DENSE
