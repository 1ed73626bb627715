"""Plotly figures of the dashboard (pure: no streamlit; inputs are tables and numbers from the core).

Every axis title carries its unit; hover labels show the option and its figures. Dense, MoE and API options
keep one colour and symbol each across figures (``KIND_STYLE``). Non-finite values are dropped before
plotting, never drawn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from app_pages import tables
from pricing.kinds import KIND_API, KIND_DENSE, KIND_MOE, SHARED_FLEET

KIND_STYLE: dict[str, dict[str, str]] = {
    KIND_MOE: {"color": "#6a3d9a", "symbol": "diamond"},
    KIND_DENSE: {"color": "#1f78b4", "symbol": "circle"},
    KIND_API: {"color": "#e6550d", "symbol": "square"},
}
LIMIT_COLOR = "#d62728"
OPTION_COLORS = ("#6a3d9a", "#1f78b4", "#e6550d")
FONT = {"size": 13}


def _layout(fig: go.Figure, title: str, height: int = 420) -> go.Figure:
    fig.update_layout(title={"text": title, "x": 0.0, "xanchor": "left", "y": 0.98, "yref": "container",
                             "yanchor": "top"},
                      height=height, font=FONT, margin={"l": 70, "r": 20, "t": 95, "b": 55},
                      legend={"orientation": "h", "x": 0.0, "xanchor": "left", "y": 1.0, "yanchor": "bottom",
                              "traceorder": "normal"},
                      hovermode="closest", template="plotly_white")
    return fig


def _legend_below(fig: go.Figure, height: int) -> go.Figure:
    """Move the legend under the plots (for side-by-side subplots, whose titles sit where the legend would)."""
    fig.update_layout(height=height, margin={"t": 80, "b": 120},
                      legend={"orientation": "h", "x": 0.0, "xanchor": "left", "yref": "container", "y": 0.0,
                              "yanchor": "bottom"})
    return fig


def _finite(values: Sequence[float] | pd.Series | npt.NDArray[np.float64]) -> npt.NDArray[np.bool_]:
    arr = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.isfinite(arr)


def pareto_mask(cost: Sequence[float] | pd.Series, quality: Sequence[float] | pd.Series) -> npt.NDArray[np.bool_]:
    """Options on the cost-quality frontier: no other option is at most as costly and at least as good [-].

    An option i is dominated when some j has ``cost_j <= cost_i`` and ``quality_j >= quality_i`` with one of
    the two strict. Options with a missing or non-finite cost or quality are never on the frontier.
    """
    c = pd.to_numeric(pd.Series(cost), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    q = pd.to_numeric(pd.Series(quality), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(c) & np.isfinite(q)
    out = np.zeros(c.shape, dtype=bool)
    idx = np.flatnonzero(ok)
    for i in idx:
        others = idx[idx != i]
        dominated = np.any((c[others] <= c[i]) & (q[others] >= q[i]) & ((c[others] < c[i]) | (q[others] > q[i])))
        out[i] = not dominated
    return out


def _hover(df: pd.DataFrame) -> list[str]:
    rows = []
    for r in df.itertuples(index=False):
        where = "API" if r.kind == KIND_API else f"{r.gpus_total:.0f} x {r.gpu_name}, {r.precision}"
        rows.append(
            f"<b>{r.model_name}</b> ({where})<br>"
            f"${r.usd_per_million_tokens:,.3f} per 1M tokens<br>"
            f"${r.monthly_cost_usd:,.0f} per month<br>"
            f"quality index {r.quality_index:.1f}<br>{r.status}")
    return rows


def log_ticks(values: Any, prefix: str = "") -> dict[str, Any]:
    """Tick values and labels 1-2-5 per decade covering ``values`` (finite, > 0), for a log axis.

    Plotly labels minor log ticks with their leading digit only ("2", "5"), which reads as 2 when 0.2 is
    meant; explicit ticks keep the full value ("$0.2").
    """
    x = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce"), dtype=float)
    x = x[np.isfinite(x) & (x > 0)]
    if x.size == 0:
        return {}
    lo, hi = math.floor(math.log10(x.min())), math.ceil(math.log10(x.max()))
    ticks = [m * 10.0**e for e in range(lo, hi + 1) for m in (1, 2, 5) if x.min() / 2 <= m * 10.0**e <= x.max() * 2]
    return {"tickvals": ticks, "ticktext": [f"{prefix}{t:,.10g}" for t in ticks]}


def _range_bars(part: pd.DataFrame, cost_col: str) -> dict[str, object] | None:
    """Error bars from the Monte Carlo's p10 and p90 of ``cost_col`` (``pricing.uncertainty``), if drawn."""
    lo, hi = f"{cost_col}_p10", f"{cost_col}_p90"
    if lo not in part or hi not in part:
        return None
    x = part[cost_col].astype(float).to_numpy()
    low = pd.to_numeric(part[lo], errors="coerce").to_numpy(dtype=float)
    high = pd.to_numeric(part[hi], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(low) & np.isfinite(high)
    return {"type": "data", "symmetric": False, "thickness": 1.2, "width": 4,
            "array": np.where(ok, np.maximum(high - x, 0.0), 0.0).tolist(),
            "arrayminus": np.where(ok, np.maximum(x - low, 0.0), 0.0).tolist()}


def cost_vs_quality(df: pd.DataFrame, cost_col: str = "usd_per_million_tokens",
                    cost_label: str = "Cost [$ per 1M tokens, log scale]") -> go.Figure:
    """Scatter of cost against quality index with the Pareto frontier; one trace per option kind.

    ``df`` has the columns of ``pricing.options.compare_options`` (kind, model_name, gpu_name, precision,
    gpus_total, usd_per_million_tokens, monthly_cost_usd, quality_index, meets_limits, status). Options that
    miss the limits are drawn hollow; options without a cost or a quality index are left out.
    """
    fig = go.Figure()
    plot = df[_finite(df[cost_col]) & _finite(df["quality_index"])].copy()
    plot[cost_col] = plot[cost_col].astype(float)
    plot["quality_index"] = plot["quality_index"].astype(float)
    for kind, style in KIND_STYLE.items():
        for meets in (True, False):
            part = plot[(plot["kind"] == kind) & (plot["meets_limits"].astype(bool) == meets)]
            if part.empty:
                continue
            fig.add_trace(go.Scatter(
                x=part[cost_col], y=part["quality_index"], mode="markers",
                name=kind if meets else f"{kind} (misses limits)",
                marker={"color": style["color"] if meets else "white", "symbol": style["symbol"], "size": 13,
                        "line": {"color": style["color"], "width": 2}},
                text=_hover(part), hovertemplate="%{text}<extra></extra>", error_x=_range_bars(part, cost_col)))
    if not plot.empty:
        front = plot[pareto_mask(plot[cost_col], plot["quality_index"])].sort_values(cost_col)
        fig.add_trace(go.Scatter(x=front[cost_col], y=front["quality_index"], mode="lines",
                                 name="Best quality for the money (Pareto frontier)",
                                 line={"color": "#555", "dash": "dot"}, hoverinfo="skip"))
    fig.update_xaxes(title_text=cost_label, type="log", **log_ticks(plot[cost_col], "$"))
    fig.update_yaxes(title_text="Quality index [0-100]")
    return _layout(fig, "Cost vs quality: up and to the left is better", height=460)


def head_to_head(df: pd.DataFrame, metrics: Sequence[tuple[str, str]]) -> go.Figure:
    """Bars of a few metrics for two or three options, one panel per metric, one colour per option.

    ``df`` has one row per option with an ``option_label`` and ``kind`` column plus the metric columns;
    ``metrics`` lists (column, panel title with unit). Missing values leave a gap.
    """
    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[label for _, label in metrics])
    for i, row in enumerate(df.to_dict("records")):
        color = OPTION_COLORS[i % len(OPTION_COLORS)]
        for col_no, (column, label) in enumerate(metrics, start=1):
            value = pd.to_numeric(pd.Series([row[column]]), errors="coerce").iloc[0]
            fig.add_trace(go.Bar(
                x=[row["option_label"]], y=[value if np.isfinite(value) else None], name=row["option_label"],
                legendgroup=row["option_label"], showlegend=col_no == 1, marker_color=color,
                hovertemplate=f"{row['option_label']}<br>%{{y:,.4g}} {label}<extra></extra>"), row=1, col=col_no)
            fig.update_xaxes(showticklabels=False, row=1, col=col_no)
    _layout(fig, "", height=440)
    fig.update_layout(legend={"orientation": "v", "y": 1.1, "yanchor": "bottom"}, margin={"t": 120})
    return fig


