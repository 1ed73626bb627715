"""Scenario codecs: URL and YAML round trips, bad links fall back field by field."""

from __future__ import annotations

import datetime as dt
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.units import PRECISIONS
from pricing.scenario import (
    CustomModel,
    Ownership,
    PriceStatistic,
    PricingBasis,
    Scenario,
    ScenarioError,
    WorkloadSpec,
    check_against_catalog,
    scenario_defaults,
    scenario_from_query,
    scenario_from_yaml,
    scenario_to_query,
    scenario_to_yaml,
)
from tests.conftest import fixture_arch

floats = {"allow_nan": False, "allow_infinity": False}
workloads = st.builds(
    WorkloadSpec,
    name=st.text(max_size=40),
    preset=st.sampled_from(["coding", "chat", "batch-summarisation", "custom"]),
    input_tokens=st.integers(1, 2_000_000),
    output_tokens=st.integers(1, 200_000),
    requests_per_day=st.floats(0, 1e10, **floats),
    peak_to_average_ratio=st.floats(1, 50, **floats),
    ttft_slo_ms=st.one_of(st.none(), st.floats(0.001, 600_000, **floats)),
    tpot_slo_ms=st.one_of(st.none(), st.floats(0.01, 60_000, **floats)),
    cached_input_frac=st.floats(0, 1, **floats),
    quality_profile=st.sampled_from(["coding", "chat", "reasoning", "no-such-profile"]),
    min_quality=st.floats(0, 100, **floats),
    value_per_task_usd=st.floats(0, 1e6, **floats),
    share_of_fleet_frac=st.floats(0, 1, **floats),
    max_retries=st.integers(0, 10),
    reasoning_tokens_overrides=st.dictionaries(st.sampled_from(["gpt-5.5", "qwen3.5-397b-a17b"]),
                                               st.floats(0, 1e6, **floats), max_size=2),
)
# Catalog-like ids (the link joins lists with commas, so ids never hold one); unknown ids must survive too.
ids = st.lists(st.from_regex(r"[a-z0-9][a-z0-9.\-]{0,24}", fullmatch=True), max_size=5).map(tuple)
ownership = st.builds(
    Ownership,
    usd_per_gpu=st.one_of(st.none(), st.floats(100, 5_000_000, **floats)),
    server_overhead_frac=st.floats(0, 5, **floats),
    depreciation_years=st.floats(0.5, 15, **floats),
    electricity_usd_per_kwh=st.floats(0, 2, **floats),
    pue=st.floats(1, 3, **floats),
    average_load_frac=st.floats(0, 1, **floats),
    colocation_usd_per_kw_month=st.floats(0, 5000, **floats),
    operations_overhead_frac=st.floats(0, 1, **floats),
)
custom_models = st.lists(st.builds(
    CustomModel,
    id=st.from_regex(r"custom-[a-z0-9][a-z0-9.\-]{0,20}", fullmatch=True),
    name=st.text(max_size=40),
    architecture=st.sampled_from([fixture_arch("qwen3-32b"), fixture_arch("qwen3.5-397b-a17b"),
                                  fixture_arch("deepseek-v3")]),
), max_size=2).map(tuple)
scenarios = st.builds(
    Scenario,
    name=st.text(max_size=120),
    workloads=st.lists(workloads, min_size=1, max_size=3).map(tuple),
    model_ids=ids,
    api_model_ids=ids,
    gpu_ids=ids,
    precisions=st.lists(st.sampled_from(PRECISIONS), unique=True).map(tuple),
    pricing_basis=st.sampled_from(get_args(PricingBasis)),
    price_statistic=st.sampled_from(get_args(PriceStatistic)),
    utilisation_frac=st.floats(0.05, 1.0, **floats),
    usd_per_gpu_hour_overrides=st.dictionaries(st.sampled_from(["h100-sxm", "b200", "custom-gpu"]),
                                               st.floats(0, 1000, **floats), max_size=2),
    always_on=st.booleans(),
    ownership=ownership,
    custom_models=custom_models,
)


@settings(max_examples=200, deadline=None)
@given(scenarios)
def test_url_round_trip_is_identical(s):
    decoded, warnings = scenario_from_query(scenario_to_query(s))
    assert warnings == []
    assert decoded == s
    assert scenario_to_query(decoded) == scenario_to_query(s)


@settings(max_examples=100, deadline=None)
@given(scenarios)
def test_yaml_round_trip_is_identical(s):
    text = scenario_to_yaml(s)
    assert scenario_from_yaml(text) == s
    assert scenario_to_yaml(scenario_from_yaml(text)) == text


@pytest.mark.parametrize("name", ["\x85", "a\x85b", "x\u2028y", "p\u2029", "Qwen3.5 – test é"])
def test_yaml_round_trip_keeps_unicode_line_breaks_in_names(name):
    # PyYAML folds NEL/LS/PS in plain or single-quoted scalars on reading (found by hypothesis: a custom model
    # named '\x85' came back as ' '); scenario_to_yaml double-quotes such strings so they are escaped.
    custom = CustomModel(id="custom-x", name=name, architecture=fixture_arch("qwen3-32b"))
    s = Scenario(name=name, custom_models=(custom,))
    back = scenario_from_yaml(scenario_to_yaml(s))
    assert back == s
    assert back.custom_models[0].name == name


