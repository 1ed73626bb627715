"""Catalog: browse models, GPUs, prices and scores with their sources and dates; add your own entries."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import asdict

import pandas as pd
import streamlit as st
from pydantic import ValidationError

from app_pages import catalog_uploads, common
from app_pages.importers import MAX_LITELLM_BYTES, MAX_USER_FILE_BYTES
from calculator.audit import audit, summarise_counts
from calculator.catalog import format_validation_error
from calculator.hf_config import MAX_CONFIG_BYTES, HfConfigError, architecture_from_hf_config, parse_hf_config_bytes
from calculator.params import param_counts
from calculator.quality import index_table
from calculator.schemas import Gpu
from pricing.scenario import CustomModel

MAX_CUSTOM_MODELS = 5
PROVENANCE = {"source": st.column_config.TextColumn("Source", width="medium"),
              "as_of": st.column_config.DateColumn("As of"),
              "estimate": st.column_config.CheckboxColumn("Estimate?")}


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
    st.dataframe(pd.DataFrame([asdict(f) for f in stale], columns=["id", "kind", "problem", "detail"]),
                 hide_index=True, width="stretch")

tabs = st.tabs(["Open models", "GPUs", "GPU prices", "API models", "Benchmark scores", "Workload profiles",
                "Add your own"])
with tabs[0]:
    rows = []
    for m in cat.models:
        counts = param_counts(m.architecture)
        rows.append({"id": m.id, "name": m.name, "kind": "MoE" if m.architecture.is_moe else "dense",
                     "total_params_b": counts.total / 1e9, "active_params_b": counts.active / 1e9,
                     "context_length_tokens": m.context_length_tokens, "native_precision": m.native_precision,
                     "license": m.license, "retired_on": m.retired_on, "source": m.source, "as_of": m.as_of,
                     "estimate": m.estimate})
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "total_params_b": st.column_config.NumberColumn("Total params [B]", format="%.1f"),
        "active_params_b": st.column_config.NumberColumn("Active params [B]", format="%.1f",
                                                         help="Parameters each token uses"),
        "context_length_tokens": st.column_config.NumberColumn("Context [tokens]", format="%d"), **PROVENANCE})
with tabs[1]:
    cols = ["id", "name", "vendor", "memory_gb", "memory_bandwidth_gb_per_s", "bf16_dense_tflops",
            "fp8_dense_tflops", "fp4_dense_tflops", "interconnect_gb_per_s", "tdp_w", "source", "as_of", "estimate"]
    st.dataframe(pd.DataFrame([g.model_dump() for g in cat.gpus])[cols], hide_index=True, width="stretch",
                 column_config={
                     "memory_gb": st.column_config.NumberColumn("Memory [GB]", format="%.0f"),
                     "memory_bandwidth_gb_per_s": st.column_config.NumberColumn("Bandwidth [GB/s]", format="%.0f"),
                     "bf16_dense_tflops": st.column_config.NumberColumn("BF16 dense [TFLOP/s]", format="%.0f"),
                     "fp8_dense_tflops": st.column_config.NumberColumn("FP8 dense [TFLOP/s]", format="%.0f"),
                     "fp4_dense_tflops": st.column_config.NumberColumn("FP4 dense [TFLOP/s]", format="%.0f"),
                     "interconnect_gb_per_s": st.column_config.NumberColumn("GPU-GPU link [GB/s]", format="%.0f"),
                     "tdp_w": st.column_config.NumberColumn("Power [W]", format="%.0f"), **PROVENANCE})
with tabs[2]:
    st.markdown("**Rental prices** [$ per GPU-hour]")
    cols = ["gpu_id", "provider", "provider_kind", "pricing_tier", "usd_per_gpu_hour", "instance", "region",
            "source", "as_of", "estimate"]
    st.dataframe(pd.DataFrame([p.model_dump() for p in cat.rental_prices])[cols], hide_index=True, width="stretch",
                 column_config={"usd_per_gpu_hour": st.column_config.NumberColumn("$ per GPU-hour", format="%.2f"),
                                **PROVENANCE})
    st.markdown("**Purchase prices** [$ per GPU]")
    cols = ["gpu_id", "usd_per_gpu_low", "usd_per_gpu_typical", "usd_per_gpu_high", "includes", "source", "as_of",
            "estimate"]
    st.dataframe(pd.DataFrame([p.model_dump() for p in cat.purchase_prices])[cols], hide_index=True,
                 width="stretch", column_config={
                     "usd_per_gpu_low": st.column_config.NumberColumn("Low [$]", format="%.0f"),
                     "usd_per_gpu_typical": st.column_config.NumberColumn("Typical [$]", format="%.0f"),
                     "usd_per_gpu_high": st.column_config.NumberColumn("High [$]", format="%.0f"), **PROVENANCE})
with tabs[3]:
    cols = ["id", "name", "provider", "open_model_id", "usd_per_million_input_tokens",
            "usd_per_million_output_tokens", "usd_per_million_cached_input_tokens", "context_length_tokens",
            "retired_on", "superseded_by", "source", "as_of", "estimate"]
    st.dataframe(pd.DataFrame([a.model_dump() for a in cat.api_models])[cols], hide_index=True, width="stretch",
                 column_config={
                     "usd_per_million_input_tokens": st.column_config.NumberColumn("Input [$ / 1M tok]", format="%.3f"),
                     "usd_per_million_output_tokens": st.column_config.NumberColumn("Output [$ / 1M tok]",
                                                                                    format="%.3f"),
                     "usd_per_million_cached_input_tokens": st.column_config.NumberColumn("Cached input [$ / 1M tok]",
                                                                                          format="%.3f"),
                     "context_length_tokens": st.column_config.NumberColumn("Context [tokens]", format="%d"),
                     **PROVENANCE})
with tabs[4]:
    bench = pd.DataFrame([b.model_dump() for b in cat.benchmarks])
    st.markdown("**Benchmarks** (scores are percent, 0-100)")
    st.dataframe(bench[["id", "name", "description", "chance_value", "chance_source", "source", "as_of"]],
                 hide_index=True, width="stretch", column_config={
                     "chance_value": st.column_config.NumberColumn("Chance level [%]", format="%.2f",
                                                                   help="Score of uniform guessing; success counts "
                                                                        "only above it (Method page)."),
                     **PROVENANCE})
    st.markdown("**Scores**")
    scores = pd.DataFrame([x.model_dump() for x in cat.scores])
    st.dataframe(scores[["model_id", "benchmark_id", "value", "setting", "harness", "source", "as_of", "estimate"]],
                 hide_index=True, width="stretch",
                 column_config={"value": st.column_config.NumberColumn("Score [%]", format="%.1f"), **PROVENANCE})
    st.markdown("**Quality index per workload profile** (0 = chance level, 100 = perfect) and the share of it "
                "that comes from estimated scores (Method page, 'Quality')")
    cells = pd.DataFrame([dataclasses.asdict(c) for c in index_table(cat)])
    if not cells.empty:
        index = cells.pivot(index="model_id", columns="workload_id", values="index")
        est = cells.pivot(index="model_id", columns="workload_id", values="estimated_frac")
        table = index.round(1).astype(object).where(index.notna(), "no score")
        for col in table.columns:
            table[col] = [f"{v} ({e:.0%} est.)" if isinstance(v, float) and e else v
                          for v, e in zip(table[col], est[col].fillna(0.0), strict=True)]
        st.dataframe(table.reset_index(), hide_index=True, width="stretch")
    st.markdown("**Thinking tokens per request** (reasoning models; others use the workload preset's default "
                "for reasoning models, or 0)")
    usage = pd.DataFrame([t.model_dump() for t in cat.token_usage])
    if not usage.empty:
        st.dataframe(usage[["model_id", "workload_id", "setting", "reasoning_tokens_per_request", "source", "as_of",
                            "estimate"]], hide_index=True, width="stretch", column_config=PROVENANCE)
with tabs[5]:
    rows = [{"id": w.id, "name": w.name, "input_tokens": w.input_tokens, "output_tokens": w.output_tokens,
             "ttft_slo_ms": w.ttft_slo_ms, "tpot_slo_ms": w.tpot_slo_ms,
             "quality_weights": ", ".join(f"{k} {v:.0%}" for k, v in w.quality_weights.items()),
             "source": w.source, "as_of": w.as_of, "estimate": w.estimate} for w in cat.workloads]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", column_config={
        "input_tokens": st.column_config.NumberColumn("Input [tokens]"),
        "output_tokens": st.column_config.NumberColumn("Output [tokens]"),
        "ttft_slo_ms": st.column_config.NumberColumn("TTFT limit [ms]"),
        "tpot_slo_ms": st.column_config.NumberColumn("TPOT limit [ms]"),
        "quality_weights": st.column_config.TextColumn("Quality index = weighted benchmarks"), **PROVENANCE})

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
        st.dataframe(pd.DataFrame([x.model_dump() for x in st.session_state["x_cscore"]])[
            ["model_id", "benchmark_id", "value", "source", "as_of"]], hide_index=True)
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
        st.dataframe(pd.DataFrame([p.model_dump() for p in st.session_state["x_cprice"]])[
            ["gpu_id", "provider", "pricing_tier", "usd_per_gpu_hour", "instance", "region", "as_of"]],
            hide_index=True, column_config={
                "usd_per_gpu_hour": st.column_config.NumberColumn("$ per GPU-hour", format="%.2f")})
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
        st.dataframe(pd.DataFrame([a.model_dump() for a in st.session_state["x_capi"]])[
            ["id", "provider", "usd_per_million_input_tokens", "usd_per_million_output_tokens", "as_of"]],
            hide_index=True, column_config={
                "usd_per_million_input_tokens": st.column_config.NumberColumn("Input [$ / 1M tok]", format="%.3f"),
                "usd_per_million_output_tokens": st.column_config.NumberColumn("Output [$ / 1M tok]", format="%.3f")})
        st.button("Remove my API models", key="cat_rm_apis", on_click=_remove_apis,
                  help="Also removes them from the candidates and drops your scores for them.")
    st.caption("Your uploaded prices, scores and API models stay in this session only; the link does not carry "
               "them.")
