"""Every table the app shows, as the buyer sees it: human headers with units, rounded numbers, no gaps printed
as 'None'.

Pure (no streamlit). ``display_table`` turns ``pricing.options.compare_options`` rows into labelled,
formatted cells (units in the headers). A missing quantity is never NaN: the cell shows why (the option's
status, or "no score"). ``readable`` does the same for every other table (the Catalog's reference tables, the
Method page's measurements): one ``Column`` per shown field, with its header and number format; a field the
catalog leaves empty shows ``GAP``. ``estimate_figures`` lists one deployment's figures. The downloads (tidy
CSV, workbook) are ``pricing.report``'s, with the raw numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import pandas as pd

from pricing.kinds import KIND_API

NO_SCORE = "no score"
# (column of compare_options, header with unit, formatter)
Formatter = Callable[[float], str]


def _money(digits: int) -> Formatter:
    return lambda x: f"{x:,.{digits}f}"


def _plain(digits: int) -> Formatter:
    return lambda x: f"{x:.{digits}f}"


COLUMNS: tuple[tuple[str, str, Formatter | None], ...] = (
    ("rank", "Rank", lambda x: f"{x:.0f}"),
    ("model_name", "Option", None),
    ("kind", "Type", None),
    ("usd_per_successful_task", "Cost per successful task [$]", _plain(4)),
    ("usd_per_million_tokens", "Cost [$ / 1M tokens]", _money(3)),
    ("monthly_cost_usd", "Monthly cost [$]", _money(0)),
    ("monthly_idle_cost_usd", "of which idle GPUs [$ / month]", _money(0)),
    ("monthly_cost_range", "Monthly cost p10-p90 [$]", None),
    ("p_cheapest", "P(cheapest)", lambda x: f"{x:.0%}"),
    ("quality_index", "Quality index [0-100]", _plain(1)),
    ("quality_estimated_frac", "Quality estimated [%]", lambda x: f"{100 * x:.0f}"),
    ("success_frac", "Success rate [%]", lambda x: f"{100 * x:.1f}"),
    ("output_tokens_per_request", "Output tokens per request (incl. thinking)", _money(0)),
    ("retired", "Retired", None),
    ("usd_per_quality_point", "$ per quality point [$/month] (secondary)", _money(0)),
    ("meets_limits", "Meets latency limits", None),
    ("meets_min_quality", "Meets min. quality", None),
    ("gpus_total", "GPUs needed", lambda x: f"{x:.0f}"),
    ("deployment", "Deployment", None),
    ("ttft_ms", "TTFT [ms]", _money(0)),
    ("tpot_ms", "TPOT [ms]", _plain(1)),
    ("ttft_p99_ms", "TTFT p99 [ms] (the limit applies to it)", _money(0)),
    ("tpot_p99_ms", "TPOT p99 [ms] (the limit applies to it)", _plain(1)),
    ("usd_per_million_input_tokens", "Input [$ / 1M tokens]", _money(3)),
    ("usd_per_million_output_tokens", "Output [$ / 1M tokens]", _money(3)),
    ("usd_per_gpu_hour", "GPU price [$ / GPU-hour]", _money(2)),
    ("price_as_of", "Price as of", None),
    ("price_estimated", "GPU price estimated", None),
    ("status", "Status", None),
    ("option_id", "Option id", None),
)
HEADERS: dict[str, str] = {col: header for col, header, _ in COLUMNS}


def _is_number(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(float(value))


def layout_words(layout: str, num_gpus: int, num_nodes: int = 1, pipeline_parallel: int = 1,
                 num_prefill_gpus: int = 0) -> str:
    """A deployment layout in words: 'tensor parallel', 'tensor parallel in each node x 2 pipeline stages',
    'expert parallel, data-parallel attention', 'disaggregated: 8 prefill + 8 decode GPUs'."""
    if layout == "disagg":
        return f"disaggregated: {num_prefill_gpus} prefill + {num_gpus - num_prefill_gpus} decode GPUs"
    across = f" across {num_nodes} nodes" if num_nodes > 1 else ""
    if layout == "ep":
        return f"expert parallel, data-parallel attention{across}"
    if pipeline_parallel > 1:
        return f"tensor parallel in each node x {pipeline_parallel} pipeline stages"
    return f"tensor parallel{across}" if layout else ""


def deployment(row: dict[str, Any]) -> str:
    """How an option is served, in words: 'API (google)' or '4 x NVIDIA H200 (fp8) per replica, 2 replicas, ...'."""
    if row["kind"] == KIND_API:
        return f"API ({row['provider']})"
    if not row.get("gpus_total"):
        return f"{row['gpu_name']}, {row['precision']}"
    replicas = int(row["replicas"])
    n = int(row["num_gpus_per_replica"])
    words = layout_words(str(row.get("layout") or ""), n, int(row.get("num_nodes") or 1),
                         int(row.get("pipeline_parallel") or 1), int(row.get("num_prefill_gpus") or 0))
    return (f"{n} x {row['gpu_name']} ({row['precision']}) per replica"
            + (f" ({words})" if words else "")
            + f", {replicas} replica{'s' if replicas != 1 else ''}, {int(row['concurrency_per_replica'])} "
            "concurrent requests each")


def cost_range(row: dict[str, Any], prefix: str, digits: int) -> str:
    """'a - b': the p10 and p90 of a Monte Carlo column (``pricing.uncertainty``), or '' when not drawn."""
    low, high = row.get(f"{prefix}_p10"), row.get(f"{prefix}_p90")
    if not (_is_number(low) and _is_number(high)):
        return ""
    return f"{_money(digits)(float(low))} - {_money(digits)(float(high))}"


def cell(row: dict[str, Any], column: str) -> str:
    """The text of one cell: formatted number, yes/no, or the reason a number is missing."""
    formatter = next(f for c, _, f in COLUMNS if c == column)
    if column == "model_name":
        return option_label(row)
    if column == "monthly_cost_range":
        return cost_range(row, "monthly_cost_usd", 0)
    value = deployment(row) if column == "deployment" else row.get(column)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if formatter is None:
        return "" if value is None else str(value)
    if _is_number(value):
        return formatter(float(value))
    if column in ("quality_index", "usd_per_quality_point", "usd_per_successful_task", "success_frac",
                  "quality_estimated_frac") and row.get("status") == "ok":
        return NO_SCORE
    if column in ("ttft_ms", "tpot_ms", "ttft_p99_ms", "tpot_p99_ms") and row.get("kind") == KIND_API:
        return "not modelled"
    if column == "rank":
        return "not ranked"
    if column == "p_cheapest":
        return ""  # not ranked, or no success rate to rank it by
    if column in ("usd_per_gpu_hour", "monthly_idle_cost_usd") and row.get("kind") == KIND_API:
        return ""
    return str(row.get("status") or "n/a")


def display_table(options: pd.DataFrame) -> pd.DataFrame:
    """Formatted cells, one row per option (same order as ``options``), headers with units."""
    records = options.to_dict("records")
    data = {header: [cell(r, col) for r in records] for col, header, _ in COLUMNS}
    return pd.DataFrame(data, columns=[h for _, h, _ in COLUMNS])


def option_label(row: dict[str, Any]) -> str:
    """Short name of an option for pickers and charts."""
    if row["kind"] == KIND_API:
        return f"{row['model_name']} (API, {row['provider']})"
    return f"{row['model_name']} on {row['gpu_name']} ({row['precision']})"


def workload_rows(options: pd.DataFrame, workload: str) -> tuple[pd.DataFrame, list[dict[str, Any]], dict[str, str]]:
    """One workload's options with an ``option_label`` column, as (table, records, labels by option_id)."""
    rows = options[options["workload"] == workload].reset_index(drop=True)
    records = rows.to_dict("records")
    labels = {r["option_id"]: option_label(r) for r in records}
    return rows.assign(option_label=[labels[r["option_id"]] for r in records]), records, labels