def memory_breakdown(weights_gb: float, kv_cache_gb: float, reserve_gb: float, memory_gb: float,
                     gpu_name: str) -> go.Figure:
    """Stacked bar of one GPU's memory [GB]: weights, KV cache, runtime reserve and what is left free."""
    free = max(memory_gb - weights_gb - kv_cache_gb - reserve_gb, 0.0)
    parts = [("Weights", weights_gb, "#1f78b4"), ("KV cache", kv_cache_gb, "#33a02c"),
             ("Runtime reserve", reserve_gb, "#b2b2b2"), ("Free", free, "#eeeeee")]
    fig = go.Figure()
    for name, value, color in parts:
        fig.add_trace(go.Bar(y=[gpu_name], x=[value], name=name, orientation="h", marker_color=color,
                             hovertemplate=f"{name}: %{{x:,.1f}} GB<extra></extra>"))
    fig.add_vline(x=memory_gb, line={"color": LIMIT_COLOR, "dash": "dash"},
                  annotation_text=f"{memory_gb:.0f} GB on the GPU")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="Memory per GPU [GB]")
    return _layout(fig, "Memory per GPU", height=260)


def throughput_vs_latency(df: pd.DataFrame, tpot_limit_ms: float | None, ttft_limit_ms: float | None,
                          chosen_concurrency: int | None = None) -> go.Figure:
    """Throughput per GPU against TPOT, and TTFT against concurrency, with the limits drawn.

    ``df`` has one row per concurrency: concurrency, tpot_ms, ttft_ms, output_tokens_per_s_per_gpu and, when
    present, tpot_p99_ms and ttft_p99_ms (the 99th percentiles the limits apply to; drawn dotted).
    """
    d = df[_finite(df["tpot_ms"]) & _finite(df["ttft_ms"]) & _finite(df["output_tokens_per_s_per_gpu"])]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Throughput vs time per output token",
                                                        "Time to first token vs concurrency"))
    hover = [f"concurrency {c}" for c in d["concurrency"]]
    fig.add_trace(go.Scatter(x=d["tpot_ms"], y=d["output_tokens_per_s_per_gpu"], mode="lines+markers",
                             name="throughput", text=hover, line={"color": "#1f78b4"}, showlegend=False,
                             hovertemplate="%{text}<br>TPOT %{x:.1f} ms<br>%{y:,.0f} tokens/s per GPU"
                                           "<extra></extra>"), row=1, col=1)
    fig.add_trace(go.Scatter(x=d["concurrency"], y=d["ttft_ms"], mode="lines+markers", name="TTFT",
                             line={"color": "#33a02c"}, showlegend=False,
                             hovertemplate="concurrency %{x}<br>TTFT %{y:,.0f} ms<extra></extra>"), row=1, col=2)
    # The limits apply to the 99th percentile (calculator.pipeline): draw it beside the mean, or a mean well
    # inside a limit looks like a missed opportunity.
    if {"tpot_p99_ms", "ttft_p99_ms"} <= set(d.columns):
        p99 = d[_finite(d["tpot_p99_ms"]) & _finite(d["ttft_p99_ms"])]
        fig.add_trace(go.Scatter(x=p99["tpot_p99_ms"], y=p99["output_tokens_per_s_per_gpu"], mode="lines",
                                 name="99th percentile (the limits apply to it)", legendgroup="p99",
                                 line={"color": "#1f78b4", "dash": "dot"},
                                 hovertemplate="p99 TPOT %{x:.1f} ms<br>%{y:,.0f} tokens/s per GPU<extra></extra>"),
                      row=1, col=1)
        fig.add_trace(go.Scatter(x=p99["concurrency"], y=p99["ttft_p99_ms"], mode="lines", legendgroup="p99",
                                 name="99th percentile", showlegend=False, line={"color": "#33a02c", "dash": "dot"},
                                 hovertemplate="concurrency %{x}<br>p99 TTFT %{y:,.0f} ms<extra></extra>"),
                      row=1, col=2)
    if tpot_limit_ms is not None:
        fig.add_vline(x=tpot_limit_ms, line={"color": LIMIT_COLOR, "dash": "dash"}, row=1, col=1,
                      annotation_text=f"TPOT limit {tpot_limit_ms:g} ms (p99)")
    if ttft_limit_ms is not None:
        fig.add_hline(y=ttft_limit_ms, line={"color": LIMIT_COLOR, "dash": "dash"}, row=1, col=2,
                      annotation_text=f"TTFT limit {ttft_limit_ms:g} ms (p99)")
    if chosen_concurrency is not None:
        pick = d[d["concurrency"] == chosen_concurrency]
        if not pick.empty:
            fig.add_trace(go.Scatter(x=pick["tpot_ms"], y=pick["output_tokens_per_s_per_gpu"], mode="markers",
                                     name=f"chosen: concurrency {chosen_concurrency}",
                                     marker={"size": 16, "color": "rgba(0,0,0,0)",
                                             "line": {"color": "black", "width": 2}},
                                     hoverinfo="skip"), row=1, col=1)
    fig.update_xaxes(title_text="Time per output token [ms]", row=1, col=1)
    fig.update_yaxes(title_text="Output tokens/s per GPU [tokens/s]", row=1, col=1)
    fig.update_xaxes(title_text="Concurrent sequences per replica [-]", type="log", dtick=1, row=1, col=2)
    fig.update_yaxes(title_text="Time to first token [ms]", row=1, col=2)
    return _legend_below(_layout(fig, "Throughput and latency across concurrency"), height=470)


