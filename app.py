"""The dashboard's frame: page config, cached catalog, link -> scenario -> session state, navigation.

Run with ``streamlit run app.py``. The scenario lives in the URL (``pricing.scenario`` codec, v=1): the
first run of a session seeds ``st.session_state`` from the link; every run rebuilds the scenario from the
widgets and writes it back to the URL, so the address bar is always a shareable link.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from app_pages import common, sidebar
from app_pages.state import (
    StateError,
    is_history_step,
    lost_gpus_warning,
    readable_warning,
    scenario_from_state,
    scenario_to_state,
    split_query,
    view_to_query,
    view_to_state,
)
from calculator.catalog import Catalog, CatalogError
from calculator.schemas import Model
from pricing.scenario import Scenario, check_against_catalog, scenario_from_query, scenario_to_query

st.set_page_config(page_title="LLM procurement calculator", page_icon=":material/calculate:", layout="wide")

try:
    shipped = common.shipped_catalog()
except CatalogError as exc:
    st.error(f"The catalog could not be loaded: {exc}")
    st.stop()

# --- link -> session state: once per session, and again on Back/Forward ---------------------------------------
def seed_from_link(params: dict[str, list[str]], catalog: Catalog) -> None:
    """Put the link's scenario and view (``opt``, ``n``) into session state, with warnings for what it drops."""
    scenario_params, view_params = split_query(params)
    linked, warnings = scenario_from_query(scenario_params) if scenario_params else (Scenario(), [])
    linked, more = check_against_catalog(linked, catalog)
    state, more_ui = scenario_to_state(linked, catalog)
    view, more_view = view_to_state(view_params)
    st.session_state.update(state)
    st.session_state.update(view)
    lost = lost_gpus_warning(scenario_params, linked)
    st.session_state["link_warnings"] = [readable_warning(x) for x in [*warnings, *more, *more_ui, *more_view, *lost]]


link = {key: st.query_params.get_all(key) for key in st.query_params}
if "seeded" not in st.session_state:
    seed_from_link(link, shipped)
    st.session_state["x_cgpu"] = []
    st.session_state["x_cscore"] = []
    st.session_state["x_cprice"] = []
    st.session_state["x_capi"] = []
    st.session_state["seeded"] = True
elif is_history_step(get_script_run_ctx(), st.query_params.to_dict(), st.session_state.get("written_query")):
    # Back or Forward: the browser shows an earlier link; that link is the scenario now (the session's own
    # catalog entries stay, so an earlier link that used one of them still finds it).
    seed_from_link(link, st.session_state.get("catalog", shipped))

# --- the session catalog: shipped + the user's own entries -----------------------------------------------
custom_models = tuple(
    Model.model_validate({"id": cm.id, "name": cm.name, "family": "custom", "architecture": cm.architecture,
                          "source": "your config.json (this session)", "as_of": dt.date.today()})
    for cm in st.session_state["x_cm"])
cat, cat_key = common.session_catalog(shipped, custom_models, tuple(st.session_state["x_cgpu"]),
                                      tuple(st.session_state["x_cscore"]), tuple(st.session_state["x_cprice"]),
                                      tuple(st.session_state["x_capi"]))
st.session_state["catalog"] = cat
st.session_state["catalog_key"] = cat_key

# --- sidebar -> scenario -> URL ------------------------------------------------------------------------------
sidebar.render(cat)
try:
    current = scenario_from_state(st.session_state)
    st.session_state["last_good_scenario"] = current
except StateError as exc:
    st.error(f"{exc}. Showing the last valid scenario.")
    current = st.session_state.get("last_good_scenario", Scenario())
st.session_state["scenario"] = current
query = {**scenario_to_query(current), **view_to_query(st.session_state)}
if st.query_params.to_dict() != query:
    st.query_params.from_dict(query)  # one new browser-history entry (replaces it during Back/Forward)
st.session_state["written_query"] = query

with st.popover("Share this scenario", icon=":material/link:"):
    st.markdown("**Link to this scenario.** Copy it with the button at the top right of the box; opening it "
                "reproduces every input of the sidebar and the Catalog page's models and prices.")
    st.code(f"{st.context.url or ''}?{urlencode(query)}", language=None, wrap_lines=True)
    st.caption("Your own GPUs, prices, API models and benchmark scores (Catalog page) stay in this session only; "
               "custom config.json models and price overrides travel in the link.")

for text in st.session_state["link_warnings"]:
    st.warning(f"Shared link: {text}.", icon=":material/link_off:")
if st.session_state["link_warnings"] and st.button("Dismiss link warnings", key="dismiss_link_warnings"):
    st.session_state["link_warnings"] = []
    st.rerun()

pages = [
    st.Page("app_pages/compare.py", title="Compare", icon=":material/leaderboard:", default=True),
    st.Page("app_pages/sizing.py", title="Sizing", icon=":material/memory:"),
    st.Page("app_pages/economics.py", title="Economics", icon=":material/payments:"),
    st.Page("app_pages/catalog.py", title="Catalog", icon=":material/menu_book:"),
    st.Page("app_pages/method.py", title="Method", icon=":material/functions:"),
]
st.navigation(pages).run()
