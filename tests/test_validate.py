"""Predicted vs published measurements: the calibration gate, on out-of-sample error."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose

from calculator.catalog import CatalogError, load_measurements
from calculator.sizing import RequestShape, estimate
from calculator.validate import (
    FIT_GRID,
    GPUS_PER_NODE,
    MeasurementClass,
    _objective,
    _refine,
    abs_error_quantile,
    architecture_class,
    compare,
    deployment_gpus,
    error_by_class,
    fold_of,
    is_ratio_point,
    layout_modelled,
    measurement_class,
    modelled,
    out_of_sample_residuals,
    p99_to_mean_ratio,
    predict,
    predict_out_of_sample,
    run_efficiency,
    serving_engine,
    stored_fold_constants,
)

# The gate: every measurement predicted by constants fitted on the other four of five folds. Set just above what
# the model reaches today (median 23.5 %, p90 63.8 % over 134 measurements on 2026-11-30) so that a regression
# fails; issue 10's target (median <= 10 %) is not reached. History: 25 % over 86 points, re-based to 28 % / 75 %
# when the set grew to 108 (27.0 %, 71.5 %), back to 25 % / 65 % at 23.0 % / 60.8 %, 23 % / 62 % at 20.7 % /
# 58.8 %, 22 % / 56 % at 20.2 % / 53.4 % (118), 24 % / 63 % at 23.1 % / 61.0 % when the set grew to 134 (26
# MoE-on-AMD points, among them InferenceX DeepSeek-R1 on MI300X/MI325X that the model over-predicts up to 2.3x);
# the p90 re-based to 65 % when the per-sequence cost moved to the DP-attention ranks (multi-node MoE 42.7 % ->
# 31.8 %; the folds' refits of the tensor-parallel scheduler's cost over-predict small TP runs at large batch);
# 23.5 % / 63.8 % once server and interactive runs keep free slots for random arrivals (GB200 interactive +59 -> +43 %).
MAX_MEDIAN_ABS_ERROR = 0.24
MAX_P90_ABS_ERROR = 0.65


def test_calibration_set_is_broad_enough(catalog):
    ms = load_measurements()
    assert len(ms) >= 20
    assert len({m.gpu_id for m in ms}) >= 4
    kinds = {catalog.model(m.model_id).architecture.is_moe for m in ms}
    assert kinds == {True, False}  # dense and MoE
    assert all(m.source.startswith("http") for m in ms)


def test_stored_out_of_sample_predictions_match_the_code(catalog):
    # Re-predict every held-out point from the fold constants stored by scripts/fit_out_of_sample.py: a change to
    # the physics, the calibration set or the fold rule without re-running the script fails here.
    ms = load_measurements()
    stored = out_of_sample_residuals(catalog)
    fresh = predict_out_of_sample(catalog, catalog.efficiency, ms, stored_fold_constants())
    assert [r.id for r in stored] == [r.id for r in fresh]
    assert [r.fold for r in stored] == [r.fold for r in fresh]
    assert_allclose([r.predicted for r in stored], [r.predicted for r in fresh], rtol=1e-5)
    assert_allclose([r.measured for r in stored], [r.measured for r in fresh], rtol=0)


def test_folds_interleave_and_leave_the_ratio_points_out(catalog):
    ms = modelled(load_measurements())
    position = {m.id: j for j, m in enumerate(ms)}
    residuals = out_of_sample_residuals(catalog)
    assert all(r.fold == fold_of(position[r.id]) for r in residuals)
    ratio_ids = {m.id for m in ms if is_ratio_point(m)}
    assert len(ratio_ids) == 4  # the four MLPerf v5.1 interactive runs that report their mean TPOT
    assert ratio_ids.isdisjoint(r.id for r in residuals)
    assert len(residuals) == len(ms) - len(ratio_ids)


def test_out_of_sample_error_gate(catalog):
    ratios = [r.ratio for r in out_of_sample_residuals(catalog)]
    median, p90 = abs_error_quantile(ratios, 0.5), abs_error_quantile(ratios, 0.9)
    print(f"\nout-of-sample abs error over {len(ratios)} measurements: median {median:.1%}, p90 {p90:.1%}")
    assert median <= MAX_MEDIAN_ABS_ERROR
    assert p90 <= MAX_P90_ABS_ERROR


def test_stored_error_figure_is_the_out_of_sample_median(catalog):
    # data/efficiency.yaml fit_result is the error band the app and reports use: the out-of-sample median.
    ratios = [r.ratio for r in out_of_sample_residuals(catalog)]
    assert abs(abs_error_quantile(ratios, 0.5) - catalog.efficiency.median_abs_error_frac) < 0.0005


def test_abs_error_quantile_by_hand():
    # |ratio - 1| = 0.1, 0.2, 0.3, 0.5, 1.0: median 0.3; p90 by linear interpolation 0.5 + 0.6 x 0.5 = 0.8.
    ratios = [1.1, 0.8, 1.3, 0.5, 2.0]
    assert_allclose(abs_error_quantile(ratios, 0.5), 0.3, rtol=1e-12)
    assert_allclose(abs_error_quantile(ratios, 0.9), 0.8, rtol=1e-12)


def test_measurement_classes(catalog):
    by_id = {m.id: m for m in load_measurements()}
    classes = {i: measurement_class(m, catalog) for i, m in by_id.items()}
    llama = classes["trtllm-v1.0-llama-3.1-8b-fp8-h100-sxm-tp1-128-2048"]
    assert (llama.architecture, llama.vendor, llama.regime) == ("dense", "nvidia", "throughput_bound")
    amd = [c for i, c in classes.items() if by_id[i].gpu_id.startswith("mi3")]
    assert amd and all(c.vendor == "amd" for c in amd)
    # Batch-1 runs are latency-bound whatever their metric.
    assert all(classes[i].regime == "latency_bound" for i, m in by_id.items() if m.scenario == "batch1")
    assert {c.architecture for c in classes.values()} >= {"dense", "moe_single_node"}
    # Every calibration point names its software, and the engine classes split the set as the files say:
    # the four MLPerf v6.0 NVIDIA rows name "TensorRT ... TensorRT-LLM ... Dynamo", the dstack SGLang rows on
    # MI300X name SGLang, the NIM rows name no engine.
    assert all(c.engine != "unstated" for c in classes.values())
    assert classes["mlperf-v6.0-deepseek-r1-b300-offline-nvidia"].engine == "tensorrt_llm"
    assert classes["dstack-dsr1-fp8-mi300x-tp8-sglang-3200-800-c4-ttft"].engine == "sglang"
    assert classes["nim-1.8.0-llama-3.3-70b-fp8-h100-tp2-5000-500-c25-tpot"].engine == "other_engine"


def test_serving_engine_first_marker_wins():
    # An SGLang server benchmarked with vLLM's client is an SGLang run: "sglang" is looked for before "vllm".
    assert serving_engine("SGLang (version not stated), benchmarked with vllm bench serve") == "sglang"
    assert serving_engine("vLLM v0.17.1 (defaults), guidellm via GPUStack benchmark-runner") == "vllm"
    assert serving_engine("TensorRT 10.11, CUDA 12.9 (TensorRT-LLM harness)") == "tensorrt_llm"
    assert serving_engine("TGI sha-11d7af7-rocm") == "other_engine"
    assert serving_engine(None) == "unstated" and serving_engine("") == "unstated"


def test_error_by_class_reports_each_engine():
    # Ratios 1.1 and 0.7 under vLLM (|errors| 0.1, 0.3: median 0.2), 1.5 under SGLang (0.5): the engine rows sit
    # beside the architecture/vendor/regime rows, and "all" holds the three.
    vllm = MeasurementClass("dense", "nvidia", "throughput_bound", False, "vllm")
    sglang = MeasurementClass("dense", "nvidia", "throughput_bound", False, "sglang")
    rows = {r["class"]: r for r in error_by_class([(vllm, 1.1), (vllm, 0.7), (sglang, 1.5)])}
    assert rows["vllm"]["num_measurements"] == 2
    assert rows["vllm"]["median_abs_error_frac"] == pytest.approx(0.2)
    assert rows["sglang"]["median_abs_error_frac"] == pytest.approx(0.5)
    assert rows["all"]["num_measurements"] == 3 and rows["dense"]["num_measurements"] == 3


def test_stored_latency_ratio_is_the_measured_one(catalog):
    # 40/34.21, 40/37.19, 40/32.10 and 80/62.32 (mean TPOT of MLPerf v5.1 interactive runs): median 1.208
    assert abs(catalog.efficiency.p99_to_mean_latency_ratio - p99_to_mean_ratio(load_measurements())) < 0.001
    assert np.isclose(np.median([40 / 34.21, 40 / 37.19, 40 / 32.10, 80 / 62.32]), 1.208, atol=0.001)


def test_disaggregated_runs_are_predicted_as_their_decode_pool(catalog):
    # The four LMSYS/SGLang disaggregated runs report decode throughput per decode GPU with the decode pool kept
    # saturated: each is predicted as that pool alone (decode-only steps, no prefill pool counted) on its stated
    # decode GPUs, with the stated EP size as layout (else the best layout, as for colocated runs), and counts in
    # every figure and the fit.
    ms = load_measurements()
    disagg = [m for m in ms if m.decode_gpus is not None]
    assert len(disagg) >= 4 and all(layout_modelled(m) for m in disagg)
    ids = {c.measurement.id for c in compare(catalog, catalog.efficiency, disagg)}
    assert ids == {m.id for m in disagg}
    k2 = next(m for m in disagg if m.id == "lmsys-sglang-kimi-k2-fp8-h200-sxm-pd-decode-96-2000-100")
    # At the stated decode batch (480 per GPU, 46,080 in all) and with the engine's cap set to it.
    assert (k2.concurrency, k2.max_batch_size) == (46_080, 480)
    capped = catalog.efficiency.model_copy(update={"max_batch_size": 480, "max_batch_size_per_rank": 480})
    alone = estimate(catalog.model("kimi-k2").architecture, catalog.gpu("h200-sxm"), RequestShape(2000, 100),
                     capped, precision="fp8", num_gpus=96, concurrency=46_080, layout="ep", decode_only=True)
    assert alone.num_gpus == 96 and alone.num_prefill_gpus == 0  # the 32 prefill GPUs are not in the figure
    assert predict(k2, catalog, catalog.efficiency) == pytest.approx(alone.output_tokens_per_s_per_gpu, rel=1e-12)
    # The decode pool alone gives no TTFT or total-token figure of a disaggregated run: listed, not predicted.
    ttft = k2.model_copy(update={"metric": "ttft_ms"})
    assert not layout_modelled(ttft)
    assert modelled([k2, ttft]) == [k2]
    with pytest.raises(CatalogError, match="not modelled"):
        predict(ttft, catalog, catalog.efficiency)


def test_disaggregated_deployment_counts_both_pools(catalog):
    # LMSYS GB200 Part I: 8 prefill + 48 decode GPUs, the per-GPU figure over the 48: the deployment is 56 GPUs,
    # more than one 8-GPU node, so a MoE run on it is multi-node.
    m = next(m for m in load_measurements() if m.id == "lmsys-sglang-deepseek-v3-fp8-gb200-pd-decode-48-2000-100")
    assert (m.num_gpus, deployment_gpus(m)) == (48, 56)
    assert measurement_class(m, catalog).architecture == "moe_multi_node"


def test_architecture_class_is_one_rule(catalog):
    # One helper serves the calibration report and pricing.uncertainty.error_class_for.
    dense = catalog.model("llama-3.3-70b").architecture
    moe = catalog.model("deepseek-r1").architecture
    hybrid = catalog.model("qwen3-next-80b-a3b").architecture
    assert architecture_class(dense, 64) == "dense"
    assert architecture_class(moe, GPUS_PER_NODE) == "moe_single_node"
    assert architecture_class(moe, GPUS_PER_NODE + 1) == "moe_multi_node"
    assert architecture_class(hybrid, 1) == "hybrid"


def test_refinement_never_worsens_the_fit_and_keeps_the_batch_cap_whole(catalog):
    # The off-grid pattern search only accepts moves that lower the objective, stays inside each grid axis's
    # range and keeps max_batch_size an integer. Three measurements keep it fast.
    ms = modelled(load_measurements())[:3]
    start = catalog.efficiency
    score = _objective(catalog, start, ms)
    refined, refined_score = _refine(catalog, start, score, ms, sweeps=1)
    assert refined_score <= score
    assert abs(_objective(catalog, refined, ms) - refined_score) < 1e-12
    assert isinstance(refined.max_batch_size, int)
    for name, values in FIT_GRID.items():
        assert min(values) <= getattr(refined, name) <= max(values)


def test_a_stale_out_of_sample_file_is_named_not_a_traceback(catalog, tmp_path):
    # A stored residual whose measurement left the set (renamed or removed) is reported in one sentence that
    # says what to re-run, instead of a KeyError.
    stale = tmp_path / "out_of_sample.yaml"
    stale.write_text("folds: []\nresiduals:\n- {id: no-such-measurement, fold: 0, predicted: 1.0, measured: 1.0}\n",
                     encoding="utf-8")
    with pytest.raises(CatalogError, match=r"no-such-measurement.*re-run scripts/fit_out_of_sample\.py"):
        out_of_sample_residuals(catalog, stale)


def test_disaggregated_figure_over_both_pools_counts_the_prefill_gpus(catalog):
    # MLPerf v6.0 GB200 NVL72 Interactive: 8 prefill + 64 decode GPUs (4 DEP16 decode instances), output tok/s
    # divided by all 72 GPUs. Predicted as one DEP16 decode instance alone (decode-only steps, MTP with 3 drafts,
    # the p99 TPOT limit of 15 ms, the run's stated batch cap of 64 per rank; TTFT is the prefill pool's), per
    # decode GPU, times 64 / 72 = 0.889.
    wanted = "mlperf-v6.0-deepseek-r1-gb200-interactive-nvidia-x72-disagg-mtp3"
    m = next(m for m in load_measurements() if m.id == wanted)
    assert layout_modelled(m) and (m.prefill_gpus, m.decode_gpus, m.num_gpus) == (8, 64, 72)
    assert m.max_batch_size == 64
    one = estimate(catalog.model("deepseek-r1").architecture, catalog.gpu("gb200"),
                   RequestShape(round(m.input_tokens), round(m.output_tokens), None, 15.0),
                   run_efficiency(m, catalog.efficiency),
                   precision="fp4", kv_precision="fp8", num_gpus=16, layout="ep",
                   speculation=catalog.speculative_for("deepseek-r1", 3), decode_only=True)
    assert one.tpot_p99_ms <= 15.0
    assert predict(m, catalog, catalog.efficiency) == pytest.approx(one.output_tokens_per_s_per_gpu * 64 / 72,
                                                                    rel=1e-12)
    # A figure that divides by neither the decode pool nor both pools is not one the model can reproduce.
    odd = m.model_copy(update={"num_gpus": 70})
    assert not layout_modelled(odd)


def test_a_stated_engine_batch_cap_replaces_the_fitted_caps(catalog):
    # MLPerf v6.0 DeepSeek-R1 Offline on 8 B300 ran DEP8 with gpu_batch_size 1024 per attention rank: predicted
    # with at most 8 x 1024 sequences, not with the fitted per-rank cap (2048), and exactly as the same run with
    # both fitted caps set to 1024.
    m = next(m for m in load_measurements() if m.id == "mlperf-v6.0-deepseek-r1-b300-offline-nvidia")
    assert m.max_batch_size == 1024
    unstated = m.model_copy(update={"max_batch_size": None})
    capped = catalog.efficiency.model_copy(update={"max_batch_size": 1024, "max_batch_size_per_rank": 1024})
    stated = predict(m, catalog, catalog.efficiency)
    assert stated == pytest.approx(predict(unstated, catalog, capped), rel=1e-12)
    assert stated != pytest.approx(predict(unstated, catalog, catalog.efficiency), rel=1e-3)