def moe_reads(batch: Sequence[float], experts_touched: Sequence[float], moe_gb_read: Sequence[float],
              dense_gb_read: float, num_experts: int, experts_per_token: int) -> go.Figure:
    """Distinct experts touched per layer and weight GB read per decode step vs batch, MoE vs dense.

    ``dense_gb_read`` is what a dense model of the same total size reads every step [GB].
    """
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Distinct experts touched per layer",
                                                        "Weights read per decode step"))
    fig.add_trace(go.Scatter(x=batch, y=experts_touched, mode="lines", name="experts touched", showlegend=False,
                             line={"color": KIND_STYLE[KIND_MOE]["color"]},
                             hovertemplate="batch %{x}<br>%{y:.1f} experts<extra></extra>"), row=1, col=1)
    fig.add_hline(y=num_experts, line={"dash": "dot", "color": "#777"}, row=1, col=1,
                  annotation_text=f"all {num_experts} experts")
    fig.add_hline(y=experts_per_token, line={"dash": "dot", "color": "#777"}, row=1, col=1,
                  annotation_text=f"{experts_per_token} per token", annotation_position="bottom right")
    fig.add_trace(go.Scatter(x=batch, y=moe_gb_read, mode="lines", name="this MoE model",
                             line={"color": KIND_STYLE[KIND_MOE]["color"]},
                             hovertemplate="batch %{x}<br>%{y:,.1f} GB per step<extra></extra>"), row=1, col=2)
    fig.add_trace(go.Scatter(x=[min(batch), max(batch)], y=[dense_gb_read, dense_gb_read], mode="lines",
                             name="dense model of the same total size",
                             line={"color": KIND_STYLE[KIND_DENSE]["color"], "dash": "dash"},
                             hovertemplate="%{y:,.1f} GB per step<extra></extra>"), row=1, col=2)
    for col in (1, 2):
        fig.update_xaxes(title_text="Sequences decoded together (batch) [-]", type="log", dtick=1, row=1, col=col)
    fig.update_yaxes(title_text="Experts per layer [-]", row=1, col=1)
    fig.update_yaxes(title_text="Weights read per step [GB]", rangemode="tozero", row=1, col=2)
    return _legend_below(_layout(fig, "Mixture of experts: bigger batches read more of the model"), height=450)


