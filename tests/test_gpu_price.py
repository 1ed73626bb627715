"""The $/GPU-hour of a scenario's pricing basis: override > owned > rental tier; no invented prices."""

from __future__ import annotations

from dataclasses import replace

import pytest
from numpy.testing import assert_allclose

from pricing.gpu_price import gpu_price, server_power_for
from pricing.scenario import Ownership, Scenario


def test_override_wins_over_the_basis(catalog):
    s = Scenario(pricing_basis="reserved_1y", usd_per_gpu_hour_overrides={"h100-sxm": 1.5})
    p = gpu_price(s, catalog, "h100-sxm")
    assert (p.usd_per_gpu_hour, p.source, p.status) == (1.5, "override", "ok")


@pytest.mark.parametrize(("stat", "expected"), [("low", 2.0), ("median", 3.0), ("high", 7.0)])
def test_rental_tier_uses_catalog_statistic(catalog, stat, expected):
    # A catalog we control: three on-demand H100 quotes at 7.00, 2.00 and 3.00 $/GPU-hour, one spot at 1.00.
    # low = min = 2.00, median = 3.00, high = max = 7.00 (the spot quote is another tier).
    base = next(p for p in catalog.rental_prices if p.gpu_id == "h100-sxm" and p.pricing_tier == "on_demand")
    quotes = tuple(base.model_copy(update={"usd_per_gpu_hour": x, "provider": f"P{i}"})
                   for i, x in enumerate((7.0, 2.0, 3.0)))
    spot = base.model_copy(update={"usd_per_gpu_hour": 1.0, "pricing_tier": "spot"})
    priced = replace(catalog, rental_prices=(*quotes, spot))
    p = gpu_price(Scenario(pricing_basis="on_demand", price_statistic=stat, provider_class="any"), priced, "h100-sxm")
    assert (p.usd_per_gpu_hour, p.source, p.status) == (expected, "on_demand", "ok")


def test_default_basis_is_the_best_specialist_quote(catalog):
    # Default: best (lowest) on-demand quote among specialist clouds; the provider and term of that quote travel
    # with the price.
    p = gpu_price(Scenario(), catalog, "h100-sxm")
    specialist = [q for q in catalog.rental_prices if q.gpu_id == "h100-sxm" and q.pricing_tier == "on_demand"
                  and q.provider_class == "specialist"]
    best = min(specialist, key=lambda q: q.usd_per_gpu_hour)
    assert p.usd_per_gpu_hour == best.usd_per_gpu_hour
    assert (p.provider, p.provider_class, p.commitment_term) == (best.provider, "specialist", "none")


def test_missing_reserved_price_is_not_invented(catalog):
    ids = [g.id for g in catalog.gpus]
    gid = next(g for g in ids if not any(p.gpu_id == g and p.pricing_tier in ("reserved_3y", "commitment")
                                         for p in catalog.rental_prices))
    p = gpu_price(Scenario(pricing_basis="reserved_3y"), catalog, gid)
    assert p.usd_per_gpu_hour is None
    assert p.status == f"no reserved_3y price from a specialist cloud for {gid} in the catalog"


def test_owned_with_user_capex_hand_computed(catalog):
    # H100 SXM in a DGX H100: 10,200 W / 8 = 1,275 W per GPU (data/ownership_defaults.yaml server_power).
    # K = 20000 * 1.25 = 25000; dep 25000/(5*8760) = 0.570776; power 1.275*0.6*1.2*0.1 = 0.091800;
    # colo 1.275*100/730 = 0.174658; support 0.04*25000/8760 = 0.114155; no WACC, resale, fabric, staff, software.
    # total 0.951389 $/GPU-hour
    own = Ownership(usd_per_gpu=20000, server_overhead_frac=0.25, depreciation_years=5, electricity_usd_per_kwh=0.1,
                    pue=1.2, average_load_frac=0.6, colocation_usd_per_kw_month=100, operations_overhead_frac=0.04,
                    wacc_frac=0.0, residual_value_frac=0.0, network_storage_frac=0.0,
                    staff_usd_per_year_per_cluster=0.0, staff_usd_per_year_per_node=0.0, software_usd_per_gpu_year=0.0)
    p = gpu_price(Scenario(pricing_basis="owned", ownership=own), catalog, "h100-sxm")
    assert p.status == "ok"
    assert p.ownership is not None and p.ownership.server_power_w_per_gpu == 1275.0
    assert_allclose(p.usd_per_gpu_hour, 0.951389, rtol=1e-5)


def test_server_power_falls_back_to_tdp_ratio(catalog):
    # A GPU without a system datasheet entry is charged server_power_to_tdp_ratio (1.8) x its TDP.
    gpu = next(g for g in catalog.gpus if g.tdp_w is not None
               and not any(e.gpu_id == g.id for e in catalog.server_power))
    choice = server_power_for(catalog, gpu.id, Ownership())
    assert choice is not None and choice.estimate
    assert_allclose(choice.w_per_gpu, 1.8 * gpu.tdp_w, rtol=1e-12)
    assert server_power_for(catalog, gpu.id, Ownership(server_power_w_per_gpu=900.0)).w_per_gpu == 900.0


def test_owned_without_purchase_price_or_tdp_says_why(catalog):
    no_purchase = next(g.id for g in catalog.gpus
                       if g.tdp_w is not None and not any(p.gpu_id == g.id for p in catalog.purchase_prices))
    p = gpu_price(Scenario(pricing_basis="owned"), catalog, no_purchase)
    assert p.usd_per_gpu_hour is None
    assert "no purchase price" in p.status
    no_tdp = next(g.id for g in catalog.gpus if g.tdp_w is None)
    assert "no TDP" in gpu_price(Scenario(pricing_basis="owned"), catalog, no_tdp).status


@pytest.mark.parametrize("stat", ["low", "median", "high"])
def test_owned_catalog_price_is_positive(catalog, stat):
    p = gpu_price(Scenario(pricing_basis="owned", price_statistic=stat), catalog, "h100-sxm")
    assert p.usd_per_gpu_hour is not None and p.usd_per_gpu_hour > 0
