"""Predicted vs published measurements: the calibration gate."""

from __future__ import annotations

from calculator.catalog import load_measurements
from calculator.validate import compare, median_abs_error


def test_calibration_set_is_broad_enough(catalog):
    ms = load_measurements()
    assert len(ms) >= 20
    assert len({m.gpu_id for m in ms}) >= 4
    kinds = {catalog.model(m.model_id).architecture.is_moe for m in ms}
    assert kinds == {True, False}  # dense and MoE
    assert all(m.source.startswith("http") for m in ms)


def test_median_error_within_25_percent(catalog):
    comparisons = compare(catalog, catalog.efficiency, load_measurements())
    med = median_abs_error(comparisons)
    print(f"\nmedian absolute error over {len(comparisons)} measurements: {med:.1%}")
    assert med <= 0.25


def test_stored_error_figure_matches_the_data(catalog):
    # data/efficiency.yaml records the error of its fit; it must be what validation gives now.
    med = median_abs_error(compare(catalog, catalog.efficiency, load_measurements()))
    assert abs(med - catalog.efficiency.median_abs_error_frac) < 0.005


def test_stored_latency_ratio_is_the_measured_one(catalog):
    from calculator.validate import p99_to_mean_ratio

    # 40/34.21, 40/37.19, 40/32.10 and 80/62.32 (mean TPOT of MLPerf v5.1 interactive runs): median 1.208
    assert abs(catalog.efficiency.p99_to_mean_latency_ratio - p99_to_mean_ratio(load_measurements())) < 0.001
