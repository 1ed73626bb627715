"""The dashboard, headless (streamlit.testing.v1.AppTest): pages, shared links, widgets -> URL, CSV export."""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import tables
from app_pages.state import (
    distinct_extras,
    extras_from_selection,
    mix_choices,
    mix_selection,
    preset_workload,
    scenario_from_state,
    scenario_to_state,
)
from calculator.catalog import Catalog
from pricing import report, uncertainty
from pricing.options import COLUMNS, compare_options
from pricing.scenario import CustomModel, Scenario, WorkloadSpec, scenario_from_query, scenario_to_query
from tests.conftest import fixture_arch
from tests.screen import screen_problems, table_style_problems

APP = str(Path(__file__).resolve().parent.parent / "app.py")
PAGES = ("app_pages/compare.py", "app_pages/sizing.py", "app_pages/economics.py", "app_pages/catalog.py",
         "app_pages/method.py")
CATALOG_PAGE = "app_pages/catalog.py"
TITLES = {"compare": "Compare", "sizing": "Sizing", "economics": "Economics", "catalog": "Catalog",
          "method": "Method"}


def app(query: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at.run()


def assert_clean(at: AppTest, where: str, dataframes: bool = True) -> None:
    """No exception, and no NaN, inf, None or traceback in any text or dataframe cell (tests/screen.py)."""
    problems = screen_problems(at, dataframes)
    assert not problems, f"{where}: {problems[:5]}"


def custom_model_query() -> dict[str, str]:
    s = Scenario(custom_models=(CustomModel(id="custom-my-qwen3-32b", name="My Qwen3 32B",
                                            architecture=fixture_arch("qwen3-32b")),),
                 model_ids=("custom-my-qwen3-32b", "qwen3.5-397b-a17b"))
    return scenario_to_query(s)


SCENARIOS: dict[str, dict[str, str]] = {
    "default": {},
    "chat-bf16-fp4-h100": {"v": "1", "wl": "chat", "in": "1155", "out": "211", "prec": "bf16,fp4",
                           "gpus": "h100-sxm,b200", "basis": "spot"},
    "reasoning-owned": {"v": "1", "wl": "reasoning", "in": "1000", "out": "8000", "ttft": "10000", "tpot": "100",
                        "qp": "reasoning", "basis": "owned", "capex": "30000",
                        "models": "deepseek-v3.2,qwen3-32b,llama-3.3-70b", "gpus": "h200-sxm,mi300x"},
    "batch-no-limits-zero-traffic": {"v": "1", "ttft": "none", "tpot": "none", "rpd": "0", "on": "0"},
    "long-context-l4-does-not-fit": {"v": "1", "in": "32000", "out": "500", "gpus": "l4",
                                     "models": "qwen3.5-397b-a17b,llama-3.1-405b", "minq": "90"},
    "no-candidates": {"v": "1", "models": "", "apis": "", "gpus": ""},
    "apis-only": {"v": "1", "models": "", "apis": "qwen3-max,gemini-3.1-pro,gpt-5"},
    "custom-model": custom_model_query(),
    "price-override": {"v": "1", **{k: v for k, v in scenario_to_query(Scenario(
        usd_per_gpu_hour_overrides={"h200-sxm": 1.25})).items() if k == "px"}},
}


def test_catalog_tables_show_no_missing_values() -> None:
    """Catalog gaps (the A100 has no FP8 TFLOP/s, most models no retirement date) read as an em dash."""
    at = app()
    at.switch_page(CATALOG_PAGE).run()
    assert screen_problems(at) == []
    gpus = next(d.value for d in at.dataframe if "FP8 dense [TFLOP/s]" in d.value.columns)
    a100 = gpus[gpus["Id"].str.startswith("a100")]
    assert not a100.empty and set(a100["FP8 dense [TFLOP/s]"]) == {tables.GAP}  # Ampere has no FP8 tensor cores


def test_every_table_has_human_headers_and_rounded_numbers() -> None:
    """Headers in words with units, not field names; numbers rounded (no 14.100000000000001), on every page."""
    at = app()
    assert table_style_problems(at) == []
    for page in PAGES:
        at.switch_page(page).run()
        assert at.dataframe, f"{page}: no table rendered"
        assert table_style_problems(at) == [], page


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_every_page_renders(name: str) -> None:
    at = app(SCENARIOS[name])
    assert_clean(at, f"{name}/compare")
    for page in PAGES:
        at.switch_page(page).run()
        assert_clean(at, f"{name}/{page}")
        assert table_style_problems(at) == [], f"{name}/{page}"
        title = TITLES[Path(page).stem]
        assert any(title in t.value for t in at.title), f"{name}/{page}: no '{title}' title"


def test_default_compare_page_answers_the_question() -> None:
    at = app()
    table = at.dataframe[0].value
    d = Scenario()  # data/default_scenario.yaml: models x GPUs x precisions self-hosted rows + one row per API
    assert len(table) == len(d.model_ids) * len(d.gpu_ids) * len(d.precisions) + len(d.api_model_ids)
    assert table[tables.HEADERS["rank"]].iloc[0] == "1"
    assert set(table[tables.HEADERS["kind"]]) == {"self-hosted MoE", "self-hosted dense", "API"}
    assert at.get("plotly_chart"), "the cost-quality chart is drawn"


def test_link_reproduces_widget_values() -> None:
    query = {"v": "1", "in": "4096", "out": "300", "rpd": "50000", "peak": "3", "ttft": "3000", "tpot": "none",
             "cache": "0.5", "minq": "40", "models": "qwen3.5-397b-a17b,llama-3.3-70b", "apis": "qwen3-max",
             "gpus": "h200-sxm", "prec": "fp8,fp4", "basis": "reserved_1y", "stat": "low", "util": "0.6",
             "on": "0", "kwh": "0.2"}
    at = app(query)
    assert at.number_input(key="s_in").value == 4096
    assert at.number_input(key="s_out").value == 300
    assert at.number_input(key="s_rpd").value == 50000
    assert at.number_input(key="s_peak").value == 3
    assert at.number_input(key="s_ttft").value == 3000
    assert at.number_input(key="s_tpot").value is None
    assert at.slider(key="s_cache").value == 0.5
    assert at.slider(key="s_minq").value == 40
    assert at.multiselect(key="s_models").value == ["qwen3.5-397b-a17b", "llama-3.3-70b"]
    assert at.multiselect(key="s_apis").value == ["qwen3-max"]
    assert at.multiselect(key="s_gpus").value == ["h200-sxm"]
    assert at.multiselect(key="s_prec").value == ["fp8", "fp4"]
    assert at.selectbox(key="s_basis").value == "reserved_1y"
    assert at.selectbox(key="s_stat").value == "low"
    assert at.slider(key="s_util").value == 0.6
    assert at.checkbox(key="s_on").value is False
    assert at.number_input(key="s_kwh").value == 0.2
    assert at.selectbox(key="s_preset").value == "custom"  # the numbers are the link's, not a preset's
    written = dict(at.query_params)
    for key, value in query.items():
        assert written[key] == value, key
    assert not at.warning


def test_link_round_trip_reproduces_the_same_numbers() -> None:
    first = app({"v": "1", "in": "3000", "out": "700", "gpus": "b200,mi300x", "basis": "spot"})
    link = dict(first.query_params.items())
    second = app(link)
    assert dict(second.query_params) == link
    assert first.dataframe[0].value.equals(second.dataframe[0].value)


def test_bad_link_fields_warn_and_fall_back_alone() -> None:
    at = app({"v": "1", "in": "lots", "out": "300", "foo": "1", "gpus": "h200-sxm,nosuchgpu", "util": "7"})
    text = " ".join(w.value for w in at.warning)
    assert "'in'" in text
    assert "'foo'" in text
    assert "nosuchgpu" in text
    assert "'util'" in text
    assert at.number_input(key="s_in").value == Scenario().workload.input_tokens  # default for that field only
    assert at.number_input(key="s_out").value == 300
    assert at.multiselect(key="s_gpus").value == ["h200-sxm"]
    assert_clean(at, "bad link")


def test_changing_a_widget_updates_the_link() -> None:
    at = app()
    at.number_input(key="s_out").set_value(500).run()
    assert at.query_params["out"] == "500"
    at.slider(key="s_util").set_value(0.5).run()
    assert at.query_params["util"] == "0.5"
    at.multiselect(key="s_gpus").unselect("mi300x").run()
    assert "mi300x" not in at.query_params["gpus"]
    at.selectbox(key="s_basis").select("spot").run()
    assert at.query_params["basis"] == "spot"
    at.number_input(key="s_tpot").set_value(25.0).run()
    assert at.query_params["tpot"] == "25"
    assert_clean(at, "after changes")


def test_preset_fills_the_workload_and_tokens_per_month_sets_requests(catalog: Catalog) -> None:
    at = app()
    at.selectbox(key="s_preset").select("long-context-rag").run()
    rag = catalog.workload("long-context-rag")
    assert at.query_params["wl"] == "long-context-rag"
    assert at.query_params["in"] == str(rag.input_tokens)
    assert at.query_params["qp"] == "long-context-rag"
    tokens = 1000.0  # million tokens per month
    at.number_input(key="s_tpm").set_value(tokens).run()
    rpd = float(at.query_params["rpd"])
    per_month = rpd * 365.0 / 12.0 * (rag.input_tokens + rag.output_tokens) / 1e6
    assert math.isclose(per_month, tokens, rel_tol=1e-9)
    assert at.query_params["wl"] == "custom"


def test_csv_is_tidy_and_holds_the_numbers_on_screen() -> None:
    at = app({"v": "1", "gpus": "h200-sxm,b200", "models": "qwen3.5-397b-a17b,llama-3.1-405b", "prec": "bf16",
              "apis": "qwen3-max,gpt-5"})
    shown = at.dataframe[0].value
    frame = pd.read_csv(io.StringIO(at.session_state["last_csv"]))
    # One row per option, in the table's order; the report's column contract (scenario_name + compare_options).
    assert len(frame) == len(shown) == 2 * 2 * 1 + 2
    assert list(frame["option_id"]) == list(shown[tables.HEADERS["option_id"]])
    assert list(frame.columns) == ["scenario_name", *COLUMNS, *uncertainty.ADDED_COLUMNS]
    for col in ("usd_per_million_tokens", "monthly_cost_usd", "monthly_idle_cost_usd", "usd_per_quality_point",
                "quality_index", "ttft_ms", "num_gpus_per_replica", "gpus_total", "monthly_cost_usd_p10",
                "monthly_cost_usd_p90", "p_cheapest"):
        assert pd.api.types.is_numeric_dtype(frame[col]), col
    # Missing numbers are empty (NaN in pandas), the reason in the status column: never text in a number column.
    unpriced = frame[frame["monthly_cost_usd"].isna()]
    assert (unpriced["status"] != "ok").all()
    for screen, (_, row) in zip(shown.itertuples(index=False), frame.iterrows(), strict=True):
        cell = screen[list(shown.columns).index(tables.HEADERS["monthly_cost_usd"])]
        if not math.isnan(row["monthly_cost_usd"]):
            assert cell == f"{row['monthly_cost_usd']:,.0f}"  # the same number as on screen


def test_csv_neutralises_formulas() -> None:
    s = Scenario(name="=HYPERLINK(\"http://x\")", model_ids=(), api_model_ids=("gpt-5",))
    from calculator.catalog import load_catalog

    text = report.csv_text(compare_options(s, load_catalog()), s.name)
    assert "'=HYPERLINK" in text


def test_state_round_trip(catalog: Catalog) -> None:
    scenarios = [
        Scenario(),
        Scenario(workloads=(WorkloadSpec(name="Mine", preset="custom", input_tokens=777, ttft_slo_ms=None),
                            WorkloadSpec(name="Second")),
                 usd_per_gpu_hour_overrides={"b200": 3.5}, pricing_basis="owned", always_on=False),
    ]
    for s in scenarios:
        state, warnings = scenario_to_state(s, catalog)
        assert not warnings
        assert scenario_from_state(state) == s


def test_unknown_preset_in_link_is_named(catalog: Catalog) -> None:
    s, _ = scenario_from_query({"v": "1", "wl": "nosuchpreset"})
    state, warnings = scenario_to_state(s, catalog)
    assert state["s_preset"] == "custom"
    assert any("'wl'" in w for w in warnings)


def test_catalog_page_adds_a_price_and_scores() -> None:
    at = app()
    at.switch_page("app_pages/catalog.py").run()
    at.selectbox(key="cat_px_gpu").select("h200-sxm")
    at.number_input(key="cat_px_value").set_value(1.75)
    submit = next(b for b in at.button if b.label == "Set price")
    submit.click().run()
    assert_clean(at, "catalog price", dataframes=False)  # tables: test_catalog_tables_show_no_missing_values
    s, _ = scenario_from_query(dict(at.query_params))
    assert s.usd_per_gpu_hour_overrides == {"h200-sxm": 1.75}
    at.text_area(key="cat_scores").input("llama-3.3-70b, swe-bench-verified, 40\nllama-3.3-70b, nosuchbench, 5")
    next(b for b in at.button if b.label == "Add scores").click().run()
    assert any("nosuchbench" in e.value for e in at.error)
    at.text_area(key="cat_scores").input("llama-3.3-70b, swe-bench-verified, 40")
    next(b for b in at.button if b.label == "Add scores").click().run()
    assert any("Added 1 score" in m.value for m in at.success)


def chart_titles(at: AppTest) -> list[str]:
    return [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]


def test_economics_shows_the_tornado_and_the_calibration_band() -> None:
    at = app({"v": "1", "models": "qwen3.5-397b-a17b", "apis": "qwen3-max", "gpus": "h200-sxm,b200"})
    at.switch_page("app_pages/economics.py").run()
    assert_clean(at, "economics")
    titles = chart_titles(at)
    assert any(t.endswith("cost when one input moves") for t in titles)
    assert "Cost per 1M tokens with the model's calibration band" in titles
    assert any("Method page" in c.value and "calibration band" in c.value for c in at.caption)
    assert any("moves it most" in m.value for m in at.markdown)
    # The option tested defaults to the top-ranked self-hosted one; another pick redraws the chart.
    picker = at.selectbox(key="eco_tornado")
    assert picker.value.startswith("self|")
    other = next(i for i in ("self|qwen3.5-397b-a17b|h200-sxm|fp8", "self|qwen3.5-397b-a17b|b200|fp8")
                 if i != picker.value)
    picker.select(other).run()
    assert at.selectbox(key="eco_tornado").value == other
    assert_clean(at, "economics, other option")


def test_mix_control_adds_a_workload_to_the_link_and_the_shared_fleet(catalog: Catalog) -> None:
    at = app()
    at.switch_page("app_pages/economics.py").run()
    assert any("one workload" in i.value for i in at.info)
    at.multiselect(key="eco_mix").select("chat").run()
    assert_clean(at, "mix")
    s, warnings = scenario_from_query(dict(at.query_params))
    assert not warnings
    assert [w.name for w in s.workloads] == [Scenario().workload.name, catalog.workload("chat").name]
    assert s.workloads[1] == preset_workload("chat", catalog)
    table = next(d.value for d in at.dataframe if "Workload" in d.value.columns)
    assert list(table["Workload"])[-1] == "(shared fleet)" and len(table) == 3
    assert "Monthly cost per workload: one shared fleet vs separate fleets" in chart_titles(at)
    # The mix survives a page change (the picker is re-derived from the scenario) and can be emptied.
    at.switch_page("app_pages/compare.py").run()
    assert at.selectbox(key="cmp_workload").options  # Compare offers the second workload
    at.switch_page("app_pages/economics.py").run()
    assert at.multiselect(key="eco_mix").value == ["chat"]
    at.multiselect(key="eco_mix").unselect("chat").run()
    assert "xw" not in at.query_params
    assert_clean(at, "mix emptied")


def test_link_extra_workloads_seed_the_mix_picker(catalog: Catalog) -> None:
    own = WorkloadSpec(name="Nightly batch", preset="custom", input_tokens=3000, output_tokens=400,
                       ttft_slo_ms=None, tpot_slo_ms=None, requests_per_day=20_000)
    # A preset other than the default workload's (the sidebar's workload is not offered twice).
    link = scenario_to_query(Scenario(workloads=(Scenario().workload, preset_workload("chat", catalog), own)))
    at = app(link)
    at.switch_page("app_pages/economics.py").run()
    assert_clean(at, "mix from link")
    picker = at.multiselect(key="eco_mix")
    assert picker.value == ["chat", "link-0"]
    assert dict(at.query_params) == link


def test_mix_state_helpers(catalog: Catalog) -> None:
    own = WorkloadSpec(name="Mine", preset="custom", input_tokens=999)
    chat = preset_workload("chat", catalog)
    assert chat.name == catalog.workload("chat").name and chat.input_tokens == catalog.workload("chat").input_tokens
    choices = mix_choices([own], catalog, primary_name=catalog.workload("coding").name)
    assert "coding" not in choices  # the sidebar's workload is not offered twice
    assert choices["link-0"] == "Mine (from the link)"
    keys = mix_selection([chat, own], [own], catalog)
    assert keys == ["chat", "link-0"]
    assert extras_from_selection(keys, [own], catalog) == [chat, own]
    assert distinct_extras("Mine", [own, chat, chat]) == [chat]
    s = Scenario(workloads=(Scenario().workload, chat))
    state, _ = scenario_to_state(s, catalog)
    assert state["x_xw_link"] == []
    state["x_xw"] = [chat, preset_workload(s.workload.preset, catalog)]  # same name as the sidebar's: counted once
    assert scenario_from_state(state).workloads == s.workloads


def test_economics_shows_the_tco_stack_horizon_and_cheapest_mix() -> None:
    # Issue 11: the ownership stack beside the rental prices, the buy-now-rent-or-wait chart and the mix table.
    at = app({"gpus": "h100-sxm,h200-sxm"})
    at.switch_page("app_pages/economics.py").run()
    assert_clean(at, "economics")
    titles = chart_titles(at)
    assert any("owning, per GPU-hour, vs renting" in t for t in titles), titles
    assert any("cumulative cost over" in t for t in titles), titles
    mix = next(d.value for d in at.dataframe if "The mix saves [$ / month]" in d.value.columns)
    assert list(mix["Option"])[-1] == "cheapest mix"
    stack = next(d.value for d in at.dataframe if "Component" in d.value.columns)
    assert {"depreciation", "cost of capital", "residual credit", "power", "staff"} <= set(stack["Component"])


def test_answer_card_says_when_the_winners_gpu_price_is_an_estimate():
    # One self-hosted option on MI300X at the cheapest specialist quote (TensorWave $1.50, estimate: true in
    # data/gpu_prices.yaml) and no API: it must be rank 1, and its card must carry the caveat. The same
    # scenario on H100 (a checked quote) must not.
    wl = WorkloadSpec(name="w", input_tokens=1000, output_tokens=200, requests_per_day=10_000)
    texts = {}
    for gpu in ("mi300x", "h100-sxm"):
        s = Scenario(workloads=(wl,), model_ids=("llama-3.3-70b",), api_model_ids=(), gpu_ids=(gpu,),
                     precisions=("fp8",), price_statistic="low", provider_class="specialist")
        at = app(scenario_to_query(s))
        assert not at.exception
        texts[gpu] = " ".join(m.value for m in at.markdown)
    assert "GPU price from an estimated quote" in texts["mi300x"]
    assert "GPU price from an estimated quote" not in texts["h100-sxm"]


def test_pages_speak_the_buyers_words_not_internal_keys() -> None:
    """'How sure?' names options by their labels (not 'self|llama-3.3-70b|h200-sxm|fp8'), and the ownership
    table names its inputs as the sidebar does ('Depreciation [years] = 5.5', not 'depreciation_years')."""
    import re

    at = app()
    how_sure = [m.value for m in at.markdown if "How sure?" in m.value]
    assert how_sure and not any("|" in text for text in how_sure)
    at.switch_page("app_pages/economics.py").run()
    tco = next(d.value for d in at.dataframe if "Inputs" in d.value.columns)
    inputs = " ".join(tco["Inputs"])
    assert "Depreciation [years] = " in inputs
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", inputs), inputs
