"""API bills: hand-computed request costs, cached input, long-context tiers; a higher price never lowers cost."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from calculator.schemas import ApiModel
from pricing import api_cost


def api(**kw) -> ApiModel:
    base = {"id": "t", "name": "T", "provider": "p", "usd_per_million_input_tokens": 2.0,
            "usd_per_million_output_tokens": 12.0, "usd_per_million_cached_input_tokens": 0.2,
            "long_context_threshold_tokens": 200_000, "long_context_usd_per_million_input_tokens": 4.0,
            "long_context_usd_per_million_output_tokens": 18.0,
            "long_context_usd_per_million_cached_input_tokens": 0.4, "source": "test", "as_of": dt.date(2026, 1, 1)}
    return ApiModel(**{**base, **kw})


def test_request_cost_with_cache_hand_computed():
    # 2048 input (20 % cached), 28 output: (0.8*2048*2.0 + 0.2*2048*0.2 + 28*12.0) / 1e6
    #   = (3276.8 + 81.92 + 336) / 1e6 = 0.00369472 $/request
    assert api_cost.usd_per_request(api(), 2048, 28, 0.2) == pytest.approx(0.00369472, rel=1e-12)
    # blended: 0.00369472 / 2076 * 1e6 = 1.779730 $/1M tokens
    assert api_cost.blended_usd_per_million(api(), 2048, 28, 0.2) == pytest.approx(1.779730, rel=1e-6)
    assert api_cost.monthly_cost_usd(api(), 2048, 28, 0.2, 1e6) == pytest.approx(3694.72)


def test_long_context_tier_bills_the_whole_request():
    # 250k input > 200k threshold: (250000*4.0 + 1000*18.0) / 1e6 = 1.018 $/request
    assert api_cost.usd_per_request(api(), 250_000, 1000, 0.0) == pytest.approx(1.018)
    assert api_cost.prices_for_request(api(), 250_000).long_context
    assert not api_cost.prices_for_request(api(), 200_000).long_context


def test_no_cached_price_bills_cached_tokens_at_input_price():
    a = api(usd_per_million_cached_input_tokens=None)
    assert api_cost.usd_per_request(a, 1000, 0 + 1, 0.5) == pytest.approx((1000 * 2.0 + 12.0) / 1e6)


@given(p_in=st.floats(0, 100), extra=st.floats(0, 100), cached=st.floats(0, 1), i=st.integers(1, 300_000),
       o=st.integers(1, 10_000))
def test_a_higher_price_never_lowers_cost(p_in, extra, cached, i, o):
    lo = api_cost.usd_per_request(api(usd_per_million_input_tokens=p_in), i, o, cached)
    hi = api_cost.usd_per_request(api(usd_per_million_input_tokens=p_in + extra), i, o, cached)
    assert hi >= lo


def test_thinking_tokens_are_billed_as_output():
    # 2048 input (20 % cached), 28 answer + 1,500 thinking tokens: (3276.8 + 81.92 + 1528*12.0) / 1e6
    #   = (3358.72 + 18336) / 1e6 = 0.02169472 $/request, vs 0.00369472 without the thinking tokens.
    cost = api_cost.usd_per_request_with_reasoning(api(), 2048, 28, 1500, 0.2)
    assert cost == pytest.approx(0.02169472, rel=1e-12)


# --------------------------------------------------------------------------------------------- dated price changes
def _dated_api() -> ApiModel:
    return ApiModel.model_validate({
        "id": "acme-pro", "name": "Acme Pro", "provider": "acme", "usd_per_million_input_tokens": 2.0,
        "usd_per_million_output_tokens": 12.0, "usd_per_million_cached_input_tokens": 0.2,
        "source": "hand-made test entry", "as_of": "2026-11-01",
        "price_changes": [
            {"effective_on": "2026-12-01", "usd_per_million_input_tokens": 1.5, "source": "announcement 1"},
            {"effective_on": "2027-03-01", "usd_per_million_output_tokens": 10.0, "source": "announcement 2"},
        ],
    })


def test_price_changes_apply_by_date():
    api = _dated_api()
    assert api.prices_on(dt.date(2026, 11, 30)) is api  # before the first change: the listed prices
    dec = api.prices_on(dt.date(2026, 12, 1))  # effective on the day itself
    assert (dec.usd_per_million_input_tokens, dec.usd_per_million_output_tokens) == (1.5, 12.0)
    mar = api.prices_on(dt.date(2027, 6, 1))  # both changes; the second keeps the first's input price
    assert (mar.usd_per_million_input_tokens, mar.usd_per_million_output_tokens) == (1.5, 10.0)
    assert mar.usd_per_million_cached_input_tokens == 0.2
    # 1,000 input + 1,000 output tokens on 2027-06-01: (1000 x 1.5 + 1000 x 10) / 1e6 = $0.0115
    assert api_cost.usd_per_request(mar, 1000, 1000, 0.0) == pytest.approx(0.0115, rel=1e-12)


def test_price_changes_must_be_in_order():
    raw = _dated_api().model_dump()
    raw["price_changes"] = list(reversed(raw["price_changes"]))
    with pytest.raises(ValidationError, match="order of effective_on"):
        ApiModel.model_validate(raw)
