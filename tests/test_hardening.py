"""Hostile input: random links, generated scenarios, CSV injection. (App sessions: tests/test_app_hardening.py.)

The generated-scenario test runs 10,000 examples in CI (CI=true) and 300 locally, to keep local runs short.
"""

from __future__ import annotations

import csv
import io
import math
import os

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pricing.options import compare_options
from pricing.report import FORMULA_PREFIXES, csv_text, neutralise_cell
from pricing.scenario import (
    QUERY_KEYS,
    Ownership,
    Scenario,
    WorkloadSpec,
    check_against_catalog,
    scenario_from_query,
    scenario_to_query,
)

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NUM_SCENARIOS = 10_000 if IN_CI else 300

nasty_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "-1", "0", "1e400", "", " ", "none", "null",
                     "=1+1", "%00", "\x00", "9" * 400, "-0", "0x10", "1_000"]),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)
link_keys = st.one_of(st.sampled_from([*QUERY_KEYS, "v"]), st.text(min_size=1, max_size=12))
links = st.dictionaries(link_keys, st.one_of(nasty_text, st.lists(nasty_text, max_size=3)), max_size=12)


@settings(max_examples=10_000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(links)
def test_any_link_decodes_to_a_valid_scenario_with_named_warnings(catalog, params):
    scenario, warnings = scenario_from_query(params)
    scenario, more = check_against_catalog(scenario, catalog)
    assert isinstance(scenario, Scenario)
    for w in [*warnings, *more]:
        assert isinstance(w, str) and w and len(w) < 600
    again, again_warnings = scenario_from_query(scenario_to_query(scenario))
    assert again == scenario and again_warnings == []


def test_huge_values_are_refused_with_a_named_warning():
    _, warnings = scenario_from_query({"name": "x" * 100_000, "in": "1" * 50_000})
    assert any("'name'" in w and "too long" in w for w in warnings)
    assert any("'in'" in w for w in warnings)


finite = {"allow_nan": False, "allow_infinity": False}
workloads = st.builds(
    WorkloadSpec,
    name=st.text(max_size=30),
    input_tokens=st.one_of(st.integers(1, 4000), st.integers(1, 2_000_000)),
    output_tokens=st.one_of(st.integers(1, 2000), st.integers(1, 200_000)),
    requests_per_day=st.one_of(st.just(0.0), st.floats(0, 1e10, **finite)),
    peak_to_average_ratio=st.floats(1, 50, **finite),
    ttft_slo_ms=st.one_of(st.none(), st.floats(0.001, 600_000, **finite)),
    tpot_slo_ms=st.one_of(st.none(), st.floats(0.001, 60_000, **finite)),
    cached_input_frac=st.floats(0, 1, **finite),
    min_quality=st.floats(0, 100, **finite),
    value_per_task_usd=st.floats(0, 1e6, **finite),
)


@st.composite
def scenarios(draw, catalog):
    gpu_ids = [g.id for g in catalog.gpus]
    return Scenario(
        name=draw(st.text(max_size=40)),
        workloads=tuple(draw(st.lists(workloads, min_size=1, max_size=2))),
        model_ids=tuple(draw(st.lists(st.sampled_from([m.id for m in catalog.models]), max_size=3))),
        api_model_ids=tuple(draw(st.lists(st.sampled_from([a.id for a in catalog.api_models]), max_size=2))),
        gpu_ids=tuple(draw(st.lists(st.sampled_from(gpu_ids), max_size=3))),
        precisions=tuple(draw(st.lists(st.sampled_from(["bf16", "fp8", "fp4", "int4"]), min_size=1, max_size=2))),
        pricing_basis=draw(st.sampled_from(["on_demand", "reserved_1y", "reserved_3y", "spot", "owned"])),
        price_statistic=draw(st.sampled_from(["low", "median", "high"])),
        utilisation_frac=draw(st.floats(0.05, 1.0, **finite)),
        always_on=draw(st.booleans()),
        usd_per_gpu_hour_overrides=draw(st.dictionaries(st.sampled_from(gpu_ids), st.floats(0, 1000, **finite),
                                                        max_size=2)),
        ownership=Ownership(usd_per_gpu=draw(st.one_of(st.none(), st.floats(100, 5_000_000, **finite)))),
    )


def _assert_all_finite(frame: pd.DataFrame) -> None:
    for column in frame.columns:
        for value in frame[column]:
            if isinstance(value, float | np.floating):
                assert math.isfinite(float(value)), column


def test_generated_scenarios_never_give_nan_or_infinity(catalog):
    @settings(max_examples=NUM_SCENARIOS, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(scenarios(catalog))
    def check(scenario):
        options = compare_options(scenario, catalog)
        _assert_all_finite(options)
        bad = options[~options["status"].eq("ok")]
        assert all(isinstance(s, str) and s for s in bad["status"])
        text = csv_text(options, scenario.name)
        rows = list(csv.DictReader(io.StringIO(text)))
        numeric = [c for c in options.columns
                   if any(isinstance(v, int | float | np.number) and not isinstance(v, bool) for v in options[c])]
        for row in rows:
            for column in numeric:  # a numeric cell is a finite number or empty (text cells may say "NaN")
                assert row[column] == "" or math.isfinite(float(row[column])), column

    check()


@given(st.text(max_size=50))
def test_csv_cells_that_could_be_formulas_are_neutralised(text):
    cell = neutralise_cell(text)
    if text.startswith(FORMULA_PREFIXES):
        assert cell == "'" + text
    else:
        assert cell == text


@given(st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers(-10**6, 10**6).map(np.int64), st.floats(-1e9, 1e9).map(np.float64)))
def test_numbers_stay_numbers_and_non_finite_become_empty(value):
    cell = neutralise_cell(value)
    if math.isfinite(float(value)):
        assert cell == value
        assert isinstance(cell, int | float)
    else:
        assert cell == ""


def test_scenario_name_injection_in_the_exported_csv(catalog):
    scenario = Scenario(name="=HYPERLINK(\"http://evil\")", model_ids=("llama-3.3-70b",), api_model_ids=(),
                        gpu_ids=("h100-sxm",))
    text = csv_text(compare_options(scenario, catalog), scenario.name)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][0].startswith("'=")