# Estimate field -> (label with unit, ``text`` format). A field not listed is shown in words (``humanise``).
ESTIMATE_LABELS: dict[str, tuple[str, str]] = {
    "fits": ("Fits in memory", ""),
    "num_gpus": ("GPUs per replica", ",.0f"),
    "precision": ("Weight precision", ""),
    "kv_precision": ("KV-cache precision", ""),
    "concurrency": ("Concurrency [sequences]", ",.0f"),
    "max_concurrency": ("Most sequences that fit [sequences]", ",.0f"),
    "meets_limits": ("Meets the latency limits", ""),
    "weights_gb_per_gpu": ("Weights [GB per GPU]", ",.2f"),
    "kv_cache_gb_per_gpu": ("KV cache [GB per GPU]", ",.2f"),
    "reserve_gb_per_gpu": ("Reserve (activations, runtime) [GB per GPU]", ",.2f"),
    "memory_needed_gb_per_gpu": ("Memory needed [GB per GPU]", ",.2f"),
    "memory_gb_per_gpu": ("GPU memory [GB per GPU]", ",.0f"),
    "kv_cache_bytes_per_token": ("KV cache [kB per token]", "kB"),
    "experts_touched_per_layer": ("Experts touched per MoE layer and step", ",.1f"),
    "weight_bytes_read_per_step": ("Weights read per decode step [GB]", "GB"),
    "ttft_ms": ("Time to first token [ms]", ",.0f"),
    "tpot_ms": ("Time per output token [ms]", ",.1f"),
    "prefill_ms": ("Prefill of one prompt [ms]", ",.1f"),
    "decode_step_ms": ("Decode step [ms]", ",.1f"),
    "output_tokens_per_s": ("Output tokens per second per replica", ",.0f"),
    "output_tokens_per_s_per_gpu": ("Output tokens per second per GPU", ",.0f"),
    "requests_per_s": ("Requests per second per replica", ",.3g"),
    "usd_per_gpu_hour": ("GPU price [$ / GPU-hour]", ",.2f"),
    "usd_per_million_input_tokens": ("Input [$ / 1M tokens]", ",.3f"),
    "usd_per_million_output_tokens": ("Output [$ / 1M tokens]", ",.3f"),
    "usd_per_million_tokens": ("Blended [$ / 1M tokens]", ",.3f"),
    "bound": ("Limited by", ""),
    "layout": ("Layout (tp: tensor parallel; ep: expert parallel; disagg: separate prefill and decode GPUs)", ""),
    "tensor_parallel": ("Tensor-parallel GPUs", ",.0f"),
    "pipeline_parallel": ("Pipeline stages (one per scale-up domain)", ",.0f"),
    "expert_parallel": ("Expert-parallel GPUs", ",.0f"),
    "data_parallel_attention": ("Attention split by sequence (data parallel)", ""),
    "num_nodes": ("Servers per replica", ",.0f"),
    "num_prefill_gpus": ("Prefill GPUs per replica (disaggregated layout)", ",.0f"),
    "num_decode_gpus": ("Decode GPUs per replica (disaggregated layout)", ",.0f"),
    "open_loop": ("Requests arrive at random (open loop)", ""),
    "max_mean_concurrency": ("Mean sequences the slots carry, 99 % finding a free one [sequences]", ",.1f"),
    "accepted_tokens_per_step": ("Tokens per decode step (speculative decoding)", ",.2f"),
    "ttft_p99_ms": ("Time to first token, 99th percentile [ms]", ",.0f"),
    "tpot_p99_ms": ("Time per output token, 99th percentile [ms]", ",.1f"),
    "cached_input_frac": ("Prompt served from the prefix cache [%]", ".0%"),
    "message": ("Status", ""),
}


