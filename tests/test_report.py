"""CSV writer (OWASP CSV-injection neutralisation, numbers stay numbers) and the summary."""

from __future__ import annotations

import csv
import io

import pytest

from pricing.options import compare_options
from pricing.report import csv_text, headline, neutralise_cell
from pricing.scenario import Scenario, WorkloadSpec


@pytest.mark.parametrize("text", ["=1+1", "+cmd", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_formula_text_is_neutralised(text):
    assert neutralise_cell(text) == "'" + text


def test_numbers_and_plain_text_unchanged():
    assert neutralise_cell(-3.5) == -3.5
    assert neutralise_cell(7) == 7
    assert neutralise_cell("Qwen") == "Qwen"
    assert neutralise_cell(None) == ""
    assert neutralise_cell(float("nan")) == ""


def test_csv_has_scenario_name_units_and_numbers(catalog):
    wl = WorkloadSpec(name="=cmd|' /C calc'!A0", input_tokens=2048, output_tokens=28, requests_per_day=200_000)
    s = Scenario(name="-evil", workloads=(wl,), model_ids=("llama-3.3-70b",), api_model_ids=("qwen3-max",),
                 gpu_ids=("h100-sxm",), usd_per_gpu_hour_overrides={"h100-sxm": 2.0})
    df = compare_options(s, catalog)
    rows = list(csv.DictReader(io.StringIO(csv_text(df, s.name))))
    assert len(rows) == 2
    assert rows[0]["scenario_name"] == "'-evil"
    assert rows[0]["workload"].startswith("'=")
    api = next(r for r in rows if r["option_id"] == "api|qwen3-max")
    assert float(api["monthly_cost_usd"]) > 0  # a number, not quoted text
    assert api["usd_per_gpu_hour"] == ""  # None -> empty cell
    assert api["price_as_of"]
    assert len(list(csv.DictReader(io.StringIO(csv_text(df, s.name, top=1))))) == 1


def test_headline_names_flip_volume(catalog):
    wl = WorkloadSpec(name="Coding", input_tokens=2048, output_tokens=28, requests_per_day=200_000,
                      peak_to_average_ratio=4.16, ttft_slo_ms=500, tpot_slo_ms=40, quality_profile="coding")
    s = Scenario(workloads=(wl,), model_ids=("qwen3.5-397b-a17b",), api_model_ids=("qwen3-max", "gemini-3.1-pro"),
                 gpu_ids=("h200-sxm",), usd_per_gpu_hour_overrides={"h200-sxm": 4.0})
    lines = headline(s, compare_options(s, catalog))
    assert len(lines) == 2
    assert all("requests/month" in line for line in lines)
    assert "Qwen3-Max" in lines[0] and "Gemini 3.1 Pro" in lines[1]


def test_confidence_lines_name_options_as_given():
    """The app passes its option labels: a buyer reads 'A on H200 (fp8) 48%', not an option id."""
    import pandas as pd

    from pricing.report import confidence_lines

    rows = pd.DataFrame({"option_id": ["self|a|h200-sxm|fp8", "api|b", "self|c|b200|fp8"],
                         "p_cheapest": [0.48, 0.44, 0.08]})
    names = {"self|a|h200-sxm|fp8": "A on H200 (fp8)", "api|b": "B (API, acme)"}
    # Best 48 % < ROBUST_P (80 %): a close call naming every option at or above CONTENDER_P (5 %), best first;
    # an option without a name keeps its id.
    assert confidence_lines(rows, names) == [
        "Close call (no option is cheapest in 80% of the draws): A on H200 (fp8) 48%, B (API, acme) 44%, "
        "self|c|b200|fp8 8%."]
    assert confidence_lines(rows)[0].endswith("self|a|h200-sxm|fp8 48%, api|b 44%, self|c|b200|fp8 8%.")
