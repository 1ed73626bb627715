"""Print the vectorised sweep's configurations per second and one estimate's latency.

Run: python bench/bench_sweep.py   (figures go to stdout; nothing is asserted here)
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from calculator.catalog import load_catalog
from calculator.sizing import RequestShape, estimate
from calculator.sweep import CONCURRENCY_GRID, GPU_COUNTS, sweep, sweep_arrays


def main() -> None:
    cat = load_catalog()
    eff = cat.efficiency
    assert eff is not None
    precisions = ["bf16", "fp8", "fp4", "int4"]
    prices = [2.0] * len(cat.gpus)
    warm = sweep_arrays(cat.models, cat.gpus, precisions, 2000, 400, eff, usd_per_gpu_hour=prices)  # warm-up
    num_configs = warm.concurrency.size
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        sweep_arrays(cat.models, cat.gpus, precisions, 2000, 400, eff, usd_per_gpu_hour=prices)
        runs.append(time.perf_counter() - t0)
    best = min(runs)
    print(f"sweep (arrays): {num_configs:,} configurations "
          f"({len(cat.models)} models x {len(cat.gpus)} GPUs x {len(precisions)} precisions x "
          f"{len(GPU_COUNTS)} GPU counts x {len(CONCURRENCY_GRID) + 1} concurrencies, tensor parallel for all and "
          f"expert parallel for MoE models)")
    print(f"  best of 5: {best * 1e3:.0f} ms -> {num_configs / best:,.0f} configurations/s")
    t0 = time.perf_counter()
    df = sweep(cat.models, cat.gpus, precisions, 2000, 400, eff, usd_per_gpu_hour=prices)
    with_frame = time.perf_counter() - t0
    print(f"sweep with DataFrame: {with_frame * 1e3:.0f} ms -> {len(df) / with_frame:,.0f} configurations/s")

    arch = cat.model("llama-3.1-70b").architecture
    gpu = cat.gpu("h100-sxm")
    times = []
    for _ in range(50):
        t0 = time.perf_counter()
        estimate(arch, gpu, RequestShape(2000, 400), eff, precision="fp8", usd_per_gpu_hour=2.0)
        times.append(time.perf_counter() - t0)
    print(f"one estimate (llama-3.1-70b fp8 on h100-sxm, best concurrency searched over every integer): "
          f"median {statistics.median(times) * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
