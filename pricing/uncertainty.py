"""How sure is the answer: Monte Carlo over everything uncertain, carried through to dollars and rankings.

Notes
-----
Each ranked option of a comparison (``pricing.options.compare_options``) has a monthly cost ``C`` and, where
quality is known, a success rate ``s``. Both are functions of inputs that are not known exactly. We draw
``n`` joint samples of those inputs and recompute, for every draw ``d``::

    self-hosted   C_d = H(q_d) N p_d                      H: paid replica-hours (``pricing.fleet``)
                  q_d = q / (r_d * (1 - w + w f_d) * T_d)  replica throughput after model error and tokens
    API           C_d = V T_d (c_in + c_out f_d)           list prices are known; volume and tokens are not
    per task      K_d = C_d / (V T_d s_d)                  cost per successful task [$]

with ``q`` the predicted requests/s of one replica, ``N`` GPUs per replica, ``p`` the $/GPU-hour, ``V`` the
monthly requests, ``w`` the share of a request's cost spent on output tokens (``output_cost_share``), and
the random factors:

- ``r_d``  throughput error, predicted / measured speed (``Residual.speed_ratio``: a TTFT or TPOT point's
  predicted / measured time inverted, so that ``r > 1`` is an optimistic prediction for every metric), drawn
  from the *out-of-sample* residuals of the option's
  error class (``calculator.validate.MeasurementClass``: dense / MoE single node / MoE multi-node / hybrid x
  vendor x throughput- or latency-bound; a class with fewer than ``MIN_CLASS_POINTS`` residuals falls back
  to architecture x vendor, then architecture, finally all residuals). A model over-predicted by ``r``
  really serves ``q / r``.
- ``p_d = p exp(sigma_p z)``  GPU price: ``sigma_p`` is the log-spread of the catalog quotes the pricing basis
  chooses among (``price_sigma_log``); a user's own price is exact.
- ``f_d = exp(sigma_t z)``  output tokens per request (reasoning length varies by model and task).
- ``T_d = exp(sigma_T z)``, peak ratio ``a exp(sigma_a z)``  traffic and peak planning ranges.
- ``s_d = clip(s + sigma_s z, S_MIN, 1)``  success rate, ``sigma_s`` from the quality index's uncertainty.
  Under a retry policy (``pricing.success``) the load scales with ``E[attempts](s_d) / E[attempts](s)`` and
  ``K_d`` divides by the tasks that succeed within the retries, ``V T_d (1 - (1 - s_d)^(N+1))``.

Draws that share a cause share their random numbers (common random numbers): one GPU type's price under
one basis is one draw for every option on that GPU; one model's throughput error, token usage and quality
are one draw for every option serving that model (an API entry serving an open model shares the open
model's token and quality draws); traffic and peak are one draw per workload. So P(A cheaper than B) is
not blurred by noise the two options share.

The spreads given as a planning range (traffic, peak ratio) are read as the 10th-90th percentile range:
``sigma = ln(1 + r) / z_0.9`` with ``z_0.9 = 1.2816`` (the standard normal's 90th percentile).

References: common random numbers, Law & Kelton, *Simulation Modeling and Analysis*, 5th ed., ch. 11;
percentile bootstrap of residuals, Efron & Tibshirani, *An Introduction to the Bootstrap*, ch. 13.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from calculator.catalog import Catalog
from calculator.schemas import Architecture, Gpu
from calculator.validate import GPUS_PER_NODE, MeasurementClass, architecture_class, out_of_sample_residuals
from pricing import fleet, rental, success
from pricing.options import candidates
from pricing.scenario import Scenario, WorkloadSpec

FloatArray = npt.NDArray[np.float64]

Z_90: float = 1.2815515655446004  # standard normal 90th percentile [-]
MIN_CLASS_POINTS: int = 8  # fewer out-of-sample residuals than this: use the next wider class
S_MIN: float = 0.005  # floor of a drawn success rate [-]: a task never costs more than 200 attempts
PERCENTILES: tuple[int, int, int] = (10, 50, 90)
ROBUST_P: float = 0.8  # a ranking with P >= 0.8 is called robust; below, a close call


# pricing.success's formulas element-wise over the draws (only with retries; without, attempts = 1, P = s).
_ATTEMPTS = np.frompyfunc(success.expected_attempts, 2, 1)
_TASK_SUCCESS = np.frompyfunc(success.task_success_frac, 2, 1)


def sigma_from_range(range_frac: float) -> float:
    """Log-normal sigma whose 10th-90th percentile range is ``1/(1+r) .. (1+r)`` [-].

    range_frac : r >= 0, e.g. 0.25 for "plus or minus 25 %" read as the 80 % interval.
    """
    if range_frac < 0.0 or not math.isfinite(range_frac):
        raise ValueError(f"a planning range must be a finite fraction >= 0 (got {range_frac!r})")
    return math.log1p(range_frac) / Z_90


def price_sigma_log(quotes_usd_per_gpu_hour: Sequence[float], fallback: float) -> float:
    """Log-spread of price quotes [-]: sample standard deviation of ln(price); ``fallback`` with < 2 quotes."""
    q = np.asarray([x for x in quotes_usd_per_gpu_hour if x > 0.0], dtype=float)
    if q.size < 2:
        return fallback
    return float(np.std(np.log(q), ddof=1))


def output_cost_share(usd_per_million_output_tokens: float | None, usd_per_million_tokens: float | None,
                      input_tokens: float, output_tokens: float) -> float:
    """Share of a request's cost spent on its output tokens [-]: ``c_out n_out / (c_blend (n_in + n_out))``.

    The same formula serves API bills and self-hosted GPU time (the core splits step time into the
    input and output parts it prices). Clipped to [0, 1]; 1 when the split is unknown (all cost moves
    with tokens: the cautious reading).
    """
    if usd_per_million_output_tokens is None or usd_per_million_tokens is None or usd_per_million_tokens <= 0.0:
        return 1.0
    total = usd_per_million_tokens * (input_tokens + output_tokens)
    return float(min(max(usd_per_million_output_tokens * output_tokens / total, 0.0), 1.0))


# --------------------------------------------------------------------------------------------- error classes
def widenings(c: MeasurementClass) -> list[tuple[str, ...]]:
    """Class keys from the most specific (architecture x vendor x regime) to the widest (all residuals)."""
    k = (c.architecture, c.vendor, c.regime)
    return [k, k[:2], k[:1], ()]


@dataclass(frozen=True)
class ClassErrors:
    """Out-of-sample log residuals grouped by every widening of their class (``calibration_errors``)."""

    groups: Mapping[tuple[str, ...], FloatArray]

    @classmethod
    def from_residuals(cls, residuals: Sequence[tuple[MeasurementClass, float]]) -> ClassErrors:
        """Group (class, ln(predicted / measured)) pairs under every widening of their class."""
        groups: dict[tuple[str, ...], list[float]] = {}
        for klass, log_ratio in residuals:
            if not math.isfinite(log_ratio):
                continue
            for key in widenings(klass):
                groups.setdefault(key, []).append(log_ratio)
        return cls({k: np.sort(np.asarray(v, dtype=float)) for k, v in groups.items()})

    def for_class(self, c: MeasurementClass) -> tuple[FloatArray, str, int]:
        """Residuals to use for ``c``: the most specific widening with enough points, its name and count."""
        for key in widenings(c):
            values = self.groups.get(key)
            if values is not None and values.size >= MIN_CLASS_POINTS:
                return values, " x ".join(key) if key else "all measurements", int(values.size)
        return np.zeros(1), "none (no calibration residuals)", 0


# --------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Settings:
    """Spreads and sampling of the Monte Carlo (defaults documented in the module Notes)."""

    num_draws: int = 10_000
    seed: int = 0
    traffic_range_frac: float = 0.25  # planning range of traffic, read as the 10-90 % range (judgement)
    peak_ratio_range_frac: float = 0.25  # likewise for the peak-to-average ratio (judgement)
    token_sigma_log: float = 0.3  # log-spread of output tokens per request when the catalog gives none
    price_sigma_fallback: float = 0.2  # log-spread of a price with fewer than two quotes (judgement)

    def __post_init__(self) -> None:
        if not 100 <= self.num_draws <= 1_000_000:
            raise ValueError(f"draws must be between 100 and 1,000,000 (got {self.num_draws})")
        for name in ("traffic_range_frac", "peak_ratio_range_frac", "token_sigma_log", "price_sigma_fallback"):
            v = getattr(self, name)
            if not (math.isfinite(v) and 0.0 <= v <= 5.0):
                raise ValueError(f"{name} must be between 0 and 5 (got {v!r})")


@dataclass(frozen=True)
class OptionInputs:
    """What the Monte Carlo needs of one option (built from a comparison row, ``inputs_from_frame``)."""

    option_id: str
    workload: str
    self_hosted: bool
    monthly_cost_usd: float
    num_requests_per_month: float
    success_frac: float | None
    success_sigma: float
    output_cost_share: float
    price_key: str  # options with the same key share their price draw
    price_sigma_log: float
    model_key: str  # options with the same key share throughput error, tokens and quality draws
    token_sigma_log: float
    error_class: MeasurementClass | None = None  # self-hosted only
    max_retries: int = 0  # failed tasks retried up to this many times (pricing.success)
    ranked: bool = True  # takes part in P(cheapest)
    # Fleet of a self-hosted option (pricing.fleet): replica requests/s, GPUs per replica, price, planning.
    replica_requests_per_s: float = 0.0
    num_gpus_per_replica: float = 0.0
    usd_per_gpu_hour: float = 0.0
    requests_per_day: float = 0.0
    peak_to_average_ratio: float = 1.0
    utilisation_frac: float = 1.0
    always_on: bool = True
    fleet_policy: fleet.FleetPolicy = fleet.NO_POLICY  # spare/minimum replicas, spot capacity loss


@dataclass(frozen=True)
class Draws:
    """Monthly cost and cost per successful task of each option, one column per draw."""

    option_ids: tuple[str, ...]
    workloads: tuple[str, ...]
    monthly_cost_usd: FloatArray  # [options, draws]
    usd_per_successful_task: FloatArray  # [options, draws]; NaN rows where quality is unknown
    has_quality: npt.NDArray[np.bool_]
    ranked: npt.NDArray[np.bool_]
    error_class_labels: tuple[str, ...] = field(default=())
    # Supply-side factors of each draw [options, draws] (1 where they do not apply): the GPU price over its
    # base, a replica's capacity over its predicted one (1 / (r (1 - w + w f))), and the tokens' cost load.
    price_factor: FloatArray = field(default_factory=lambda: np.ones((0, 0)))
    capacity_factor: FloatArray = field(default_factory=lambda: np.ones((0, 0)))
    token_factor: FloatArray = field(default_factory=lambda: np.ones((0, 0)))

    def row(self, option_id: str, workload: str | None = None) -> int:
        """Index of an option (in ``workload`` when the same option serves several workloads)."""
        for i, (oid, w) in enumerate(zip(self.option_ids, self.workloads, strict=True)):
            if oid == option_id and (workload is None or w == workload):
                return i
        raise KeyError(f"option '{option_id}' is not among the simulated options")


def _shared_normals(keys: Sequence[str], num_draws: int, rng: np.random.Generator) -> FloatArray:
    """Standard normal draws [options, draws] where options with the same key get the same row."""
    uniq = sorted(set(keys))
    z = rng.standard_normal((len(uniq), num_draws))
    pos = {k: i for i, k in enumerate(uniq)}
    return z[[pos[k] for k in keys]] if keys else np.zeros((0, num_draws))


def simulate(options: Sequence[OptionInputs], errors: ClassErrors, settings: Settings | None = None) -> Draws:
    """Draw every option's monthly cost and cost per successful task (module Notes). Vectorised over draws."""
    s = settings or Settings()
    rng = np.random.default_rng(s.seed)
    n = s.num_draws
    k = len(options)
    wl_keys = [o.workload for o in options]
    z_traffic = _shared_normals(wl_keys, n, rng)
    z_peak = _shared_normals(wl_keys, n, rng)
    z_price = _shared_normals([o.price_key for o in options], n, rng)
    z_tokens = _shared_normals([o.model_key for o in options], n, rng)
    z_quality = _shared_normals([o.model_key for o in options], n, rng)
    # Throughput error: one uniform per model, mapped through each option's class quantiles (comonotone).
    u_model = rng.random((len({o.model_key for o in options}), n))
    model_pos = {key: i for i, key in enumerate(sorted({o.model_key for o in options}))}

    traffic = np.exp(sigma_from_range(s.traffic_range_frac) * z_traffic)
    peak = np.exp(sigma_from_range(s.peak_ratio_range_frac) * z_peak)
    cost = np.zeros((k, n))
    price_f, capacity_f, token_f = np.ones((k, n)), np.ones((k, n)), np.ones((k, n))
    per_task = np.full((k, n), np.nan)
    has_q = np.zeros(k, dtype=bool)
    labels: list[str] = []
    for j, o in enumerate(options):
        tokens = np.exp(o.token_sigma_log * z_tokens[j])
        token_load = 1.0 - o.output_cost_share + o.output_cost_share * tokens
        token_f[j] = token_load
        # Success first: under a retry policy the attempts (so the load) follow the drawn success rate.
        attempts = np.ones(n)
        task_success = np.zeros(n)
        if o.success_frac is not None:
            has_q[j] = True
            drawn = np.clip(o.success_frac + o.success_sigma * z_quality[j], S_MIN, 1.0)
            task_success = drawn
            if o.max_retries > 0:
                base = success.expected_attempts(o.success_frac, o.max_retries)
                attempts = _ATTEMPTS(drawn, o.max_retries).astype(float) / base
                task_success = _TASK_SUCCESS(drawn, o.max_retries).astype(float)
        if o.self_hosted:
            res, label, count = errors.for_class(o.error_class) if o.error_class else (np.zeros(1), "none", 0)
            labels.append(f"{label} ({count} points)" if count else label)
            ratio = np.exp(np.quantile(res, u_model[model_pos[o.model_key]]))
            price_f[j] = np.exp(o.price_sigma_log * z_price[j])
            capacity_f[j] = 1.0 / (ratio * token_load)
            price = o.usd_per_gpu_hour * price_f[j]
            # Traffic, peak and retried attempts scale demand; model error and tokens scale the replica's
            # capacity. Folding them into the replica's throughput keeps pricing.fleet the one place fleets
            # are sized.
            demand = traffic[j] * (peak[j] if o.always_on else 1.0) * attempts
            q = o.replica_requests_per_s / (ratio * token_load * demand)
            hours = fleet.replica_hours_per_month(o.requests_per_day, o.peak_to_average_ratio, q,
                                                  o.utilisation_frac, o.always_on, o.fleet_policy)
            cost[j] = hours * o.num_gpus_per_replica * price
        else:
            labels.append("")
            cost[j] = o.monthly_cost_usd * traffic[j] * token_load * attempts
        if o.success_frac is not None:
            tasks = o.num_requests_per_month * traffic[j] * task_success
            per_task[j] = np.where(tasks > 0.0, cost[j] / np.maximum(tasks, 1e-300), np.nan)
    ranked = np.array([o.ranked for o in options], dtype=bool)
    return Draws(tuple(o.option_id for o in options), tuple(wl_keys), cost, per_task, has_q, ranked,
                 tuple(labels), price_f, capacity_f, token_f)