# A calibration metric (``calculator.validate``) -> (name, unit): the Method page's table and chart.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "output_tokens_per_s_per_gpu": ("Output tokens/s per GPU", "tokens/s"),
    "total_tokens_per_s_per_gpu": ("Total tokens/s per GPU", "tokens/s"),
    "output_tokens_per_s_per_user": ("Output tokens/s per user", "tokens/s"),
    "tpot_ms": ("Time per output token", "ms"),
    "ttft_ms": ("Time to first token", "ms"),
}
GAP = "—"  # the cell of a field the catalog leaves empty (no FP8 on an A100, no retirement date)


def _significant(x: float, digits: int) -> str:
    """``x`` with ``digits`` significant digits, written out with thousands separators (no exponent); a number
    of more than ``digits`` whole digits is shown whole (15863.5 -> '15,864', 6.03928 -> '6.039')."""
    if x == 0:
        return "0"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(x))))
    return f"{x:,.{decimals}f}"


def text(value: Any, spec: str = "") -> str:
    """One cell as the reader sees it.

    ``spec``: a format spec for numbers (``",.0f"``, ``"+.1%"``), ``"sigN"`` (N significant digits, whole
    numbers whole, no exponent), ``"kB"``/``"GB"`` (bytes shown in kB/GB with one/two decimals), ``"words"`` (a
    catalog key such as 'on_demand' as words: 'on demand'), or "" (4 significant digits).
    None, NaN and infinity show ``GAP``; True/False 'yes'/'no'; a date YYYY-MM-DD; other values their text.
    """
    if value is None or value is pd.NA or value is pd.NaT:
        return GAP
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if spec == "words" and isinstance(value, str):
        return value.replace("_", " ")
    if isinstance(value, int | float):
        if not math.isfinite(float(value)):
            return GAP
        x = float(value)
        if spec == "kB":
            return f"{x / 1e3:,.1f}"
        if spec == "GB":
            return f"{x / 1e9:,.2f}"
        if spec.startswith("sig"):
            return _significant(x, int(spec[3:]))
        if spec:
            return f"{x:{spec}}"
        short = _significant(x, 4)
        return short.rstrip("0").rstrip(".") if "." in short else short
    return str(value)