def time_split(prefill_ms: float, decode_step_ms: float, step_ms: float, ttft_ms: float) -> go.Figure:
    """Where time goes: a lone prefill and TTFT, and one step under load split into decode and prefill work."""
    fig = go.Figure()
    prefill_share = max(step_ms - decode_step_ms, 0.0)
    fig.add_trace(go.Bar(y=["Time to first token"], x=[prefill_ms], name="prefill of the prompt",
                         orientation="h", marker_color="#33a02c",
                         hovertemplate="prefill %{x:,.1f} ms<extra></extra>"))
    fig.add_trace(go.Bar(y=["Time to first token"], x=[max(ttft_ms - prefill_ms, 0.0)],
                         name="wait for the running step", orientation="h", marker_color="#b2df8a",
                         hovertemplate="wait %{x:,.1f} ms<extra></extra>"))
    fig.add_trace(go.Bar(y=["One step under load (= TPOT)"], x=[decode_step_ms], name="decode of the batch",
                         orientation="h", marker_color="#1f78b4",
                         hovertemplate="decode %{x:,.1f} ms<extra></extra>"))
    fig.add_trace(go.Bar(y=["One step under load (= TPOT)"], x=[prefill_share],
                         name="prefill of new requests in the same step", orientation="h", marker_color="#a6cee3",
                         hovertemplate="prefill share %{x:,.1f} ms<extra></extra>"))
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title_text="Time [ms]")
    return _layout(fig, "Prefill and decode time", height=300)


