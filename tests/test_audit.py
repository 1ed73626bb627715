"""calculator.audit on hand-made catalogs: each check finds what it should and nothing else."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from calculator import cli
from calculator.audit import (
    audit,
    audit_json,
    count_by_problem,
    months_before,
    product_line,
)
from calculator.catalog import Catalog
from calculator.schemas import ApiModel, Gpu, Model, PurchasePrice, RentalPrice

DAY = dt.date(2026, 11, 29)
SRC = {"source": "hand-made test entry", "as_of": "2026-11-01"}


def api(api_id: str, provider: str = "acme", **kw: Any) -> ApiModel:
    fields = {"id": api_id, "name": api_id, "provider": provider, "usd_per_million_input_tokens": 1.0,
              "usd_per_million_output_tokens": 4.0, "released_on": "2026-01-01", **SRC, **kw}
    return ApiModel.model_validate(fields)


def gpu(gpu_id: str = "g1", **kw: Any) -> Gpu:
    fields = {"id": gpu_id, "name": gpu_id, "vendor": "other", "memory_gb": 80, "memory_bandwidth_gb_per_s": 3000,
              "bf16_dense_tflops": 900, "interconnect_gb_per_s": 450, "release_year": 2024, **SRC, **kw}
    return Gpu.model_validate(fields)


def model(model_id: str = "m1", **kw: Any) -> Model:
    arch = {"num_layers": 2, "hidden_size": 128, "vocab_size": 1000, "num_attention_heads": 4, "num_kv_heads": 4,
            "head_dim": 32, "intermediate_size": 512}
    fields = {"id": model_id, "name": model_id, "family": "test", "architecture": arch,
              "released_on": "2026-01-01", **SRC, **kw}
    return Model.model_validate(fields)


def catalog(**kw: Any) -> Catalog:
    return Catalog(gpus=kw.pop("gpus", (gpu(),)), models=kw.pop("models", (model(),)), **kw)


def problems(cat: Catalog, price_map: dict[str, Any] | None = None) -> list[tuple[str, str]]:
    return [(f.id, f.problem) for f in audit(cat, DAY, price_map)]


def test_a_current_catalog_has_no_findings():
    assert problems(catalog(api_models=(api("acme-1"),))) == []


def test_months_before_clamps_to_month_end():
    assert months_before(dt.date(2026, 11, 29), 3) == dt.date(2026, 8, 29)
    assert months_before(dt.date(2026, 5, 31), 3) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 2, 15), 12) == dt.date(2025, 2, 15)


def test_retired_on_the_day_counts_the_day_after_does_not():
    lifecycle = {"retired_on": "2026-11-29", "lifecycle_source": "vendor deprecations page"}
    later = {"retired_on": "2026-11-30", "lifecycle_source": "vendor deprecations page"}
    cat = catalog(api_models=(api("gone", **lifecycle), api("going", **later)),
                  gpus=(gpu("old-gpu", **lifecycle),), models=(model("old-model", **lifecycle),))
    assert sorted(problems(cat)) == [("gone", "retired"), ("old-gpu", "retired"), ("old-model", "retired")]


def test_stale_thresholds_per_kind():
    # Day 2026-11-29: API and rental prices go stale before 2026-08-29 (3 months), purchase prices before
    # 2025-11-29 (12 months); specs (models, GPUs) never.
    prices = {"gpu_id": "g1", "provider": "p", "provider_kind": "specialist", "pricing_tier": "on_demand",
              "usd_per_gpu_hour": 2.0, "source": "test quote"}
    cat = catalog(
        api_models=(api("fresh", as_of="2026-08-29"), api("old", as_of="2026-08-28")),
        rental_prices=(RentalPrice.model_validate({**prices, "as_of": "2026-08-28"}),
                       RentalPrice.model_validate({**prices, "instance": "x", "as_of": "2026-08-29"})),
        purchase_prices=(PurchasePrice.model_validate({"gpu_id": "g1", "usd_per_gpu_typical": 25000,
                                                       "source": "test quote", "as_of": "2025-11-28"}),
                         PurchasePrice.model_validate({"gpu_id": "g1", "usd_per_gpu_typical": 25000,
                                                       "source": "test quote", "as_of": "2025-11-29"})),
        gpus=(gpu(as_of="2019-01-01"),), models=(model(as_of="2019-01-01"),),
    )
    assert problems(cat) == [("old", "stale"), ("g1/p/on_demand", "stale"), ("g1/purchase/1", "stale")]


def test_retired_entries_are_not_checked_for_staleness():
    cat = catalog(api_models=(api("gone", as_of="2020-01-01", retired_on="2021-01-01", lifecycle_source="page"),))
    assert problems(cat) == [("gone", "retired")]


def test_missing_release_date_gpu_year_counts():
    cat = catalog(api_models=(api("undated", released_on=None),), gpus=(gpu("a"), gpu("b", release_year=None)),
                  models=(model("m", released_on=None),))
    assert sorted(problems(cat)) == [("b", "missing_released_on"), ("m", "missing_released_on"),
                                     ("undated", "missing_released_on")]


def test_product_line_drops_versions_and_sizes():
    assert product_line("claude-sonnet-4.5") == "claude-sonnet"
    assert product_line("gpt-5-mini") == "gpt-mini"
    assert product_line("deepinfra-qwen3.5-397b-a17b") == "deepinfra-qwen"
    assert product_line("gemini-2.5-flash") == product_line("gemini-3.5-flash") == "gemini-flash"


def test_newer_model_of_the_same_provider_and_line():
    cat = catalog(api_models=(
        api("acme-pro-1", released_on="2026-01-01"),
        api("acme-pro-2", released_on="2026-06-01"),
        api("acme-mini-1", released_on="2025-01-01"),  # another line: not flagged by acme-pro-2
        api("other-pro-1", provider="other", released_on="2025-01-01"),  # another provider
        api("acme-pro-3", released_on="2026-09-01", retired_on="2026-10-01", lifecycle_source="page"),
    ))
    found = problems(cat)
    assert ("acme-pro-1", "newer_in_catalog") in found
    assert [p for p in found if p[1] == "newer_in_catalog"] == [("acme-pro-1", "newer_in_catalog")]
    detail = next(f.detail for f in audit(cat, DAY) if f.problem == "newer_in_catalog")
    assert "acme-pro-2" in detail  # the retired acme-pro-3 is not offered as the newer one


def test_superseded_by_is_reported_even_without_release_dates():
    cat = catalog(api_models=(api("a-old", released_on=None, superseded_by="b-new"), api("b-new")))
    assert ("a-old", "newer_in_catalog") in problems(cat)


def test_litellm_drift_and_missing_key():
    # 1.1e-06 USD/token = 1.1 USD/Mtok vs the catalog's 1.0: +10 %, beyond the 0.5 % tolerance;
    # 4.01e-06 = 4.01 USD/Mtok vs 4.0: +0.25 %, within it.
    cat = catalog(api_models=(api("acme-1", litellm_key="acme/one"), api("acme-2", litellm_key="acme/two"),
                              api("acme-3")))
    price_map = {"acme/one": {"mode": "chat", "input_cost_per_token": 1.1e-06, "output_cost_per_token": 4.01e-06}}
    findings = [f for f in audit(cat, DAY, price_map) if f.problem in ("litellm_drift", "not_in_litellm")]
    assert [(f.id, f.problem) for f in findings] == [("acme-1", "litellm_drift"), ("acme-2", "not_in_litellm")]
    assert "usd_per_million_input_tokens: 1 -> 1.1 (+10.0%)" in findings[0].detail


def test_json_document_and_counts():
    cat = catalog(api_models=(api("gone", retired_on="2026-01-01", lifecycle_source="page"),
                              api("undated", released_on=None)))
    findings = audit(cat, DAY)
    doc = audit_json(DAY, findings)
    assert doc["as_of"] == "2026-11-29"
    assert doc["findings"][0] == {"id": "gone", "kind": "api_model", "problem": "retired",
                                  "detail": "retired on 2026-01-01"}
    assert count_by_problem(findings) == {"retired": 1, "missing_released_on": 1}


def test_cli_audit_json_on_the_shipped_catalog(capsys: pytest.CaptureFixture[str]):
    assert cli.main(["audit", "--as-of", "2026-11-29", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["as_of"] == "2026-11-29"
    for finding in doc["findings"]:
        assert set(finding) == {"id", "kind", "problem", "detail"}
    retired = {f["id"] for f in doc["findings"] if f["problem"] == "retired"}
    assert {"gemini-3-pro", "together-qwen3.5-397b-a17b", "deepseek-deepseek-v3.2"} <= retired


def test_cli_audit_bad_date_is_one_line(capsys: pytest.CaptureFixture[str]):
    with pytest.raises(SystemExit) as exc:
        cli.main(["audit", "--as-of", "2026-13-01"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "--as-of must be a date YYYY-MM-DD" in err and "\n" not in err


def test_cli_audit_unreadable_price_map(tmp_path, capsys: pytest.CaptureFixture[str]):
    bad = tmp_path / "prices.json"
    bad.write_text("[1, 2", encoding="utf-8")
    with pytest.raises(SystemExit):
        cli.main(["audit", "--litellm", str(bad)])
    assert "not valid JSON" in capsys.readouterr().err