# --------------------------------------------------------------------------------------------- summaries
def percentiles(values: FloatArray) -> tuple[float, float, float]:
    """p10, p50, p90 of one option's draws."""
    p10, p50, p90 = np.percentile(values, PERCENTILES)
    return float(p10), float(p50), float(p90)


def p_cheapest(draws: Draws, workload: str, by: str = "usd_per_successful_task") -> dict[str, float]:
    """P(option is the cheapest of its workload's ranked options) over the draws [-]; sums to 1 over them.

    by : "usd_per_successful_task" (options with a success rate) or "monthly_cost_usd" (all options).
    Ties (equal draws) are split evenly.
    """
    rows = [i for i, w in enumerate(draws.workloads) if w == workload and draws.ranked[i]
            and (by == "monthly_cost_usd" or draws.has_quality[i])]
    if not rows:
        return {}
    values = (draws.usd_per_successful_task if by == "usd_per_successful_task" else draws.monthly_cost_usd)[rows]
    # A draw without a finite cost (no successful task) cannot win; a draw no option wins counts for none.
    finite = np.where(np.isfinite(values), values, np.inf)
    low = finite.min(axis=0)
    winners = (finite <= low) & np.isfinite(low)
    counts = winners.sum(axis=0)
    share = np.where(counts > 0, winners / np.maximum(counts, 1), 0.0)
    p = share.mean(axis=1)
    return {draws.option_ids[i]: float(p[j]) for j, i in enumerate(rows)}