# Calibration metric -> (label, unit), for legends and hover text.
def validation_errors(rows: pd.DataFrame) -> go.Figure:
    """Error of each prediction [%] (predicted / measured - 1), one column of points per metric, with the
    median and mean absolute error in the title and a +-25 % band. One unit on the axis, whatever the metric.

    ``rows`` are the rows of ``calculator.validate.table`` (id, metric, measured, predicted, error_frac, ...).
    """
    d = rows[_finite(rows["measured"]) & _finite(rows["predicted"]) & _finite(rows["error_frac"])]
    fig = go.Figure()
    for metric, part in d.groupby("metric", sort=True):
        label, unit = tables.METRIC_LABELS.get(str(metric), (str(metric), ""))
        fig.add_trace(go.Box(
            x=[label] * len(part), y=(part["error_frac"].astype(float) * 100.0).tolist(), name=label,
            boxpoints="all", jitter=0.5, pointpos=-1.8,
            text=[f"{i}<br>{g}, {p}<br>measured {m:,.4g} {unit}, predicted {q:,.4g} {unit}" for i, g, p, m, q in
                  zip(part["id"], part["gpu_id"], part["precision"], part["measured"], part["predicted"],
                      strict=True)],
            hovertemplate="%{text}<br>error %{y:+.0f} %<extra></extra>", marker={"size": 9}))
    for y, dash in ((0.0, "solid"), (25.0, "dot"), (-25.0, "dot")):
        fig.add_hline(y=y, line={"color": "#777", "dash": dash})
    errors = np.abs(d["error_frac"].astype(float).to_numpy())
    title = "Error of each prediction against published measurements"
    if errors.size:
        title += f" (median {np.median(errors):.1%}, mean {np.mean(errors):.1%} absolute error)"
    fig.update_yaxes(title_text="Predicted / measured - 1 [%]", ticksuffix=" %")
    fig.update_xaxes(title_text="Metric")
    fig.update_layout(showlegend=False)
    return _layout(fig, title, height=480)


def monthly_cost_bars(df: pd.DataFrame, cost_col: str = "monthly_cost_usd") -> go.Figure:
    """Horizontal bars of monthly cost per option, coloured by kind; options without a cost are left out."""
    d = df[_finite(df[cost_col])].copy()
    d[cost_col] = d[cost_col].astype(float)
    d = d.sort_values(cost_col, ascending=False)
    fig = go.Figure()
    for kind, style in KIND_STYLE.items():
        part = d[d["kind"] == kind]
        if part.empty:
            continue
        fig.add_trace(go.Bar(y=part["option_label"], x=part[cost_col], orientation="h", name=kind,
                             marker_color=style["color"],
                             hovertemplate="%{y}<br>$%{x:,.0f} per month<extra></extra>"))
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(categoryorder="array", categoryarray=list(d["option_label"]))
    fig.update_xaxes(title_text="Cost at the scenario's traffic [$ per month]")
    return _layout(fig, "Monthly cost per option", height=max(300, 28 * len(d) + 140))


def _vline(fig: go.Figure, x: float, text: str, log_x: bool = False, color: str = LIMIT_COLOR,
           dash: str = "dash", side: str = "right", above: bool = False) -> None:
    """A labelled vertical line; the label is placed by hand because plotly puts ``add_vline``'s label at
    the wrong place on a log axis (annotation positions there are log10 of the value). ``side``: label to
    the right or left of the line; ``above``: label above the plot area instead of inside its top."""
    fig.add_vline(x=x, line={"color": color, "dash": dash})
    fig.add_annotation(x=math.log10(x) if log_x else x, xref="x", y=1.0, yref="paper", text=text,
                       showarrow=False, xanchor="left" if side == "right" else "right",
                       yanchor="bottom" if above else "top", xshift=4 if side == "right" else -4,
                       font={"color": color})


