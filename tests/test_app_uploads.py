"""The Catalog page's uploads (app_pages/catalog_uploads.py) and the session catalog that holds them.

AppTest cannot drive ``st.file_uploader``, so the upload handling is tested as the pure functions the page's
callbacks call (bytes + file name + session catalog -> (entries, message)), hostile files included; one AppTest
checks that the pages render with user entries in session state and that a user API model becomes a candidate.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from app_pages import catalog_uploads as cu
from app_pages import common
from app_pages.importers import MAX_LITELLM_BYTES, MAX_USER_FILE_BYTES, merge_catalog
from calculator.catalog import Catalog
from calculator.schemas import ApiModel, RentalPrice, Score
from pricing import report
from pricing.options import compare_options
from pricing.scenario import Scenario, scenario_from_query

APP = str(Path(__file__).resolve().parent.parent / "app.py")
LITELLM_SAMPLE = Path(__file__).parent / "fixtures" / "litellm_prices_sample.json"
TODAY = dt.date(2026, 11, 29)
FORMULA = "=cmd|' /C calc'!A0"

PRICES_CSV = b"""gpu_id,provider,provider_kind,pricing_tier,usd_per_gpu_hour,as_of,region
h100-sxm,Acme Cloud,neocloud,on_demand,1.95,2026-11-01,us-east
h100-sxm,Acme Cloud,neocloud,spot,1.10,2026-11-01,us-east
h200-sxm,Acme Cloud,neocloud,on_demand,2.60,2026-11-01,
b200,Acme Cloud,neocloud,reserved_1y,3.40,2026-11-01,
mi300x,Acme Cloud,neocloud,on_demand,1.80,2026-11-01,
"""

PRICES_YAML = b"""rental_prices:
  - gpu_id: h100-sxm
    provider: Acme Cloud
    provider_kind: neocloud
    pricing_tier: on_demand
    usd_per_gpu_hour: 1.75
    as_of: 2026-11-15