def p_cheaper(draws: Draws, a: str, b: str, by: str = "monthly_cost_usd", workload: str | None = None) -> float:
    """P(option a costs less than option b) over the draws [-] (ties count one half)."""
    values = draws.usd_per_successful_task if by == "usd_per_successful_task" else draws.monthly_cost_usd
    x, y = values[draws.row(a, workload)], values[draws.row(b, workload)]
    if np.isnan(x).any() or np.isnan(y).any():
        raise ValueError(f"P({a} cheaper than {b}) needs {by} for both options")
    return float(np.mean(x < y) + 0.5 * np.mean(x == y))


def robustness(p: float) -> str:
    """'robust' when P >= ``ROBUST_P`` (or <= 1 - ROBUST_P), else 'close call'."""
    return "robust" if p >= ROBUST_P or p <= 1.0 - ROBUST_P else "close call"


SUMMARY_COLUMNS: tuple[str, ...] = (
    "option_id", "workload", "monthly_cost_usd_p10", "monthly_cost_usd_p50", "monthly_cost_usd_p90",
    "usd_per_successful_task_p10", "usd_per_successful_task_p50", "usd_per_successful_task_p90",
    "p_cheapest", "error_class",
)


def summary_frame(draws: Draws) -> pd.DataFrame:
    """One row per option: p10/p50/p90 of monthly cost and cost per successful task, P(cheapest).

    Options without a success rate get None for the per-task figures and P(cheapest) (never NaN).
    """
    pc: dict[tuple[str, str], float] = {}
    for w in dict.fromkeys(draws.workloads):
        pc.update({(oid, w): p for oid, p in p_cheapest(draws, w).items()})
    out = []
    for i, oid in enumerate(draws.option_ids):
        m10, m50, m90 = percentiles(draws.monthly_cost_usd[i])
        t: tuple[float | None, ...] = (None, None, None)
        if draws.has_quality[i] and not np.isnan(draws.usd_per_successful_task[i]).any():
            t = percentiles(draws.usd_per_successful_task[i])
        out.append({
            "option_id": oid, "workload": draws.workloads[i],
            "monthly_cost_usd_p10": m10, "monthly_cost_usd_p50": m50, "monthly_cost_usd_p90": m90,
            "usd_per_successful_task_p10": t[0], "usd_per_successful_task_p50": t[1],
            "usd_per_successful_task_p90": t[2], "p_cheapest": pc.get((oid, draws.workloads[i])),
            "error_class": draws.error_class_labels[i] if draws.error_class_labels else "",
        })
    frame = pd.DataFrame(out, columns=list(SUMMARY_COLUMNS))
    for col in SUMMARY_COLUMNS[5:9]:
        frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
    return frame