def lines_chart(x: Sequence[float], series: dict[str, Sequence[float]], x_title: str, y_title: str,
                title: str, vline: tuple[float, str] | None = None, log_x: bool = False,
                log_y: bool = False) -> go.Figure:
    """Several named lines over one x axis (break-even and ROI curves); non-finite points are dropped."""
    fig = go.Figure()
    xs = np.asarray(x, dtype=float)
    for name, ys in series.items():
        y = np.asarray(pd.to_numeric(pd.Series(ys), errors="coerce"), dtype=float)
        keep = np.isfinite(xs) & np.isfinite(y)
        fig.add_trace(go.Scatter(x=xs[keep], y=y[keep], mode="lines", name=name,
                                 hovertemplate=f"{name}<br>%{{x:,.4g}}<br>%{{y:,.4g}}<extra></extra>"))
    if vline is not None:
        _vline(fig, vline[0], vline[1], log_x=log_x)
    fig.update_xaxes(title_text=x_title, type="log" if log_x else "linear", dtick=1 if log_x else None)
    fig.update_yaxes(title_text=y_title, type="log" if log_y else "linear", dtick=1 if log_y else None)
    return _layout(fig, title, height=420)


# --- Economics page: sensitivity, calibration band, several workloads on one fleet ---------------------------
_QUOTE_WORDS = {"low": "lowest", "median": "median", "high": "highest"}


