"""The on-screen check of the app tests (tests/screen.py) catches what it claims to: fed a defect, it fails."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.screen import bad_cell, bad_text, frame_problems


def test_a_frame_with_a_nan_is_caught():
    # What the old check (" nan " in str(df.to_dict())) missed: NaN renders as "nan," or "nan}" in a dict.
    frame = pd.DataFrame({"cost [$]": [1.0, math.nan], "label": ["ok", "ok"]})
    assert " nan " not in f" {frame.to_dict()} "  # the old check passed on this frame
    assert frame_problems(frame) == ["table[1, 'cost [$]']: nan"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan"), np.inf, None, pd.NA, pd.NaT,
                                   "nan", "NaN", "$nan", "nan,", "(inf)", "-inf ms", "Infinity", "None", "x: None}",
                                   "None ms", "Traceback (most recent call last)"])
def test_bad_cells_are_caught(value):
    assert bad_cell(value) is not None


@pytest.mark.parametrize("value", [0.0, -1.5, 10**30, np.int64(7), True, "ok", "Infinite context", "financial",
                                   "none of the options fits", "None of these inputs moves the cost", "nano", "info",
                                   "$1,234", ""])
def test_clean_cells_pass(value):
    assert bad_cell(value) is None


def test_display_strings_are_checked_as_text():
    # Display tables hold formatted strings: a NaN that slipped through formatting shows as the text 'nan'.
    frame = pd.DataFrame({"Cost": ["$1.20", "$nan"], "Speed": ["12 ms", "inf ms"]})
    assert frame_problems(frame) == ["table[1, 'Cost']: nan", "table[1, 'Speed']: inf"]
    assert bad_text("break-even at nan requests/month") == "nan"


def test_user_text_shown_as_typed_is_not_a_nan():
    # A workload the user named "nan" is their text; a NaN next to it is still caught.
    frame = pd.DataFrame({"Workload": ["nan"], "Cost": ["$1.20"]})
    assert frame_problems(frame) == ["table[0, 'Workload']: nan"]
    assert frame_problems(frame, echoed=["nan"]) == []
    assert frame_problems(pd.DataFrame({"Workload": ["nan"], "Cost": [math.nan]}), echoed=["nan"]) == [
        "table[0, 'Cost']: nan"]
