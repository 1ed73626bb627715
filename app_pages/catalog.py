"""Catalog: browse models, GPUs, prices and scores with their sources and dates; add your own entries."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import streamlit as st
from pydantic import BaseModel, ValidationError

from app_pages import catalog_uploads, common, tables
from app_pages.importers import MAX_LITELLM_BYTES, MAX_USER_FILE_BYTES
from calculator.audit import audit, summarise_counts
from calculator.catalog import format_validation_error
from calculator.hf_config import MAX_CONFIG_BYTES, HfConfigError, architecture_from_hf_config, parse_hf_config_bytes
from calculator.params import param_counts
from calculator.quality import index_table
from calculator.schemas import Gpu
from pricing.scenario import CustomModel

MAX_CUSTOM_MODELS = 5
C = tables.Column
# The reference tables' columns: field, header with unit, number format (app_pages/tables.py).
MODEL_COLUMNS = (C("id", "Id"), C("name", "Model"), C("kind", "Type"), C("total_params_b", "Total params [B]", ",.1f"),
                 C("active_params_b", "Active params per token [B]", ",.1f"),
                 C("context_length_tokens", "Context [tokens]", ",.0f"), C("native_precision", "Native precision"),
                 C("license", "License"), C("retired_on", "Retired on"), *tables.PROVENANCE)
GPU_COLUMNS = (C("id", "Id"), C("name", "GPU"), C("vendor", "Vendor"), C("memory_gb", "Memory [GB]", ",.0f"),
               C("memory_bandwidth_gb_per_s", "Bandwidth [GB/s]", ",.0f"),
               C("bf16_dense_tflops", "BF16 dense [TFLOP/s]", ",.0f"),
               C("fp8_dense_tflops", "FP8 dense [TFLOP/s]", ",.0f"),
               C("fp4_dense_tflops", "FP4 dense [TFLOP/s]", ",.0f"),
               C("interconnect_gb_per_s", "GPU-GPU link [GB/s]", ",.0f"), C("tdp_w", "Power [W]", ",.0f"),
               *tables.PROVENANCE)
RENTAL_COLUMNS = (C("gpu_id", "GPU"), C("provider", "Provider"), C("provider_kind", "Provider type"),
                  C("pricing_tier", "Pricing tier", "words"), C("usd_per_gpu_hour", "Price [$ / GPU-hour]", ",.2f"),
                  C("instance", "Instance"), C("region", "Region"), *tables.PROVENANCE)
PURCHASE_COLUMNS = (C("gpu_id", "GPU"), C("usd_per_gpu_low", "Low [$ per GPU]", ",.0f"),
                    C("usd_per_gpu_typical", "Typical [$ per GPU]", ",.0f"),
                    C("usd_per_gpu_high", "High [$ per GPU]", ",.0f"), C("includes", "Includes", "words"),
                    *tables.PROVENANCE)
API_COLUMNS = (C("id", "Id"), C("name", "API model"), C("provider", "Provider"), C("open_model_id", "Open model"),
               C("usd_per_million_input_tokens", "Input [$ / 1M tokens]", ",.3f"),
               C("usd_per_million_output_tokens", "Output [$ / 1M tokens]", ",.3f"),
               C("usd_per_million_cached_input_tokens", "Cached input [$ / 1M tokens]", ",.3f"),
               C("context_length_tokens", "Context [tokens]", ",.0f"), C("retired_on", "Retired on"),
               C("superseded_by", "Superseded by"), *tables.PROVENANCE)
BENCHMARK_COLUMNS = (C("id", "Id"), C("name", "Benchmark"), C("description", "What it tests"),
                     C("chance_value", "Chance level [%]", ",.2f"), C("chance_source", "Chance level from"),
                     *tables.PROVENANCE[:2])
SCORE_COLUMNS = (C("model_id", "Model"), C("benchmark_id", "Benchmark"), C("value", "Score [%]", ",.1f"),
                 C("setting", "Setting"), C("harness", "Harness"), *tables.PROVENANCE)
USAGE_COLUMNS = (C("model_id", "Model"), C("workload_id", "Workload"), C("setting", "Setting"),
                 C("reasoning_tokens_per_request", "Thinking tokens per request", ",.0f"), *tables.PROVENANCE)
WORKLOAD_COLUMNS = (C("id", "Id"), C("name", "Workload"), C("input_tokens", "Input [tokens]", ",.0f"),
                    C("output_tokens", "Output [tokens]", ",.0f"), C("ttft_slo_ms", "TTFT limit [ms]", ",.0f"),
                    C("tpot_slo_ms", "TPOT limit [ms]", ",.0f"),
                    C("quality_weights", "Quality index = weighted benchmarks"), *tables.PROVENANCE)
FINDING_COLUMNS = (C("id", "Entry"), C("kind", "Catalog", "words"), C("problem", "Problem", "words"),
                   C("detail", "Detail"))
MY_SCORE_COLUMNS = (*SCORE_COLUMNS[:3], *tables.PROVENANCE[:2])
MY_PRICE_COLUMNS = (RENTAL_COLUMNS[0], RENTAL_COLUMNS[1], RENTAL_COLUMNS[3], RENTAL_COLUMNS[4], RENTAL_COLUMNS[5],
                    RENTAL_COLUMNS[6], tables.PROVENANCE[1])
MY_API_COLUMNS = (API_COLUMNS[0], API_COLUMNS[2], API_COLUMNS[4], API_COLUMNS[5], tables.PROVENANCE[1])


def _show(rows: Iterable[Mapping[str, Any]], columns: Sequence[tables.Column]) -> None:
    st.dataframe(tables.readable(rows, columns), hide_index=True, width="stretch")


def _dumps(items: Iterable[BaseModel]) -> list[dict[str, Any]]:
    return [x.model_dump() for x in items]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9.\-]+", "-", text.lower()).strip("-.")[:50] or "model"


def _say(kind: str, text: str) -> None:
    st.session_state["catalog_message"] = (kind, text)


# ---------------------------------------------------------------------------------------- callbacks
def _add_model() -> None:
    upload = st.session_state.get("cat_upload")
    name = (st.session_state.get("cat_model_name") or "").strip()
    if upload is None:
        _say("error", "config.json: choose a file first.")
        return
    if len(st.session_state["x_cm"]) >= MAX_CUSTOM_MODELS:
        _say("error", f"custom models: at most {MAX_CUSTOM_MODELS} per scenario; remove one first.")
        return
    try:
        config = parse_hf_config_bytes(upload.getvalue())
        arch = architecture_from_hf_config(config)
    except HfConfigError as exc:
        _say("error", f"config.json: {exc}.")
        return
    name = name or str(config.get("_name_or_path") or config.get("model_type") or "my model")[:120]
    model_id = f"custom-{_slug(name)}"
    existing = {m.id for m in st.session_state["x_cm"]}
    if model_id in existing:
        _say("error", f"model name: '{name}' is already added; choose another name.")
        return
    try:
        cm = CustomModel(id=model_id, name=name[:120], architecture=arch)
    except ValidationError as exc:
        _say("error", format_validation_error(exc, "custom model"))
        return
    st.session_state["x_cm"] = [*st.session_state["x_cm"], cm]
    st.session_state["s_models"] = [*st.session_state["s_models"], model_id]
    counts = param_counts(arch)
    _say("success", f"Added '{name}' ({counts.total / 1e9:,.1f} B parameters, "
                    f"{'MoE' if arch.is_moe else 'dense'}) to the scenario's open models.")


def _remove_model(model_id: str) -> None:
    st.session_state["x_cm"] = [m for m in st.session_state["x_cm"] if m.id != model_id]
    st.session_state["s_models"] = [m for m in st.session_state["s_models"] if m != model_id]
    st.session_state["x_cscore"] = [x for x in st.session_state["x_cscore"] if x.model_id != model_id]


def _set_price() -> None:
    gpu_id = st.session_state["cat_px_gpu"]
    price = st.session_state["cat_px_value"]
    if price is None:
        _say("error", "price: enter a price between 0 and 1000 $ per GPU-hour.")
        return
    st.session_state["x_px"] = {**st.session_state["x_px"], gpu_id: float(price)}
    _say("success", f"{gpu_id} now costs ${price:,.2f} per GPU-hour in this scenario (all pricing bases).")


def _remove_price(gpu_id: str) -> None:
    st.session_state["x_px"] = {k: v for k, v in st.session_state["x_px"].items() if k != gpu_id}


def _add_gpu() -> None:
    base = common.catalog().gpu(st.session_state["cat_gpu_base"])
    fields = {
        "memory_gb": st.session_state["cat_gpu_mem"],
        "memory_bandwidth_gb_per_s": st.session_state["cat_gpu_bw"],
        "bf16_dense_tflops": st.session_state["cat_gpu_bf16"],
        "fp8_dense_tflops": st.session_state["cat_gpu_fp8"],
        "interconnect_gb_per_s": st.session_state["cat_gpu_ic"],
    }
    gpu_id = f"custom-{base.id}" if not base.id.startswith("custom-") else base.id
    data = base.model_dump()
    data.update(fields, id=gpu_id, name=f"{base.name} (edited)" if not base.id.startswith("custom-") else base.name,
                source="edited in the app (this session)", as_of=dt.date.today(), estimate=False,
                estimate_method=None, fp8_sparse_tflops=None, bf16_sparse_tflops=None)
    try:
        gpu = Gpu.model_validate(data)
    except ValidationError as exc:
        _say("error", format_validation_error(exc, "edited GPU"))
        return
    st.session_state["x_cgpu"] = [g for g in st.session_state["x_cgpu"] if g.id != gpu_id] + [gpu]
    if gpu_id not in st.session_state["s_gpus"]:
        st.session_state["s_gpus"] = [*st.session_state["s_gpus"], gpu_id]
    _say("success", f"Added '{gpu.name}' ({gpu_id}) to the scenario's GPUs. Set its price below if the "
                    "catalog has none for it.")


def _add_scores() -> None:
    _keep(catalog_uploads.add_pasted_scores(st.session_state.get("cat_scores") or "", common.catalog(),
                                            st.session_state["x_cscore"], dt.date.today()), "x_cscore")


def _keep(outcome: tuple[tuple[object, ...] | None, str], state_key: str) -> None:
    """Store the user's entries after an upload (None: refused) and show the upload's one sentence."""
    entries, message = outcome
    if entries is None:
        _say("error", message)
        return
    st.session_state[state_key] = list(entries)
    _say("success", message)


def _upload(key: str, kind: str) -> tuple[bytes, str] | None:
    upload = st.session_state.get(key)
    if upload is None:
        _say("error", f"{kind}: choose a file first.")
        return None
    return upload.getvalue(), str(upload.name)


def _upload_prices() -> None:
    if (file := _upload("cat_up_prices", "Rental prices")) is not None:
        _keep(catalog_uploads.add_rental_prices(*file, common.catalog(), st.session_state["x_cprice"]), "x_cprice")


def _upload_scores() -> None:
    if (file := _upload("cat_up_scores", "Benchmark scores")) is not None:
        _keep(catalog_uploads.add_scores(*file, common.catalog(), st.session_state["x_cscore"]), "x_cscore")


def _upload_apis() -> None:
    if (file := _upload("cat_up_apis", "LiteLLM price map")) is not None:
        _keep(catalog_uploads.add_api_models(*file, common.catalog(), st.session_state["x_capi"],
                                             st.session_state["cat_api_asof"]), "x_capi")


def _remove_prices() -> None:
    st.session_state["x_cprice"] = []


def _remove_apis() -> None:
    """Drop the user's API models, their scores, and their ids from the candidates (a shipped id stays)."""
    shipped = {a.id for a in common.shipped_catalog().api_models}
    mine = {a.id for a in st.session_state["x_capi"]} - shipped
    st.session_state["x_capi"] = []
    st.session_state["s_apis"] = [i for i in st.session_state["s_apis"] if i not in mine]
    known = [m.id for m in common.catalog().models] + sorted(shipped)
    st.session_state["x_cscore"] = list(catalog_uploads.scores_for_known_models(st.session_state["x_cscore"], known))