def _number(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _number_and_unit(x: float, unit: str) -> tuple[str, str]:
    """A number written for its unit, and the words that follow it ('$0.07', 'per kWh')."""
    if unit == "fraction":
        return f"{x:.0%}", ""
    if unit.startswith("$/"):
        return f"${x:,.2f}", f"per {unit[2:]}"
    if unit.startswith("$ "):
        return f"${x:,.0f}", unit[2:]
    if unit.startswith("x "):
        return f"x{x:.3g}", f"({unit[2:]} value)"
    return _number(x), unit


def value_text(value: Any, unit: str) -> str:
    """One value of an input with its unit, e.g. '$0.07 per kWh', '52%', 'highest catalog quote'."""
    if isinstance(value, str):
        return f"{_QUOTE_WORDS.get(value, value)} {unit}"
    number, words = _number_and_unit(float(value), unit)
    return f"{number} {words}".strip()


def range_text(low: Any, high: Any, unit: str) -> str:
    """An input's stated range in words with its unit, e.g. '$0.07 to $0.20 per kWh' or '52% to 88%'."""
    if isinstance(low, str) or isinstance(high, str):
        return f"{_QUOTE_WORDS.get(str(low), low)} to {_QUOTE_WORDS.get(str(high), high)} {unit}"
    lo, words = _number_and_unit(float(low), unit)
    hi, _ = _number_and_unit(float(high), unit)
    return f"{lo} to {hi} {words}".strip()


def tornado(df: pd.DataFrame, title: str, reference: tuple[float, str] | None = None) -> go.Figure:
    """How far one option's cost [$ per 1M tokens] moves when each input moves over its stated range.

    ``df`` has the rows of ``pricing.sensitivity.tornado`` (input, unit, low_value, high_value,
    base_usd_per_million_tokens, usd_per_million_tokens_at_low, usd_per_million_tokens_at_high, range_source),
    largest swing first. Each input gets two bars starting at the base cost: to the cost with the input at the
    low end of its range, and at the high end; the y label states the range. Inputs without both ends are left
    out. ``reference`` draws a second line (e.g. the best API's cost) to show whether a range crosses it.
    """
    cols = ["base_usd_per_million_tokens", "usd_per_million_tokens_at_low", "usd_per_million_tokens_at_high"]
    keep = np.ones(len(df), dtype=bool)
    for col in cols:
        keep &= _finite(df[col]) if col in df else False
    d = df[keep]
    fig = go.Figure()
    labels = [f"<b>{r['input']}</b><br>{range_text(r['low_value'], r['high_value'], r['unit'])}"
              for r in d.to_dict("records")]
    base = d["base_usd_per_million_tokens"].astype(float).to_numpy()
    for end, col, value_col, color in (("low", "usd_per_million_tokens_at_low", "low_value", "#1f78b4"),
                                       ("high", "usd_per_million_tokens_at_high", "high_value", "#e6550d")):
        at = d[col].astype(float).to_numpy()
        hover = [f"{r['input']} at the {end} end: {value_text(r[value_col], r['unit'])}<br>"
                 f"${a:,.3f} per 1M tokens ({a - b:+,.3f})<br>range: {r['range_source']}"
                 for r, a, b in zip(d.to_dict("records"), at, base, strict=True)]
        fig.add_trace(go.Bar(y=labels, x=at - base, base=base, orientation="h",
                             name=f"input at the {end} end of its range", marker_color=color, text=hover,
                             textposition="none", hovertemplate="%{text}<extra></extra>"))
    still = np.isclose(d["usd_per_million_tokens_at_low"].astype(float).to_numpy(), base) & np.isclose(
        d["usd_per_million_tokens_at_high"].astype(float).to_numpy(), base)
    if still.any():
        fig.add_trace(go.Scatter(y=[lab for lab, s in zip(labels, still, strict=True) if s], x=base[still],
                                 mode="text", text=["no change"] * int(still.sum()), textposition="middle right",
                                 showlegend=False, hoverinfo="skip", textfont={"color": "#555"}))
    ends = [*base, *d["usd_per_million_tokens_at_low"].astype(float),
            *d["usd_per_million_tokens_at_high"].astype(float)]
    if len(base):
        ref_left = reference is not None and reference[0] < base[0]
        _vline(fig, float(base[0]), f"now: ${base[0]:,.3f}", color="#333", dash="solid",
               side="right" if ref_left or reference is None else "left", above=True)
        if reference is not None and math.isfinite(reference[0]):
            ends.append(reference[0])
            _vline(fig, reference[0], reference[1], color="#555", dash="dot", side="left" if ref_left else "right",
                   above=True)
        fig.update_xaxes(range=[0.0, max(ends) * 1.08])  # costs from zero, every line in view
    fig.update_layout(barmode="overlay")
    fig.update_yaxes(categoryorder="array", categoryarray=labels[::-1])
    fig.update_xaxes(title_text="Cost [$ per 1M tokens]")
    return _legend_below(_layout(fig, title), height=max(320, 62 * len(d) + 190))


def cost_band(df: pd.DataFrame, error_frac: float | None = None) -> go.Figure:
    """Each option's cost [$ per 1M tokens] with its calibration band drawn as an error bar.

    ``df`` has the columns of ``pricing.options.compare_options`` (option_label, kind, ranked, status,
    usd_per_million_tokens and its _low/_high band) plus ``option_label``. Options without a cost are left
    out; options not ranked (limits, minimum quality) are drawn hollow. Cheapest at the top.
    """
    cols = ["usd_per_million_tokens", "usd_per_million_tokens_low", "usd_per_million_tokens_high"]
    keep = np.ones(len(df), dtype=bool)
    for col in cols:
        keep &= _finite(df[col])
    d = df[keep].copy()
    for col in cols:
        d[col] = d[col].astype(float)
    d = d.sort_values("usd_per_million_tokens")
    fig = go.Figure()
    band = f" (model error +-{error_frac:.0%})" if error_frac is not None else ""
    for kind, style in KIND_STYLE.items():
        for ranked in (True, False):
            part = d[(d["kind"] == kind) & (d["ranked"].astype(bool) == ranked)]
            if part.empty:
                continue
            mid, lo, hi = (part[c].to_numpy() for c in cols)
            hover = [f"<b>{lab}</b><br>${m:,.3f} per 1M tokens<br>"
                     + (f"band ${a:,.3f} to ${b:,.3f}{band}" if kind != KIND_API else "API list price: no band")
                     + ("" if ranked else f"<br>not ranked: {st}")
                     for lab, m, a, b, st in zip(part["option_label"], mid, lo, hi, part["status"], strict=True)]
            fig.add_trace(go.Scatter(
                x=mid, y=part["option_label"], mode="markers",
                name=kind if ranked else f"{kind} (misses limits or minimum quality)",
                marker={"color": style["color"] if ranked else "white", "symbol": style["symbol"], "size": 11,
                        "line": {"color": style["color"], "width": 2}},
                error_x={"type": "data", "symmetric": False, "array": hi - mid, "arrayminus": mid - lo,
                         "color": style["color"], "thickness": 2, "width": 6},
                text=hover, hovertemplate="%{text}<extra></extra>"))
    fig.update_yaxes(categoryorder="array", categoryarray=list(d["option_label"])[::-1])
    fig.update_xaxes(title_text="Cost [$ per 1M tokens]; bar = calibration band", rangemode="tozero")
    return _layout(fig, "Cost per 1M tokens with the model's calibration band",
                   height=max(300, 30 * len(d) + 160))


def fleet_mix_bars(mix: pd.DataFrame) -> go.Figure:
    """Monthly cost [$ per month] of each workload: its share of one shared fleet vs a fleet of its own.

    ``mix`` has the rows of ``pricing.mix.fleet_mix`` (workload, monthly_cost_usd, standalone_monthly_cost_usd,
    share_frac, status); the last row, "(shared fleet)", holds the totals. Missing values leave a gap.
    """
    rows = mix.to_dict("records")
    names = [str(r["workload"]).replace(SHARED_FLEET, "All workloads") for r in rows]
    fig = go.Figure()
    for col, name, color in (("monthly_cost_usd", "on the shared fleet (split by busy GPU-hours)", "#6a3d9a"),
                             ("standalone_monthly_cost_usd", "on a fleet of its own", "#b2b2b2")):
        values = [float(r[col]) if r.get(col) is not None and math.isfinite(float(r[col])) else None for r in rows]
        hover = [f"{n}<br>{name}: ${v:,.0f} per month" if v is not None else f"{n}: {r['status']}"
                 for n, v, r in zip(names, values, rows, strict=True)]
        fig.add_trace(go.Bar(y=names, x=values, orientation="h", name=name, marker_color=color, text=hover,
                             textposition="none", hovertemplate="%{text}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(categoryorder="array", categoryarray=names[::-1])
    fig.update_xaxes(title_text="Monthly cost [$ per month]")
    return _layout(fig, "Monthly cost per workload: one shared fleet vs separate fleets",
                   height=max(280, 60 * len(rows) + 150))


def tco_stack(components_usd_per_gpu_hour: dict[str, float], rentals_usd_per_gpu_hour: dict[str, float],
              title: str) -> go.Figure:
    """Ownership cost per GPU-hour as a stack of its components, beside the rental prices of the same GPU.

    components : component name -> [$/GPU-hour] (``pricing.tco.OwnershipCost.components``; a credit is
    negative and drawn below zero); rentals : label -> [$/GPU-hour]. Non-finite values are left out.
    """
    fig = go.Figure()
    own_label = "Own (all-in)"
    palette = ("#1f78b4", "#a6cee3", "#b2df8a", "#33a02c", "#e31a1c", "#fb9a99", "#ff7f00", "#fdbf6f", "#cab2d6")
    for (name, value), color in zip(components_usd_per_gpu_hour.items(), palette * 2, strict=False):
        if not math.isfinite(value) or value == 0.0:
            continue
        label = name.replace("_", " ")
        fig.add_trace(go.Bar(x=[own_label], y=[value], name=label, marker_color=color,
                             hovertemplate=f"{label}: $%{{y:,.3f}} per GPU-hour<extra></extra>"))
    total = sum(v for v in components_usd_per_gpu_hour.values() if math.isfinite(v))
    labels = [k for k, v in rentals_usd_per_gpu_hour.items() if math.isfinite(v)]
    fig.add_trace(go.Bar(x=labels, y=[rentals_usd_per_gpu_hour[k] for k in labels], name="rental price",
                         marker_color="#7f7f7f",
                         hovertemplate="%{x}: $%{y:,.2f} per GPU-hour<extra></extra>"))
    fig.add_hline(y=total, line={"color": "#1f78b4", "dash": "dot"},
                  annotation_text=f"own ${total:,.2f}", annotation_position="top left")
    fig.update_layout(barmode="relative")
    fig.update_yaxes(title_text="Cost [$ per GPU-hour]")
    return _layout(fig, title, height=460)
