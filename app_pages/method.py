"""Method: the formulas and assumptions in plain words, and predicted vs measured on published results."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages import charts, common, tables
from calculator import quality

cat = common.shipped_catalog()
eff = cat.efficiency
st.title("Method")
st.caption("How every number on the other pages is computed, and how far the model is from published "
           "measurements. The code is in calculator/ (physics) and pricing/ (prices); each function's "
           "docstring gives the equation and its source.")

st.header("1. Memory")
st.markdown(
    "- **Weights** = parameters x bytes per weight (bf16 2 B, fp8 1 B, fp4 4.5 bits, int4 4.25 bits, scales "
    "included); embeddings and the output head stay in bf16. Tensor parallelism splits them over the GPUs of a "
    "replica.\n"
    "- **KV cache** per token = layers x 2 x KV heads x head size x bytes per element (MLA models cache a "
    "compressed latent instead; sliding-window layers cap at the window; linear-attention layers keep a fixed "
    "state). Memory is reserved for the full prompt + output of every running sequence.\n"
    f"- **Runtime reserve**: {eff.runtime_reserve_frac:.0%} of each GPU's memory (CUDA context, buffers, "
    "activations), as vLLM's default leaves.\n"
    "- **GPUs per replica** = the fewest (1, 2, 4, 8, ...) on which weights + reserve + one sequence fit; "
    "**concurrency** = how many sequences fit beside the weights (and under the engine's batch cap); requests "
    "arriving at random are served at a lower mean that leaves a free slot for 99 % of them (section 4).")
st.header("2. Speed (roofline)")
st.markdown(
    "- A decode step reads the weights it needs plus every sequence's KV cache from memory, and does "
    "2 x active parameters FLOPs per token. Its time is the larger of memory time (bytes / achieved "
    "bandwidth) and compute time (FLOPs / achieved FLOP/s), plus all-reduce time between GPUs and a fixed "
    "overhead per step.\n"
    "- **Mixture of experts**: a batch of B tokens touches E x (1 - (1 - k/E)^B) distinct experts per layer "
    "(k experts per token out of E), so bigger batches read more of the model.\n"
    "- **Continuous batching**: every step also prefills the prompts of requests that replace finished ones. "
    "**TPOT** = one such step; **TTFT** = the prefill of one prompt plus the running step.\n"
    "- The chosen concurrency is the one with the most throughput that keeps TTFT and TPOT within the limits.")
st.header("3. Cost and quality")
st.markdown(
    "- **Self-hosted**: $ per token = GPUs x $ per GPU-hour / tokens per hour at the chosen concurrency, split "
    "between input and output by the time each takes. The fleet (replicas) is sized for the peak traffic "
    "(average x peak-to-average ratio, with headroom for the planned utilisation) and paid around the clock when "
    "'GPUs always on' is set; otherwise it follows the average traffic.\n"
    "- **Rented GPUs**: the median (or low/high) of the catalog's provider quotes for the tier. **Owned GPUs**: "
    "purchase price + server share, written off over the depreciation years, plus power (TDP x load x PUE x "
    "$/kWh), colocation and operations.\n"
    "- **APIs**: the provider's $ per 1M input, cached-input and output tokens, mixed by the workload.\n"
    "- **APIs bill thinking tokens as output.** A reasoning model writes thinking tokens before its answer; "
    "the output tokens of a request are the workload's answer length plus the model's own thinking tokens "
    "(Catalog: token usage; a model without a published figure gets the workload preset's default, and you can "
    "override it per model). Self-hosted decoding time, KV-cache memory and latency use the same count.")
st.header("Quality, success and cost per successful task")
m = quality.score_matrix(cat)
st.markdown(
    "- **Quality index** (0-100) of a workload: the weighted mean of the workload profile's benchmark scores "
    "(Catalog, 'Workload profiles'), every benchmark counted for every model, so all models are ranked on the "
    "same tests.\n"
    "- **Chance correction.** A guesser scores 25% on four-option GPQA and 10% on ten-option MMLU-Pro, 0 on "
    "generated code. Each benchmark records its chance level with a source, and a score counts only above it: "
    "(score - chance) / (100 - chance). So the index's 0 is 'no better than guessing' and 100 'always right'.\n"
    "- **Estimated scores.** Models publish different benchmarks. A missing score is estimated from the model's "
    "other scores by a low-rank fit over the model x benchmark matrix (rank 2 for models with at least "
    f"{quality.MIN_SCORES_FOR_RANK} scores, rank 1 otherwise, capped to the range of measured scores). Tested by "
    f"withholding each measured score in turn (10-fold): typical error **{m.leave_out_mae:.1f} points** (mean "
    f"absolute), {m.leave_out_rmse:.1f} points root-mean-square, against about 17 for guessing each benchmark's "
    f"average. Today {m.num_measured} scores are measured and {m.num_estimated} "
    "estimated. Every table shows the share of the index that is estimated and its +/- error; a model with no "
    "published score at all gets the benchmarks' averages (100% estimated, wide error).\n"
    "- **Success rate** = quality index / 100: the workload's above-chance pass rate is read as the probability "
    "that one of its tasks succeeds. An assumption: your tasks may be easier or harder than the benchmarks; "
    "replace it with your own measured rate when you have one.\n"
    "- **Cost per successful task** = monthly cost / (tasks x success rate), the ranking metric. With a retry "
    "policy (up to N retries), a task takes 1 + (1-p) + ... + (1-p)^N attempts on average and succeeds with "
    "probability 1 - (1-p)^(N+1); the monthly cost includes every attempt. Attempts are assumed independent; a "
    "task a model fails once it often fails again, so retries help less in practice.\n"
    "- **$ per quality point** (monthly cost / index) is kept as a secondary column: it depends on where the "
    "index's zero lies, so use it only to compare options of similar quality.\n"
    "- **Retired** models and endpoints (past their retirement date, with a source) are not offered in the "
    "sidebar, are marked in the Catalog and are never ranked.")
st.header("4. Assumptions to keep in mind")
st.markdown(
    f"- Latency limits are read as 99th-percentile limits. TTFT: the prompt's prefill plus the 99th-percentile "
    "wait behind other prompts at the option's load (an M/M/1 queue of the prefill work, "
    "`calculator/queueing.py`). Requests arrive at random, so each scheduler's slots (memory and the "
    "engine's batch cap) carry a mean load that leaves 99 % of arrivals a free slot (Erlang C: 64 slots carry "
    "46.6, 1,024 carry 950); Sizing and Compare size at that load. TPOT: the predicted mean x "
    f"{cat.efficiency.p99_to_mean_latency_ratio:.2f}, the ratio of the p99 limit to the measured mean time per "
    "output token in MLPerf v5.1 interactive runs. Compare shows both p99s next to the means.\n"
    "- Efficiency constants are fitted to published results (below); software versions and kernels move them.\n"
    "- Prices and scores carry their source and date (Catalog page); an 'estimate' flag marks derived figures.")

st.header("5. Predicted vs measured")
rows, median_error = common.validation_rows()
table = pd.DataFrame(rows)
gpus = sorted(table["gpu_id"].unique()) if not table.empty else []
mean_error = float(table["error_frac"].abs().mean()) if not table.empty else float("nan")
st.markdown(f"**{len(table)} published measurements on {len(gpus)} GPU types; median absolute error "
            f"{median_error:.1%}, mean {mean_error:.1%}.** Same as `python -m calculator validate`.")
not_modelled = common.layout_not_modelled()
if not_modelled:
    st.caption(f"{len(not_modelled)} more measurements ran disaggregated prefill/decode pools and report a figure "
               f"the decode pool alone does not give; they stay in the set, left out of every figure: "
               f"{', '.join(not_modelled)}.")
c1, c2, c3, c4 = st.columns(4)
c1.metric("Bandwidth achieved", f"{eff.bandwidth_efficiency_frac:.0%}", help="Share of peak memory bandwidth [-].")
c2.metric("FLOP/s achieved (bf16/fp8)", f"{eff.flops_efficiency_frac:.0%}",
          help=f"Share of dense peak [-]; FP4 tensor cores {eff.fp4_flops_efficiency_frac:.0%}; weights dequantised "
               f"in the kernel (FP4 on Hopper, INT4) {eff.weight_only_flops_efficiency_frac:.0%}. MXFP4 checkpoints "
               "(gpt-oss) run with FP8 activations, at the FP8 peak and the bf16/fp8 share.")
c3.metric("Fixed overhead per step", f"{eff.step_overhead_s * 1e3:.1f} ms",
          help=f"Per forward step [ms]; then {eff.layer_overhead_s * 1e6:.0f} us per layer and, per running sequence, "
               f"{eff.sequence_overhead_s * 1e6:.1f} us under one tensor-parallel scheduler or "
               f"{eff.dp_rank_sequence_overhead_s * 1e6:.0f} us on each data-parallel attention rank, whose "
               "sequences run in parallel with the other ranks'.")
c4.metric("Largest batch", f"{eff.max_batch_size:,}",
          help=f"Engine's cap on running sequences of one tensor-parallel scheduler [-]; under data-parallel "
               f"attention {eff.max_batch_size_per_rank:,} per GPU.")
st.plotly_chart(charts.validation_errors(table), width="stretch")
st.dataframe(tables.validation_table(rows), hide_index=True, width="stretch")

st.header("6. How sure is the answer")
scorecard, overall, calibration_date = common.out_of_sample_scorecard()
st.markdown(
    "Every ranked option's monthly cost and cost per successful task are drawn 10,000 times "
    "(`pricing/uncertainty.py`). Each draw varies, together:\n"
    "- the **throughput error** of the speed model, drawn from the *out-of-sample* errors of the option's class "
    "(each calibration measurement predicted by constants fitted without it; a class with fewer than "
    "8 measurements uses the next wider class, finally all of them);\n"
    "- the **GPU price** among the catalog quotes of the chosen provider class and term (one draw per GPU type, "
    "shared by every option on it);\n"
    "- **tokens per request** and **quality** (one draw per model, shared by its self-hosted and API options), "
    "and **traffic and peak ratio** (one draw per workload; +-25 % read as the 10-90 % range).\n\n"
    "P(cheapest) is the share of draws in which an option is the cheapest per successful task; a ranking "
    "with P >= 80 % is called robust, otherwise a close call. The tornado on Economics still shows which single "
    "input moves the cost most.")
st.markdown(f"**Out-of-sample error of the speed model: median {overall[0]:.1%}, p90 {overall[1]:.1%} over "
            f"{overall[2]} measurements; calibration set last extended {calibration_date} (newest as_of; "
            "measurements from undated pages carry the day they were read).**")
st.caption("The table also splits the errors by the serving engine each source names. The error bands above do "
           "not, because an estimate does not name its engine: the speed model is one set of constants for "
           "TensorRT-LLM, vLLM and SGLang alike.")
st.dataframe(tables.scorecard_table(scorecard), hide_index=True, width="stretch")
