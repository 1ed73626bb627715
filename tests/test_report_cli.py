"""`python -m calculator scenario --default` and `report --scenario FILE --csv OUT [--top N]`."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from calculator.cli import main
from pricing.cli import COMMANDS
from pricing.scenario import Scenario, scenario_from_yaml

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = Path(__file__).parent / "fixtures" / "scenarios"


def run(capsys, *argv):
    try:
        code = main(list(argv), extra=COMMANDS)
    except SystemExit as exc:
        code = exc.code
    out = capsys.readouterr()
    return code, out.out, out.err


def test_scenario_default_round_trips(capsys):
    code, out, _ = run(capsys, "scenario", "--default")
    assert code == 0
    assert scenario_from_yaml(out) == Scenario()


def test_report_writes_csv_and_summary(capsys, tmp_path):
    out_csv = tmp_path / "out.csv"
    code, out, err = run(capsys, "report", "--scenario", str(SCENARIOS / "coding_headline.yaml"), "--csv", str(out_csv))
    assert code == 0, err
    rows = list(csv.DictReader(out_csv.open()))
    assert len(rows) == 4 + 2
    assert rows[0]["scenario_name"].startswith("Coding headline")
    assert "monthly_cost_usd" in rows[0] and "usd_per_million_tokens" in rows[0]
    assert "Qwen3-Max" in out and "Gemini 3.1 Pro" in out and "requests/month" in out
    code, _, _ = run(capsys, "report", "--scenario", str(SCENARIOS / "coding_headline.yaml"), "--csv", str(out_csv),
                     "--top", "2")
    assert code == 0 and len(list(csv.DictReader(out_csv.open()))) == 2


def test_report_csv_neutralises_user_text(capsys, tmp_path):
    out_csv = tmp_path / "mix.csv"
    code, _, _ = run(capsys, "report", "--scenario", str(SCENARIOS / "mix.yaml"), "--csv", str(out_csv))
    assert code == 0
    rows = list(csv.DictReader(out_csv.open()))
    assert {r["workload"] for r in rows} == {"Chat", "Coding", "Batch"}
    assert all(r["scenario_name"].startswith("'=") for r in rows)


@pytest.mark.parametrize(("name", "needle"), [("bad_field.yaml", "utilisation_frac"), ("missing.yaml", "cannot read")])
def test_bad_scenario_file_exits_2_with_one_line(capsys, name, needle):
    code, _, err = run(capsys, "report", "--scenario", str(SCENARIOS / name))
    assert code == 2
    assert err.count("\n") == 1 and needle in err


def test_module_entry_point_wires_the_commands():
    proc = subprocess.run([sys.executable, "-m", "calculator", "scenario", "--default"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and "workloads:" in proc.stdout


def test_report_writes_a_workbook_with_four_sheets(capsys, tmp_path):
    import openpyxl
    import pandas as pd

    out_xlsx, out_csv = tmp_path / "out.xlsx", tmp_path / "out.csv"
    code, out, err = run(capsys, "report", "--scenario", str(SCENARIOS / "coding_headline.yaml"),
                         "--xlsx", str(out_xlsx), "--csv", str(out_csv))
    assert code == 0, err
    assert f"Wrote {out_xlsx}" in out
    book = openpyxl.load_workbook(out_xlsx, read_only=True)
    assert book.sheetnames == ["options", "scenario and assumptions", "sources and dates", "sensitivity"]
    # The options sheet is the CSV: same header, same rows, numbers as numbers.
    sheet = pd.read_excel(out_xlsx, sheet_name="options")
    rows = list(book["options"].iter_rows(values_only=True))
    table = pd.read_csv(out_csv)
    assert list(rows[0]) == list(table.columns)
    assert len(rows) - 1 == len(table) == 4 + 2
    cost = list(rows[0]).index("monthly_cost_usd")
    for row, expected in zip(rows[1:], table["monthly_cost_usd"], strict=True):
        assert (row[cost] is None) == pd.isna(expected)
        if row[cost] is not None:
            assert isinstance(row[cost], int | float) and row[cost] == pytest.approx(expected, rel=1e-9)
    assert len(sheet) == len(table)
    assert pd.api.types.is_numeric_dtype(sheet["monthly_cost_usd"])
    params = {r[0]: r[1] for r in book["scenario and assumptions"].iter_rows(min_row=2, values_only=True)}
    assert params["pricing_basis"] == table["pricing_basis"][table["kind"] != "API"].iloc[0]
    sources = list(book["sources and dates"].iter_rows(min_row=2, values_only=True))
    assert any(r[0] == "GPU" and r[4] for r in sources), "every GPU behind an option cites its source"
    tornado = list(book["sensitivity"].iter_rows(values_only=True))
    assert tornado[0][:3] == ("workload", "option_id", "input")
    assert len(tornado) >= 4  # GPU price, utilisation, efficiency, tokens per request, ...


def test_report_csv_has_provider_class_term_and_redundancy(tmp_path):
    # Issue 11 contract: the report CSV gains provider_class, commitment_term and redundancy_replicas.
    from pricing.cli import COMMANDS
    from pricing.scenario import Scenario, scenario_to_yaml

    path = tmp_path / "s.yaml"
    path.write_text(scenario_to_yaml(Scenario(gpu_ids=("h100-sxm",), model_ids=("llama-3.3-70b",),
                                              api_model_ids=("qwen3-max",))), encoding="utf-8")
    out = tmp_path / "r.csv"
    assert main(["report", "--scenario", str(path), "--csv", str(out)], extra=COMMANDS) == 0  # type: ignore[arg-type]
    rows = list(csv.DictReader(out.read_text(encoding="utf-8").splitlines()))
    self_row = next(r for r in rows if r["option_id"].startswith("self|"))
    assert {"provider_class", "commitment_term", "redundancy_replicas"} <= set(rows[0])
    if self_row["status"] == "ok":
        assert self_row["provider_class"] == "specialist" and self_row["commitment_term"] == "none"
        assert self_row["redundancy_replicas"] == "1"


def test_mix_command_writes_a_csv_and_json(tmp_path, capsys):
    import json as json_module

    from pricing.cli import COMMANDS

    out = tmp_path / "mix.csv"
    assert main(["mix", "--hours-at-peak", "2", "--csv", str(out), "--json"], extra=COMMANDS) == 0  # type: ignore[arg-type]
    data = json_module.loads(capsys.readouterr().out)
    options = [r["option"] for r in data["rows"]]
    assert options[-1] == "cheapest mix" and "saving_vs_option_usd" in data["rows"][0]
    assert out.read_text(encoding="utf-8").startswith("option,owned_replicas,")
    with pytest.raises(SystemExit) as exc:
        main(["mix", "--hours-at-peak", "23"], extra=COMMANDS)  # type: ignore[arg-type]
    assert exc.value.code == 2


def test_report_draws_and_seed_fix_the_uncertainty_columns(capsys, tmp_path):
    scenario = str(SCENARIOS / "coding_headline.yaml")
    paths = [tmp_path / f"{k}.csv" for k in ("a", "b", "c")]
    for path, seed in zip(paths, ("7", "7", "8"), strict=True):
        code, _, err = run(capsys, "report", "--scenario", scenario, "--csv", str(path), "--draws", "500",
                           "--seed", seed)
        assert code == 0, err
    assert paths[0].read_text() == paths[1].read_text()  # same seed, same figures
    assert paths[0].read_text() != paths[2].read_text()
    rows = list(csv.DictReader(paths[0].open()))
    cols = ("usd_per_successful_task_p10", "usd_per_successful_task_p50", "usd_per_successful_task_p90",
            "monthly_cost_usd_p10", "monthly_cost_usd_p90", "p_cheapest")
    assert set(cols) <= set(rows[0])
    ranked = [r for r in rows if r["p_cheapest"] not in ("", None)]
    assert ranked and sum(float(r["p_cheapest"]) for r in ranked) == pytest.approx(1.0)
    for r in ranked:
        assert float(r["monthly_cost_usd_p10"]) <= float(r["monthly_cost_usd_p90"])


@pytest.mark.parametrize(("flag", "value", "message"), [
    ("--draws", "5", "--draws must be between 100 and 1000000"),
    ("--seed", "-1", "--seed must be between 0 and 4294967295"),
])
def test_report_rejects_bad_draws_and_seed(capsys, flag, value, message):
    code, _, err = run(capsys, "report", "--scenario", str(SCENARIOS / "coding_headline.yaml"), flag, value)
    assert code == 2 and message in err
