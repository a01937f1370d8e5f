"""Whole numbers as sources write them: counts and row numbers, sent as JSON numbers or text.

Only what is a whole number in the source's own notation is one: "626", 626, and "1.011" (the
Vietnamese way of writing 1,011, dots grouping thousands). Anything else ("626.4", "1,5",
"12a", 3.5) is not guessed at: it becomes null, and the suites hold the row."""

from __future__ import annotations

import math
import re

import pandas as pd

from transforms.text import per_distinct

_PLAIN = re.compile(r"^\d+$")
_GROUPED = re.compile(r"^\d{1,3}(?:\.\d{3})+$")  # 58.463 = 58463


def whole_number(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    text = str(value).strip()
    if _PLAIN.match(text):
        return int(text)
    if _GROUPED.match(text):
        return int(text.replace(".", ""))
    return None


def whole_number_column(series: pd.Series) -> pd.Series:
    """``whole_number`` of every value, computed once per distinct value (row numbers and
    counts repeat)."""
    return per_distinct(series, whole_number, "Int64")
