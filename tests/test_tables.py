"""app_pages/tables.py: how a cell reads (rounding, gaps, dates), and the tables built from it."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from app_pages import tables
from tests.screen import SNAKE_CASE, unrounded


@pytest.mark.parametrize(("value", "spec", "shown"), [
    (14.100000000000001, "", "14.1"),  # the float sum the issue saw in "All figures"
    (14.100000000000001, ",.1f", "14.1"),
    (15863.512394575047, "sig4", "15,864"),  # at least 4 significant digits, whole numbers whole, no exponent
    (6.039277110447761, "sig4", "6.039"),
    (0.000123456, "sig2", "0.00012"),
    (-0.30159758762987376, "+.1%", "-30.2%"),
    (36864.0, "kB", "36.9"),  # bytes shown in kB: 36,864 / 1,000
    (5710628160.0, "GB", "5.71"),
    (1234567.0, ",.0f", "1,234,567"),
    (None, ",.0f", tables.GAP),
    (float("nan"), ",.0f", tables.GAP),
    (math.inf, "", tables.GAP),
    (pd.NA, "", tables.GAP),
    (True, "", "yes"),
    (False, "", "no"),
    (dt.date(2026, 3, 1), "", "2026-03-01"),
    ("fp8", "", "fp8"),
])
def test_text(value, spec, shown):
    assert tables.text(value, spec) == shown


def test_readable_uses_the_headers_and_fills_gaps():
    cols = (tables.Column("fp8_dense_tflops", "FP8 dense [TFLOP/s]", ",.0f"), tables.Column("as_of", "As of"))
    frame = tables.readable([{"fp8_dense_tflops": 1978.9, "as_of": dt.date(2025, 1, 2)},
                             {"fp8_dense_tflops": None}], cols)
    assert list(frame.columns) == ["FP8 dense [TFLOP/s]", "As of"]
    assert frame.to_dict("list") == {"FP8 dense [TFLOP/s]": ["1,979", tables.GAP], "As of": ["2025-01-02", tables.GAP]}


def test_every_estimate_field_has_a_label():
    """A field added to calculator.sizing.Estimate without a label would show as words, not with its unit."""
    from calculator.catalog import load_catalog
    from calculator.sizing import RequestShape, estimate

    cat = load_catalog()
    assert cat.efficiency is not None
    est = estimate(cat.model("qwen3-32b").architecture, cat.gpu("h100-sxm"), RequestShape(1000, 200, None, None),
                   cat.efficiency, precision="fp8").to_dict()
    assert set(est) - set(tables.ESTIMATE_LABELS) == set()
    figures = tables.estimate_figures(est)
    assert not any(SNAKE_CASE.match(q) for q in figures["Quantity"])
    assert not any(unrounded(v) for v in figures["Value"])


def test_validation_table_names_metrics_in_words():
    row = {"id": "trtllm-v1.0-llama-3.1-8b-fp8", "model_id": "llama-3.1-8b", "gpu_id": "h100-sxm", "num_gpus": 1,
           "precision": "fp8", "scenario": "max_throughput", "input_tokens": 128.0, "output_tokens": 2048.0,
           "metric": "output_tokens_per_s_per_gpu", "measured": 22714.0, "predicted": 15863.512394575047,
           "error_frac": -0.30159758762987376, "source": "https://example.org/perf-overview.md"}
    shown = tables.validation_table([row]).iloc[0]
    assert shown["Metric"] == "Output tokens/s per GPU" and shown["Unit"] == "tokens/s"
    assert shown["Benchmark scenario"] == "max throughput"
    assert (shown["Measured"], shown["Predicted"], shown["Error [%]"]) == ("22,714", "15,864", "-30.2%")


@pytest.mark.parametrize(("value", "bad"), [
    (14.100000000000001, True), ("14.100000000000001", True), ("1,234.5678901 $", True), (14.1, False),
    ("14.1", False), ("trtllm-v1.0-llama-3.1-8b", False), ("https://arxiv.org/abs/2309.0618012", False),
])
def test_unrounded_check(value, bad):
    assert unrounded(value) is bad


def test_keys_read_as_words():
    assert tables.text("reserved_1y", "words") == "reserved 1y"
    assert tables.text("on_demand") == "on_demand"  # only columns that ask for words are changed
    shown = tables.scorecard_table([{"class": "moe_multi_node", "num_measurements": 3, "median_abs_error_frac": 0.1234,
                                     "p90_abs_error_frac": 0.5, "within_25_percent_frac": 2 / 3},
                                    {"class": "new_class", "num_measurements": 1, "median_abs_error_frac": None,
                                     "p90_abs_error_frac": None, "within_25_percent_frac": None}])
    assert shown.iloc[0].tolist() == ["MoE models on several servers", "3", "12.3%", "50.0%", "67%"]
    assert shown.iloc[1].tolist() == ["new class", "1", tables.GAP, tables.GAP, tables.GAP]
