"""Cost of a workload at API prices (``data/api_models.yaml``).

Notes
-----
A request of I input tokens (a fraction f of them served from the provider's prompt cache) and O output
tokens costs::

    c_req = ((1 - f) I p_in + f I p_cached + O p_out) / 1e6                     [$/request]

with p_in, p_cached, p_out in [$/1M tokens]. A provider without a cached-input price bills cached tokens at
p_in. Long-context tiers: when I exceeds ``long_context_threshold_tokens`` the whole request is billed at the
long-context prices (Google Gemini API pricing, "prompts > 200k tokens"; Alibaba Model Studio tiered
pricing for Qwen3-Max by input length). Effective prices over the request::

    p_in_eff  = ((1 - f) p_in + f p_cached)                                     [$/1M input tokens]
    p_blend   = (I p_in_eff + O p_out) / (I + O)                                [$/1M tokens]
"""

from __future__ import annotations

from dataclasses import dataclass

from calculator.schemas import ApiModel
from calculator.units import TOKENS_PER_MILLION


@dataclass(frozen=True)
class ApiPrices:
    """The prices that apply to one request shape [$/1M tokens] and whether the long-context tier applies."""

    usd_per_million_input_tokens: float
    usd_per_million_cached_input_tokens: float
    usd_per_million_output_tokens: float
    long_context: bool


def prices_for_request(api: ApiModel, input_tokens: float) -> ApiPrices:
    """Prices of ``api`` for a request of ``input_tokens`` (long-context tier above its threshold)."""
    long_ctx = api.long_context_threshold_tokens is not None and input_tokens > api.long_context_threshold_tokens
    p_in = api.usd_per_million_input_tokens
    p_out = api.usd_per_million_output_tokens
    p_cached = api.usd_per_million_cached_input_tokens
    if long_ctx:
        p_in = api.long_context_usd_per_million_input_tokens or p_in
        p_out = api.long_context_usd_per_million_output_tokens or p_out
        p_cached = api.long_context_usd_per_million_cached_input_tokens or p_cached
    return ApiPrices(p_in, p_cached if p_cached is not None else p_in, p_out, long_ctx)


def effective_input_usd_per_million(prices: ApiPrices, cached_input_frac: float) -> float:
    """Input price averaged over cached and uncached tokens [$/1M input tokens]: ``(1-f) p_in + f p_cached``."""
    return (1.0 - cached_input_frac) * prices.usd_per_million_input_tokens \
        + cached_input_frac * prices.usd_per_million_cached_input_tokens


def usd_per_request(api: ApiModel, input_tokens: float, output_tokens: float, cached_input_frac: float) -> float:
    """Cost of one request [$/request] (module Notes)."""
    prices = prices_for_request(api, input_tokens)
    p_in = effective_input_usd_per_million(prices, cached_input_frac)
    return (input_tokens * p_in + output_tokens * prices.usd_per_million_output_tokens) / TOKENS_PER_MILLION


def blended_usd_per_million(api: ApiModel, input_tokens: float, output_tokens: float,
                            cached_input_frac: float) -> float:
    """Price per million tokens over the workload's input/output mix [$/1M tokens]: ``c_req / (I + O) * 1e6``."""
    return usd_per_request(api, input_tokens, output_tokens, cached_input_frac) \
        / (input_tokens + output_tokens) * TOKENS_PER_MILLION


def monthly_cost_usd(api: ApiModel, input_tokens: float, output_tokens: float, cached_input_frac: float,
                     num_requests_per_month: float) -> float:
    """Monthly API bill [$/month]: ``c_req * requests per month`` (no minimum commitment)."""
    return usd_per_request(api, input_tokens, output_tokens, cached_input_frac) * num_requests_per_month


def usd_per_request_with_reasoning(api: ApiModel, input_tokens: float, answer_tokens: float,
                                   reasoning_tokens: float, cached_input_frac: float) -> float:
    """Cost of one request of a thinking model [$/request]: thinking tokens are billed as output tokens::

        c_req = ((1 - f) I p_in + f I p_cached + (O_answer + O_think) p_out) / 1e6
    """
    return usd_per_request(api, input_tokens, answer_tokens + reasoning_tokens, cached_input_frac)
