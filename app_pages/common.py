"""What every page shares: the current scenario and catalog, and cached calls into the core.

``app.py`` puts the scenario (rebuilt from session state this run) and the session catalog (shipped catalog
plus the user's own entries) into session state; pages read them with :func:`scenario` and :func:`catalog`.
The cached functions take the scenario as its JSON text and the catalog by its key, so a rerun that changes
nothing recomputes nothing.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pandas as pd
import streamlit as st
from pydantic import BaseModel

from app_pages.importers import ImporterError, merge_catalog
from calculator.catalog import Catalog, load_catalog, load_measurements
from calculator.schemas import ApiModel, Gpu, Model, RentalPrice, Score
from pricing.scenario import Scenario


@st.cache_resource(show_spinner=False)
def shipped_catalog() -> Catalog:
    """The catalogs of ``data/`` (loaded once per server process)."""
    return load_catalog()


def _entries_key(*parts: tuple[BaseModel, ...]) -> str:
    """A digest of the user's entries: it changes whenever any entry changes (the cache key of the catalog)."""
    blob = json.dumps([[x.model_dump(mode="json") for x in part] for part in parts], sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=32)
def _merged_catalog(key: str, _base: Catalog, _models: tuple[Model, ...], _gpus: tuple[Gpu, ...],
                    _scores: tuple[Score, ...], _prices: tuple[RentalPrice, ...],
                    _apis: tuple[ApiModel, ...]) -> Catalog:
    """``importers.merge_catalog`` of the shipped catalog and the user's entries, cached on their digest ``key``
    (the catalog is frozen, so sessions with the same entries can share it)."""
    return merge_catalog(_base, gpus=_gpus, models=_models, api_models=_apis, rental_prices=_prices, scores=_scores)


def session_catalog(base: Catalog, custom_models: tuple[Model, ...], custom_gpus: tuple[Gpu, ...],
                    custom_scores: tuple[Score, ...], custom_prices: tuple[RentalPrice, ...] = (),
                    custom_apis: tuple[ApiModel, ...] = ()) -> tuple[Catalog, str]:
    """The shipped catalog ``base`` plus this session's own entries, and a key that identifies it for caching.

    User entries replace shipped entries with the same key (``importers.merge_catalog``: ids; (model,
    benchmark) for scores; (GPU, provider, tier, instance, region) for rental prices). The key is "shipped"
    without user entries, else a digest of all of them, so cached results follow every change (the merged
    catalog itself is cached on that digest alone: ``base`` must be the shipped catalog).
    """
    parts = (custom_models, custom_gpus, custom_scores, custom_prices, custom_apis)
    if not any(parts):
        return base, "shipped"
    key = _entries_key(*parts)
    try:
        return _merged_catalog(key, base, *parts), key
    except ImporterError as exc:
        # The Catalog page keeps the user's lists consistent; should a score or price still refer to an entry
        # that is gone, say so and leave the user's scores, prices and API models out rather than fail.
        st.warning(f"Your own catalog entries: {exc}. Your scores, prices and API models are left out until "
                   "you remove them on the Catalog page.", icon=":material/warning:")
        key = _entries_key(custom_models, custom_gpus, (), (), ())
        return _merged_catalog(key, base, custom_models, custom_gpus, (), (), ()), key


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


@st.cache_resource(show_spinner=False)
def _calibration_errors() -> Any:
    """Out-of-sample residuals of the shipped calibration set by class (``pricing.uncertainty``)."""
    from pricing.uncertainty import calibration_errors

    return calibration_errors(shipped_catalog())


@st.cache_data(show_spinner="Comparing options…", max_entries=64)
def _compare(scenario_json: str, cat_key: str, _cat: Catalog) -> tuple[pd.DataFrame, Any]:
    from pricing.options import compare_options
    from pricing.uncertainty import Settings, inputs_from_frame, simulate, with_draws

    s = Scenario.model_validate_json(scenario_json)
    options = compare_options(s, _cat)
    draws = simulate(inputs_from_frame(options, s, _cat), _calibration_errors(), Settings())
    return with_draws(options, draws), draws


def compare_table(s: Scenario) -> pd.DataFrame:
    """``pricing.options.compare_options`` for the scenario with the Monte Carlo's p10/p50/p90 and P(cheapest)
    columns (``pricing.uncertainty``; cached on the scenario and catalog)."""
    return _compare(s.model_dump_json(), catalog_key(), catalog())[0]


def compare_draws(s: Scenario) -> Any:
    """The Monte Carlo draws behind :func:`compare_table` (``pricing.uncertainty.Draws``)."""
    return _compare(s.model_dump_json(), catalog_key(), catalog())[1]


@st.cache_data(show_spinner=False)
def out_of_sample_scorecard() -> tuple[list[dict[str, object]], tuple[float, float, int], str]:
    """Out-of-sample error per class (``calculator.validate.error_by_class``), overall (median, p90, count)
    and the newest date of the calibration set."""
    from calculator.validate import abs_error_quantile, error_by_class, out_of_sample_residuals

    residuals = out_of_sample_residuals(shipped_catalog())
    ratios = [r.ratio for r in residuals]
    newest = max(m.as_of for m in load_measurements())
    return (error_by_class([(r.klass, r.ratio) for r in residuals]),
            (abs_error_quantile(ratios, 0.5), abs_error_quantile(ratios, 0.9), len(ratios)), newest.isoformat())


@st.cache_data(show_spinner="Predicting the calibration set…")
def validation_rows() -> tuple[list[dict[str, Any]], float]:
    """Predicted vs measured rows of ``python -m calculator validate`` and the median absolute error [-]."""
    from calculator.validate import compare, median_abs_error, table

    cat = shipped_catalog()
    assert cat.efficiency is not None
    comparisons = compare(cat, cat.efficiency, load_measurements())
    return table(comparisons), median_abs_error(comparisons)


@st.cache_data(show_spinner=False)
def layout_not_modelled() -> list[str]:
    """Ids of calibration measurements the model does not predict (``calculator.validate.layout_modelled``)."""
    from calculator.validate import layout_modelled

    return [m.id for m in load_measurements() if not layout_modelled(m)]

