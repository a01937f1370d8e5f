"""Vietnamese text: the portal sends NFC and NFD forms and doubled spaces; sources also send
control characters, lone surrogates and spreadsheet error literals, which are not text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_SPACES = re.compile(r"\s+")
# C0 control characters but tab, newline and carriage return, and DEL: never text (PostgreSQL
# refuses NUL, spreadsheets refuse the rest). Removed, and counted.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A lone surrogate (an invalid byte decoded by surrogateescape, or a "\udc80" escape) cannot be
# encoded as UTF-8 at all: its row is held, the field named.
SURROGATE = re.compile(r"[\ud800-\udfff]")
# What a spreadsheet shows in a cell whose formula failed: a message, not a value.
SPREADSHEET_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!"}
)


@dataclass
class TextFixes:
    """What cleaning a page's records changed, by the path of the record holding the text
    (``decisions/7/items/2``): control characters removed, and fields that cannot be text."""

    removed: dict[str, int] = field(default_factory=dict)
    unencodable: dict[str, list[str]] = field(default_factory=dict)


def clean_record_text(data: Any) -> tuple[Any, TextFixes]:
    """``data`` (a parsed page) with control characters removed from its strings and lone
    surrogates replaced by U+FFFD, and what was changed where (its rows are then held)."""
    fixes = TextFixes()

    def walk(value: Any, path: str, name: str) -> Any:
        if isinstance(value, str):
            if SURROGATE.search(value):
                fixes.unencodable.setdefault(path, []).append(name)
                value = SURROGATE.sub("\ufffd", value)
            if CONTROL.search(value):
                value, n = CONTROL.subn("", value)
                fixes.removed[path] = fixes.removed.get(path, 0) + n
            return value
        inner = f"{path}/{name}" if path or name else ""
        if isinstance(value, dict):
            return {k: walk(v, inner.lstrip("/"), k) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, inner.lstrip("/"), str(i)) for i, v in enumerate(value)]
        return value

    return walk(data, "", ""), fixes


def clean_text(value: object) -> str | None:
    """NFC with single spaces, for storage and display; None stays None."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", CONTROL.sub("", str(value)))).strip()
    return None if text in SPREADSHEET_ERRORS else text


def match_key(value: object) -> str | None:
    """The form two names are compared in: cleaned, case-folded, trailing punctuation dropped."""
    text = clean_text(value)
    return text.casefold().rstrip(" .;,") if text is not None else None


def per_distinct(series: pd.Series, fn, dtype: str = "string") -> pd.Series:
    """``fn`` applied once per distinct value (names, fields, agencies, row numbers and counts
    repeat a lot), as a column of ``dtype``."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    mapped = pd.array([fn(u) for u in uniques], dtype=dtype)
    return pd.Series(mapped.take(codes, allow_fill=True), index=series.index, dtype=dtype)


def clean_column(series: pd.Series) -> pd.Series:
    """``clean_text`` of every value, computed once per distinct value and in Arrow (codes and
    row numbers are mostly distinct: a Python call each would cost seconds per million)."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    try:
        text = pa.array(uniques, type=pa.string(), from_pandas=True)
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # numbers among the text
        text = pa.array([str(u) for u in uniques], type=pa.string())
    text = pc.utf8_normalize(pc.replace_substring_regex(text, CONTROL.pattern, ""), "NFC")
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, r"[\s\p{Z}\x{85}]+", " "))
    errors = pc.is_in(text, value_set=pa.array(sorted(SPREADSHEET_ERRORS)))
    text = pc.if_else(errors, pa.scalar(None, pa.string()), text)
    cleaned = pd.array(text, dtype="string")
    return pd.Series(cleaned.take(codes, allow_fill=True), index=series.index, dtype="string")


def key_column(series: pd.Series) -> pd.Series:
    return per_distinct(series, match_key)
