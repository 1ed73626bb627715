"""Compare: every option ranked by cost per successful task, the cost-quality chart, head to head, CSV."""

from __future__ import annotations

import itertools
import re

import streamlit as st

from app_pages import charts, common, story, tables
from calculator import fit
from pricing import report, uncertainty
from pricing.kinds import OPTION_KINDS

s = common.scenario()
cat = common.catalog()
w = s.workload

st.title("Compare: which option gives the most successful tasks per dollar?")
limits = []
if w.ttft_slo_ms is not None:
    limits.append(f"first token within {w.ttft_slo_ms:,.0f} ms")
if w.tpot_slo_ms is not None:
    limits.append(f"{w.tpot_slo_ms:,.0f} ms per output token")
st.markdown(
    f"**{w.name}**: {w.input_tokens:,} input + {w.output_tokens:,} output tokens per request, "
    f"{w.requests_per_day:,.0f} requests per day (peak {w.peak_to_average_ratio:g} x average), "
    f"{' and '.join(limits) if limits else 'no latency limits'}"
    f"{f', minimum quality {w.min_quality:g}' if w.min_quality > 0 else ''}. "
    "Change any of this in the sidebar.")

if not (s.model_ids or s.custom_models or s.api_model_ids):
    st.info("Choose at least one open model or API model in the sidebar (Candidates) to compare.")
    st.stop()
if (s.model_ids or s.custom_models) and not (s.gpu_ids and s.precisions):
    st.info("Self-hosted models need at least one GPU and one weight precision (sidebar, Candidates).")

options = common.compare_table(s)
workload_names = list(dict.fromkeys(options["workload"])) or [w.name]
if len(s.workloads) > 1:
    chosen = st.selectbox("Workload", workload_names, key="cmp_workload",
                          help="The link holds several workloads; pick the one to show.")
else:
    chosen = workload_names[0]
rows, records, labels = tables.workload_rows(options, chosen)
if not records:
    st.info("No options to compare: add candidates in the sidebar.")
    st.stop()

# --- the answer first ----------------------------------------------------------------------------------------
ranked = [r for r in records if r["ranked"]]


def card(column: st.delta_generator.DeltaGenerator, title: str, row: dict[str, object], figure: str) -> None:
    box = column.container(border=True)
    box.caption(title)
    caveat = " · GPU price from an estimated quote (see its notes)" if row.get("price_estimated") else ""
    box.markdown(f"**{labels[str(row['option_id'])]}**  \n{figure}{caveat}")


if ranked:
    c1, c2, c3 = st.columns(3)
    best = ranked[0]

    def per_task(r: dict[str, object]) -> str:
        value = r["usd_per_successful_task"]
        est = r["quality_estimated_frac"]
        share = f" ({float(est):.0%} of the quality estimated)" if isinstance(est, float) and est > 0 else ""
        return (f"${float(value):,.4f} per successful task{share}" if isinstance(value, float)
                else "no success rate (no quality score)")

    card(c1, "Lowest cost per successful task (rank 1)", best,
         f"{per_task(best)} · ${best['monthly_cost_usd']:,.0f}/month")
    floor = c2.slider("Quality floor", min_value=0.0, max_value=100.0, step=1.0, key="cmp_floor",
                      value=float(w.min_quality) if w.min_quality > 0 else 50.0,
                      help="Smallest acceptable quality index [0-100, 0 = chance level] for the card below.")
    floor_rows = [r for r in ranked if r["quality_index"] is not None and r["quality_index"] >= floor
                  and r["usd_per_successful_task"] is not None]
    if floor_rows:
        pick_floor = min(floor_rows, key=lambda r: float(r["usd_per_successful_task"]))
        card(c2, f"Cheapest at or above quality {floor:g}", pick_floor,
             f"{per_task(pick_floor)} · quality {pick_floor['quality_index']:.1f}")
    else:
        c2.info(f"No ranked option reaches quality {floor:g}.")
    scored = [r for r in ranked if r["quality_index"] is not None]
    if scored:
        top = max(scored, key=lambda r: r["quality_index"])
        card(c3, "Highest quality that meets the limits", top,
             f"quality {top['quality_index']:.1f} · {per_task(top)} · ${top['monthly_cost_usd']:,.0f}/month")
else:
    st.warning("No option meets the latency limits and the minimum quality with a known price; the table "
               "says why for each one.")

# --- how sure: the Monte Carlo over model error, prices, tokens, quality and traffic (pricing.uncertainty) ---
for line in report.confidence_lines(rows, labels):
    st.markdown(f"**How sure?** {line} Each draw varies the throughput error (out-of-sample, by class), "
                "the GPU price among the quotes of the chosen provider class, tokens per request, quality "
                "and traffic together; P(cheapest) sums to 100% over the ranked options (Method page, 6).")

# --- what drives the answer: idle GPUs (the peak ratio) and, for MoE, total vs active parameters ---------------
always_on = s.sized_always_on
for text in (story.idle_story(r, w.peak_to_average_ratio, s.utilisation_frac, always_on) for r in ranked[:1]
             if r["provider"] == "self-hosted"):
    if text:
        st.markdown(text)
moe_row = next((r for r in ranked if r["kind"] == "self-hosted MoE"), None) or next(
    (r for r in records if r["kind"] == "self-hosted MoE" and r["num_gpus_per_replica"]), None)
if moe_row is not None:
    text = story.moe_story(moe_row, cat.model(str(moe_row["model_id"])).architecture)
    if text:
        st.markdown(text)

