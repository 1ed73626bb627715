"""Quality index of a model for a workload profile, from published benchmark scores (``data/scores.yaml``).

Notes
-----
A workload profile (``data/workloads.yaml``) weights benchmarks ``w_b`` (sum 1). Each score ``s_b`` is put on
0-100 by its benchmark's range (``100 (s - min) / (max - min)``, reversed when lower is better). With B the
benchmarks that have a score for the model::

    coverage_frac = sum_{b in B} w_b                                                  [-]
    index         = sum_{b in B} w_b s_b / coverage_frac       if coverage_frac >= min_coverage_frac
                  = None                                       otherwise              [0-100]

i.e. the weights are renormalised over the available benchmarks, and the index is withheld when too little
of the profile is covered (rule stated in ``data/workloads.yaml``). An API entry that serves an open model
(``open_model_id``) uses the open model's scores (same weights; the provider's serving may differ slightly).
A missing score is never treated as zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from calculator.catalog import Catalog
from calculator.schemas import Benchmark, Workload

INDEX_MAX: float = 100.0


@dataclass(frozen=True)
class QualityResult:
    """Quality index [0-100] (None when coverage is too low), coverage of the profile's weight [-], and
    the normalised score used per benchmark id [0-100]."""

    index: float | None
    coverage_frac: float
    used: dict[str, float] = field(default_factory=dict)


def normalised_score(value: float, bench: Benchmark) -> float:
    """A score on 0-100 [-]: ``100 (s - min)/(max - min)``, reversed when lower is better; clipped to 0-100."""
    span = bench.max_value - bench.min_value
    x = (value - bench.min_value) / span if span > 0 else 0.0
    if not bench.higher_is_better:
        x = 1.0 - x
    return min(max(x, 0.0), 1.0) * INDEX_MAX


def scores_id(model_or_api_id: str, catalog: Catalog) -> str:
    """The id whose scores stand for ``model_or_api_id``: an API entry's ``open_model_id`` if it has one."""
    for api in catalog.api_models:
        if api.id == model_or_api_id and api.open_model_id:
            return api.open_model_id
    return model_or_api_id


def quality_index(model_or_api_id: str, profile: Workload, catalog: Catalog) -> QualityResult:
    """Weighted benchmark index of a model or API model for a workload profile (module Notes)."""
    sid = scores_id(model_or_api_id, catalog)
    benches = {b.id: b for b in catalog.benchmarks}
    scores = {s.benchmark_id: s.value for s in catalog.scores if s.model_id == sid}
    used: dict[str, float] = {}
    weight = 0.0
    total = 0.0
    for bench_id, w in profile.quality_weights.items():
        if w <= 0.0 or bench_id not in scores or bench_id not in benches:
            continue
        s = normalised_score(scores[bench_id], benches[bench_id])
        used[bench_id] = s
        weight += w
        total += w * s
    if weight <= 0.0 or weight + 1e-12 < profile.min_coverage_frac:
        return QualityResult(None, weight, used)
    return QualityResult(total / weight, weight, used)
