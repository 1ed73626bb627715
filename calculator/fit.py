"""When a deployment does not fit: the smallest changes that make it fit, one kind of change at a time.

A deployment (model, GPU, weight precision, GPUs per replica n) fits when at least one sequence of the workload
fits in memory (``calculator.sizing.max_concurrency`` >= 1: weights + reserve + one sequence's KV cache per GPU
within the GPU's memory, ``calculator.memory``). Three ways out, each changing one thing:

- more GPUs: the fewest GPUs per replica of ``calculator.sizing.GPU_COUNTS``, same GPU and precision;
- lower precision: the highest-precision format with fewer bytes per weight (``calculator.units.bytes_per_weight``)
  that fits on the same n GPUs;
- bigger GPU: among GPUs with more memory per GPU, the one with the least memory that fits at the same n and
  precision.

Each deployment is tried in every layout the sizing search uses (``calculator.sizing.layouts_for``: tensor
parallel; pipelined across scale-up domains; expert parallel with data-parallel attention for MoE models, whose
attention weights are whole on every GPU but whose cache is not replicated across KV heads) and fits when one
of them holds a sequence; the alternative names the layout that holds the most.
Tensor parallelism beyond a GPU's scale-up domain (``Gpu.scale_up_domain_gpus``: NVLink, Infinity Fabric, ICI)
sends its all-reduces over the scale-out network; :func:`beyond_scale_up` says when a layout does that.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from calculator.pipeline import LAYOUT_DISAGG_NAME, LAYOUT_SHOWN
from calculator.schemas import Architecture, Efficiency, Gpu
from calculator.sizing import GPU_COUNTS, RequestShape, layouts_for, max_concurrency
from calculator.units import PRECISIONS, bytes_per_weight, default_kv_precision


@dataclass(frozen=True)
class Alternative:
    """A deployment that fits: which change it makes, and the deployment."""

    change: str  # "more GPUs", "lower precision" or "bigger GPU"
    gpu_id: str
    gpu_name: str
    precision: str
    num_gpus: int
    max_concurrency: int  # sequences that fit in memory per replica [-]
    layout: str = "tp"  # the layout that holds the most sequences (calculator.pipeline.LAYOUT_SHOWN)

    def label(self) -> str:
        where = " (expert parallel)" if self.layout == "ep" else ""
        return f"{self.num_gpus} x {self.gpu_name} at {self.precision}{where}"


def fits_in_layout(arch: Architecture, gpu: Gpu, precision: str, num_gpus: int, wl: RequestShape,
                   eff: Efficiency) -> tuple[int, str]:
    """Most sequences that fit in memory on one replica over the layouts it may use, and that layout [-]."""
    kv = default_kv_precision(precision)
    names = [n for n in layouts_for(arch, "auto", num_gpus) if n != LAYOUT_DISAGG_NAME]
    best = max((max_concurrency(arch, gpu, precision, kv, num_gpus, wl, eff, name), -i, name)
               for i, name in enumerate(names))
    return best[0], LAYOUT_SHOWN[best[2]]


def fits(arch: Architecture, gpu: Gpu, precision: str, num_gpus: int, wl: RequestShape, eff: Efficiency) -> int:
    """Sequences that fit in memory on one replica, in the layout that holds the most (0 = does not fit) [-]."""
    return fits_in_layout(arch, gpu, precision, num_gpus, wl, eff)[0]


def beyond_scale_up(gpu: Gpu, num_gpus: int) -> bool:
    """True when a replica of ``num_gpus`` spans more GPUs than one scale-up domain (slow all-reduce)."""
    return num_gpus > gpu.scale_up_domain_gpus


def alternatives(arch: Architecture, gpu: Gpu, precision: str, num_gpus: int, wl: RequestShape, eff: Efficiency,
                 gpus: Sequence[Gpu]) -> list[Alternative]:
    """The smallest deployments that fit, at most one per kind of change (module docstring); [] if none does.

    ``gpus``: the GPU types to look for a bigger one in (e.g. the catalog's).
    """
    out: list[Alternative] = []
    for n in GPU_COUNTS:
        if n > num_gpus and (c := fits_in_layout(arch, gpu, precision, n, wl, eff))[0] >= 1:
            out.append(Alternative("more GPUs", gpu.id, gpu.name, precision, n, *c))
            break
    lower = sorted((p for p in PRECISIONS if bytes_per_weight(p) < bytes_per_weight(precision)),
                   key=bytes_per_weight, reverse=True)
    for p in lower:
        if (c := fits_in_layout(arch, gpu, p, num_gpus, wl, eff))[0] >= 1:
            out.append(Alternative("lower precision", gpu.id, gpu.name, p, num_gpus, *c))
            break
    for g in sorted((g for g in gpus if g.memory_gb > gpu.memory_gb), key=lambda g: (g.memory_gb, g.id)):
        if (c := fits_in_layout(arch, g, precision, num_gpus, wl, eff))[0] >= 1:
            out.append(Alternative("bigger GPU", g.id, g.name, precision, num_gpus, *c))
            break
    return out
