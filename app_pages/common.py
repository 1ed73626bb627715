"""What every page shares: the current scenario and catalog, and cached calls into the core.

``app.py`` puts the scenario (rebuilt from session state this run) and the session catalog (shipped catalog
plus the user's own entries) into session state; pages read them with :func:`scenario` and :func:`catalog`.
The cached functions take the scenario as its JSON text and the catalog by its key, so a rerun that changes
nothing recomputes nothing.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from typing import Any

import pandas as pd
import streamlit as st

from calculator.catalog import Catalog, load_catalog, load_measurements
from calculator.scenario import Scenario
from calculator.schemas import Gpu, Model, Score

KIND_MOE = "self-hosted MoE"
KIND_DENSE = "self-hosted dense"
KIND_API = "API"


@st.cache_resource(show_spinner=False)
def shipped_catalog() -> Catalog:
    """The catalogs of ``data/`` (loaded once per server process)."""
    return load_catalog()


def session_catalog(base: Catalog, custom_models: tuple[Model, ...], custom_gpus: tuple[Gpu, ...],
                    custom_scores: tuple[Score, ...]) -> tuple[Catalog, str]:
    """The shipped catalog plus this session's own entries, and a key that identifies it for caching."""
    if not (custom_models or custom_gpus or custom_scores):
        return base, "shipped"
    gpu_ids = {g.id for g in custom_gpus}
    score_keys = {(s.model_id, s.benchmark_id) for s in custom_scores}
    cat = dataclasses.replace(
        base,
        models=base.models + custom_models,
        gpus=tuple(g for g in base.gpus if g.id not in gpu_ids) + custom_gpus,
        scores=tuple(s for s in base.scores if (s.model_id, s.benchmark_id) not in score_keys) + custom_scores,
    )
    blob = json.dumps([[m.model_dump(mode="json") for m in custom_models],
                       [g.model_dump(mode="json") for g in custom_gpus],
                       [s.model_dump(mode="json") for s in custom_scores]], sort_keys=True)
    return cat, hashlib.sha256(blob.encode()).hexdigest()[:16]


def scenario() -> Scenario:
    """The scenario of this run."""
    value: Scenario = st.session_state["scenario"]
    return value


def catalog() -> Catalog:
    """The catalog of this session (shipped + the user's own entries)."""
    value: Catalog = st.session_state["catalog"]
    return value


def catalog_key() -> str:
    value: str = st.session_state["catalog_key"]
    return value


@st.cache_data(show_spinner="Comparing options…", max_entries=64)
def _compare(scenario_json: str, cat_key: str, _cat: Catalog) -> pd.DataFrame:
    from pricing.options import compare_options

    return compare_options(Scenario.model_validate_json(scenario_json), _cat)


def compare_table(s: Scenario) -> pd.DataFrame:
    """``pricing.options.compare_options`` for the scenario (cached on the scenario and catalog)."""
    return _compare(s.model_dump_json(), catalog_key(), catalog())


@st.cache_data(show_spinner="Predicting the calibration set…")
def validation_rows() -> tuple[list[dict[str, Any]], float]:
    """Predicted vs measured rows of ``python -m calculator validate`` and the median absolute error [-]."""
    from calculator.validate import compare, median_abs_error, table

    cat = shipped_catalog()
    assert cat.efficiency is not None
    comparisons = compare(cat, cat.efficiency, load_measurements())
    return table(comparisons), median_abs_error(comparisons)


def label_kind(is_moe: bool) -> str:
    return KIND_MOE if is_moe else KIND_DENSE
