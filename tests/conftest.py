"""Shared fixtures: the shipped catalog and a fixed efficiency set for hand-computed values."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

from calculator.catalog import Catalog, load_catalog
from calculator.hf_config import architecture_from_hf_config, load_hf_config
from calculator.schemas import Architecture, Efficiency

# CI runs the property tests with a fixed seed and no example database, so a submission's result does not
# depend on luck; locally hypothesis explores new examples on every run (and remembers failures).
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
    settings.load_profile("ci")

FIXTURES = Path(__file__).parent / "fixtures"
HF_CONFIGS = FIXTURES / "hf_configs"


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


def fixture_arch(name: str) -> Architecture:
    """Architecture parsed from a Hugging Face config.json fixture."""
    return architecture_from_hf_config(load_hf_config(HF_CONFIGS / f"{name}.json"))


def fixed_efficiency(**update: float) -> Efficiency:
    """An efficiency set independent of data/efficiency.yaml, so hand-computed values do not move on refit."""
    base = Efficiency(
        bandwidth_efficiency_frac=0.8, expert_bandwidth_efficiency_frac=0.8, flops_efficiency_frac=0.5,
        fp4_flops_efficiency_frac=0.3,
        weight_only_flops_efficiency_frac=0.25,
        step_overhead_s=0.002, layer_overhead_s=0.0, sequence_overhead_s=0.0,
        dp_rank_sequence_overhead_s=0.0, allreduce_latency_s=5e-6,
        runtime_reserve_frac=0.1, max_batch_size=4096, max_batch_size_per_rank=4096, scale_out_gb_per_s=50.0,
        routing_skew=0.0,
        source="test", as_of="2026-11-29",
    )
    return base.model_copy(update=update)
