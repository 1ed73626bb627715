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