def break_even_draws(draws: Draws, self_id: str, api_id: str, workload: str, replica_monthly_cost_usd: float,
                     replica_requests_per_month: float, api_usd_per_request: float, always_on: bool,
                     policy: fleet.FleetPolicy = fleet.NO_POLICY) -> tuple[tuple[float, float, float] | None, float]:
    """``break_even_range`` of one self-hosted/API pair, its base figures (``pricing.economics.break_even``)
    moved by the pair's draws: the replica's price and capacity factors and the API's token load."""
    i, j = draws.row(self_id, workload), draws.row(api_id, workload)
    return break_even_range(replica_monthly_cost_usd * draws.price_factor[i],
                            replica_requests_per_month * draws.capacity_factor[i],
                            api_usd_per_request * draws.token_factor[j], always_on, policy)


def break_even_range(replica_monthly_cost_usd: FloatArray, replica_requests_per_month: FloatArray,
                     api_usd_per_request: FloatArray, always_on: bool, policy: fleet.FleetPolicy = fleet.NO_POLICY,
                     ) -> tuple[tuple[float, float, float] | None, float]:
    """Break-even monthly volume over draws of its three inputs [requests/month] (``policy``: the fleet's spare
    and minimum replicas, capacity loss).

    Each draw goes through ``pricing.fleet.break_even_requests_per_month``. Returns (p10, p50, p90) of the
    volume over the draws in which self-hosting wins above some volume (None if it never does), and the
    share of draws in which it never does [-].
    """
    vols = [fleet.break_even_requests_per_month(float(r_m), float(v_r), float(c), always_on, policy)
            for r_m, v_r, c in zip(replica_monthly_cost_usd, replica_requests_per_month, api_usd_per_request,
                                   strict=True)]
    finite = np.asarray([v for v in vols if v is not None], dtype=float)
    never = 1.0 - finite.size / max(len(vols), 1)
    if finite.size == 0:
        return None, never
    return percentiles(finite), never


