"""The dashboard in a real browser: a shared link, a widget change, the URL, the CSV download, screenshots."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e

LINK = {
    "v": "1", "in": "4096", "out": "300", "rpd": "50000", "ttft": "3000", "tpot": "80",
    "models": "qwen3.5-397b-a17b,llama-3.3-70b", "apis": "qwen3-max,gemini-3.1-pro", "gpus": "h200-sxm,b200",
    "prec": "fp8", "basis": "on_demand",
}
PAGES = {"compare": "Compare", "sizing": "Sizing", "economics": "Economics", "catalog": "Catalog",
         "method": "Method"}


def wait_idle(page: Page) -> None:
    """Wait until the app is drawn and its script has finished running."""
    page.wait_for_selector('[data-testid="stApp"]', state="visible", timeout=30_000)
    # The sidebar's number boxes exist once the script has drawn the page (slow on a loaded machine).
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stNumberInput"] input', timeout=60_000)
    page.wait_for_timeout(400)
    page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    page.wait_for_timeout(300)


def number(page: Page, label: str):  # type: ignore[no-untyped-def]
    """The number box of a labelled st.number_input."""
    return page.get_by_role("spinbutton", name=label, exact=True)


def full_page_screenshot(page: Page, path: Path) -> None:
    """Streamlit scrolls inside its main container: grow the viewport to the content, then capture."""
    height = page.evaluate("""() => Math.max(...Array.from(document.querySelectorAll(
        '[data-testid="stMain"], [data-testid="stMainBlockContainer"], [data-testid="stSidebarContent"]'))
        .map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": 1440, "height": min(int(height) + 80, 16_000)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size({"width": 1440, "height": 900})


def query(page: Page) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlparse(page.url).query).items()}


def test_shared_link_change_url_download(page: Page, app_url: str, screenshots: Path) -> None:
    page.goto(f"{app_url}/?{urlencode(LINK)}")
    wait_idle(page)
    title = "Compare: which option gives the most successful tasks per dollar?"
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    # The link's values are in the widgets.
    expect(number(page, "Input tokens / request")).to_have_value("4096")
    expect(number(page, "Output tokens / request")).to_have_value("300")
    q = query(page)
    assert {k: q[k] for k in LINK} == LINK

    # Change a widget: the URL follows.
    box = number(page, "Output tokens / request")
    box.fill("500")
    box.press("Enter")
    page.wait_for_function("() => new URLSearchParams(window.location.search).get('out') === '500'", timeout=15_000)
    wait_idle(page)
    assert query(page)["out"] == "500"
    assert query(page)["in"] == "4096"

    # Download the tidy CSV: one row per option, the changed scenario's numbers.
    with page.expect_download() as info:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 2 * 2 * 1 + 2  # models x GPUs x precisions + APIs
    assert "monthly_cost_usd" in rows[0] and "usd_per_million_tokens" in rows[0]
    assert any("Qwen3-Max" in r["model_name"] or "Qwen3 Max" in r["model_name"] for r in rows)
    for r in rows:  # tokens per request of the changed scenario: 4096 in + the model's own output (with thinking)
        per_request = float(r["num_million_tokens_per_month"]) * 1e6 / float(r["num_requests_per_month"])
        assert float(r["output_tokens_per_request"]) >= 500
        assert abs(per_request - (4096 + float(r["output_tokens_per_request"]))) < 1e-6
    (screenshots.parent / "comparison.csv").write_text(text, encoding="utf-8")


def test_screenshots_of_every_page(page: Page, app_url: str, screenshots: Path) -> None:
    page.goto(f"{app_url}/?{urlencode(LINK)}")
    wait_idle(page)
    for slug, title in PAGES.items():
        page.get_by_role("link", name=title).first.click()
        wait_idle(page)
        if slug != "catalog":
            page.wait_for_selector(".js-plotly-plot", timeout=30_000)
            page.wait_for_timeout(500)
        assert page.locator('[data-testid="stException"]').count() == 0, f"traceback on {title}"
        full_page_screenshot(page, screenshots / f"{slug}.png")
        # The scenario survives page changes.
        assert query(page).get("in") == "4096", (slug, page.url)


def test_bad_link_warns_and_keeps_the_rest(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/?v=1&in=lots&out=300&foo=1&gpus=h200-sxm,nosuchgpu")
    wait_idle(page)
    alerts = page.locator('[data-testid="stAlert"]').all_inner_texts()
    text = " ".join(alerts)
    assert "'in'" in text
    assert "'foo'" in text
    assert "nosuchgpu" in text
    expect(number(page, "Output tokens / request")).to_have_value("300")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_economics_shows_sensitivity_band_and_a_shared_fleet(page: Page, app_url: str, screenshots: Path) -> None:
    page.goto(f"{app_url}/economics?{urlencode(LINK)}")
    wait_idle(page)
    expect(page.get_by_role("heading", name="How sure are these costs?")).to_be_visible()
    expect(page.get_by_text("What moves the cost most")).to_be_visible()
    # Add a second workload from the presets: the link carries it ('xw') and the shared-fleet table appears.
    picker = page.get_by_role("combobox", name="Add workloads to the mix")
    picker.scroll_into_view_if_needed()
    picker.press_sequentially("Chat")  # typing opens the list (a click on the box does not)
    page.get_by_role("option", name="Chat assistant", exact=True).click()
    page.keyboard.press("Escape")
    page.wait_for_function("() => new URLSearchParams(window.location.search).has('xw')", timeout=15_000)
    wait_idle(page)
    expect(page.get_by_text("Monthly cost, separate fleets")).to_be_visible()
    assert page.locator('[data-testid="stException"]').count() == 0
    page.wait_for_timeout(500)
    full_page_screenshot(page, screenshots / "economics-mix.png")