def _fill_gpu_form() -> None:
    g = common.catalog().gpu(st.session_state["cat_gpu_base"])
    st.session_state.update({"cat_gpu_mem": float(g.memory_gb), "cat_gpu_bw": float(g.memory_bandwidth_gb_per_s),
                             "cat_gpu_bf16": float(g.bf16_dense_tflops),
                             "cat_gpu_fp8": None if g.fp8_dense_tflops is None else float(g.fp8_dense_tflops),
                             "cat_gpu_ic": float(g.interconnect_gb_per_s)})


# ---------------------------------------------------------------------------------------- page
cat = common.catalog()
st.title("Catalog")
st.caption("Every number the calculator uses, with where it comes from and when. 'Estimate' marks a figure "
           "derived rather than published. Add your own entries at the bottom (they apply to this session).")

if "catalog_message" in st.session_state:
    kind, text = st.session_state.pop("catalog_message")
    (st.success if kind == "success" else st.error)(text)

# What may be out of date (issue 15): the audit's findings for today, the same list as `python -m calculator audit`.
stale = audit(cat, dt.date.today())
with st.expander(f"What may be out of date: {len(stale)} findings ({summarise_counts(stale)})"):
    st.caption("Entries past retirement, prices observed longer ago than their shelf life (API and rental prices "
               "3 months, purchase prices 12 months), entries without a release date, and API models whose "
               "provider sells a newer one in this catalog. Refresh steps: data/README.md.")
    _show([asdict(f) for f in stale], FINDING_COLUMNS)

