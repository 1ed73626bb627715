"""Value of successful tasks, net value, ROI and cost per quality point."""

from __future__ import annotations

import pytest

from pricing import roi


def test_net_value_and_roi_hand_computed():
    # 1e6 tasks x $0.05 x success 0.7 = $35,000 value; cost $10,000 -> net $25,000, ROI 2.5
    net = roi.monthly_net_value_usd(0.05, 70.0, 1e6, 10_000.0)
    assert net == pytest.approx(25_000.0)
    assert roi.roi_frac(net, 10_000.0) == pytest.approx(2.5)
    assert roi.usd_per_quality_point(10_000.0, 80.0) == pytest.approx(125.0)


def test_undefined_quantities_are_none():
    assert roi.monthly_net_value_usd(0.05, None, 1e6, 1.0) is None
    assert roi.roi_frac(100.0, 0.0) is None  # free: ROI undefined, never infinity
    assert roi.usd_per_quality_point(100.0, None) is None
    assert roi.usd_per_quality_point(100.0, 0.0) is None


def test_roi_is_none_when_the_ratio_overflows():
    # found by the 10,000-scenario property test: a price override of 5e-324 $/GPU-hour made ROI infinite
    from pricing.roi import roi_frac

    assert roi_frac(100.0, 5e-324) is None
    assert roi_frac(100.0, 50.0) == 2.0