"""

SCORES_CSV = b"""model_id,benchmark_id,value,as_of,source
llama-3.3-70b,swe-bench-verified,41.5,2026-11-20,our eval run 2026-11
qwen3-32b,swe-bench-verified,44.0,2026-11-20,our eval run 2026-11
"""

ALIAS_BOMB = b"""a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
rental_prices: [*e,*e,*e,*e,*e,*e,*e,*e,*e]
"""


def litellm(entries: dict[str, dict[str, object]]) -> bytes:
    return json.dumps(entries).encode()


def chat(provider: str = "acme", input_usd_per_token: float = 1e-6, output_usd_per_token: float = 4e-6,
         **more: object) -> dict[str, object]:
    return {"mode": "chat", "litellm_provider": provider, "input_cost_per_token": input_usd_per_token,
            "output_cost_per_token": output_usd_per_token, **more}


# ---------------------------------------------------------------------------------------------- rental prices
def test_price_csv_gives_entries_and_a_summary(catalog: Catalog) -> None:
    prices, message = cu.add_rental_prices(PRICES_CSV, "acme.csv", catalog, [])
    assert prices is not None
    assert len(prices) == 5
    assert message.startswith("Added 5 prices for 4 GPUs (b200, h100-sxm, h200-sxm, mi300x)")
    assert prices[0].usd_per_gpu_hour == pytest.approx(1.95)
    assert prices[0].source == "user file acme.csv"  # a row without source is attributed to the file
    assert prices[2].region is None  # an empty cell is "not given"


def test_price_yaml_replaces_the_same_quote_and_keeps_the_others(catalog: Catalog) -> None:
    first, _ = cu.add_rental_prices(PRICES_CSV, "acme.csv", catalog, [])
    assert first is not None
    # Same GPU, provider, tier; the CSV quote has region us-east, the YAML none: a different quote.
    again, message = cu.add_rental_prices(PRICES_CSV.replace(b"1.95", b"1.85"), "acme.csv", catalog, first)
    assert again is not None
    assert len(again) == 5  # same keys: replaced, not appended
    assert again[0].usd_per_gpu_hour == pytest.approx(1.85)
    more, message = cu.add_rental_prices(PRICES_YAML, "acme.yaml", catalog, again)
    assert more is not None
    assert len(more) == 6
    assert message.startswith("Added 1 price for 1 GPU (h100-sxm)")


def test_price_for_a_users_own_gpu_is_accepted(catalog: Catalog) -> None:
    own = catalog.gpu("h100-sxm").model_copy(update={"id": "custom-h100-sxm", "name": "H100 (edited)"})
    session = merge_catalog(catalog, gpus=[own])
    prices, message = cu.add_rental_prices(PRICES_CSV.replace(b"b200", b"custom-h100-sxm"), "p.csv", session, [])
    assert prices is not None, message
    assert "custom-h100-sxm" in {p.gpu_id for p in prices}


def test_unknown_gpu_id_names_the_row_and_the_closest_ids(catalog: Catalog) -> None:
    prices, message = cu.add_rental_prices(PRICES_CSV.replace(b"h200-sxm", b"h200-sxn"), "acme.csv", catalog, [])
    assert prices is None
    assert message.startswith("Prices not added: acme.csv, row 3, field 'gpu_id': unknown GPU id 'h200-sxn'")
    assert "closest: h200-sxm" in message


@pytest.mark.parametrize(("replace", "expected"), [
    (b"1.10", "row 2, field 'usd_per_gpu_hour': Input should be a valid number"),  # wrong type
    (b"3.40", "row 4, field 'usd_per_gpu_hour': must be between 0.05 and 100 (got 340)"),  # unit slip, cents
    (b"neocloud,spot", "row 2, field 'provider_kind': must be one of"),
    (b"2026-11-01,us-east\nh100", "row 1, field 'as_of'"),
])
def test_bad_price_rows_name_row_and_field(catalog: Catalog, replace: bytes, expected: str) -> None:
    bad = {b"1.10": b"cheap", b"3.40": b"340", b"neocloud,spot": b"cloud,spot",
           b"2026-11-01,us-east\nh100": b"yesterday,us-east\nh100"}[replace]
    prices, message = cu.add_rental_prices(PRICES_CSV.replace(replace, bad, 1), "acme.csv", catalog, [])
    assert prices is None
    assert expected in message, message
    assert "Traceback" not in message


def test_formula_like_provider_is_stored_as_text_and_neutralised_on_export(catalog: Catalog) -> None:
    data = PRICES_CSV.replace(b"Acme Cloud,neocloud,on_demand,1.95", f"{FORMULA},other,on_demand,1.95".encode())
    data = data.replace(b"=cmd|' /C calc'!A0", b"\"=cmd|' /C calc'!A0\"")  # quoted, as a spreadsheet writes it
    prices, message = cu.add_rental_prices(data, "acme.csv", catalog, [])
    assert prices is not None, message
    assert prices[0].provider == FORMULA  # exactly the text, nothing evaluated or altered
    assert report.neutralise_cell(prices[0].provider) == "'" + FORMULA  # what any exported CSV cell holds


def test_formula_like_api_model_name_is_neutralised_in_the_exported_csv(catalog: Catalog) -> None:
    apis, message = cu.add_api_models(litellm({FORMULA: chat(provider="@evil")}), "x.json", catalog, [], TODAY)
    assert apis is not None, message
    assert (apis[0].name, apis[0].provider) == (FORMULA, "@evil")
    session = merge_catalog(catalog, api_models=apis)
    s = Scenario(api_model_ids=(apis[0].id,), model_ids=(), gpu_ids=("h100-sxm",))
    table = compare_options(s, session)
    cells = [c for r in csv.reader(io.StringIO(report.csv_text(table, s.name))) for c in r]
    book = openpyxl.load_workbook(io.BytesIO(report.workbook_bytes(table, s, session)))
    cells += [str(c) for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r if c is not None]
    assert FORMULA not in cells
    assert "'" + FORMULA in cells
    assert "'@evil" in cells
    assert not any(c.startswith(("=", "@")) for c in cells)


# ---------------------------------------------------------------------------------------------- hostile files
@pytest.mark.parametrize("filename", ["bomb.yaml", "bomb.yml"])
def test_yaml_alias_bomb_is_refused_before_expansion(catalog: Catalog, filename: str) -> None:
    for add in (cu.add_rental_prices, cu.add_scores):
        entries, message = add(ALIAS_BOMB, filename, catalog, [])
        assert entries is None
        assert "YAML aliases (*a) are not accepted" in message


def test_five_megabyte_file_is_refused_with_the_limit(catalog: Catalog) -> None:
    big = PRICES_CSV + b"#" * 5_000_000
    for add in (cu.add_rental_prices, cu.add_scores):
        entries, message = add(big, "big.csv", catalog, [])
        assert entries is None
        assert f"the limit is {MAX_USER_FILE_BYTES:,} bytes" in message
    # 5 MB is within the LiteLLM limit (the full map is a few MB): it is read, and refused as not JSON.
    apis, message = cu.add_api_models(b"{" + b" " * 5_000_000, "big.json", catalog, [], TODAY)
    assert apis is None
    assert "not valid JSON" in message
    apis, message = cu.add_api_models(b" " * (MAX_LITELLM_BYTES + 1), "huge.json", catalog, [], TODAY)
    assert apis is None
    assert f"the limit is {MAX_LITELLM_BYTES:,} bytes" in message


@pytest.mark.parametrize("data", [b"\xff\xfe\x00g\x00p\x00u", "gpu_id,provider\nh100-sxm,Caf\xe9\n".encode("latin-1")])
def test_non_utf8_bytes_are_refused(catalog: Catalog, data: bytes) -> None:
    for add in (cu.add_rental_prices, cu.add_scores):
        entries, message = add(data, "p.csv", catalog, [])
        assert entries is None
        assert "is not UTF-8 text" in message
    apis, message = cu.add_api_models(data, "p.json", catalog, [], TODAY)
    assert apis is None
    assert "is not UTF-8 text" in message


@pytest.mark.parametrize(("data", "filename", "expected"), [
    (b"gpu_id,provider\n" + b"a" * 200_000 + b",x\n", "p.csv", "field larger than field limit"),  # csv.Error
    (b"- as_of: 2026-13-45\n  gpu_id: h100-sxm\n", "p.yaml", "month must be in 1..12"),  # not a date
    (b"[" * 50 + b"]" * 50, "p.yaml", "nested deeper than 10 levels"),
    (b"just text", "p.yaml", "expected a list of entries"),
    (b"", "p.csv", "the CSV has no header line"),
    (b"gpu_id,provider\n", "p.csv", "p.csv has no rows"),
    (PRICES_CSV, "prices.xlsx", "unknown file type '.xlsx'"),
    (PRICES_CSV.replace(b"1.95,2026-11-01,us-east", b"1.95,2026-11-01,us-east,surplus"), "p.csv", "more cells"),
])
def test_malformed_files_give_one_sentence(catalog: Catalog, data: bytes, filename: str, expected: str) -> None:
    prices, message = cu.add_rental_prices(data, filename, catalog, [])
    assert prices is None
    assert message.startswith("Prices not added: ")
    assert expected in message, message


def test_scores_yaml_with_an_overlong_integer_is_refused(catalog: Catalog) -> None:
    data = (b"- {model_id: llama-3.3-70b, benchmark_id: gpqa-diamond, value: 1" + b"0" * 5000
            + b", as_of: 2026-01-01, source: our run}\n")
    scores, message = cu.add_scores(data, "s.yaml", catalog, [])
    assert scores is None
    assert message.startswith("Scores not added: s.yaml: a value cannot be read")


@pytest.mark.parametrize(("entry", "expected"), [
    ({"a": chat(input_usd_per_token="abc")}, "a: price fields cannot be read"),  # type: ignore[arg-type]
    ({"a": {"mode": "chat", "tiered_pricing": [1]}}, "a: price fields cannot be read"),
    ({"a": {"mode": "embedding"}}, "1 entry skipped (first: a: mode 'embedding' is not chat)"),
    ({"a": chat(input_usd_per_token=3.0)}, "no chat model with input and output prices"),  # $3 typed for $3e-6
    ([1, 2], "expected a JSON object"),
])
def test_bad_litellm_files_give_one_sentence(catalog: Catalog, entry: object, expected: str) -> None:
    apis, message = cu.add_api_models(json.dumps(entry).encode(), "x.json", catalog, [], TODAY)
    assert apis is None
    assert message.startswith("API models not added: ")
    assert expected in message, message


def test_json_nested_too_deeply_is_refused(catalog: Catalog) -> None:
    apis, message = cu.add_api_models(b"[" * 100_000 + b"]" * 100_000, "deep.json", catalog, [], TODAY)
    assert apis is None
    assert message.startswith("API models not added: ")
    assert "nested too deeply" in message


# ---------------------------------------------------------------------------------------------- scores
def test_score_file_gives_entries_and_a_summary(catalog: Catalog) -> None:
    scores, message = cu.add_scores(SCORES_CSV, "ours.csv", catalog, [])
    assert scores is not None
    assert [s.value for s in scores] == [41.5, 44.0]
    assert message.startswith("Added 2 scores for 2 models on 1 benchmark")


def test_score_out_of_the_benchmark_range_is_refused(catalog: Catalog) -> None:
    scores, message = cu.add_scores(SCORES_CSV.replace(b"44.0", b"440"), "ours.csv", catalog, [])
    assert scores is None
    assert "ours.csv, row 2, field 'value': must be between 0 and 100" in message


def test_pasted_bare_lines_get_a_header_and_provenance() -> None:
    text = "# our runs\nllama-3.3-70b, swe-bench-verified, 40\n\nqwen3-32b,swe-bench-verified,44\n"
    assert cu.pasted_scores_csv(text, TODAY) == (
        "source,as_of,model_id,benchmark_id,value\n"
        "pasted in the app (this session),2026-11-29,llama-3.3-70b, swe-bench-verified, 40\n"
        "pasted in the app (this session),2026-11-29,qwen3-32b,swe-bench-verified,44\n")
    # A pasted header is kept, and its own as_of is not overridden.
    with_header = "model_id,benchmark_id,value,as_of\nqwen3-32b,swe-bench-verified,44,2026-10-01\n"
    assert cu.pasted_scores_csv(with_header, TODAY).startswith("source,model_id,benchmark_id,value,as_of\n")
    assert cu.pasted_scores_csv("\n# nothing\n", TODAY) == ""


def test_pasted_scores_go_through_the_score_importer(catalog: Catalog) -> None:
    scores, message = cu.add_pasted_scores("llama-3.3-70b, swe-bench-verified, 40", catalog, [], TODAY)
    assert scores is not None
    assert (scores[0].value, scores[0].as_of, scores[0].source) == (40.0, TODAY, cu.PASTE_SOURCE)
    assert message.startswith("Added 1 score for 1 model on 1 benchmark")
    scores, message = cu.add_pasted_scores("llama-3.3-70b, swe-bench-verified, 40\nllama-3.3-70b, nosuchbench, 5",
                                           catalog, [], TODAY)
    assert scores is None
    assert "row 2, field 'benchmark_id': unknown benchmark id 'nosuchbench'" in message
    scores, message = cu.add_pasted_scores("llama-3.3-70b, swe-bench-verified", catalog, [], TODAY)
    assert scores is None
    assert "row 1, field 'value': is required" in message
    scores, message = cu.add_pasted_scores("", catalog, [], TODAY)
    assert scores is None
    assert "paste at least one line" in message


def test_score_for_a_users_api_model_needs_that_model(catalog: Catalog) -> None:
    apis, _ = cu.add_api_models(litellm({"acme/my-model": chat()}), "x.json", catalog, [], TODAY)
    assert apis is not None
    line = "acme-my-model, swe-bench-verified, 50"
    scores, message = cu.add_pasted_scores(line, catalog, [], TODAY)
    assert scores is None
    assert "unknown model id 'acme-my-model'" in message
    scores, message = cu.add_pasted_scores(line, merge_catalog(catalog, api_models=apis), [], TODAY)
    assert scores is not None, message
    assert cu.scores_for_known_models(scores, [m.id for m in catalog.models]) == ()


# ---------------------------------------------------------------------------------------------- API models
def test_litellm_excerpt_becomes_api_models_in_usd_per_million_tokens(catalog: Catalog) -> None:
    apis, message = cu.add_api_models(LITELLM_SAMPLE.read_bytes(), "model_prices_and_context_window.json", catalog,
                                      [], TODAY)
    assert apis is not None
    assert len(apis) == 8
    assert message.startswith("Added 8 API models from 8 providers")
    gemini = next(a for a in apis if a.id == "gemini-gemini-3.1-pro-preview")
    # LiteLLM: input_cost_per_token 2e-06 $/token -> 2 $ per million tokens; output 1.2e-05 -> 12.
    assert gemini.usd_per_million_input_tokens == pytest.approx(2.0, rel=1e-9)
    assert gemini.usd_per_million_output_tokens == pytest.approx(12.0, rel=1e-9)
    assert gemini.as_of == TODAY
    assert "model_prices_and_context_window.json" in gemini.source


def test_litellm_upload_replaces_earlier_user_entries_with_the_same_id(catalog: Catalog) -> None:
    first, _ = cu.add_api_models(litellm({"acme/m1": chat(), "acme/m2": chat()}), "a.json", catalog, [], TODAY)
    assert first is not None
    second, message = cu.add_api_models(litellm({"acme/m2": chat(input_usd_per_token=2e-6)}), "b.json", catalog,
                                        first, TODAY)
    assert second is not None
    assert [a.id for a in second] == ["acme-m1", "acme-m2"]
    assert second[1].usd_per_million_input_tokens == pytest.approx(2.0)
    assert message.startswith("Added 1 API model from 1 provider (acme)")


# ---------------------------------------------------------------------------------------------- session catalog
def _user_entries(catalog: Catalog) -> tuple[tuple[RentalPrice, ...], tuple[ApiModel, ...], tuple[Score, ...]]:
    prices, _ = cu.add_rental_prices(PRICES_CSV, "acme.csv", catalog, [])
    apis, _ = cu.add_api_models(litellm({"acme/my-model": chat()}), "x.json", catalog, [], TODAY)
    assert prices is not None
    assert apis is not None
    scores, _ = cu.add_pasted_scores("acme-my-model, swe-bench-verified, 50", merge_catalog(catalog, api_models=apis),
                                     [], TODAY)
    assert scores is not None
    return prices, apis, scores


def test_session_catalog_holds_user_entries_and_its_key_follows_them(catalog: Catalog) -> None:
    prices, apis, scores = _user_entries(catalog)
    assert common.session_catalog(catalog, (), (), ()) == (catalog, "shipped")
    cat, key = common.session_catalog(catalog, (), (), scores, prices, apis)
    assert {a.id for a in cat.api_models} >= {"acme-my-model"}
    assert len(cat.rental_prices) == len(catalog.rental_prices) + len(prices)
    assert scores[0] in cat.scores
    assert len(catalog.api_models) < len(cat.api_models)  # the shipped catalog is unchanged
    keys = {key}
    cheaper = (prices[0].model_copy(update={"usd_per_gpu_hour": 0.99}), *prices[1:])
    for changed in [((), (), scores, cheaper, apis), ((), (), scores, prices, ()), ((), (), (), prices, apis),
                    ((), (), (), prices, ())]:
        keys.add(common.session_catalog(catalog, *changed)[1])  # type: ignore[arg-type]
    assert len(keys) == 5  # every change of the user's entries changes the cache key
    again, again_key = common.session_catalog(catalog, (), (), scores, prices, apis)
    assert again_key == key
    assert again is cat  # the same entries: the merged catalog comes from the cache


def test_session_catalog_with_a_dangling_score_leaves_user_scores_out(catalog: Catalog) -> None:
    prices, _, scores = _user_entries(catalog)
    cat, key = common.session_catalog(catalog, (), (), scores, prices, ())  # the score's API model is gone
    assert key != "shipped"
    assert cat.scores == catalog.scores
    assert cat.rental_prices == catalog.rental_prices


# ---------------------------------------------------------------------------------------------- the app
def test_catalog_page_renders_with_user_entries_and_api_models_become_candidates(catalog: Catalog) -> None:
    prices, apis, scores = _user_entries(catalog)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.session_state["x_cprice"] = list(prices)
    at.session_state["x_capi"] = list(apis)
    at.session_state["x_cscore"] = list(scores)
    at.switch_page("app_pages/catalog.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Catalog" in t.value for t in at.title)
    frames = [d.value for d in at.dataframe]
    assert any("acme-my-model" in set(f.get("Id", [])) for f in frames)  # API models tab and the user's table
    assert any("Acme Cloud" in set(f.get("Provider", [])) for f in frames)  # GPU prices tab
    assert any(b.label == "Remove my API models" for b in at.button)
    assert "API: acme/my-model — acme" in at.multiselect(key="s_apis").options  # the sidebar reads the session catalog
    at.multiselect(key="s_apis").select("acme-my-model")
    at.switch_page("app_pages/compare.py").run()
    assert not at.exception, [e.value for e in at.exception]
    linked, _ = scenario_from_query(dict(at.query_params))
    assert "acme-my-model" in linked.api_model_ids
    shown = " ".join(str(d.value.to_dict()) for d in at.dataframe)
    assert "acme/my-model" in shown  # compared with the other candidates
    # Removing them drops them from the candidates and the user's scores for them.
    at.switch_page("app_pages/catalog.py").run()
    next(b for b in at.button if b.label == "Remove my API models").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.session_state["x_capi"] == []
    assert at.session_state["x_cscore"] == []
    assert "acme-my-model" not in at.session_state["s_apis"]
    assert "API: acme/my-model — acme" not in at.multiselect(key="s_apis").options