# --------------------------------------------------------------------------------------------- from a comparison
LATENCY_BINDING_FRAC: float = 0.8  # a limit "binds" when the option's p99 latency is within 80 % of it


def _column(row: Mapping[str, object], name: str, default: float | None) -> float | None:
    value = row.get(name, default)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return default
    return float(value)  # type: ignore[arg-type]


def error_class_for(architecture: Architecture, gpu: Gpu, num_gpus_per_replica: int, ttft_p99_ms: float | None,
                    tpot_p99_ms: float | None, spec: WorkloadSpec) -> MeasurementClass:
    """The error class of a self-hosted option (module Notes).

    The classes of ``calculator.validate.measurement_class``, read off the option: the architecture class is
    ``calculator.validate.architecture_class`` of the model over the GPUs per replica (the same helper);
    latency-bound = a latency limit binds: the option's 99th percentile, the one the limit was checked against
    (``calculator.pipeline.meets_latency_limits``), is within ``LATENCY_BINDING_FRAC`` of it.
    """
    kind = architecture_class(architecture, num_gpus_per_replica)
    binds = False
    for value, limit in ((ttft_p99_ms, spec.ttft_slo_ms), (tpot_p99_ms, spec.tpot_slo_ms)):
        if value is not None and limit is not None and value >= LATENCY_BINDING_FRAC * limit:
            binds = True
    return MeasurementClass(kind, gpu.vendor, "latency_bound" if binds else "throughput_bound",
                            num_gpus_per_replica > GPUS_PER_NODE)


