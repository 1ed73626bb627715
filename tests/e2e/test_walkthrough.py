"""A buyer's walk in a real browser (issue 13): Back/Forward, one deployment per option on Compare and Sizing,
the does-not-fit path, the tidy CSV and the workbook."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

from calculator.catalog import load_catalog
from pricing.options import compare_options
from pricing.scenario import scenario_from_query
from tests.e2e.test_browser import LINK, full_page_screenshot, number, query, wait_idle

pytestmark = pytest.mark.e2e

QWEN_H200 = "self|qwen3.5-397b-a17b|h200-sxm|fp8"


def metric_value(page: Page, label: str) -> str:
    box = page.locator('[data-testid="stMetric"]').filter(has_text=label).first
    return box.locator('[data-testid="stMetricValue"]').inner_text().strip()


def set_output_tokens(page: Page, value: int) -> None:
    box = number(page, "Output tokens / request")
    box.fill(str(value))
    box.press("Enter")
    page.wait_for_function(f"() => new URLSearchParams(window.location.search).get('out') === '{value}'",
                           timeout=15_000)
    wait_idle(page)


def expect_output_tokens(page: Page, value: int) -> None:
    page.wait_for_function(f"() => new URLSearchParams(window.location.search).get('out') === '{value}'",
                           timeout=15_000)
    wait_idle(page)
    page.wait_for_timeout(1000)  # the app must not write the newer value back
    expect(number(page, "Output tokens / request")).to_have_value(str(value), timeout=60_000)
    assert query(page)["out"] == str(value)
    assert page.get_by_text(f"{value:,} output tokens per request").count() >= 1  # the numbers follow


def test_back_and_forward_restore_each_scenario(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/?{urlencode(LINK)}")
    wait_idle(page)
    expect(number(page, "Output tokens / request")).to_be_visible(timeout=60_000)
    expect_output_tokens(page, 300)
    for value in (400, 500, 600):
        set_output_tokens(page, value)
    for value in (500, 400, 300):
        page.go_back()
        expect_output_tokens(page, value)
    page.go_forward()
    expect_output_tokens(page, 400)
    page.go_forward()
    expect_output_tokens(page, 500)
    assert page.locator('[data-testid="stException"]').count() == 0


def test_shared_link_opens_the_same_deployment_on_compare_and_sizing(page: Page, app_url: str,
                                                                    screenshots: Path) -> None:
    options = compare_options(scenario_from_query(LINK)[0], load_catalog())
    row = options[options["option_id"] == QWEN_H200].iloc[0]
    n, c = int(row["num_gpus_per_replica"]), int(row["concurrency_per_replica"])
    assert n > 0
    page.goto(f"{app_url}/sizing?{urlencode({**LINK, 'opt': QWEN_H200})}")
    wait_idle(page)
    expect(page.get_by_role("heading", name="Sizing: one deployment in depth")).to_be_visible()
    assert metric_value(page, "GPUs per replica") == str(n)
    assert metric_value(page, "Concurrency").startswith(f"{c} of ")
    expect(page.get_by_text(f"Compare prices this option at {n} GPUs per replica")).to_be_visible()
    # Compare shows the same deployment for the same link: its downloaded table says so.
    page.get_by_role("link", name="Compare").first.click()
    wait_idle(page)
    assert query(page)["opt"] == QWEN_H200
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    import pandas as pd

    table = pd.read_csv(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8")))
    mine = table[table["option_id"] == QWEN_H200].iloc[0]
    assert (int(mine["num_gpus_per_replica"]), int(mine["concurrency_per_replica"])) == (n, c)


def test_does_not_fit_suggests_what_fits_and_shows_no_speed(page: Page, app_url: str, screenshots: Path) -> None:
    # Llama 3.1 405B at bf16: 405.9e9 x 2 B = 812 GB of weights; 8 x L40S hold 8 x 48 = 384 GB.
    link = {"v": "1", "models": "llama-3.1-405b", "gpus": "l40s", "prec": "bf16", "apis": "qwen3-max",
            "opt": "self|llama-3.1-405b|l40s|bf16", "n": "8"}
    page.goto(f"{app_url}/sizing?{urlencode(link)}")
    wait_idle(page)
    expect(page.get_by_text("does not fit").first).to_be_visible()
    expect(page.get_by_text("Smallest configurations that fit")).to_be_visible()
    body = page.inner_text("body")
    assert "more GPUs:" in body
    assert "lower precision:" in body
    for label in ("Time to first token", "Time per output token", "Throughput per GPU", "tok/s"):
        assert label not in body, label
    expect(number(page, "Input tokens / request")).to_be_visible(timeout=60_000)
    wait_idle(page)
    full_page_screenshot(page, screenshots / "sizing-does-not-fit.png")


def test_csv_and_workbook_downloads(page: Page, app_url: str, screenshots: Path) -> None:
    import openpyxl
    import pandas as pd

    page.goto(f"{app_url}/?{urlencode(LINK)}")
    wait_idle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    table = pd.read_csv(info.value.path())
    assert len(table) == 2 * 2 * 1 + 2  # one row per option: models x GPUs x precisions + APIs
    assert table["option_id"].is_unique
    for col in ("usd_per_million_tokens", "monthly_cost_usd", "monthly_idle_cost_usd", "usd_per_quality_point",
                "usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_gpu_hour"):
        assert pd.api.types.is_numeric_dtype(table[col]), (col, table[col].dtype)
    assert "status" in table.columns
    with page.expect_download(timeout=120_000) as info:
        page.get_by_role("button", name="Download workbook").click()
    path = Path(info.value.path())
    (screenshots.parent / "comparison.xlsx").write_bytes(path.read_bytes())
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()), read_only=True)  # the temp file has no suffix
    assert book.sheetnames == ["options", "scenario and assumptions", "sources and dates", "sensitivity"]
    assert book["options"].max_row == len(table) + 1
