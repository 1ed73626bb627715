"""app_pages.charts: the Pareto frontier, and figures that carry units, hover text and no non-finite points."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from app_pages import charts


def options_frame() -> pd.DataFrame:
    rows = [
        # kind, cost $/1M, quality, meets limits
        ("self-hosted MoE", 0.5, 70.0, True),
        ("self-hosted dense", 0.4, 60.0, True),
        ("API", 2.0, 80.0, True),
        ("API", 3.0, 75.0, True),  # dominated by the 2.0 / 80 API
        ("self-hosted MoE", 1.0, 65.0, False),  # dominated, and misses the limits
        ("self-hosted dense", None, 50.0, True),  # no cost: left out
        ("API", 1.0, None, True),  # no quality: left out
    ]
    return pd.DataFrame({
        "kind": [r[0] for r in rows],
        "usd_per_million_tokens": pd.Series([r[1] for r in rows], dtype=object),
        "quality_index": pd.Series([r[2] for r in rows], dtype=object),
        "meets_limits": [r[3] for r in rows],
        "model_name": [f"m{i}" for i in range(len(rows))],
        "gpu_name": ["H200"] * len(rows),
        "precision": ["fp8"] * len(rows),
        "gpus_total": [4] * len(rows),
        "monthly_cost_usd": pd.Series([1000.0] * len(rows), dtype=object),
        "status": ["ok"] * len(rows),
        "option_label": [f"option {i}" for i in range(len(rows))],
        "usd_per_quality_point": pd.Series([10.0, None, 5.0, 4.0, 3.0, None, None], dtype=object),
    })


def test_pareto_mask_hand_checked() -> None:
    df = options_frame()
    mask = charts.pareto_mask(df["usd_per_million_tokens"], df["quality_index"])
    # Frontier: 0.4/60 (cheapest), 0.5/70, 2.0/80 (best). 3.0/75 and 1.0/65 are dominated; missing values never.
    assert mask.tolist() == [True, True, True, False, False, False, False]


def test_pareto_mask_ties_and_empty() -> None:
    assert charts.pareto_mask([1.0, 1.0], [50.0, 50.0]).tolist() == [True, True]
    assert charts.pareto_mask([], []).tolist() == []
    assert charts.pareto_mask([math.inf, 1.0], [90.0, 10.0]).tolist() == [False, True]


def test_cost_vs_quality_traces_axes_and_hover() -> None:
    fig = charts.cost_vs_quality(options_frame())
    names = [t.name for t in fig.data]
    assert "self-hosted MoE" in names
    assert "self-hosted MoE (misses limits)" in names
    assert "API" in names
    assert any("Pareto" in n for n in names)
    points = sum(len(t.x) for t in fig.data if t.mode == "markers")
    assert points == 5  # rows without a cost or a quality index are left out
    assert "$ per 1M tokens" in fig.layout.xaxis.title.text
    assert "[0-100]" in fig.layout.yaxis.title.text
    hover = [h for t in fig.data if t.text is not None for h in t.text]
    assert all("per 1M tokens" in h and "per month" in h for h in hover)
    frontier = next(t for t in fig.data if "Pareto" in t.name)
    assert list(frontier.x) == [0.4, 0.5, 2.0]


def test_cost_vs_quality_empty_table() -> None:
    df = options_frame().iloc[0:0]
    fig = charts.cost_vs_quality(df)
    assert len(fig.data) == 0


def test_head_to_head_one_colour_per_option_and_gaps() -> None:
    df = options_frame().iloc[[0, 1, 2]]
    fig = charts.head_to_head(df, [("usd_per_million_tokens", "$ / 1M tokens"),
                                   ("usd_per_quality_point", "$ per quality point")])
    assert len(fig.data) == 3 * 2
    legend = [t.name for t in fig.data if t.showlegend]
    assert legend == ["option 0", "option 1", "option 2"]
    gap = next(t for t in fig.data if t.name == "option 1" and t.xaxis == "x2")
    assert gap.y == (None,)


def test_memory_breakdown_fills_the_gpu() -> None:
    fig = charts.memory_breakdown(70.0, 40.0, 14.1, 141.0, "H200")
    values = {t.name: t.x[0] for t in fig.data}
    assert values["Free"] == pytest.approx(141.0 - 70.0 - 40.0 - 14.1)
    assert sum(values.values()) == pytest.approx(141.0)
    assert fig.layout.xaxis.title.text == "Memory per GPU [GB]"


def test_throughput_vs_latency_draws_limits_and_drops_non_finite() -> None:
    curve = pd.DataFrame({"concurrency": [1, 2, 4, 8], "tpot_ms": [10.0, 12.0, np.inf, 20.0],
                          "ttft_ms": [100.0, 110.0, 120.0, 130.0],
                          "output_tokens_per_s_per_gpu": [100.0, 180.0, 300.0, 400.0]})
    fig = charts.throughput_vs_latency(curve, tpot_limit_ms=15.0, ttft_limit_ms=500.0, chosen_concurrency=2)
    assert len(fig.data[0].x) == 3
    assert len(fig.layout.shapes) == 2  # the two limit lines
    assert "[ms]" in fig.layout.xaxis.title.text
    assert "[tokens/s]" in fig.layout.yaxis.title.text


def test_moe_reads_and_time_split() -> None:
    fig = charts.moe_reads([1, 10, 100], [8.0, 60.0, 120.0], [20.0, 100.0, 200.0], 230.0, 128, 8)
    assert fig.layout.yaxis2.title.text == "Weights read per step [GB]"
    assert list(fig.data[2].y) == [230.0, 230.0]
    split = charts.time_split(prefill_ms=50.0, decode_step_ms=20.0, step_ms=30.0, ttft_ms=80.0)
    parts = {t.name: t.x[0] for t in split.data}
    assert parts["prefill of new requests in the same step"] == pytest.approx(10.0)
    assert parts["wait for the running step"] == pytest.approx(30.0)


def test_validation_errors_and_lines_chart() -> None:
    rows = pd.DataFrame({"id": ["a", "b", "c"], "metric": ["tpot_ms", "ttft_ms", "ttft_ms"],
                         "measured": [10.0, 100.0, 50.0], "predicted": [11.0, 90.0, 70.0],
                         "error_frac": [0.1, -0.1, 0.4], "gpu_id": ["h100-sxm"] * 3, "precision": ["fp8"] * 3})
    fig = charts.validation_errors(rows)
    assert {t.name for t in fig.data} == {"Time per output token", "Time to first token"}  # no snake_case
    ttft = next(t for t in fig.data if t.name == "Time to first token")
    assert sorted(ttft.y) == pytest.approx([-10.0, 40.0])  # percent, one unit on the axis
    # |errors| 0.1, 0.1, 0.4: median 10.0 %, mean 0.6 / 3 = 20.0 %.
    assert "median 10.0%, mean 20.0%" in fig.layout.title.text
    lines = charts.lines_chart([1, 2, 3], {"a": [1.0, None, 3.0]}, "x [u]", "y [$]", "t", vline=(2, "here"),
                               log_x=True, log_y=True)
    assert list(lines.data[0].x) == [1.0, 3.0]
    assert lines.layout.yaxis.type == "log"


def test_monthly_cost_bars_sorted_without_missing() -> None:
    df = options_frame()
    df["monthly_cost_usd"] = pd.Series([300.0, 100.0, None, 200.0, 50.0, 10.0, 20.0], dtype=object)
    fig = charts.monthly_cost_bars(df)
    assert sum(len(t.x) for t in fig.data) == 6
    assert fig.layout.xaxis.title.text.endswith("[$ per month]")


def tornado_frame() -> pd.DataFrame:
    # Rows as pricing.sensitivity.tornado gives them: largest swing first, object columns, None when missing.
    rows = [
        ("GPU price", "catalog quote", "low", "median", "high", 0.80, 0.35, 1.39, "catalog on_demand quotes"),
        ("Traffic", "requests/day", 150_000.0, 200_000.0, 250_000.0, 0.80, 1.06, 0.64, "+-25% (judgement)"),
        ("Utilisation", "fraction", 0.525, 0.7, 0.875, 0.80, 0.80, 0.80, "+-25% (judgement)"),
        ("Power price", "$/kWh", 0.07, 0.10, 0.20, 0.80, None, 0.80, "ownership_defaults.yaml"),
    ]
    return pd.DataFrame({
        "input": [r[0] for r in rows], "unit": [r[1] for r in rows],
        "low_value": pd.Series([r[2] for r in rows], dtype=object),
        "base_value": pd.Series([r[3] for r in rows], dtype=object),
        "high_value": pd.Series([r[4] for r in rows], dtype=object),
        "base_usd_per_million_tokens": pd.Series([r[5] for r in rows], dtype=object),
        "usd_per_million_tokens_at_low": pd.Series([r[6] for r in rows], dtype=object),
        "usd_per_million_tokens_at_high": pd.Series([r[7] for r in rows], dtype=object),
        "range_source": [r[8] for r in rows],
    })


def test_tornado_bars_start_at_the_base_and_state_the_ranges() -> None:
    fig = charts.tornado(tornado_frame(), "t", reference=(0.64, "best API: $0.640"))
    low, high, still = fig.data
    assert list(still.text) == ["no change"] and "Utilisation" in still.y[0]  # an input that moves nothing
    assert low.name.endswith("low end of its range") and high.name.endswith("high end of its range")
    assert len(low.y) == 3  # Power price has no cost at its low end: left out
    assert list(low.base) == pytest.approx([0.80] * 3)
    # GPU price: 0.80 -> 0.35 at the lowest quote (-0.45), -> 1.39 at the highest (+0.59).
    assert low.x[0] == pytest.approx(-0.45) and high.x[0] == pytest.approx(0.59)
    assert "lowest to highest catalog quote" in low.y[0]
    assert "150,000 to 250,000 requests/day" in low.y[1]
    assert "52% to 88%" in low.y[2]
    assert fig.layout.yaxis.categoryarray[-1] == low.y[0]  # largest swing drawn at the top
    assert "$ per 1M tokens" in fig.layout.xaxis.title.text
    assert [s.x0 for s in fig.layout.shapes] == pytest.approx([0.80, 0.64])  # now, and the reference
    assert fig.layout.xaxis.range == pytest.approx((0.0, 1.39 * 1.08))  # from zero, every bar and line in view
    assert all("range:" in h for h in low.text)


def test_tornado_empty_and_range_texts() -> None:
    assert len(charts.tornado(tornado_frame().iloc[0:0], "t").data[0].y) == 0
    assert charts.range_text(0.07, 0.2, "$/kWh") == "$0.07 to $0.20 per kWh"
    assert charts.range_text(22_500.0, 37_500.0, "$ per GPU") == "$22,500 to $37,500 per GPU"
    assert charts.range_text(0.884, 1.116, "x fitted") == "x0.884 to x1.12 (fitted value)"
    assert charts.value_text("high", "catalog quote") == "highest catalog quote"


def test_cost_band_error_bars_from_low_and_high() -> None:
    df = options_frame()
    cost = [0.5, 0.4, 2.0, 3.0, 1.0, None, 1.0]
    df["usd_per_million_tokens"] = pd.Series(cost, dtype=object)
    df["usd_per_million_tokens_low"] = pd.Series([c / 1.1 if c and k != "API" else c for c, k in
                                                  zip(cost, df["kind"], strict=True)], dtype=object)
    df["usd_per_million_tokens_high"] = pd.Series([c / 0.9 if c and k != "API" else c for c, k in
                                                   zip(cost, df["kind"], strict=True)], dtype=object)
    df["ranked"] = [True, True, True, True, False, True, True]
    fig = charts.cost_band(df, error_frac=0.1)
    assert sum(len(t.x) for t in fig.data) == 6  # the option without a cost is left out
    moe = next(t for t in fig.data if t.name == "self-hosted MoE")
    assert moe.error_x.array[0] == pytest.approx(0.5 / 0.9 - 0.5)
    assert moe.error_x.arrayminus[0] == pytest.approx(0.5 - 0.5 / 1.1)
    api = next(t for t in fig.data if t.name == "API")
    assert list(api.error_x.array) == [0.0, 0.0, 0.0]
    hollow = next(t for t in fig.data if "misses" in t.name)
    assert hollow.marker.color == "white"
    assert fig.layout.yaxis.categoryarray[-1] == "option 1"  # cheapest at the top


def test_fleet_mix_bars_shared_vs_own() -> None:
    mix = pd.DataFrame({
        "workload": ["Coding", "Chat", "Long", "(shared fleet)"],
        "status": ["ok", "ok", "does not fit", "ok"],
        "monthly_cost_usd": pd.Series([1806.0, 713.0, None, 2518.0], dtype=object),
        "standalone_monthly_cost_usd": pd.Series([2518.0, 2518.0, None, 5037.0], dtype=object),
    })
    fig = charts.fleet_mix_bars(mix)
    shared, own = fig.data
    assert list(shared.y) == ["Coding", "Chat", "Long", "All workloads"]
    assert list(shared.x) == [1806.0, 713.0, None, 2518.0]
    assert list(own.x)[-1] == 5037.0
    assert "does not fit" in shared.text[2]
    assert fig.layout.xaxis.title.text == "Monthly cost [$ per month]"


def test_side_by_side_figures_keep_the_legend_clear_of_subplot_titles() -> None:
    curve = pd.DataFrame({"concurrency": [1, 2], "tpot_ms": [10.0, 12.0], "ttft_ms": [100.0, 110.0],
                          "output_tokens_per_s_per_gpu": [100.0, 180.0]})
    for fig in (charts.throughput_vs_latency(curve, 15.0, 500.0, chosen_concurrency=2),
                charts.moe_reads([1, 10, 100], [8.0, 60.0, 120.0], [20.0, 100.0, 200.0], 230.0, 128, 8)):
        legend = fig.layout.legend
        assert legend.yref == "container" and legend.y == 0.0 and legend.yanchor == "bottom"  # under the plots
        assert fig.layout.margin.b >= 100
        titles = [a for a in fig.layout.annotations if a.yref == "paper" and a.y == 1.0]
        assert len(titles) == 2  # the subplot titles stay above the plots
        # A line its subplot title already names needs no legend entry.
        assert all(t.showlegend is False for t in fig.data if t.name in ("throughput", "TTFT", "experts touched"))


def test_vline_label_on_a_log_axis_sits_at_the_line() -> None:
    fig = charts.lines_chart([1e3, 1e6], {"a": [1.0, 2.0]}, "x [u]", "y [$]", "t", vline=(1.5e6, "your traffic"),
                             log_x=True)
    label = next(a for a in fig.layout.annotations if a.text == "your traffic")
    assert label.x == pytest.approx(math.log10(1.5e6))  # plotly places annotations on log axes by log10
    assert fig.layout.shapes[0].x0 == 1.5e6


def test_log_ticks_keep_full_values():
    from app_pages.charts import log_ticks

    ticks = log_ticks([0.199, 0.8, 1.78], "$")
    # 1-2-5 per decade from half the minimum to twice the maximum: 0.1 .. 2 (5 would exceed 2 x 1.78)
    assert ticks["tickvals"] == [0.1, 0.2, 0.5, 1.0, 2.0]
    assert ticks["ticktext"] == ["$0.1", "$0.2", "$0.5", "$1", "$2"]
    assert log_ticks([float("nan"), -1.0]) == {}


def test_cost_vs_quality_draws_p10_p90_bars_where_the_monte_carlo_ran() -> None:
    df = options_frame().iloc[:5].copy()  # rows with a $/1M figure for the hover text
    df["monthly_cost_usd"] = [100.0 * (i + 1) for i in range(len(df))]
    df["monthly_cost_usd_p10"] = [80.0 * (i + 1) for i in range(len(df))]
    df["monthly_cost_usd_p90"] = [None] + [150.0 * (i + 1) for i in range(1, len(df))]
    fig = charts.cost_vs_quality(df, cost_col="monthly_cost_usd", cost_label="$ per month")
    bars = {x: (plus, minus) for t in fig.data if t.mode == "markers" and t.error_x is not None
            for x, plus, minus in zip(t.x, t.error_x.array, t.error_x.arrayminus, strict=True)}
    # Row 1 (cost 200): p10 160, p90 300 -> bar -40 / +100. Row 0 has no p90: no bar.
    assert bars[200.0] == pytest.approx((100.0, 40.0))
    assert bars.get(100.0, (0.0, 0.0)) == (0.0, 0.0)
    assert charts.cost_vs_quality(options_frame()).data[0].error_x.array is None  # no draws, no bars


def test_throughput_vs_latency_draws_the_p99_the_limits_apply_to() -> None:
    """A mean well inside the limit is not the whole story: the p99 curves are drawn and the limits say p99."""
    curve = pd.DataFrame({"concurrency": [1, 2, 4], "tpot_ms": [10.0, 12.0, 14.0], "ttft_ms": [100.0, 110.0, 130.0],
                          "tpot_p99_ms": [13.0, 15.6, 18.2], "ttft_p99_ms": [300.0, 420.0, 700.0],
                          "output_tokens_per_s_per_gpu": [100.0, 180.0, 300.0]})
    fig = charts.throughput_vs_latency(curve, tpot_limit_ms=15.0, ttft_limit_ms=500.0, chosen_concurrency=1)
    p99 = [t for t in fig.data if t.legendgroup == "p99"]
    assert [list(t.x) for t in p99] == [[13.0, 15.6, 18.2], [1, 2, 4]]
    assert list(p99[1].y) == [300.0, 420.0, 700.0]
    labels = {a.text for a in fig.layout.annotations}
    assert {"TPOT limit 15 ms (p99)", "TTFT limit 500 ms (p99)"} <= labels
