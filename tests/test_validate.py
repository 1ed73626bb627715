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
