"""Twenty browser sessions at once, each with its own custom model in its link: none sees another's data."""

from __future__ import annotations

import random
import string
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Browser

from pricing.scenario import CustomModel, Scenario, scenario_to_query
from tests.conftest import fixture_arch

pytestmark = pytest.mark.e2e

NUM_SESSIONS = 20
WAIT_MS = 240_000


def _link(n: int) -> tuple[str, str]:
    name = f"Session model {n} " + "".join(random.Random(n).choices(string.ascii_uppercase, k=6))
    cm = CustomModel(id=f"custom-session-{n}", name=name, architecture=fixture_arch("qwen3-32b"))
    query = scenario_to_query(Scenario(custom_models=(cm,), model_ids=(cm.id,), api_model_ids=("qwen3-max",),
                                       gpu_ids=("h100-sxm",)))
    return name, urlencode(query)


def test_twenty_concurrent_sessions_keep_their_own_models(browser: Browser, app_url: str) -> None:
    sessions = []
    for n in range(NUM_SESSIONS):  # open all 20 first, so the server runs their scripts at the same time
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        name, query = _link(n)
        page.goto(f"{app_url}/?{query}", wait_until="commit")
        sessions.append((n, name, context, page))
    names = [name for _, name, _, _ in sessions]
    # Generous waits: 20 scripts share 2 cores here (about 4 s of CPU each on a cold server); this test checks
    # isolation, not speed (bench/bench_pages.py measures that).
    try:
        for n, name, _, page in sessions:
            page.wait_for_selector('[data-testid="stApp"]', state="visible", timeout=WAIT_MS)
            page.get_by_text(name).first.wait_for(timeout=WAIT_MS)
            page.wait_for_function("() => !document.querySelector('[data-testid=\"stStatusWidget\"]')",
                                   timeout=WAIT_MS)
            body = page.inner_text("body")
            assert "Traceback" not in body, f"session {n} shows a traceback"
            assert name in body
            others = [other for other in names if other != name]
            assert not any(other in body for other in others), f"session {n} shows another session's model"
    finally:
        for _, _, context, _ in sessions:
            context.close()
