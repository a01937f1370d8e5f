"""Vietnamese text: the portal sends NFC and NFD forms and doubled spaces."""

from __future__ import annotations

import re
import unicodedata

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SPACES = re.compile(r"\s+")


def clean_text(value: object) -> str | None:
    """NFC with single spaces, for storage and display; None stays None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return _SPACES.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


def match_key(value: object) -> str | None:
    """The form two names are compared in: cleaned, case-folded, trailing punctuation dropped."""
    text = clean_text(value)
    return text.casefold().rstrip(" .;,") if text is not None else None


def per_distinct(series: pd.Series, fn) -> pd.Series:
    """``fn`` applied once per distinct value (names, fields and agencies repeat a lot)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = pd.array([fn(u) for u in uniques], dtype="string")
    return pd.Series(mapped.take(codes, allow_fill=True), index=series.index, dtype="string")


def clean_column(series: pd.Series) -> pd.Series:
    """``clean_text`` of every value, computed once per distinct value and in Arrow (codes and
    row numbers are mostly distinct: a Python call each would cost seconds per million)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    try:
        text = pa.array(uniques, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers among the text
        text = pa.array([str(u) for u in uniques], type=pa.string())
    text = pc.utf8_normalize(text, "NFC")
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"[\s\p{Z}\x{85}]+", " "))
    cleaned = pd.array(text, dtype="string")
    return pd.Series(cleaned.take(codes, allow_fill=True), index=series.index, dtype="string")


def key_column(series: pd.Series) -> pd.Series:
    return per_distinct(series, match_key)