tabs = st.tabs(["Open models", "GPUs", "GPU prices", "API models", "Benchmark scores", "Workload profiles",
                "Add your own"])
with tabs[0]:
    rows = []
    for m in cat.models:
        counts = param_counts(m.architecture)
        rows.append({**m.model_dump(), "kind": "MoE" if m.architecture.is_moe else "dense",
                     "total_params_b": counts.total / 1e9, "active_params_b": counts.active / 1e9})
    _show(rows, MODEL_COLUMNS)
with tabs[1]:
    _show(_dumps(cat.gpus), GPU_COLUMNS)
with tabs[2]:
    st.markdown("**Rental prices** [$ per GPU-hour]")
    _show(_dumps(cat.rental_prices), RENTAL_COLUMNS)
    st.markdown("**Purchase prices** [$ per GPU]")
    _show(_dumps(cat.purchase_prices), PURCHASE_COLUMNS)
with tabs[3]:
    _show(_dumps(cat.api_models), API_COLUMNS)
with tabs[4]:
    st.markdown("**Benchmarks** (scores are percent, 0-100). A score counts only above the chance level "
                "(Method page).")
    _show(_dumps(cat.benchmarks), BENCHMARK_COLUMNS)
    st.markdown("**Scores**")
    _show(_dumps(cat.scores), SCORE_COLUMNS)
    st.markdown("**Quality index per workload profile** (0 = chance level, 100 = perfect) and the share of it "
                "that comes from estimated scores (Method page, 'Quality')")
    cells = index_table(cat)
    if cells:
        workloads = {w.id: w.name for w in cat.workloads}
        by_model: dict[str, dict[str, Any]] = {}
        for c in cells:
            shown = (tables.text(c.index, ",.1f") + (f" ({c.estimated_frac:.0%} est.)" if c.estimated_frac else "")
                     if c.index is not None and math.isfinite(c.index) else tables.NO_SCORE)
            by_model.setdefault(c.model_id, {"model_id": c.model_id})[c.workload_id] = shown
        order = sorted({c.workload_id for c in cells})
        _show(by_model.values(), (C("model_id", "Model"), *(C(w, workloads.get(w, w)) for w in order)))
    st.markdown("**Thinking tokens per request** (reasoning models; others use the workload preset's default "
                "for reasoning models, or 0)")
    if cat.token_usage:
        _show(_dumps(cat.token_usage), USAGE_COLUMNS)
