"""Tests of pricing/uncertainty.py: the Monte Carlo that carries uncertainty to dollars and rankings."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator.catalog import load_catalog
from calculator.validate import MeasurementClass, Residual, out_of_sample_residuals
from pricing import uncertainty as u
from pricing.options import compare_options
from pricing.scenario import Scenario

NVIDIA_MOE = MeasurementClass("moe_single_node", "nvidia", "throughput_bound", False)
QUIET = u.Settings(num_draws=20_000, seed=1, traffic_range_frac=0.0, peak_ratio_range_frac=0.0,
                   token_sigma_log=0.0, price_sigma_fallback=0.0)


def _no_error(cls: MeasurementClass = NVIDIA_MOE) -> u.ClassErrors:
    return u.ClassErrors.from_residuals([(cls, 0.0)] * u.MIN_CLASS_POINTS)


def _api(option_id: str, monthly: float = 1000.0, *, model_key: str | None = None, success: float | None = 0.5,
         success_sigma: float = 0.0, share: float = 1.0, token_sigma: float = 0.0, workload: str = "w",
         ranked: bool = True) -> u.OptionInputs:
    return u.OptionInputs(option_id=option_id, workload=workload, self_hosted=False, monthly_cost_usd=monthly,
                          num_requests_per_month=1000.0, success_frac=success, success_sigma=success_sigma,
                          output_cost_share=share, price_key=f"api|{option_id}", price_sigma_log=0.0,
                          model_key=model_key or option_id, token_sigma_log=token_sigma, ranked=ranked)


def _self(option_id: str, *, price_key: str = "h100|on_demand", price_sigma: float = 0.0,
          model_key: str = "m", q: float = 1.0, n: float = 8.0, p: float = 2.0) -> u.OptionInputs:
    # 86,400 requests/day = 1 request/s on average; peak ratio 2; utilisation 0.5; always on.
    return u.OptionInputs(option_id=option_id, workload="w", self_hosted=True, monthly_cost_usd=0.0,
                          num_requests_per_month=86_400 * 365 / 12, success_frac=0.5, success_sigma=0.0,
                          output_cost_share=1.0, price_key=price_key, price_sigma_log=price_sigma,
                          model_key=model_key, token_sigma_log=0.0, error_class=NVIDIA_MOE,
                          replica_requests_per_s=q, num_gpus_per_replica=n, usd_per_gpu_hour=p,
                          requests_per_day=86_400.0, peak_to_average_ratio=2.0, utilisation_frac=0.5,
                          always_on=True)


def test_sigma_from_range_reads_the_range_as_the_80_percent_interval() -> None:
    # ln(1.25) / 1.28155 = 0.22314 / 1.28155 = 0.17412
    assert u.sigma_from_range(0.25) == pytest.approx(0.17412, rel=1e-4)
    with pytest.raises(ValueError, match="planning range"):
        u.sigma_from_range(-0.1)


def test_output_cost_share_by_hand() -> None:
    # 1,000 input + 500 output tokens; $2/1M blended, $5/1M output: 5 x 500 / (2 x 1500) = 0.8333
    assert u.output_cost_share(5.0, 2.0, 1000, 500) == pytest.approx(2500 / 3000)
    assert u.output_cost_share(None, 2.0, 1000, 500) == 1.0  # unknown split: everything moves with tokens


def test_price_sigma_is_the_log_spread_of_the_quotes() -> None:
    # ln 2 and ln 8: mean ln 4, sample sd = |ln 8 - ln 2| / sqrt(2) = ln 4 / sqrt 2 = 0.98026
    assert u.price_sigma_log([2.0, 8.0], 0.2) == pytest.approx(math.log(4.0) / math.sqrt(2.0))
    assert u.price_sigma_log([3.0], 0.2) == 0.2


def test_self_hosted_fleet_by_hand_with_a_known_model_error() -> None:
    # Peak load 2 x 1 = 2 requests/s; a replica serves 1 request/s at utilisation 0.5 -> ceil(2 / 0.5) = 4
    # replicas x 730 h x 8 GPUs x $2 = $46,720/month. Residuals all ln 2 (the model over-predicts 2x):
    # a replica really serves 0.5 request/s -> 8 replicas -> $93,440/month, in every draw.
    exact = u.simulate([_self("a")], _no_error(), QUIET)
    assert exact.monthly_cost_usd[0] == pytest.approx(np.full(QUIET.num_draws, 46_720.0))
    double = u.ClassErrors.from_residuals([(NVIDIA_MOE, math.log(2.0))] * 8)
    slow = u.simulate([_self("a")], double, QUIET)
    assert slow.monthly_cost_usd[0] == pytest.approx(np.full(QUIET.num_draws, 93_440.0))
    # Cost per successful task: 93,440 / (2,628,000 requests x 0.5) = $0.071111
    assert slow.usd_per_successful_task[0, 0] == pytest.approx(93_440.0 / (86_400 * 365 / 12 * 0.5))


def test_interval_covers_80_percent_of_fresh_draws_of_a_known_distribution() -> None:
    # Only traffic is uncertain: C_d = 1000 T_d with ln T ~ N(0, sigma), sigma = ln(1.25) / z_0.9, so the
    # exact p10 and p90 are 1000 / 1.25 = 800 and 1000 x 1.25 = 1250.
    s = u.Settings(num_draws=20_000, seed=3, traffic_range_frac=0.25, peak_ratio_range_frac=0.0,
                   token_sigma_log=0.0)
    d = u.simulate([_api("a")], _no_error(), s)
    p10, p50, p90 = u.percentiles(d.monthly_cost_usd[0])
    assert (p10, p50, p90) == pytest.approx((800.0, 1000.0, 1250.0), rel=0.02)
    fresh = 1000.0 * np.exp(np.random.default_rng(99).normal(0.0, u.sigma_from_range(0.25), 100_000))
    covered = np.mean((fresh >= p10) & (fresh <= p90))
    assert covered == pytest.approx(0.80, abs=0.01)


def test_two_identical_independent_options_are_a_coin_toss() -> None:
    s = u.Settings(num_draws=10_000, seed=5, traffic_range_frac=0.0, peak_ratio_range_frac=0.0)
    d = u.simulate([_api("a", token_sigma=0.3), _api("b", token_sigma=0.3)], _no_error(), s)
    # Binomial sampling error of a proportion at 0.5 over 10,000 draws: sd 0.005; allow 4 sd.
    assert u.p_cheaper(d, "a", "b") == pytest.approx(0.5, abs=0.02)
    pc = u.p_cheapest(d, "w", by="monthly_cost_usd")
    assert sum(pc.values()) == pytest.approx(1.0)
    assert u.robustness(u.p_cheaper(d, "a", "b")) == "close call"


def test_a_shared_gpu_price_moves_two_options_together() -> None:
    s = u.Settings(num_draws=5_000, seed=7, traffic_range_frac=0.0, peak_ratio_range_frac=0.0,
                   token_sigma_log=0.0)
    same = u.simulate([_self("a", price_sigma=0.3, model_key="m1"), _self("b", price_sigma=0.3, model_key="m2",
                                                                          n=4)], _no_error(), s)
    assert np.corrcoef(same.monthly_cost_usd)[0, 1] == pytest.approx(1.0, abs=1e-9)
    apart = u.simulate([_self("a", price_sigma=0.3, price_key="x"), _self("b", price_sigma=0.3, price_key="y")],
                       _no_error(), s)
    assert abs(np.corrcoef(apart.monthly_cost_usd)[0, 1]) < 0.05
    # The dearer option (8 GPUs vs 4 at one shared price) is never the cheaper one: P = 0, robust.
    assert u.p_cheaper(same, "a", "b") == 0.0
    assert u.robustness(0.0) == "robust"


def test_the_same_model_shares_its_quality_draw_across_options() -> None:
    s = u.Settings(num_draws=4_000, seed=11, traffic_range_frac=0.0, peak_ratio_range_frac=0.0)
    d = u.simulate([_api("a", model_key="m", success_sigma=0.1), _api("b", model_key="m", success_sigma=0.1),
                    _api("c", model_key="other", success_sigma=0.1)], _no_error(), s)
    k = d.usd_per_successful_task
    assert np.corrcoef(k[0], k[1])[0, 1] == pytest.approx(1.0, abs=1e-9)
    assert abs(np.corrcoef(k[0], k[2])[0, 1]) < 0.06


def test_options_without_quality_get_no_probability_and_no_nan() -> None:
    d = u.simulate([_api("a"), _api("b", success=None)], _no_error(), u.Settings(num_draws=1000))
    frame = u.summary_frame(d)
    row = frame.set_index("option_id").loc["b"]
    assert row["p_cheapest"] is None and row["usd_per_successful_task_p50"] is None
    assert frame.set_index("option_id").loc["a", "p_cheapest"] == 1.0
    for value in frame.drop(columns=["option_id", "workload", "error_class"]).to_numpy().ravel():
        assert value is None or math.isfinite(value)


def test_unranked_options_take_no_part_in_p_cheapest() -> None:
    d = u.simulate([_api("a", monthly=10.0, ranked=False), _api("b", monthly=1000.0)], _no_error(),
                   u.Settings(num_draws=500))
    assert u.p_cheapest(d, "w") == {"b": 1.0}


def test_a_thin_class_falls_back_to_a_wider_one() -> None:
    amd = MeasurementClass("moe_single_node", "amd", "throughput_bound", False)
    residuals = [(amd, 0.5)] * 3 + [(NVIDIA_MOE, 0.1)] * 8
    values, label, count = u.ClassErrors.from_residuals(residuals).for_class(amd)
    assert count == 11 and label == "moe_single_node"  # 3 AMD points are too few: all single-node MoE
    _, label_nv, count_nv = u.ClassErrors.from_residuals(residuals).for_class(NVIDIA_MOE)
    assert (label_nv, count_nv) == ("moe_single_node x nvidia x throughput_bound", 8)
    assert values.min() == 0.1 and values.max() == 0.5


def test_same_seed_same_figures() -> None:
    opts = [_api("a", token_sigma=0.4), _self("b", price_sigma=0.2)]
    one = u.simulate(opts, _no_error(), u.Settings(num_draws=2000, seed=42))
    two = u.simulate(opts, _no_error(), u.Settings(num_draws=2000, seed=42))
    other = u.simulate(opts, _no_error(), u.Settings(num_draws=2000, seed=43))
    np.testing.assert_array_equal(one.monthly_cost_usd, two.monthly_cost_usd)
    assert not np.array_equal(one.monthly_cost_usd, other.monthly_cost_usd)


def test_settings_reject_out_of_range_values_with_the_field_name() -> None:
    with pytest.raises(ValueError, match="draws must be between 100"):
        u.Settings(num_draws=10)
    with pytest.raises(ValueError, match="token_sigma_log"):
        u.Settings(token_sigma_log=float("nan"))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(monthly=st.floats(0.0, 1e9), sigma=st.floats(0.0, 2.0), share=st.floats(0.0, 1.0),
       success=st.floats(0.0, 1.0), q=st.floats(1e-3, 1e3), price_sigma=st.floats(0.0, 2.0))
def test_percentiles_are_ordered_and_finite(monthly: float, sigma: float, share: float, success: float, q: float,
                                            price_sigma: float) -> None:
    opts = [_api("a", monthly, token_sigma=sigma, share=share, success=success, success_sigma=0.2),
            _self("b", price_sigma=price_sigma, q=q)]
    frame = u.summary_frame(u.simulate(opts, _no_error(), u.Settings(num_draws=200, seed=0)))
    for prefix in ("monthly_cost_usd", "usd_per_successful_task"):
        for _, row in frame.iterrows():
            vals = [row[f"{prefix}_p{p}"] for p in u.PERCENTILES]
            assert all(v is not None and math.isfinite(v) for v in vals)
            assert vals[0] <= vals[1] <= vals[2]


def test_default_scenario_reproduces_the_comparison_at_zero_spread() -> None:
    # With every spread at zero and no model error, each draw equals the comparison's own monthly cost.
    catalog = load_catalog()
    scenario = Scenario()
    options = compare_options(scenario, catalog)
    inputs = u.inputs_from_frame(options, scenario, catalog, QUIET)
    assert inputs, "the default scenario prices some options"
    quiet = [u.OptionInputs(**{**o.__dict__, "price_sigma_log": 0.0}) for o in inputs]
    kinds = ("dense", "moe_single_node", "moe_multi_node", "hybrid")
    residuals = [(MeasurementClass(k, v, b, k == "moe_multi_node"), 0.0) for k in kinds
                 for v in ("nvidia", "amd") for b in ("throughput_bound", "latency_bound")] * 8
    d = u.simulate(quiet, u.ClassErrors.from_residuals(residuals), QUIET)
    for i, o in enumerate(quiet):
        assert d.monthly_cost_usd[i, 0] == pytest.approx(o.monthly_cost_usd, rel=1e-9), o.option_id


def test_with_uncertainty_keeps_one_row_per_option_and_workload() -> None:
    catalog = load_catalog()
    base = Scenario()
    spec = base.workloads[0]
    scenario = base.model_copy(update={"workloads": (spec, spec.model_copy(update={"name": "twice the traffic",
                                                                                 "requests_per_day":
                                                                                 spec.requests_per_day * 2}))})
    options = compare_options(scenario, catalog)
    errors = u.ClassErrors.from_residuals([(MeasurementClass(k, "nvidia", "throughput_bound", False), x)
                                           for k in ("dense", "moe_single_node", "hybrid")
                                           for x in np.linspace(-0.3, 0.3, 9)])
    out = u.with_uncertainty(options, scenario, catalog, errors, u.Settings(num_draws=500))
    assert len(out) == len(options)
    for name, group in out.groupby("workload"):
        probs = [p for p in group["p_cheapest"] if p is not None]
        assert probs, name
        assert sum(probs) == pytest.approx(1.0)
    priced = out[out["monthly_cost_usd_p50"].notna()]
    assert (priced["monthly_cost_usd_p10"] <= priced["monthly_cost_usd_p90"]).all()


def test_calibration_errors_are_the_out_of_sample_residuals_by_class() -> None:
    catalog = load_catalog()
    residuals = out_of_sample_residuals(catalog)
    errors = u.calibration_errors(catalog)
    assert errors.groups[()].size == len(residuals)  # every held-out point, once, in the widest class
    # Fewer than MIN_CLASS_POINTS hybrid points (7 on 2026-11-30): a hybrid option falls back to every measurement.
    assert sum(r.klass.architecture == "hybrid" for r in residuals) < u.MIN_CLASS_POINTS
    _, label, count = errors.for_class(MeasurementClass("hybrid", "nvidia", "throughput_bound", False))
    assert (label, count) == ("all measurements", len(residuals))
    dense_nv = [math.log(r.speed_ratio) for r in residuals if r.klass.architecture == "dense"
                and r.klass.vendor == "nvidia" and r.klass.regime == "throughput_bound"]
    values, _, n = errors.for_class(MeasurementClass("dense", "nvidia", "throughput_bound", False))
    if len(dense_nv) >= u.MIN_CLASS_POINTS:
        assert n == len(dense_nv) and sorted(dense_nv) == pytest.approx(list(values))


@pytest.mark.parametrize(("log_ratio", "expected"), [
    # Replica $1,000/month, 300,000 requests/month, API $0.01/request, always on (pricing.fleet Notes):
    # c V_r = 3,000 > R_m; k* = ceil(3000 / 2000) = 2, V* = (2 - 1) x 1000 / 0.01 = 100,000 requests/month.
    (0.0, 100_000.0),
    # Over-predicted 2x: V_r = 150,000; c V_r = 1,500; k* = ceil(1500 / 500) = 3, V* = 2 x 100,000 = 200,000.
    (math.log(2.0), 200_000.0),
    # Over-predicted 4x: c V_r = 750 <= R_m: self-hosting never wins.
    (math.log(4.0), None),
])
def test_break_even_volume_over_the_draws_by_hand(log_ratio: float, expected: float | None) -> None:
    errors = u.ClassErrors.from_residuals([(NVIDIA_MOE, log_ratio)] * 8)
    d = u.simulate([_self("s"), _api("a")], errors, QUIET)
    volumes, never = u.break_even_draws(d, "s", "a", "w", 1000.0, 300_000.0, 0.01, always_on=True)
    if expected is None:
        assert volumes is None and never == 1.0
    else:
        assert never == 0.0 and volumes == pytest.approx((expected,) * 3)


def test_retries_count_the_tasks_that_succeed_within_them() -> None:
    # $1,000/month for 1,000 tasks, success 0.5, one retry: P(success within 2 attempts) = 1 - 0.5^2 = 0.75,
    # so $1,000 / 750 = $1.3333 per successful task (the monthly cost already holds the retried attempts).
    from dataclasses import replace

    d = u.simulate([replace(_api("a"), max_retries=1)], _no_error(), QUIET)
    assert d.usd_per_successful_task[0] == pytest.approx(np.full(QUIET.num_draws, 1000.0 / 750.0))
    # A drawn success rate of 1 needs one attempt where the base needed 1.5: the load falls by a third.
    s = u.Settings(num_draws=2000, seed=2, traffic_range_frac=0.0, peak_ratio_range_frac=0.0, token_sigma_log=0.0)
    sure = u.simulate([replace(_api("a", success=0.5, success_sigma=10.0), max_retries=1)], _no_error(), s)
    top = sure.monthly_cost_usd[0][sure.usd_per_successful_task[0] == sure.usd_per_successful_task[0].min()]
    assert top == pytest.approx(np.full(top.size, 1000.0 / 1.5))


def test_error_class_of_an_option_uses_the_calibration_rule():
    # pricing.uncertainty.error_class_for and calculator.validate.measurement_class share architecture_class:
    # DeepSeek-R1 on 16 GPUs per replica is MoE over two 8-GPU nodes; on 8 it is one node; Llama dense either way.
    cat = load_catalog()
    spec = Scenario().workloads[0]
    gpu = cat.gpu("h100-sxm")
    moe = cat.model("deepseek-r1").architecture
    dense = cat.model("llama-3.3-70b").architecture
    assert u.error_class_for(moe, gpu, 16, None, None, spec).architecture == "moe_multi_node"
    assert u.error_class_for(moe, gpu, 8, None, None, spec).architecture == "moe_single_node"
    assert u.error_class_for(dense, gpu, 16, None, None, spec).architecture == "dense"
    # Regime: a limit binds when the option's p99 is within 80 % of it (LATENCY_BINDING_FRAC). A TTFT limit of
    # 1,000 ms: a p99 of 850 ms binds, 500 ms does not; the p99 is taken as given, not rebuilt from a mean.
    limited = spec.model_copy(update={"ttft_slo_ms": 1000.0, "tpot_slo_ms": None})
    assert u.error_class_for(dense, gpu, 8, 850.0, 30.0, limited).regime == "latency_bound"
    assert u.error_class_for(dense, gpu, 8, 500.0, 30.0, limited).regime == "throughput_bound"


def test_a_time_metric_residual_enters_the_bands_as_a_speed() -> None:
    klass = MeasurementClass("moe_single_node", "amd", "latency_bound", False)
    # A TTFT predicted at 50 ms against 100 ms measured: the prefill is predicted 2x too fast, speed ratio 2.
    assert Residual("t", 0, 50.0, 100.0, klass, "ttft_ms").speed_ratio == pytest.approx(2.0)
    assert Residual("t", 0, 50.0, 100.0, klass, "tpot_ms").speed_ratio == pytest.approx(2.0)
    # A throughput predicted at 150 against 100 measured: 1.5, the raw ratio.
    assert Residual("r", 0, 150.0, 100.0, klass, "output_tokens_per_s_per_gpu").speed_ratio == pytest.approx(1.5)
    # On the shipped file: the dstack DeepSeek-R1 TTFT on MI300X (SGLang, early 2025) is predicted at about 5 % of
    # the measured 1,645 ms, an optimistic prediction: it must enter the widest class as ln(measured/predicted),
    # about +3, not as the -3 of ln(predicted/measured), which would let the draws serve 20x the predicted load.
    catalog = load_catalog()
    ttft_id = "dstack-dsr1-fp8-mi300x-tp8-sglang-3200-800-c4-ttft"
    ttft = next(r for r in out_of_sample_residuals(catalog) if r.id == ttft_id)
    assert ttft.predicted < 0.2 * ttft.measured
    values = u.calibration_errors(catalog).groups[()]
    assert np.any(np.isclose(values, math.log(ttft.measured / ttft.predicted)))
    assert not np.any(np.isclose(values, math.log(ttft.predicted / ttft.measured)))
