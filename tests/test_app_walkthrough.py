"""A buyer's walk through the app, headless: Back/Forward re-seeding, one deployment per option on Compare and
Sizing, the does-not-fit path. The real-browser versions are in tests/e2e/test_walkthrough.py."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from streamlit.testing.v1 import AppTest

from app_pages.state import is_history_step, split_query, view_to_query, view_to_state
from calculator.catalog import load_catalog
from pricing.options import compare_options
from pricing.scenario import scenario_from_query

APP = str(Path(__file__).resolve().parent.parent / "app.py")
QWEN_H200 = "self|qwen3.5-397b-a17b|h200-sxm|fp8"
LINK = {"v": "1", "in": "4096", "out": "300", "rpd": "50000", "ttft": "3000", "tpot": "80",
        "models": "qwen3.5-397b-a17b,llama-3.3-70b", "apis": "qwen3-max", "gpus": "h200-sxm,b200", "prec": "fp8",
        "basis": "on_demand"}


def sizing(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/sizing.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def test_only_a_history_step_to_another_link_reseeds() -> None:
    back = SimpleNamespace(is_history_navigation=True)
    plain = SimpleNamespace(is_history_navigation=False)
    assert is_history_step(back, {"out": "300"}, {"out": "500"})
    assert not is_history_step(back, {"out": "500"}, {"out": "500"})  # same link: nothing to restore
    assert not is_history_step(plain, {"out": "300"}, {"out": "500"})  # a lagging link on a widget rerun
    assert not is_history_step(back, {"out": "300"}, None)  # nothing written yet
    assert not is_history_step(None, {"out": "300"}, {"out": "500"})  # outside a script run


def test_view_keys_travel_apart_from_the_scenario() -> None:
    scenario, view = split_query({"in": ["4096"], "opt": ["a", QWEN_H200], "n": ["8"]})
    assert scenario == {"in": ["4096"]}
    assert view == {"opt": QWEN_H200, "n": "8"}
    state, warnings = view_to_state(view)
    assert state == {"x_opt": QWEN_H200, "x_n": 8, "x_lay": "auto"}
    assert warnings == []
    assert view_to_query(state) == {"opt": QWEN_H200, "n": "8"}  # auto is the default: left out
    state, warnings = view_to_state({"opt": "api|gpt-5", "n": "3", "lay": "zz"})
    assert state == {"x_opt": "", "x_n": 0, "x_lay": "auto"}
    assert len(warnings) == 3
    assert "GPUs per replica" in warnings[1] and "layout 'zz'" in warnings[2]
    assert view_to_query(state) == {}
    # A layout chosen on Sizing travels in the link.
    state, warnings = view_to_state({"opt": QWEN_H200, "lay": "disagg"})
    assert state["x_lay"] == "disagg" and warnings == []
    assert view_to_query(state) == {"opt": QWEN_H200, "lay": "disagg"}


def test_shared_link_opens_compares_deployment_on_sizing() -> None:
    at = sizing({**LINK, "opt": QWEN_H200})
    # The deployment Compare prices (its table row), computed apart from the app.
    options = compare_options(scenario_from_query(LINK)[0], load_catalog())
    row = options[options["option_id"] == QWEN_H200].iloc[0]
    assert row["num_gpus_per_replica"] > 0
    assert metric(at, "GPUs per replica") == str(row["num_gpus_per_replica"])
    assert metric(at, "Concurrency").startswith(f"{row['concurrency_per_replica']} of ")
    assert at.selectbox(key="sz_model").value == "qwen3.5-397b-a17b"
    assert at.selectbox(key="sz_gpu").value == "h200-sxm"
    # The layout Compare prices is named on the page (Qwen3.5 is MoE: expert or tensor parallel, or pools).
    assert at.selectbox(key="sz_lay").value == "auto"
    assert any(str(c.value).startswith("Layout: **") for c in at.caption)
    assert at.query_params["opt"] == QWEN_H200
    # Another GPUs-per-replica choice goes into the link and is said to differ from Compare's.
    other = 16 if row["num_gpus_per_replica"] != 16 else 8
    at.selectbox(key="sz_n").select(other).run()
    assert at.query_params["n"] == str(other)
    assert metric(at, "GPUs per replica") == str(other)
    assert any("you are looking at" in i.value for i in at.info)


def test_does_not_fit_shows_what_fits_and_no_speed() -> None:
    # Llama 3.1 405B at bf16: 405.9e9 x 2 B = 812 GB of weights; 8 x L40S hold 384 GB.
    at = sizing({"v": "1", "models": "llama-3.1-405b", "gpus": "l40s", "prec": "bf16", "apis": "",
                 "opt": "self|llama-3.1-405b|l40s|bf16", "n": "8"})
    assert any("does not fit" in e.value for e in at.error)
    text = " ".join(m.value for m in at.markdown)
    assert "Smallest configurations that fit" in text
    assert "more GPUs" in text
    assert "lower precision" in text
    labels = {m.label for m in at.metric}
    assert not labels & {"Time to first token", "Time per output token", "Throughput per GPU", "Concurrency"}


def compare(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_link_warnings_speak_the_sidebars_words_and_a_lost_gpu_is_named() -> None:
    at = compare({"v": "1", "rpd": "-5", "gpus": "nosuchgpu", "models": "llama-3.3-70b", "apis": "gpt-5"})
    text = " ".join(w.value for w in at.warning)
    assert "\"Requests / day\" ('rpd')" in text
    assert "GPUs: unknown id 'nosuchgpu'" in text
    assert "gpu_ids" not in text
    assert "no self-hosted option can be priced" in text


def test_volume_per_month_sets_requests_per_day() -> None:
    at = compare({"v": "1", "rpd": "1000"})
    # 1,000 requests/day x 365/12 days = 30,416.67 requests/month.
    assert abs(at.number_input(key="s_rpm").value - 30_416.666667) < 1e-3
    at.number_input(key="s_rpm").set_value(3_650_000.0).run()
    # 3,650,000 / (365/12) = 120,000 requests/day, and the link stores it.
    assert abs(at.number_input(key="s_rpd").value - 120_000.0) < 1e-6
    assert at.query_params["rpd"] == "120000"


def test_compare_shows_idle_cost_and_the_moe_story() -> None:
    at = compare({**LINK, "apis": "", "on": "1", "peak": "4"})
    table = at.dataframe[0].value
    assert "of which idle GPUs [$ / month]" in table.columns
    text = " ".join(m.value for m in at.markdown)
    assert "pays for idle GPUs" in text and "4 x the average traffic" in text
    # Qwen3.5-397B-A17B: about 396B total and 16-17B active parameters (the catalog's architecture counts 16.3B).
    assert "Why mixture of experts matters here" in text
    assert "stores 396B parameters" in text
    assert "each token uses only 16B" in text or "each token uses only 17B" in text


def test_moe_story_counts_the_tokens_the_replica_was_sized_for() -> None:
    # 2 requests/s per 8-GPU replica, 1,000 output tokens per request (400 answer + 600 thinking): 2 x 1,000 / 8
    # = 250 output tokens/s per GPU. Counting only the 400 answer tokens would say 100.
    from app_pages.story import moe_story
    from tests.conftest import fixture_arch

    row = {"num_gpus_per_replica": 8, "replica_requests_per_s": 2.0, "output_tokens_per_request": 1000.0,
           "precision": "fp8", "model_name": "Qwen3.5-397B-A17B", "gpu_name": "NVIDIA H200", "gpus_total": 16,
           "concurrency_per_replica": 64}
    text = moe_story(row, fixture_arch("qwen3.5-397b-a17b"))
    assert text is not None and "which gives 250 output tokens/s per GPU" in text


def test_every_link_key_has_a_label() -> None:
    from app_pages.state import LINK_LABELS, VIEW_KEYS
    from pricing.scenario import QUERY_KEYS

    assert set(QUERY_KEYS) | set(VIEW_KEYS) <= set(LINK_LABELS)