def test_bad_fields_warn_by_name_and_fall_back_alone():
    s, warnings = scenario_from_query({"v": "1", "in": "-5", "out": "300", "util": "nan", "foo": "1"})
    assert s.workload.output_tokens == 300  # the good field is kept
    assert s.workload.input_tokens == WorkloadSpec().input_tokens  # the bad one takes its default
    assert any("'in'" in w and "1 to 2e+06" in w for w in warnings)
    assert any("'util'" in w for w in warnings)
    assert any("'foo'" in w for w in warnings)


def test_repeated_keys_take_the_last_and_old_versions_warn():
    s, warnings = scenario_from_query({"v": "0", "out": ["100", "250"]})
    assert s.workload.output_tokens == 250
    assert any("version" in w for w in warnings)


def test_unknown_catalog_ids_are_dropped_with_closest(catalog):
    s = Scenario(model_ids=("llama-3.3-70b", "llama-3.3-7b"), gpu_ids=("h100",))
    cleaned, warnings = check_against_catalog(s, catalog)
    assert cleaned.model_ids == ("llama-3.3-70b",)
    assert cleaned.gpu_ids == ()
    assert any("llama-3.3-7b" in w and "closest" in w for w in warnings)


def test_yaml_errors_name_the_field():
    with pytest.raises(ScenarioError, match="utilisation_frac"):
        scenario_from_yaml("name: x\nutilisation_frac: 7\n")


def test_default_scenario_ids_exist(catalog):
    s = Scenario()
    _, warnings = check_against_catalog(s, catalog)
    assert warnings == []


def test_default_workload_is_the_default_scenario_preset(catalog):
    # data/default_scenario.yaml names the preset; every field comes from data/workloads.yaml.
    preset = catalog.workload(scenario_defaults().workload_preset)
    w = WorkloadSpec()
    assert (w.name, w.input_tokens, w.output_tokens, w.requests_per_day, w.peak_to_average_ratio,
            w.ttft_slo_ms, w.tpot_slo_ms, w.cached_input_frac, w.quality_profile) == (
        preset.name, preset.input_tokens, preset.output_tokens, preset.requests_per_day,
        preset.peak_to_average_ratio, preset.ttft_slo_ms, preset.tpot_slo_ms, preset.cached_input_frac, preset.id)


def test_a_named_preset_fills_omitted_fields_and_explicit_fields_win(catalog):
    # Issue 9 contract: "preset: reasoning" with nothing else runs the reasoning preset's numbers, not coding's.
    reasoning = catalog.workload("reasoning")
    s = scenario_from_yaml("workloads:\n  - preset: reasoning\n  - preset: reasoning\n    output_tokens: 77\n")
    first, second = s.workloads
    assert (first.input_tokens, first.output_tokens, first.tpot_slo_ms, first.quality_profile) == (
        reasoning.input_tokens, reasoning.output_tokens, reasoning.tpot_slo_ms, "reasoning")
    assert second.output_tokens == 77 and second.input_tokens == reasoning.input_tokens


def test_default_scenario_answers_the_seed_question(catalog):
    # A reasoning-heavy agentic preset; Qwen3.5-397B-A17B self-hosted and via API; Qwen3-Max; Gemini 3.1 Pro.
    s = Scenario()
    assert s.workload.preset in ("agentic", "reasoning", "coding-agent")
    assert "qwen3.5-397b-a17b" in s.model_ids
    assert {"qwen3-max", "gemini-3.1-pro"} <= set(s.api_model_ids)
    assert any(catalog.api_model(a).open_model_id == "qwen3.5-397b-a17b" for a in s.api_model_ids)


def test_no_shipped_default_or_preset_entry_is_retired(catalog):
    # Issue 9: fails when the default scenario names a model or API entry past its retirement date.
    today = dt.date.today()
    s = Scenario()
    retired = [m for m in s.model_ids if catalog.model(m).is_retired(today)]
    retired += [a for a in s.api_model_ids if catalog.api_model(a).is_retired(today)]
    retired += [g for g in s.gpu_ids if catalog.gpu(g).is_retired(today)]
    assert retired == []


def test_ownership_defaults_are_read_from_the_catalog_file():
    # The defaults come from data/ownership_defaults.yaml (read here with plain yaml, not the loader):
    # PUE 1.56 (Uptime Institute 2024 survey), colocation $184.06/kW-month (CBRE H2 2024).
    import yaml

    from calculator.catalog import DATA_DIR
    from pricing.scenario import Ownership

    raw = yaml.safe_load((DATA_DIR / "ownership_defaults.yaml").read_text())["ownership_defaults"]
    own = Ownership()
    for field in ("server_overhead_frac", "depreciation_years", "electricity_usd_per_kwh", "pue",
                  "average_load_frac", "colocation_usd_per_kw_month", "operations_overhead_frac", "wacc_frac",
                  "residual_value_frac", "network_storage_frac", "staff_usd_per_year_per_cluster",
                  "staff_usd_per_year_per_node", "num_gpus_in_cluster", "software_usd_per_gpu_year"):
        assert getattr(own, field) == float(raw[field]["value"]), field
    assert own.usd_per_gpu is None  # the catalog's purchase quotes unless the user sets a price
    assert Scenario().spot_capacity_loss_frac == float(raw["spot_capacity_loss_frac"]["value"])
