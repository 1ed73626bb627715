"""compare_options: the column contract, fleet consistency, clear statuses, never NaN or infinity."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import fields

import pandas as pd
import pytest

from calculator.units import DAYS_PER_MONTH, HOURS_PER_MONTH
from pricing.options import (
    COLUMNS,
    OPTIONAL_COLUMNS,
    OptionRow,
    _infeasible_message,
    choose_deployment,
    compare_options,
    price_deployment,
    to_frame,
)
from pricing.rental import quotes_for
from pricing.scenario import Scenario, WorkloadSpec

INTERFACE_COLUMNS = [
    "option_id", "workload", "kind", "model_id", "model_name", "provider", "gpu_id", "gpu_name", "precision",
    "num_gpus_per_replica", "concurrency_per_replica", "replicas", "gpus_total", "usd_per_gpu_hour",
    "usd_per_million_input_tokens", "usd_per_million_output_tokens", "usd_per_million_tokens",
    "usd_per_million_tokens_low", "usd_per_million_tokens_high", "monthly_cost_usd", "quality_index",
    "usd_per_quality_point", "ttft_ms", "tpot_ms", "meets_limits", "meets_min_quality", "status",
    "monthly_net_value_usd", "roi_frac",
]
CODING = WorkloadSpec(name="Coding", preset="coding", input_tokens=2048, output_tokens=28, requests_per_day=200_000,
                      peak_to_average_ratio=4.16, ttft_slo_ms=500, tpot_slo_ms=40, cached_input_frac=0.2,
                      quality_profile="coding", value_per_task_usd=0.05)


def scenario(**kw) -> Scenario:
    base = {"workloads": (CODING,), "model_ids": ("qwen3.5-397b-a17b", "llama-3.3-70b"),
            "api_model_ids": ("qwen3-max", "gemini-3.1-pro"), "gpu_ids": ("h100-sxm", "h200-sxm"),
            "precisions": ("fp8",), "usd_per_gpu_hour_overrides": {"h100-sxm": 2.0, "h200-sxm": 3.0}}
    return Scenario(**{**base, **kw})


def assert_clean(df: pd.DataFrame) -> None:
    """No NaN or infinity anywhere; None only in the optional columns."""
    for col in df.columns:
        for v in df[col]:
            if v is None:
                assert col in OPTIONAL_COLUMNS, f"None in {col}"
            elif isinstance(v, float):
                assert math.isfinite(v), f"{col} holds {v}"


@pytest.fixture(scope="module")
def base(catalog):
    return compare_options(scenario(), catalog)


def test_columns_follow_the_interface(base):
    assert list(base.columns[: len(INTERFACE_COLUMNS)]) == INTERFACE_COLUMNS
    assert list(base.columns) == list(COLUMNS)
    assert len(base) == 2 * 2 + 2
    assert base["option_id"].is_unique
    assert set(base["kind"]) == {"self-hosted MoE", "self-hosted dense", "API"}
    assert_clean(base)


def test_self_hosted_fleet_is_consistent(base):
    # Always on: monthly cost = GPUs x $/GPU-hour x 730; replicas = ceil(peak / (q u)) + 1 spare (N+1 default);
    # blended $/1M = monthly cost / (requests/month x (I + O)) x 1e6.
    row = base[base["option_id"] == "self|qwen3.5-397b-a17b|h200-sxm|fp8"].iloc[0]
    assert row["status"] == "ok"
    assert row["monthly_cost_usd"] == pytest.approx(row["gpus_total"] * 3.0 * HOURS_PER_MONTH)
    peak = 200_000 / 86_400 * 4.16
    assert row["redundancy_replicas"] == 1
    assert row["replicas"] == math.ceil(peak / (row["replica_requests_per_s"] * 0.7)) + 1
    # Qwen3.5 is a reasoning model: its output is the 28-token answer + its thinking tokens (token_usage).
    out = row["output_tokens_per_request"]
    assert out > 28
    tokens = 200_000 * DAYS_PER_MONTH * (2048 + out)
    assert row["usd_per_million_tokens"] == pytest.approx(row["monthly_cost_usd"] / tokens * 1e6)
    # Input and output prices recombine to the blended price over the mix.
    recombined = (2048 * row["usd_per_million_input_tokens"] + out * row["usd_per_million_output_tokens"]) \
        / (2048 + out)
    assert recombined == pytest.approx(row["usd_per_million_tokens"], rel=1e-6)
    assert row["usd_per_million_tokens_low"] < row["usd_per_million_tokens"] < row["usd_per_million_tokens_high"]
    assert row["ttft_ms"] <= 500 and row["tpot_ms"] <= 40


def test_api_row_hand_computed(base, catalog):
    # Qwen3-Max (a thinking model): 2048 input (no cached price: billed at the input price) and a 28-token
    # answer + 500 thinking tokens (the coding preset's default) billed as output,
    # 200,000 requests/day x 365/12 days = 6,083,333 requests/month.
    api = catalog.api_model("qwen3-max")
    per_request = (2048 * api.usd_per_million_input_tokens + 528 * api.usd_per_million_output_tokens) / 1e6
    row = base[base["option_id"] == "api|qwen3-max"].iloc[0]
    assert row["monthly_cost_usd"] == pytest.approx(per_request * 200_000 * 365 / 12)
    assert row["gpus_total"] == 0 and row["gpu_id"] == "" and row["usd_per_gpu_hour"] is None
    # ROI: value 0.05 x index/100 x requests - cost.
    value = 0.05 * row["quality_index"] / 100 * 200_000 * 365 / 12
    assert row["monthly_net_value_usd"] == pytest.approx(value - row["monthly_cost_usd"])
    assert row["roi_frac"] == pytest.approx((value - row["monthly_cost_usd"]) / row["monthly_cost_usd"])


def test_ranking_order(base):
    # Ranked by $ per successful task (issue 9), not by $ per quality point.
    ranked = base[base["ranked"]]
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    per_task = [v for v in ranked["usd_per_successful_task"] if v is not None]
    assert per_task == sorted(per_task) and len(per_task) == len(ranked)


def test_missing_tier_price_is_a_status_not_a_guess(catalog):
    gpu_ids = [g.id for g in catalog.gpus]
    # Reserved 1 year counts 1-year reserved and commitment quotes, within the default class (specialist clouds).
    missing = [g for g in gpu_ids if not quotes_for(catalog.rental_prices, g, "reserved_1y", "specialist")][:2]
    df = compare_options(scenario(pricing_basis="reserved_1y", usd_per_gpu_hour_overrides={}, gpu_ids=tuple(missing),
                                  model_ids=("llama-3.3-70b",)), catalog)
    self_rows = df[df["provider"] == "self-hosted"]
    assert len(self_rows) == 2
    for _, row in self_rows.iterrows():
        assert row["status"] == f"no reserved_1y price from a specialist cloud for {row['gpu_id']} in the catalog"
        assert not row["ranked"] and row["monthly_cost_usd"] is None
    assert_clean(df)


def test_zero_traffic_and_free_gpus_give_clear_statuses(catalog):
    zero = compare_options(scenario(workloads=(CODING.model_copy(update={"requests_per_day": 0}),)), catalog)
    ok = zero[zero["status"] == "ok"]
    assert len(ok) > 0 and all(v == 0 for v in ok["monthly_cost_usd"])
    assert all("no traffic" in n for n in ok["notes"])
    assert all(v is not None and v > 0 for v in ok["usd_per_million_tokens"])
    assert_clean(zero)
    free = compare_options(scenario(usd_per_gpu_hour_overrides={"h100-sxm": 0.0, "h200-sxm": 0.0}), catalog)
    row = free[(free["provider"] == "self-hosted") & (free["status"] == "ok")].iloc[0]
    assert row["monthly_cost_usd"] == 0 and row["roi_frac"] is None and "ROI undefined" in row["notes"]
    assert_clean(free)


def test_infeasible_options_say_why(catalog):
    df = compare_options(scenario(model_ids=("kimi-k2",), gpu_ids=("l4",), precisions=("bf16",),
                                  usd_per_gpu_hour_overrides={"l4": 0.8}), catalog)
    status = df[df["provider"] == "self-hosted"].iloc[0]["status"]
    assert "does not fit" in status or "needs more than" in status
    fast = compare_options(scenario(workloads=(CODING.model_copy(update={"tpot_slo_ms": 0.5}),)), catalog)
    assert all(s.startswith("no configuration meets the latency limits") for s in
               fast[fast["provider"] == "self-hosted"]["status"])
    long_in = compare_options(scenario(workloads=(CODING.model_copy(update={"input_tokens": 1_500_000}),)), catalog)
    assert all("context length" in s for s in long_in[long_in["model_id"] == "qwen3-max"]["status"])
    assert_clean(df)
    assert_clean(fast)
    assert_clean(long_in)


def test_infeasible_latency_message_states_the_p99_the_limits_were_checked_against(catalog):
    # Two fitting configurations: mean TTFT 100 / 150 ms with queueing p99 400 / 300 ms; TPOT mean 10 / 20 ms,
    # p99 12.08 / 24.16 ms (x 1.208). The limits are checked against the p99 columns, so the message names the
    # smallest p99 of each: TTFT 300 ms (not 100 x 1.208 = 121 ms from the best mean) and TPOT 12.1 ms.
    rows = pd.DataFrame({"fits": [True, True, False], "ttft_ms": [100.0, 150.0, 1.0],
                         "ttft_p99_ms": [400.0, 300.0, 1.0], "tpot_ms": [10.0, 20.0, 1.0],
                         "tpot_p99_ms": [12.08, 24.16, 1.0]})
    spec = CODING.model_copy(update={"ttft_slo_ms": 250.0, "tpot_slo_ms": 5.0})
    message = _infeasible_message(None, "h100-sxm", "fp8", spec, catalog, catalog.efficiency, rows)  # type: ignore[arg-type]
    assert message == ("no configuration meets the latency limits: best TTFT 300 ms at p99 (limit 250 ms), "
                       "best TPOT 12.1 ms at p99 (limit 5 ms)")


def test_served_options_carry_the_p99_latencies_that_met_the_limits(catalog):
    # Every served self-hosted option states the p99 TTFT/TPOT its limits were checked against: within the
    # workload's limits, and never below the mean.
    df = compare_options(scenario(), catalog)
    ok = df[(df["provider"] == "self-hosted") & df["meets_limits"]]
    assert len(ok) > 0
    spec = scenario().workloads[0]
    for row in ok.to_dict("records"):
        assert row["ttft_ms"] <= row["ttft_p99_ms"] and row["tpot_ms"] <= row["tpot_p99_ms"]
        if spec.ttft_slo_ms is not None:
            assert row["ttft_p99_ms"] <= spec.ttft_slo_ms
        if spec.tpot_slo_ms is not None:
            assert row["tpot_p99_ms"] <= spec.tpot_slo_ms
    api = df[df["provider"] != "self-hosted"]
    assert api["ttft_p99_ms"].isna().all() and api["tpot_p99_ms"].isna().all()


def test_more_traffic_never_lowers_monthly_cost_and_price_never_lowers_cost(catalog):
    prev = None
    for rpd in (0, 50_000, 200_000, 800_000):
        df = compare_options(scenario(workloads=(CODING.model_copy(update={"requests_per_day": rpd}),)), catalog)
        cost = dict(zip(df["option_id"], df["monthly_cost_usd"], strict=True))
        if prev is not None:
            for k, v in cost.items():
                if v is not None and prev.get(k) is not None:
                    assert v >= prev[k] - 1e-9, k
        prev = cost
    cheap = compare_options(scenario(usd_per_gpu_hour_overrides={"h100-sxm": 2.0, "h200-sxm": 3.0}), catalog)
    dear = compare_options(scenario(usd_per_gpu_hour_overrides={"h100-sxm": 2.5, "h200-sxm": 3.5}), catalog)
    by_id = dict(zip(dear["option_id"], dear["monthly_cost_usd"], strict=True))
    for a, b in ((a, by_id[k]) for k, a in zip(cheap["option_id"], cheap["monthly_cost_usd"], strict=True)):
        if a is not None:
            assert b >= a


def test_owned_basis_uses_catalog_purchase_prices_or_says_why(catalog):
    df = compare_options(scenario(pricing_basis="owned", always_on=False, usd_per_gpu_hour_overrides={},
                                  gpu_ids=("h100-sxm", "mi300x")), catalog)
    h100 = df[df["option_id"] == "self|qwen3.5-397b-a17b|h100-sxm|fp8"].iloc[0]
    mi300x = df[df["option_id"] == "self|qwen3.5-397b-a17b|mi300x|fp8"].iloc[0]
    assert h100["status"] == "ok" and "sized always on" in h100["notes"]
    assert h100["monthly_cost_usd"] == pytest.approx(h100["gpus_total"] * h100["usd_per_gpu_hour"] * HOURS_PER_MONTH)
    assert "no purchase price for mi300x" in mi300x["status"]


def test_columns_and_dtypes_come_from_the_row_dataclass(base):
    # One definition: the column order is OptionRow's field order and each dtype follows its annotation.
    assert list(COLUMNS) == [f.name for f in fields(OptionRow)]
    assert str(base["gpus_total"].dtype) == "int64" and str(base["replicas"].dtype) == "int64"
    assert str(base["num_million_tokens_per_month"].dtype) == "float64"
    assert str(base["ranked"].dtype) == "bool" and str(base["meets_limits"].dtype) == "bool"
    assert str(base["monthly_cost_usd"].dtype) == "object" and str(base["status"].dtype) == "object"
    assert "monthly_cost_usd" in OPTIONAL_COLUMNS and "gpus_total" not in OPTIONAL_COLUMNS
    empty = to_frame([])
    assert list(empty.columns) == list(COLUMNS) and list(empty.dtypes) == list(base.dtypes)
    with pytest.raises(ValueError, match="kind 'GPU' is not one of"):
        OptionRow(option_id="x", workload="w", kind="GPU", model_id="m", model_name="m", provider="p",
                  meets_limits=True, meets_min_quality=True, status="ok", pricing_basis="api",
                  quality_coverage_frac=0.0, num_requests_per_month=0.0, num_million_tokens_per_month=0.0)


# A workload whose numbers are easy by hand: 864,000 requests/day = 10 requests/s on average, peak 2x = 20/s,
# 1,000 input + 100 output tokens, planned utilisation 0.5.
EASY = WorkloadSpec(name="easy", input_tokens=1000, output_tokens=100, requests_per_day=864_000,
                    peak_to_average_ratio=2.0, ttft_slo_ms=None, tpot_slo_ms=None)


def easy_feasible() -> pd.DataFrame:
    # Two configurations, as the sweep gives them at 1 $/GPU-hour ($ figures are GPU-hours per 1M tokens).
    # A: 1 GPU serving 1 request/s = 1,100 tokens/s -> 1e6 / 1100 / 3600 = 0.25253 GPU-hours per 1M tokens.
    # B: 2 GPUs serving 3 requests/s = 3,300 tokens/s -> 2 x 1e6 / 3300 / 3600 = 0.16835 GPU-hours per 1M tokens.
    return pd.DataFrame({
        "num_gpus": [1, 2], "concurrency": [8, 16], "requests_per_s": [1.0, 3.0],
        "ttft_ms": [100.0, 120.0], "tpot_ms": [20.0, 25.0], "ttft_p99_ms": [150.0, 180.0], "tpot_p99_ms": [24.0, 30.0],
        "usd_per_million_input_tokens": [0.2, 0.13], "usd_per_million_output_tokens": [0.5, 0.4],
        "usd_per_million_tokens": [1e6 / 1100 / 3600, 2e6 / 3300 / 3600],
    })


def test_choose_deployment_hand_computed():
    # Always on, u = 0.5: A needs ceil(20 / (1 x 0.5)) = 40 replicas x 1 GPU x 730 h = 29,200 GPU-hours;
    # B needs ceil(20 / (3 x 0.5)) = ceil(13.33) = 14 replicas x 2 GPUs x 730 h = 20,440 GPU-hours -> B.
    # Busy: 10 / 3 x 2 GPUs x 730 h = 4,866.67 GPU-hours.
    dep = choose_deployment(easy_feasible(), EASY, utilisation_frac=0.5, always_on=True)
    assert (dep.num_gpus_per_replica, dep.concurrency_per_replica, dep.replicas, dep.gpus_total) == (2, 16, 14, 28)
    assert (dep.ttft_p99_ms, dep.tpot_p99_ms) == (180.0, 30.0)  # B's own p99s, carried to the option's row
    assert dep.gpu_hours_per_month == pytest.approx(20_440.0)
    assert dep.busy_gpu_hours_per_month == pytest.approx(4_866.667, rel=1e-6)
    # Scaled to the average: A pays 10 / 0.5 = 20 replica-average x 730 = 14,600 GPU-hours; B pays
    # 10 / 1.5 x 2 x 730 = 9,733.3 GPU-hours -> B again (it has the better GPU-hours per request).
    scaled = choose_deployment(easy_feasible(), EASY, utilisation_frac=0.5, always_on=False)
    assert scaled.num_gpus_per_replica == 2 and scaled.gpu_hours_per_month == pytest.approx(9_733.333, rel=1e-6)


def test_price_deployment_hand_computed():
    # B above at 2.50 $/GPU-hour: monthly 20,440 x 2.5 = $51,100; idle (20,440 - 4,866.67) x 2.5 = $38,933.33.
    # Per token, idle paid by the served tokens: 0.16835 GPU-h/1M x 2.5 x 20,440 / 4,866.67 (= 4.2) = $1.7677/1M.
    # Cross-check: tokens served = 864,000 x 365/12 x 1,100 / 1e6 = 28,908 M/month; $51,100 / 28,908 = 1.7677.
    dep = choose_deployment(easy_feasible(), EASY, utilisation_frac=0.5, always_on=True)
    priced = price_deployment(dep, usd_per_gpu_hour=2.5, utilisation_frac=0.5, band_frac=0.1)
    assert priced.monthly_cost_usd == pytest.approx(51_100.0)
    assert priced.monthly_idle_cost_usd == pytest.approx(38_933.33, rel=1e-6)
    assert priced.usd_per_million_tokens == pytest.approx(1.7677, rel=1e-4)
    assert priced.usd_per_million_input_tokens == pytest.approx(0.13 * 2.5 * 4.2)
    # Band of 10%: 1.7677 / 1.1 = 1.6070 and 1.7677 / 0.9 = 1.9641.
    assert (priced.usd_per_million_tokens_low, priced.usd_per_million_tokens_high) == (
        pytest.approx(1.6070, rel=1e-4), pytest.approx(1.9641, rel=1e-4))


def test_self_hosted_monthly_cost_end_to_end_from_scratch(catalog):
    # Llama 3.3 70B (70.55e9 parameters -> 70.6 GB at fp8) fits one H200 (141 GB), so the cheapest fleet for a
    # trickle of traffic is a single GPU. Traffic: 8,640 requests/day = 0.1 request/s; scaled to the average,
    # the fleet is max(0.1 / (q x 0.7), 1) = 1 replica for any q above 0.143 requests/s (one request of 100 output
    # tokens takes well under 7 s at fp8 on an H200), always on: ceil(0.2 / (q x 0.7)) = 1 replica.
    # Monthly cost = 1 GPU x 730 h x $3.00 = $2,190 (either way, without a spare replica). With the default N+1
    # of an always-on fleet: 2 replicas, $4,380.
    # Tokens = 8,640 x 365/12 x 1,100 / 1e6 = 289.08 M/month -> $2,190 / 289.08 = $7.5758 per 1M tokens.
    spec = WorkloadSpec(name="trickle", input_tokens=1000, output_tokens=100, requests_per_day=8_640,
                        peak_to_average_ratio=2.0, ttft_slo_ms=None, tpot_slo_ms=None)
    for always_on in (False, True):
        df = compare_options(Scenario(workloads=(spec,), model_ids=("llama-3.3-70b",), gpu_ids=("h200-sxm",),
                                      precisions=("fp8",), api_model_ids=(), always_on=always_on,
                                      usd_per_gpu_hour_overrides={"h200-sxm": 3.0}, redundancy_replicas=0), catalog)
        row = df.iloc[0]
        assert row["status"] == "ok"
        assert (row["gpus_total"], row["replicas"], row["num_gpus_per_replica"]) == (1, 1, 1)
        assert row["monthly_cost_usd"] == pytest.approx(2_190.0)
        assert row["num_million_tokens_per_month"] == pytest.approx(289.08)
        assert row["usd_per_million_tokens"] == pytest.approx(7.5758, rel=1e-4)
    n1 = compare_options(Scenario(workloads=(spec,), model_ids=("llama-3.3-70b",), gpu_ids=("h200-sxm",),
                                  precisions=("fp8",), api_model_ids=(), always_on=True,
                                  usd_per_gpu_hour_overrides={"h200-sxm": 3.0}), catalog).iloc[0]
    assert (n1["replicas"], n1["redundancy_replicas"], n1["monthly_cost_usd"]) == (2, 1, pytest.approx(4_380.0))


def test_api_price_in_force_on_the_scenario_date(catalog):
    # Gemini 4 Carbon: $2 input / $10 output per 1M tokens through 2026-11-30, $4 / $20 from 2026-12-01
    # (data/api_models.yaml price_changes). Coding request: 2048 input (20% cached at $0.10 -> $0.20), 28 output
    # + 500 thinking tokens (the coding preset's default for a reasoning model), billed as output.
    # Before: 0.8 x 2048 x 2 = 3276.8, 0.2 x 2048 x 0.1 = 40.96, 528 x 10 = 5280 -> 8597.76 / 1e6.
    # After: every price doubles -> 17195.52 / 1e6 per request.
    rows = {}
    for day in (dt.date(2026, 11, 30), dt.date(2026, 12, 1)):
        df = compare_options(scenario(api_model_ids=("gemini-4-carbon",), model_ids=(), priced_on=day), catalog)
        rows[day] = df[df["option_id"] == "api|gemini-4-carbon"].iloc[0]
    before, after = rows[dt.date(2026, 11, 30)], rows[dt.date(2026, 12, 1)]
    requests = 200_000 * 365 / 12
    assert before["output_tokens_per_request"] == 528
    assert before["monthly_cost_usd"] == pytest.approx(0.00859776 * requests, rel=1e-9)
    assert after["monthly_cost_usd"] == pytest.approx(0.01719552 * requests, rel=1e-9)
    assert after["usd_per_million_output_tokens"] == 20.0
    assert "list price changed on 2026-12-01" in after["notes"]
    assert "list price changed" not in before["notes"]


def test_api_bills_thinking_tokens_and_cost_per_successful_task(catalog):
    # Gemini 3.1 Pro on the coding preset: 2048 input (20% cached), 28-token answer + 500 thinking tokens
    # (the coding preset's default for a reasoning model without its own figure), billed as output:
    # c_req = ((0.8 p_in + 0.2 p_cached) 2048 + 528 p_out) / 1e6, x 200,000 requests/day x DAYS_PER_MONTH.
    api = catalog.api_model("gemini-3.1-pro")
    row = compare_options(scenario(api_model_ids=("gemini-3.1-pro",), model_ids=()), catalog).iloc[0]
    assert row["reasoning_tokens_per_request"] == 500 and row["output_tokens_per_request"] == 528
    p_in, p_cached, p_out = (api.usd_per_million_input_tokens, api.usd_per_million_cached_input_tokens,
                             api.usd_per_million_output_tokens)
    per_request = ((0.8 * p_in + 0.2 * p_cached) * 2048 + 528 * p_out) / 1e6
    tasks = 200_000 * DAYS_PER_MONTH
    assert row["monthly_cost_usd"] == pytest.approx(per_request * tasks, rel=1e-9)
    # $ per successful task = monthly cost / (tasks x success), success = index / 100 (no retries)
    assert row["usd_per_successful_task"] == pytest.approx(row["monthly_cost_usd"] / (tasks * row["success_frac"]))
    assert row["success_frac"] == pytest.approx(row["quality_index"] / 100.0)


def test_retries_multiply_attempts_and_keep_tasks(catalog):
    # Up to 2 retries: E[attempts] = 1 + (1 - p) + (1 - p)^2 and the API bill grows by exactly that factor;
    # num_requests_per_month stays the number of tasks.
    one = compare_options(scenario(api_model_ids=("qwen3-max",), model_ids=()), catalog).iloc[0]
    retry_spec = CODING.model_copy(update={"max_retries": 2})
    two = compare_options(scenario(api_model_ids=("qwen3-max",), model_ids=(), workloads=(retry_spec,)),
                          catalog).iloc[0]
    q = 1.0 - one["success_frac"]
    attempts = 1.0 + q + q * q
    assert two["expected_attempts"] == pytest.approx(attempts)
    assert two["monthly_cost_usd"] == pytest.approx(one["monthly_cost_usd"] * attempts)
    assert two["num_requests_per_month"] == one["num_requests_per_month"]
    tasks_ok = one["num_requests_per_month"] * (1.0 - q**3)
    assert two["usd_per_successful_task"] == pytest.approx(two["monthly_cost_usd"] / tasks_ok)


def test_retired_entries_are_marked_and_not_ranked(catalog):
    # gemini-3-pro was shut down on 2026-03-09 (data/api_models.yaml lifecycle).
    df = compare_options(scenario(api_model_ids=("gemini-3-pro", "qwen3-max"), model_ids=()), catalog)
    retired = df[df["model_id"] == "gemini-3-pro"].iloc[0]
    assert retired["retired"] and not retired["ranked"] and "retired on 2026-03-09" in retired["notes"]
    assert bool(df[df["model_id"] == "qwen3-max"].iloc[0]["ranked"])
