"""Mixture-of-experts: how many distinct experts a batch touches, and the weight bytes a step reads.

Notes
-----
Each token picks k of the E routed experts of a layer. Under uniform routing a given expert is missed by
one token with probability ``1 - k/E``, so a batch of T tokens (routed independently) touches on average::

    E_touched(T) = E * (1 - (1 - k/E)^T)                                                    (1)

experts per layer. At T = 1 this is exactly k (the "active" experts); as T grows it approaches E (every
expert is read). This is the standard occupancy result (balls into bins; used for MoE decode by e.g.
the MoE-Lightning and "Toward cost-efficient serving of MoE" analyses) and is checked by a Monte-Carlo
test in ``tests/test_moe.py``.

Real routers are skewed: some experts are popular. With ``routing_skew`` s > 0 the expert of popularity
rank i is chosen by a token with probability ``q_i = min(1, k * p_i)``, ``p_i = i^-s / sum_j j^-s``
(a Zipf law), and::

    E_touched(T) = sum_i (1 - (1 - q_i)^T)                                                  (2)

which equals (1) at s = 0 and touches fewer experts for s > 0 at the same T (skew concentrates tokens on
fewer experts).

Weight bytes read by one forward step of T tokens::

    W_read = W_non_routed + L_moe * E_touched(T) * W_expert                                 (3)

where W_non_routed holds attention, dense MLPs (including DeepSeek's ``first_k_dense_replace`` layers and
Llama 4's interleaved dense layers), shared experts, routers, norms and the output head; every token uses
them, so they are read once per step whatever T is.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from calculator.units import FloatOrArray


def _zipf_choice_probabilities(
    num_experts: int, experts_per_token: int, routing_skew: float
) -> npt.NDArray[np.float64]:
    """Per-token probability that each expert is chosen [-], Zipf popularity with exponent s."""
    ranks = np.arange(1, num_experts + 1, dtype=float)
    popularity = ranks ** (-routing_skew)
    popularity /= popularity.sum()
    return np.minimum(1.0, experts_per_token * popularity)


def experts_touched(
    num_experts: FloatOrArray,
    experts_per_token: FloatOrArray,
    num_tokens: FloatOrArray,
    routing_skew: float = 0.0,
) -> FloatOrArray:
    """Expected number of distinct routed experts per MoE layer a step of T tokens reads [-].

    Parameters
    ----------
    num_experts : numeric
        Routed experts per MoE layer, E [-]. 0 for a dense model (result 0).
    experts_per_token : numeric
        Experts each token is routed to, k [-].
    num_tokens : numeric
        Tokens routed in the step, T [tokens] (decode: the batch size; a mixed step adds prefill tokens).
    routing_skew : float
        Zipf exponent s >= 0 of expert popularity; 0 = uniform routing (eq. 1), larger = more skewed (eq. 2).

    Returns
    -------
    numeric
        E_touched in [0, E].
    """
    e = np.asarray(num_experts, dtype=float)
    k = np.asarray(experts_per_token, dtype=float)
    t = np.asarray(num_tokens, dtype=float)
    if routing_skew == 0.0:
        frac = np.divide(k, e, out=np.zeros(np.broadcast(e, k).shape), where=e > 0)
        touched = e * (1.0 - (1.0 - frac) ** t)
        return np.where(e > 0, touched, 0.0)
    e_b, k_b, t_b = np.broadcast_arrays(e, k, t)
    out = np.zeros(e_b.shape)
    pairs = {(int(a), int(b)) for a, b in zip(e_b.ravel(), k_b.ravel(), strict=True) if a > 0}
    for num_e, top_k in pairs:
        mask = (e_b == num_e) & (k_b == top_k)
        q = _zipf_choice_probabilities(num_e, top_k, routing_skew)
        tokens, inverse = np.unique(t_b[mask], return_inverse=True)
        per_unique = (1.0 - (1.0 - q[None, :]) ** tokens[:, None]).sum(axis=1)
        out[mask] = per_unique[inverse]
    return out


def weight_bytes_read(
    non_routed_bytes: FloatOrArray,
    num_moe_layers: FloatOrArray,
    expert_bytes: FloatOrArray,
    touched_per_layer: FloatOrArray,
) -> FloatOrArray:
    """Weight bytes one forward step reads [B] (eq. 3): ``W_non_routed + L_moe * E_touched * W_expert``."""
    return non_routed_bytes + num_moe_layers * touched_per_layer * expert_bytes


def weight_bytes_read_at_batch(
    non_routed_bytes: FloatOrArray,
    num_moe_layers: FloatOrArray,
    expert_bytes: FloatOrArray,
    num_experts: FloatOrArray,
    experts_per_token: FloatOrArray,
    num_tokens: FloatOrArray,
    routing_skew: float = 0.0,
) -> tuple[FloatOrArray, FloatOrArray]:
    """Experts touched per MoE layer [-] (eq. 2) and the weight bytes read [B] (eq. 3) by one forward step
    of ``num_tokens`` tokens: the chain of :func:`experts_touched` and :func:`weight_bytes_read`, in one place.
    """
    touched = experts_touched(num_experts, experts_per_token, num_tokens, routing_skew)
    return touched, weight_bytes_read(non_routed_bytes, num_moe_layers, expert_bytes, touched)


def expert_load_imbalance(num_tokens: FloatOrArray, experts_per_token: FloatOrArray,
                          num_gpus: FloatOrArray) -> FloatOrArray:
    """Ratio of the busiest GPU's expert work to the mean under expert parallelism over N GPUs [-] (eq. 4).

    A step routes M = T k token-expert pairs; with uniform routing each GPU (E/N experts) receives a binomial
    share, mean ``mu = M / N`` and standard deviation about ``sqrt(mu)``. The expected maximum of N such loads
    is about ``mu + sqrt(2 mu ln N)`` (Gaussian extreme value), and the step waits for the busiest GPU. A GPU
    that receives work receives whole pairs, so once there is one pair (M >= 1) the busiest GPU holds at least
    one: with fewer pairs than GPUs (mu < 1) the maximum is 1 unless two pairs collide (balls into bins;
    Raab and Steger, "Balls into bins - a simple and tight analysis", RANDOM 1998). Hence::

        L_max = max(1, mu + sqrt(2 mu ln N)),    imbalance = min(N, L_max / mu)                    (4)

    For mu >= 1 this is ``1 + sqrt(2 ln N / mu)``; it is 1 on one GPU and falls as the batch grows (large batches
    even out). Exact expected maxima for N = 16 (enumerating all placements): M = 1 -> 1 (imbalance 16; eq. 4:
    16), M = 2 -> 1.0625 (8.5; eq. 4: 8.0), M = 4 -> 1.3486 (5.39; eq. 4: 5.71), M = 16 -> about 3 (eq. 4: 3.35).
    Real routers are skewed; serving engines re-balance with redundant experts (DeepSeek EPLB), which this
    uniform-routing figure assumes.
    """
    n = np.asarray(num_gpus, dtype=float)
    mu = np.maximum(np.asarray(num_tokens, dtype=float) * experts_per_token / n, 1e-12)
    busiest = np.maximum(1.0, mu + np.sqrt(2.0 * mu * np.log(np.maximum(n, 1.0))))
    return np.where(n > 1, np.minimum(n, busiest / mu), 1.0)