# --- chart ------------------------------------------------------------------------------------------------
st.plotly_chart(charts.cost_vs_quality(rows), width="stretch", key="cmp_chart")
missing = [r for r in records if r["quality_index"] is None or r["usd_per_million_tokens"] is None]
if missing:
    st.caption(f"Not in the chart ({len(missing)}): options without a quality index (custom models without "
               "scores) or without a cost (see Status). Hollow markers miss the latency limits.")

# --- table ------------------------------------------------------------------------------------------------
st.subheader("All options, ranked")
st.caption("Rank = lowest cost per successful task (monthly cost / (tasks x success rate); Method page) among "
           "options that meet the latency limits and the minimum quality and are not retired. 'Quality estimated' "
           "is the share of the index that comes from estimated scores. Output tokens include each model's "
           "thinking tokens. Self-hosted costs include idle GPUs at the chosen utilisation; cost per 1M tokens "
           "blends input and output at this workload's mix. $ per quality point is secondary: the index's zero is "
           "chance level, not zero cost of failure.")
table = tables.display_table(rows)
st.dataframe(table, hide_index=True, width="stretch", height=min(38 + 35 * len(table), 600),
             column_config={tables.HEADERS["option_id"]: None,
                            tables.HEADERS["rank"]: st.column_config.TextColumn(pinned=True, width="small"),
                            tables.HEADERS["model_name"]: st.column_config.TextColumn(pinned=True)},
             key="cmp_table")

wide = [r for r in records if r["gpu_id"] and r["num_gpus_per_replica"] and r.get("layout") == "tp"
        and int(r.get("pipeline_parallel") or 1) <= 1
        and fit.beyond_scale_up(cat.gpu(str(r["gpu_id"])), int(r["num_gpus_per_replica"]))]
if wide:
    st.warning("Tensor parallelism beyond the scale-up domain: "
               + "; ".join(f"{labels[str(r['option_id'])]} uses {r['num_gpus_per_replica']} GPUs per replica, "
                           f"its {cat.gpu(str(r['gpu_id'])).scale_up_domain_gpus}-GPU domain ends there"
                           for r in wide[:5])
               + (f" (and {len(wide) - 5} more)" if len(wide) > 5 else "")
               + ". Their all-reduces cross the slower scale-out network (priced in the speed model); a lower "
                 "precision or a bigger GPU usually needs fewer GPUs per replica (Sizing page).",
               icon=":material/warning:")

# --- head to head ---------------------------------------------------------------------------------------------
st.subheader("Head to head")
ids = list(labels)
default: list[str] = []
for kind in OPTION_KINDS:
    first = next((r["option_id"] for r in ranked if r["kind"] == kind), None)
    if first:
        default.append(first)
picked = st.session_state.get("cmp_pick")
if not picked or any(p not in ids for p in picked):
    st.session_state["cmp_pick"] = (default or ids)[:3]
pick = st.multiselect("Options to compare (2 or 3)", ids, key="cmp_pick", max_selections=3,
                      format_func=labels.__getitem__,
                      help="Defaults to the best-ranked MoE, dense and API options.")
chosen_rows = rows[rows["option_id"].isin(pick)].set_index("option_id").loc[pick].reset_index()
if len(pick) >= 1:
    side = tables.display_table(chosen_rows).set_index(tables.HEADERS["model_name"]).T
    side.columns = [labels[p] for p in pick]
    st.dataframe(side.drop(index=[tables.HEADERS["option_id"]]), width="stretch")
    draws = common.compare_draws(s)
    for a, b in itertools.pairwise(pick):
        try:
            p_ab = uncertainty.p_cheaper(draws, a, b, workload=chosen)
        except (KeyError, ValueError):
            continue  # an option without a price has no draws
        st.markdown(f"P({labels[a]} costs less per month than {labels[b]}) = **{p_ab:.0%}** "
                    f"({uncertainty.robustness(p_ab)}).")
    st.plotly_chart(charts.head_to_head(chosen_rows, [
        ("usd_per_million_tokens", "$ / 1M tokens"), ("monthly_cost_usd", "$ / month"),
        ("quality_index", "quality index [0-100]"), ("usd_per_successful_task", "$ per successful task")]),
        width="stretch", key="cmp_h2h")

# --- export ---------------------------------------------------------------------------------------------------
shown = options[options["workload"] == chosen]
slug = re.sub(r"[^a-z0-9]+", "-", s.name.lower()).strip("-")[:40] or "scenario"
csv_text = report.csv_text(shown, s.name)


def _workbook() -> bytes:
    """Built when the button is pressed (the sensitivity sheet reruns the comparison once per input)."""
    return report.workbook_bytes(shown, s, cat, report.sensitivity_by_workload(
        s.model_copy(update={"workloads": tuple(x for x in s.workloads if x.name == chosen)}), cat, shown))


d1, d2 = st.columns(2)
d1.download_button("Download CSV (one row per option)", csv_text, file_name=f"llm-options-{slug}.csv",
                   mime="text/csv", key="cmp_csv", on_click="ignore", icon=":material/download:", width="stretch",
                   help="The table above, one row per option: numbers as numbers (units in the column names), an "
                        "empty cell where a quantity does not exist and the status column saying why. Opens "
                        "directly in pandas or a spreadsheet.")
d2.download_button("Download workbook (.xlsx)", _workbook, file_name=f"llm-options-{slug}.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="cmp_xlsx",
                   on_click="ignore", icon=":material/table_view:", width="stretch",
                   help="Sheets: options (as the CSV), scenario and assumptions, sources and dates of every "
                        "catalog entry used, sensitivity of the rank-1 option.")
st.session_state["last_csv"] = csv_text
st.session_state["last_table"] = table
