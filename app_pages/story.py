"""Plain sentences that explain a result with the scenario's own numbers (pure: no streamlit)."""

from __future__ import annotations

from typing import Any

from calculator.memory import weights_bytes
from calculator.params import param_counts
from calculator.schemas import Architecture
from calculator.units import BYTES_PER_GB, PARAMS_PER_BILLION


def moe_story(row: dict[str, Any], arch: Architecture) -> str | None:
    """What total vs active parameters did to one self-hosted MoE option: memory (GPUs bought) follows the
    total, speed (tokens per GPU) the active share. None for a dense model or an option without a deployment.

    ``row`` is a ``compare_options`` row; tokens per GPU = replica requests/s x the model's own output tokens per
    request (answer + thinking, the tokens the replica was sized for) / GPUs per replica.
    """
    n = int(row.get("num_gpus_per_replica") or 0)
    rps = row.get("replica_requests_per_s")
    if not arch.is_moe or n == 0 or rps is None:
        return None
    counts = param_counts(arch)
    total_b, active_b = counts.total / PARAMS_PER_BILLION, counts.active / PARAMS_PER_BILLION
    weights_gb = weights_bytes(counts, str(row["precision"])) / BYTES_PER_GB
    tokens_per_gpu = float(rps) * float(row["output_tokens_per_request"]) / n
    return (f"**Why mixture of experts matters here.** {row['model_name']} stores {total_b:,.0f}B parameters but "
            f"each token uses only {active_b:,.0f}B ({active_b / total_b:.0%}). Memory follows the total: its "
            f"{weights_gb:,.0f} GB of {row['precision']} weights take {n} x {row['gpu_name']} per replica, "
            f"{int(row['gpus_total']):,} GPUs for this traffic. Speed follows the active share: each decode step of "
            f"{int(row['concurrency_per_replica']):,} concurrent requests reads only the experts its tokens touch, "
            f"which gives {tokens_per_gpu:,.0f} output tokens/s per GPU.")


def idle_story(row: dict[str, Any], peak_to_average_ratio: float, utilisation_frac: float,
               always_on: bool) -> str | None:
    """How much of a self-hosted option's monthly cost pays for idle GPUs, and what drives it: the peak ratio
    when the fleet is paid for the peak around the clock, else the planned utilisation."""
    idle, monthly = row.get("monthly_idle_cost_usd"), row.get("monthly_cost_usd")
    if idle is None or not monthly or idle <= 0:
        return None
    why = (f"the fleet is sized for the peak, **{peak_to_average_ratio:g} x the average traffic** (peak-to-average "
           f"ratio, sidebar), and paid every hour" if always_on else
           f"the fleet follows the average traffic at {utilisation_frac:.0%} planned utilisation, with at least "
           "one replica warm")
    return (f"Of {row['model_name']}'s ${monthly:,.0f}/month, **${idle:,.0f} ({idle / monthly:.0%}) pays for idle "
            f"GPUs**: {why}.")