def calibration_errors(catalog: Catalog) -> ClassErrors:
    """The out-of-sample residuals of the calibration set (``calculator.validate.out_of_sample_residuals``:
    each measurement predicted by constants fitted without it), as ln(predicted / measured speed), grouped by
    class. Speed, not the raw ratio: a TTFT predicted at 5 % of the measured one is a 20x optimistic
    prediction (ln 20 = +3.0), which the raw ratio would read as 20x pessimistic."""
    return ClassErrors.from_residuals([(r.klass, math.log(r.speed_ratio))
                                       for r in out_of_sample_residuals(catalog) if r.ratio > 0.0])


def gpu_price_sigma_log(scenario: Scenario, catalog: Catalog, gpu_id: str, settings: Settings) -> float:
    """Log-spread of the GPU price under the scenario's basis [-] (module Notes).

    A user's own price: 0. Owned: the purchase quotes' low-high range read as a 10-90 % range. Rented: the
    spread of the catalog quotes of the basis in the scenario's provider class (``pricing.rental.quotes_for``:
    the quotes a buyer of that class chooses among).
    """
    if gpu_id in scenario.usd_per_gpu_hour_overrides:
        return 0.0
    if scenario.pricing_basis == "owned":
        if scenario.ownership.usd_per_gpu is not None:
            return 0.0
        quotes = [p for p in catalog.purchase_prices if p.gpu_id == gpu_id]
        lows = [q.usd_per_gpu_low for q in quotes if q.usd_per_gpu_low]
        highs = [q.usd_per_gpu_high for q in quotes if q.usd_per_gpu_high]
        if lows and highs and max(highs) > min(lows):
            return math.log(max(highs) / min(lows)) / (2.0 * Z_90)
        return price_sigma_log([q.usd_per_gpu_typical for q in quotes], settings.price_sigma_fallback)
    quotes_ = rental.quotes_for(catalog.rental_prices, gpu_id, scenario.pricing_basis, scenario.provider_class)
    return price_sigma_log([q.usd_per_gpu_hour for q in quotes_], settings.price_sigma_fallback)


