"""Unit conversion constants and numeric precisions.

Every conversion factor of the package lives here, as a float, so that a reader finds it in one place.
Decimal prefixes are used throughout: 1 GB = 1e9 bytes and 1 TFLOP/s = 1e12 FLOP/s, as GPU datasheets use
them (never 2**30 or 2**40).
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

# Type of the physics functions' numeric inputs and outputs: a scalar, or a numpy array of configurations
# (functions broadcast). Named apart from ``numpy.typing.ArrayLike``, which also admits lists and strings.
FloatArray = npt.NDArray[np.float64]
FloatOrArray = float | FloatArray
BoolOrArray = bool | npt.NDArray[np.bool_]

BYTES_PER_GB: float = 1e9
FLOPS_PER_TFLOPS: float = 1e12
PARAMS_PER_BILLION: float = 1e9
TOKENS_PER_MILLION: float = 1e6
MS_PER_S: float = 1e3
S_PER_HOUR: float = 3600.0
HOURS_PER_YEAR: float = 8760.0  # 365 days x 24 h
HOURS_PER_MONTH: float = HOURS_PER_YEAR / 12.0  # 730 h
DAYS_PER_MONTH: float = 365.0 / 12.0
S_PER_DAY: float = 86400.0
W_PER_KW: float = 1e3

# Relative tolerance when a count is rounded up: ceil(x (1 - 1e-9)), so that 2.0000000001 replicas, a float
# excess of an exact 2, stays 2 [-].
CEIL_REL_TOL: float = 1e-9
# Highest GPU price accepted as input [$/GPU-hour] (CLI, scenario links, the sizing estimate, the app).
MAX_USD_PER_GPU_HOUR: float = 1000.0

Precision = Literal["bf16", "fp8", "fp4", "int4"]
KvPrecision = Literal["bf16", "fp8", "fp4"]
PRECISIONS: tuple[str, ...] = get_args(Precision)
KV_PRECISIONS: tuple[str, ...] = get_args(KvPrecision)

# Storage bits per weight, including the block-scale overhead of the format.
#   bf16: 16 bits.
#   fp8:  8 bits; per-tensor or per-channel scales (or DeepSeek's 128x128 blocks, 4 B / 16384 weights)
#         add < 0.01 %, neglected.
#   fp4:  NVFP4 = 4-bit E2M1 values plus one FP8 E4M3 scale per 16 values = 4 + 8/16 = 4.5 bits
#         (NVIDIA, "Introducing NVFP4", 2025). MXFP4 (OCP MX spec v1.0: one E8M0 scale per 32 values,
#         4.25 bits), used by gpt-oss, is within 6 % of this.
#   int4: GPTQ/AWQ with group size 128 and a 16-bit scale and 16-bit zero point per group
#         = 4 + 32/128 = 4.25 bits.
BITS_PER_WEIGHT: dict[str, float] = {"bf16": 16.0, "fp8": 8.0, "fp4": 4.5, "int4": 4.25}

# Storage bits per KV-cache element (same conventions; FP4 KV as NVFP4).
BITS_PER_KV_ELEMENT: dict[str, float] = {"bf16": 16.0, "fp8": 8.0, "fp4": 4.5}

BITS_PER_BYTE: float = 8.0

# Activations exchanged by tensor-parallel all-reduce are kept in bf16 by vLLM, SGLang and TensorRT-LLM.
ACTIVATION_BYTES: float = 2.0


def bytes_per_weight(precision: str) -> float:
    """Bytes per stored weight [B] for a weight precision, scale overhead included."""
    return BITS_PER_WEIGHT[precision] / BITS_PER_BYTE


def bytes_per_kv_element(kv_precision: str) -> float:
    """Bytes per stored KV-cache element [B] for a KV-cache precision."""
    return BITS_PER_KV_ELEMENT[kv_precision] / BITS_PER_BYTE


def default_kv_precision(precision: str) -> str:
    """Default KV-cache precision for a weight precision: fp8 for fp8/fp4 weights, else bf16."""
    return "fp8" if precision in ("fp8", "fp4") else "bf16"
