"""Several workloads sharing one fleet (one model on one GPU type at one precision), with cost per workload.

Notes
-----
Each workload w runs on replicas of the deployment at its own best configuration (``pricing.options``):
``N_w`` GPUs per replica serving ``q_w`` requests/s within w's latency limits. In GPU terms::

    busy GPUs at peak     g_w = a_w lambda_w / q_w * N_w                                 [GPUs]
    busy GPUs on average  b_w = lambda_w / q_w * N_w                                     [GPUs]
    pooled, always on     G = (max(ceil(sum_w g_w / (u N (1 - l))), m) + r) N,  N = max_w N_w   [GPUs]
    pooled, scaled        G = max(sum_w b_w / (u (1 - l)), m N) + r N                 [GPUs, average]
    monthly cost          C = G p 730                                                    [$/month]
    cost of workload w    C_w = C b_w / sum_w b_w      (split by busy GPU-hours)         [$/month]

with the scenario's fleet policy (``pricing.fleet.FleetPolicy``: r spare replicas, at least m replicas, capacity
loss l), so a pool of one workload costs what that workload's own fleet costs. Peaks are assumed to coincide
(conservative: a pool of workloads whose peaks do not coincide needs fewer GPUs). Pooling still saves the
rounding up of each workload's own fleet and the idle headroom of small workloads;
``standalone_monthly_cost_usd`` is what each workload costs on a fleet of its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from calculator.catalog import Catalog
from calculator.units import CEIL_REL_TOL, HOURS_PER_MONTH, TOKENS_PER_MILLION
from pricing.fleet import NO_POLICY, FleetPolicy, average_requests_per_s, requests_per_month
from pricing.kinds import SHARED_FLEET
from pricing.options import self_hosted_rows
from pricing.scenario import Scenario

MIX_COLUMNS: tuple[str, ...] = (
    "workload", "status", "num_gpus_per_replica", "gpus_total", "replica_requests_per_s", "busy_gpus_average",
    "busy_gpus_peak", "share_frac", "monthly_cost_usd", "standalone_monthly_cost_usd", "usd_per_million_tokens",
)


def pooled_gpus(num_gpus_per_replica: Sequence[int], busy_gpus_average: Sequence[float],
                busy_gpus_peak: Sequence[float], utilisation_frac: float, always_on: bool,
                policy: FleetPolicy = NO_POLICY) -> float:
    """GPUs of the shared fleet [GPUs] (module Notes), from each workload's replica size ``N_w``, average busy
    GPUs ``b_w`` and peak busy GPUs ``g_w``: always on ``(max(ceil(sum g / (u N (1 - l))), m) + r) N`` with
    ``N = max N_w``; scaled ``max(sum b / (u (1 - l)), m N) + r N`` (an average); 0 without traffic."""
    n_max = max(num_gpus_per_replica)
    sum_avg = sum(busy_gpus_average)
    if sum_avg <= 0.0:
        return 0.0
    capacity = utilisation_frac * (1.0 - policy.capacity_loss_frac)
    spare = policy.redundancy_replicas * n_max
    if always_on:
        replicas = math.ceil(sum(busy_gpus_peak) / (capacity * n_max) * (1.0 - CEIL_REL_TOL))
        return float(max(replicas, policy.min_replicas) * n_max + spare)
    return float(max(sum_avg / capacity, policy.min_replicas * n_max) + spare)


def fleet_mix(scenario: Scenario, catalog: Catalog, model_id: str, gpu_id: str, precision: str) -> pd.DataFrame:
    """Cost split of the scenario's workloads on one shared fleet (module Notes).

    One row per workload plus a final row ``workload == SHARED_FLEET`` with the pooled GPUs (``gpus_total``,
    :func:`pooled_gpus`) and the total cost. A workload the
    deployment cannot serve (memory, latency, price) gets its status and no share. Missing values are None.
    """
    restricted = scenario.model_copy(update={"model_ids": (model_id,), "gpu_ids": (gpu_id,),
                                             "precisions": (precision,), "api_model_ids": ()})
    always_on = scenario.sized_always_on
    u = scenario.utilisation_frac
    rows: list[dict[str, Any]] = []
    price: float | None = None
    for spec in scenario.workloads:
        found = [r for r in self_hosted_rows(restricted, catalog, spec) if r.model_id == model_id]
        if not found:
            rows.append({"workload": spec.name, "status": f"unknown model '{model_id}' or GPU '{gpu_id}'"})
            continue
        opt = found[0]
        q = opt.replica_requests_per_s
        if opt.status != "ok" or q is None or opt.usd_per_gpu_hour is None:
            rows.append({"workload": spec.name, "status": opt.status})
            continue
        price = opt.usd_per_gpu_hour
        n = opt.num_gpus_per_replica
        lam = average_requests_per_s(spec.requests_per_day)
        rows.append({"workload": spec.name, "status": "ok", "num_gpus_per_replica": n,
                     "replica_requests_per_s": float(q), "busy_gpus_average": lam / q * n,
                     "busy_gpus_peak": spec.peak_to_average_ratio * lam / q * n,
                     "standalone_monthly_cost_usd": opt.monthly_cost_usd,
                     "num_million_tokens": requests_per_month(spec.requests_per_day)
                     * (spec.input_tokens + spec.output_tokens) / TOKENS_PER_MILLION})
    ok = [r for r in rows if r["status"] == "ok"]
    total_gpus: float | None = None
    total_cost: float | None = None
    if ok and price is not None:
        sum_avg = sum(r["busy_gpus_average"] for r in ok)
        total_gpus = pooled_gpus([r["num_gpus_per_replica"] for r in ok], [r["busy_gpus_average"] for r in ok],
                                 [r["busy_gpus_peak"] for r in ok], u, always_on, scenario.fleet_policy)
        total_cost = total_gpus * price * HOURS_PER_MONTH
        for r in ok:
            share = r["busy_gpus_average"] / sum_avg if sum_avg > 0.0 else 0.0
            r["share_frac"] = share
            r["monthly_cost_usd"] = total_cost * share
            tokens = r.pop("num_million_tokens")
            r["usd_per_million_tokens"] = r["monthly_cost_usd"] / tokens if tokens > 0 else None
    standalone = [r.get("standalone_monthly_cost_usd") for r in ok]
    rows.append({"workload": SHARED_FLEET, "status": "ok" if total_cost is not None else "no workload served",
                 "gpus_total": total_gpus, "share_frac": 1.0 if total_cost is not None else None,
                 "monthly_cost_usd": total_cost,
                 "standalone_monthly_cost_usd": sum(standalone) if standalone and None not in standalone else None})
    out = pd.DataFrame({c: pd.Series([r.get(c) for r in rows], dtype=object) for c in MIX_COLUMNS})
    out.attrs["option"] = f"self|{model_id}|{gpu_id}|{precision}"
    return out