@dataclass(frozen=True)
class Column:
    """One column of a shown table: the field it reads, its header (unit in brackets) and the number format
    (``text``'s ``spec``)."""

    field: str
    header: str
    spec: str = ""


PROVENANCE: tuple[Column, ...] = (Column("source", "Source"), Column("as_of", "As of"),
                                  Column("estimate", "Estimate?"))


def readable(rows: Iterable[Mapping[str, Any]] | pd.DataFrame, columns: Sequence[Column]) -> pd.DataFrame:
    """The table a reader sees: one row per record, the ``columns``' headers, every cell ``text`` (rounded to the
    column's format; a gap is ``GAP``, never 'None' or NaN). A column whose field a record lacks shows ``GAP``."""
    records = rows.to_dict("records") if isinstance(rows, pd.DataFrame) else list(rows)
    data = {c.header: [text(r.get(c.field), c.spec) for r in records] for c in columns}
    return pd.DataFrame(data, columns=[c.header for c in columns])


def humanise(name: str) -> str:
    """A field name in words, for a field no label covers yet: 'max_batch_size' -> 'Max batch size'."""
    return name.replace("_", " ").strip().capitalize()


def estimate_figures(est: dict[str, Any]) -> pd.DataFrame:
    """Every figure of one ``calculator.sizing.Estimate`` as (quantity with unit, value as text, rounded)."""
    rows = [(ESTIMATE_LABELS.get(k, (humanise(k), ""))[0], text(v, ESTIMATE_LABELS.get(k, ("", ""))[1]))
            for k, v in est.items()]
    return pd.DataFrame(rows, columns=["Quantity", "Value"])


VALIDATION_COLUMNS: tuple[Column, ...] = (
    Column("id", "Measurement"), Column("model_id", "Model"), Column("gpu_id", "GPU"),
    Column("num_gpus", "GPUs", ",.0f"), Column("precision", "Precision"), Column("scenario", "Benchmark scenario"),
    Column("input_tokens", "Input [tokens]", ",.0f"), Column("output_tokens", "Output [tokens]", ",.0f"),
    Column("metric", "Metric"), Column("unit", "Unit"), Column("measured", "Measured", "sig4"),
    Column("predicted", "Predicted", "sig4"), Column("error_frac", "Error [%]", "+.1%"), Column("source", "Source"))
# A class of the calibration set (``calculator.validate``: architecture, vendor, regime) in words.
CLASS_LABELS: dict[str, str] = {
    "all": "all measurements", "dense": "dense models", "moe_single_node": "MoE models on one server",
    "moe_multi_node": "MoE models on several servers", "hybrid": "hybrid-attention models", "nvidia": "NVIDIA GPUs",
    "amd": "AMD GPUs", "throughput_bound": "throughput-bound runs (large batches)",
    "latency_bound": "latency-bound runs (small batches)", "tensorrt_llm": "served by TensorRT-LLM",
    "vllm": "served by vLLM", "sglang": "served by SGLang", "other_engine": "served by other engines (NIM, TGI)",
    "unstated": "engine not stated",
}
SCORECARD_COLUMNS: tuple[Column, ...] = (
    Column("class", "Class of measurements"), Column("num_measurements", "Measurements", ",.0f"),
    Column("median_abs_error_frac", "Median absolute error [%]", ".1%"),
    Column("p90_abs_error_frac", "p90 absolute error [%]", ".1%"),
    Column("within_25_percent_frac", "Within +-25 % [% of measurements]", ".0%"))


def validation_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Predicted vs measured (rows of ``calculator.validate.table``) as shown: metric names in words with their
    unit, values to 4 significant digits, the error as a signed percentage."""
    shown = []
    for r in rows:
        name, unit = METRIC_LABELS.get(str(r["metric"]), (humanise(str(r["metric"])), ""))
        shown.append({**r, "metric": name, "unit": unit, "scenario": str(r["scenario"]).replace("_", " ")})
    return readable(shown, VALIDATION_COLUMNS)


def scorecard_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The out-of-sample error per class (``calculator.validate.error_by_class`` rows) as shown, classes in words."""
    return readable([{**r, "class": CLASS_LABELS.get(str(r["class"]), text(r["class"], "words"))} for r in rows],
                    SCORECARD_COLUMNS)