def inputs_from_frame(options: pd.DataFrame, scenario: Scenario, catalog: Catalog,
                      settings: Settings | None = None) -> list[OptionInputs]:
    """The Monte Carlo inputs of every priced option of a comparison (rows with a monthly cost)."""
    s = settings or Settings()
    specs = {w.name: w for w in scenario.workloads}
    archs = {c.id: c.architecture for c in candidates(scenario, catalog)}
    gpus = {g.id: g for g in catalog.gpus}
    always_on = scenario.sized_always_on
    out: list[OptionInputs] = []
    for row in options.to_dict("records"):
        monthly = _column(row, "monthly_cost_usd", None)
        spec = specs.get(str(row["workload"]))
        if monthly is None or spec is None:
            continue
        oid = str(row["option_id"])
        quality = _column(row, "quality_index", None)
        success = _column(row, "success_frac", None if quality is None else quality / 100.0)
        out_tokens = _column(row, "output_tokens_per_request", float(spec.output_tokens)) or 0.0
        share = output_cost_share(_column(row, "usd_per_million_output_tokens", None),
                                  _column(row, "usd_per_million_tokens", None), spec.input_tokens, out_tokens)
        model_id = str(row["model_id"])
        api = next((a for a in catalog.api_models if a.id == model_id), None)
        base = OptionInputs(
            option_id=oid, workload=spec.name, self_hosted=False, monthly_cost_usd=monthly,
            num_requests_per_month=float(row["num_requests_per_month"]), success_frac=success,
            success_sigma=_column(row, "success_sigma_frac", 0.0) or 0.0, output_cost_share=share,
            price_key=f"api|{model_id}", price_sigma_log=0.0,
            model_key=(api.open_model_id or api.id) if api is not None else model_id,
            token_sigma_log=_column(row, "output_tokens_sigma_log", s.token_sigma_log) or 0.0,
            ranked=bool(row.get("ranked", True)), max_retries=int(getattr(spec, "max_retries", 0)),
        )
        if oid.startswith("self|") and row["gpu_id"] in gpus and model_id in archs:
            gpu = gpus[str(row["gpu_id"])]
            n = int(row["num_gpus_per_replica"])
            base = replace(
                base, self_hosted=True, price_key=f"{gpu.id}|{row['pricing_basis']}",
                price_sigma_log=gpu_price_sigma_log(scenario, catalog, gpu.id, s), model_key=model_id,
                error_class=error_class_for(archs[model_id], gpu, n, _column(row, "ttft_p99_ms", None),
                                            _column(row, "tpot_p99_ms", None), spec),
                replica_requests_per_s=float(row["replica_requests_per_s"]), num_gpus_per_replica=float(n),
                usd_per_gpu_hour=float(row["usd_per_gpu_hour"]),
                requests_per_day=spec.requests_per_day * (_column(row, "expected_attempts", 1.0) or 1.0),
                peak_to_average_ratio=spec.peak_to_average_ratio, utilisation_frac=scenario.utilisation_frac,
                always_on=always_on, fleet_policy=scenario.fleet_policy,
            )
        out.append(base)
    return out


ADDED_COLUMNS: tuple[str, ...] = (*SUMMARY_COLUMNS[2:], "ranking_confidence")  # what ``with_draws`` adds


def with_draws(options: pd.DataFrame, draws: Draws) -> pd.DataFrame:
    """The comparison with the Monte Carlo columns of ``draws`` added (``SUMMARY_COLUMNS``; None where an
    option was not drawn) and ``ranking_confidence``: 'robust' when the option's P(cheapest) >= ``ROBUST_P``,
    'close call' for a ranked option below it, '' otherwise."""
    out = options.merge(summary_frame(draws), on=["option_id", "workload"], how="left")
    for col in SUMMARY_COLUMNS[2:9]:
        out[col] = out[col].astype(object).where(out[col].notna(), None)
    out["error_class"] = out["error_class"].fillna("").astype(str)
    out["ranking_confidence"] = [
        "" if p is None else ("robust" if p >= ROBUST_P else "close call") for p in out["p_cheapest"]]
    return out


def with_uncertainty(options: pd.DataFrame, scenario: Scenario, catalog: Catalog, errors: ClassErrors,
                     settings: Settings | None = None) -> pd.DataFrame:
    """``with_draws`` of a fresh simulation of the comparison's options (module Notes)."""
    return with_draws(options, simulate(inputs_from_frame(options, scenario, catalog, settings), errors, settings))
