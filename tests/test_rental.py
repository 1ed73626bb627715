"""Rental price statistics over catalog quotes."""

from __future__ import annotations

import datetime as dt

import pytest

from calculator.schemas import RentalPrice
from pricing.rental import price_statistic, rental_quote


def quote(price: float, tier: str = "on_demand", day: int = 1) -> RentalPrice:
    return RentalPrice(gpu_id="x1", provider="p", provider_kind="other", pricing_tier=tier, usd_per_gpu_hour=price,
                       source="test quote", as_of=dt.date(2026, 1, day))


def test_statistics_over_quotes():
    prices = [quote(2.0, day=1), quote(4.0, day=3), quote(3.0, day=2), quote(10.0, day=5)]
    assert rental_quote(prices, "x1", "on_demand", "low").usd_per_gpu_hour == 2.0
    assert rental_quote(prices, "x1", "on_demand", "high").usd_per_gpu_hour == 10.0
    med = rental_quote(prices, "x1", "on_demand", "median")
    assert med.usd_per_gpu_hour == pytest.approx(3.5)  # mean of the middle two (3, 4)
    assert med.num_quotes == 4
    assert med.as_of == dt.date(2026, 1, 5)


def test_missing_tier_has_no_price_and_says_so():
    q = rental_quote([quote(2.0)], "x1", "reserved_1y", "median")
    assert q.usd_per_gpu_hour is None
    assert q.status == "no reserved_1y price for x1 in the catalog"


def test_bad_statistic_is_an_error():
    with pytest.raises(ValueError, match="statistic"):
        price_statistic([1.0], "mean")


def q2(price: float, kind: str, tier: str = "on_demand", term: str | None = None, provider: str = "p"):
    return RentalPrice(gpu_id="x1", provider=provider, provider_kind=kind, pricing_tier=tier, commitment_term=term,
                       usd_per_gpu_hour=price, source="test quote", as_of=dt.date(2026, 1, 1))


def test_best_quote_in_a_class_with_its_provider_and_range():
    prices = [q2(6.0, "hyperscaler", provider="big"), q2(2.5, "specialist", provider="a"),
              q2(3.0, "specialist", provider="b"), q2(1.5, "marketplace", provider="m"), q2(1.0, "other")]
    best = rental_quote(prices, "x1", "on_demand", "low", "specialist")
    assert (best.usd_per_gpu_hour, best.provider, best.provider_class, best.commitment_term) == (2.5, "a",
                                                                                               "specialist", "none")
    assert (best.low_usd_per_gpu_hour, best.median_usd_per_gpu_hour, best.high_usd_per_gpu_hour) == (2.5, 2.75, 3.0)
    assert rental_quote(prices, "x1", "on_demand", "low", "hyperscaler").usd_per_gpu_hour == 6.0
    assert rental_quote(prices, "x1", "on_demand", "low", "marketplace").usd_per_gpu_hour == 1.5
    # A market index (kind other) is a reference, not a quote: only the class "any" sees it.
    assert rental_quote(prices, "x1", "on_demand", "low", "any").usd_per_gpu_hour == 1.0
    none = rental_quote(prices[:1], "x1", "on_demand", "low", "marketplace")
    assert none.usd_per_gpu_hour is None and none.status == "no on_demand price on a marketplace for x1 in the catalog"


def test_commitments_count_as_reserved_by_term():
    prices = [q2(4.9, "hyperscaler", "commitment", "capacity_block"), q2(2.7, "specialist", "commitment"),
              q2(2.2, "specialist", "commitment", "3y"), q2(3.0, "specialist", "reserved_1y")]
    one = rental_quote(prices, "x1", "reserved_1y", "low")
    assert one.usd_per_gpu_hour == 2.7 and one.commitment_term == "unstated" and one.num_quotes == 3
    three = rental_quote(prices, "x1", "reserved_3y", "low")
    assert three.usd_per_gpu_hour == 2.2 and three.commitment_term == "3y" and three.num_quotes == 1
    assert rental_quote(prices, "x1", "on_demand", "low").usd_per_gpu_hour is None


def test_term_must_match_the_tier():
    with pytest.raises(ValueError, match="commitment_term"):
        q2(2.0, "specialist", "on_demand", "1y")
    with pytest.raises(ValueError, match="commitment_term"):
        q2(2.0, "specialist", "reserved_3y", "1y")
    assert q2(2.0, "specialist", "reserved_1y").term == "1y"


def test_catalog_reserved_h200_and_b200_are_priced(catalog):
    # Issue 11: commitment quotes for H200 and B200 make them rankable under "reserved 1 year".
    for gid in ("h200-sxm", "b200"):
        assert rental_quote(catalog.rental_prices, gid, "reserved_1y", "low", "specialist").usd_per_gpu_hour


def test_a_price_resting_on_estimated_quotes_says_so():
    def est(price: float, estimated: bool) -> RentalPrice:
        extra = {"estimate": True, "estimate_method": "read from a secondary report"} if estimated else {}
        return RentalPrice(gpu_id="x1", provider=f"p{price:g}", provider_kind="specialist", pricing_tier="on_demand",
                           usd_per_gpu_hour=price, source="test quote", as_of=dt.date(2026, 1, 1), **extra)
    prices = [est(1.5, True), est(2.0, False), est(3.0, False)]
    # The lowest quote (1.5) is the estimated one; the highest is not.
    assert rental_quote(prices, "x1", "on_demand", "low").estimated is True
    assert rental_quote(prices, "x1", "on_demand", "high").estimated is False
    # A median of several is an estimate when more than half its quotes are: 1 of 3 -> no, 2 of 3 -> yes.
    assert rental_quote(prices, "x1", "on_demand", "median").estimated is False
    assert rental_quote([est(1.5, True), est(2.0, True), est(3.0, False)], "x1", "on_demand", "median").estimated


def test_compare_flags_an_option_priced_from_an_estimated_quote(catalog):
    # MI300X's cheapest specialist on-demand quote in the catalog is TensorWave's $1.50, read from a secondary
    # source (estimate: true): an option priced from it must say so, in its column and its notes. H100's
    # cheapest specialist quote is a checked one: no flag.
    from pricing.options import compare_options
    from pricing.scenario import Scenario, WorkloadSpec
    taken = {g: rental_quote(catalog.rental_prices, g, "on_demand", "low", "specialist")
             for g in ("mi300x", "h100-sxm")}
    assert (taken["mi300x"].provider, taken["mi300x"].usd_per_gpu_hour, taken["mi300x"].estimated) == \
        ("TensorWave", 1.5, True)
    assert taken["h100-sxm"].estimated is False
    wl = WorkloadSpec(name="w", input_tokens=1000, output_tokens=200, requests_per_day=10_000)
    s = Scenario(workloads=(wl,), model_ids=("llama-3.3-70b",), api_model_ids=(), gpu_ids=("mi300x", "h100-sxm"),
                 precisions=("fp8",), price_statistic="low", provider_class="specialist")
    rows = {r["gpu_id"]: r for r in compare_options(s, catalog).to_dict("records")}
    assert rows["mi300x"]["usd_per_gpu_hour"] == 1.5
    assert rows["mi300x"]["price_estimated"] is True
    assert "GPU price from an estimated quote (TensorWave" in rows["mi300x"]["notes"]
    assert rows["h100-sxm"]["price_estimated"] is False
    assert "estimated quote" not in rows["h100-sxm"]["notes"]
