"""What a reader must never see on screen: NaN, infinity, None or a traceback (one check for every app test).

``screen_problems(at)`` looks at every markdown block, metric and caption and at every cell of every
dataframe an AppTest rendered. A cell is bad when it is a number that is not finite (``math.isfinite``), a
missing value (None, ``pd.NA``, ``NaT``), or text holding the word nan/inf/infinity (any case) or None
(as Python prints it, except in "None of"), matched on word boundaries so that "nan," "(inf)", "None}" or
"None ms" are caught and "Infinite", "financial" or "None of these inputs" are not.

``table_style_problems(at)`` looks at how every dataframe reads: a header that is a field name (snake_case such
as ``fp8_dense_tflops``) instead of words with a unit, and a number shown unrounded (a float cell with more
than 4 decimals, or text such as "14.100000000000001").
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Sequence
from typing import Any

import pandas as pd
from streamlit.testing.v1 import AppTest

# "None of ..." is English, not a missing value printed.
BAD_TEXT = re.compile(r"(?i:\b(?:nan|inf|infinity)\b)|\bNone\b(?!\s+of\b)|Traceback")


def bad_text(text: str) -> str | None:
    """The first bad word in a piece of text, or None."""
    m = BAD_TEXT.search(text)
    return m.group(0) if m else None


def bad_cell(value: Any) -> str | None:
    """Why one displayed value is bad, or None when it is fine."""
    if value is None or value is pd.NA or value is pd.NaT:
        return repr(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Number):
        return None if math.isfinite(complex(value).real) else repr(value)  # type: ignore[arg-type]
    if isinstance(value, str):
        return bad_text(value)
    try:
        if pd.isna(value):
            return repr(value)
    except (TypeError, ValueError):  # list-like cells: judge their text
        pass
    return bad_text(str(value))


def _without(text: str, echoed: Sequence[str]) -> str:
    for e in echoed:
        if e:
            text = text.replace(e, " ")
    return text


def frame_problems(frame: pd.DataFrame, where: str = "table", echoed: Sequence[str] = ()) -> list[str]:
    """Every bad cell (and column header) of a frame, as 'where[row, column]: value'. ``echoed``: text the
    user typed (a scenario name), shown as typed, so removed from text cells before the check."""
    out = [f"{where} header: {c!r}" for c in frame.columns if bad_text(_without(str(c), echoed))]
    for col in frame.columns:
        for i, value in enumerate(frame[col].tolist()):
            why = bad_cell(_without(value, echoed) if isinstance(value, str) else value)
            if why is not None:
                out.append(f"{where}[{i}, {col!r}]: {why}")
    return out


def screen_problems(at: AppTest, dataframes: bool = True, echoed: Sequence[str] = ()) -> list[str]:
    """Every bad piece of an AppTest's rendered page: exceptions, markdown, captions, metrics and (unless
    ``dataframes`` is False) every dataframe cell. ``echoed``: user text shown as typed (see frame_problems)."""
    out: list[str] = [f"exception: {e.value}" for e in at.exception]
    texts = [("markdown", m.value) for m in at.markdown] + [("caption", c.value) for c in at.caption]
    texts += [("metric", f"{x.label} {x.value}") for x in at.metric]
    for kind, text in texts:
        word = bad_text(_without(str(text), echoed))
        if word is not None:
            out.append(f"{kind} shows '{word}': {str(text)[:120]}")
    for n, d in enumerate(at.dataframe if dataframes else []):
        out.extend(frame_problems(d.value, f"dataframe {n}", echoed))
    return out


SNAKE_CASE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)+$")
UNROUNDED = re.compile(r"[-+]?\d+\.\d{6,}%?")


def unrounded(value: Any) -> bool:
    """A number shown with more digits than anyone reads: a float cell with more than 4 decimals, or a word of
    text that is a number with 6+ decimals ("14.100000000000001"). Web addresses, which may hold such digit
    runs, are left alone."""
    if isinstance(value, float) and math.isfinite(value):
        return value != round(value, 4)
    if not isinstance(value, str) or "/" in value:
        return False
    return any(UNROUNDED.fullmatch(word) for word in value.replace(",", "").split())


# Columns that show names as their source wrote them (a benchmark's "setting" such as 'claude_sonnet_4_6_max').
AS_WRITTEN = frozenset({"Setting"})


def table_style_problems(at: AppTest) -> list[str]:
    """Every dataframe header that is a snake_case field name, every cell that is a snake_case key ('on_demand'
    where 'on demand' reads), and every unrounded number, as 'where: what'."""
    out: list[str] = []
    for n, d in enumerate(at.dataframe):
        frame = d.value
        out.extend(f"dataframe {n} header is a field name: {c!r}" for c in frame.columns if SNAKE_CASE.match(str(c)))
        for col in frame.columns:
            keys = [v for v in frame[col].tolist() if isinstance(v, str) and SNAKE_CASE.match(v)]
            if keys and col not in AS_WRITTEN:
                out.append(f"dataframe {n}[{col!r}] shows a key, not words, e.g. {keys[0]!r}")
            bad = [v for v in frame[col].tolist() if unrounded(v)]
            if bad:
                out.append(f"dataframe {n}[{col!r}] shows unrounded numbers, e.g. {bad[0]!r}")
    return out