with tabs[5]:
    _show([{**w.model_dump(), "quality_weights": ", ".join(f"{k} {v:.0%}" for k, v in w.quality_weights.items())}
           for w in cat.workloads], WORKLOAD_COLUMNS)

with tabs[6]:
    st.subheader("Your own model (Hugging Face config.json)")
    st.caption("The architecture is read from the file; the model joins the scenario's open models and the link.")
    with st.form("cat_model_form", clear_on_submit=False):
        st.file_uploader("config.json", type=["json"], key="cat_upload",
                         help=f"The model's config.json from its Hugging Face page, at most "
                              f"{MAX_CONFIG_BYTES:,} bytes.")
        st.text_input("Model name", key="cat_model_name", max_chars=60,
                      help="Shown in tables and charts, up to 60 characters.")
        st.form_submit_button("Add model", on_click=_add_model)
    for cm in st.session_state["x_cm"]:
        st.button(f"Remove {cm.name}", key=f"cat_rm_{cm.id}", on_click=_remove_model, args=(cm.id,))

    st.subheader("Your own GPU price")
    gpu_ids = [g.id for g in cat.gpus]
    with st.form("cat_price_form"):
        st.selectbox("GPU", gpu_ids, key="cat_px_gpu", help="The GPU whose price you set.")
        st.number_input("Price [$ per GPU-hour]", min_value=0.0, max_value=1000.0, value=None, step=0.1,
                        key="cat_px_value", help="Your quoted price, 0 to 1000 $ per GPU-hour; replaces the "
                                                 "catalog's price under every pricing basis except owned.")
        st.form_submit_button("Set price", on_click=_set_price)
    for gpu_id, price in st.session_state["x_px"].items():
        st.button(f"Remove {gpu_id} at ${price:,.2f}/GPU-hour", key=f"cat_rmpx_{gpu_id}", on_click=_remove_price,
                  args=(gpu_id,))

    st.subheader("Edit a GPU's specs")
    st.caption("Saved as a new GPU 'custom-<id>' for this session (not carried by the link).")
    if "cat_gpu_base" not in st.session_state:
        st.session_state["cat_gpu_base"] = gpu_ids[0]
        _fill_gpu_form()
    st.selectbox("Start from", gpu_ids, key="cat_gpu_base", on_change=_fill_gpu_form,
                 help="Copies this GPU's datasheet figures into the fields below.")
    with st.form("cat_gpu_form"):
        c1, c2, c3 = st.columns(3)
        c1.number_input("Memory [GB]", min_value=8.0, max_value=400.0, key="cat_gpu_mem",
                        help="Memory per GPU [GB], 8 to 400.")
        c2.number_input("Memory bandwidth [GB/s]", min_value=100.0, max_value=20000.0, key="cat_gpu_bw",
                        help="Peak memory bandwidth [GB/s], 100 to 20,000.")
        c3.number_input("GPU-GPU link [GB/s]", min_value=1.0, max_value=5000.0, key="cat_gpu_ic",
                        help="Interconnect bandwidth per GPU [GB/s], 1 to 5,000.")
        c1.number_input("BF16 dense [TFLOP/s]", min_value=10.0, max_value=10000.0, key="cat_gpu_bf16",
                        help="Dense (not sparse) BF16 tensor throughput [TFLOP/s], 10 to 10,000.")
        c2.number_input("FP8 dense [TFLOP/s]", min_value=10.0, max_value=20000.0, value=None, key="cat_gpu_fp8",
                        placeholder="none", help="Dense FP8 tensor throughput [TFLOP/s], 10 to 20,000; empty if "
                                                 "the GPU has no FP8.")
        st.form_submit_button("Save GPU", on_click=_add_gpu)

    st.subheader("Your own benchmark scores")
    st.caption("One score per line: model_id, benchmark_id, value (percent). Ids are in the tables above. A header "
               "line may add the other score fields (setting, harness, source, as_of).")
    with st.form("cat_scores_form"):
        st.text_area("Scores", key="cat_scores", placeholder="qwen3.5-397b-a17b, swe-bench-verified, 76.4",
                     max_chars=catalog_uploads.MAX_PASTE_CHARS,
                     help="model_id (open or API model), benchmark_id, value in the benchmark's range [%]. Dated "
                          "today and marked as pasted in the app.")
        st.form_submit_button("Add scores", on_click=_add_scores)
    with st.form("cat_up_scores_form"):
        st.file_uploader("Or a file of scores", type=list(catalog_uploads.TABLE_FILE_TYPES), key="cat_up_scores",
                         max_upload_size=catalog_uploads.upload_limit_mb(MAX_USER_FILE_BYTES),
                         help=catalog_uploads.table_file_help(
                             "a score", "model_id, benchmark_id, value, as_of (date); optional setting, harness, "
                                        "source"))
        st.form_submit_button("Add scores from file", on_click=_upload_scores)
    if st.session_state["x_cscore"]:
        _show(_dumps(st.session_state["x_cscore"]), MY_SCORE_COLUMNS)
        if st.button("Remove my scores", key="cat_rm_scores"):
            st.session_state["x_cscore"] = []
            st.rerun()

    st.subheader("Your own GPU rental prices (file)")
    st.caption("Quotes you have, e.g. from your cloud account: they join the catalog's quotes for the GPU and tier "
               "(a quote with the same GPU, provider, tier, instance and region replaces the catalog's).")
    with st.form("cat_up_prices_form"):
        st.file_uploader("Rental prices", type=list(catalog_uploads.TABLE_FILE_TYPES), key="cat_up_prices",
                         max_upload_size=catalog_uploads.upload_limit_mb(MAX_USER_FILE_BYTES),
                         help=catalog_uploads.table_file_help(
                             "a rental price", "gpu_id, provider, provider_kind (hyperscaler, specialist, "
                             "marketplace, neocloud, other), pricing_tier (on_demand, reserved_1y, reserved_3y, "
                             "spot, commitment), usd_per_gpu_hour (0.05 to 100), as_of (date); optional instance, "
                             "region, source"))
        st.form_submit_button("Add prices", on_click=_upload_prices)
    if st.session_state["x_cprice"]:
        _show(_dumps(st.session_state["x_cprice"]), MY_PRICE_COLUMNS)
        st.button("Remove my prices", key="cat_rm_prices", on_click=_remove_prices)

    st.subheader("API models from LiteLLM's price list")
    st.caption("Per-token prices of chat models from LiteLLM's model_prices_and_context_window.json "
               "(github.com/BerriAI/litellm), converted to $ per million tokens; pick them in the sidebar.")
    if "cat_api_asof" not in st.session_state:
        st.session_state["cat_api_asof"] = dt.date.today()
    with st.form("cat_up_apis_form"):
        st.file_uploader("LiteLLM price map", type=list(catalog_uploads.LITELLM_FILE_TYPES), key="cat_up_apis",
                         max_upload_size=catalog_uploads.upload_limit_mb(MAX_LITELLM_BYTES),
                         help=catalog_uploads.LITELLM_HELP)
        st.date_input("Prices as of", key="cat_api_asof", min_value=dt.date(2020, 1, 1), max_value=dt.date.today(),
                      help="The date of the price map (e.g. of the LiteLLM release you took it from).")
        st.form_submit_button("Add API models", on_click=_upload_apis)
    if st.session_state["x_capi"]:
        st.caption(f"{len(st.session_state['x_capi']):,} API models from your file(s).")
        _show(_dumps(st.session_state["x_capi"]), MY_API_COLUMNS)
        st.button("Remove my API models", key="cat_rm_apis", on_click=_remove_apis,
                  help="Also removes them from the candidates and drops your scores for them.")
    st.caption("Your uploaded prices, scores and API models stay in this session only; the link does not carry "
               "them.")
