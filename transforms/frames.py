"""Helpers every table transform shares: provenance columns, duplicates, content hashes."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

from transforms.text import TextFixes, per_distinct


def records_frame(records: Iterable[tuple[str, dict]], columns: list[str]) -> pd.DataFrame:
    """Rows as received, one per record, with the reference of each. ``source_ref`` points at
    the record inside its landed page ("province_feed#3:decisions/7/items/2"), so the row as
    received can be read back for quarantine without copying every row."""
    refs, values = [], []
    for ref, record in records:
        refs.append(ref)
        values.append(record)
    return values_frame(refs, values, columns)


def values_frame(
    refs: list[str],
    values: list[dict],
    columns: list[str],
    given: dict[str, list] | None = None,
) -> pd.DataFrame:
    """``records_frame`` of records already apart from their references. ``given``: columns
    known for every row already (the decision of each annex row), not looked up in the records.

    Records whose fields are all wanted (annex rows) are read by Arrow at once into one struct
    array: in C++, a third faster than a Python list per column. Records with fields not wanted
    (the portal's rows carry paging fields) are read column by column, which reads only what is
    wanted and is then faster; so are records where a field's values are of mixed types, so a
    number among text still stays as it came."""
    given = given or {}
    records = None
    if values and isinstance(values[0], dict) and set(values[0]) <= set(columns):
        try:
            records = pa.array(values)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            records = None
    if records is not None and not pa.types.is_struct(records.type):
        records = None  # not records at all: let the column-by-column reading say so

    def column(name: str) -> pd.Series:
        if name in given:
            return _column(given[name])
        if records is None:  # a value that is not a record has no fields
            return _column([v.get(name) if isinstance(v, dict) else None for v in values])
        index = records.type.get_field_index(name)
        if index < 0:  # no record has it
            return pd.Series([None] * len(values), dtype=object)
        return _series(records.field(index), values, name)

    frame = pd.DataFrame({name: column(name) for name in columns})
    return frame.assign(source_ref=pd.array(refs, dtype="string"))


def _column(values: list) -> pd.Series:
    """One column as received: built by Arrow when its values share a type (text: Arrow-backed
    ``string``, no copy), else as Python objects, so a number among text stays as it came."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.Series(values, dtype=object)
    return _series(array, values)


def _series(array: pa.Array, values: list, name: str | None = None) -> pd.Series:
    """``array`` as ``_column`` gives it; ``values``: the records (``name``: the field) or the
    column's values, read again only for a column of nothing but nulls."""
    if pa.types.is_string(array.type):
        return pd.Series(pd.arrays.ArrowStringArray(array))
    if pa.types.is_null(array.type):
        return pd.Series([v.get(name) for v in values] if name else values, dtype=object)
    return array.to_pandas()


def with_text_fixes(df: pd.DataFrame, fixes: dict[str, TextFixes]) -> pd.DataFrame:
    """``df`` with ``text_problem`` (which of a row's fields cannot be text) and
    ``text_removed`` (control characters taken out of its text), from the fixes made to its
    pages (by page reference; a row's ``source_ref`` is its page's, then its record's path)."""
    removed = np.zeros(len(df), dtype="int64")
    if not any(f.removed or f.unencodable for f in fixes.values()):  # nearly always
        return df.assign(
            text_problem=pd.Series(pd.NA, index=df.index, dtype="string"), text_removed=removed
        )
    problems: list[str | None] = [None] * len(df)
    for i, ref in enumerate(df["source_ref"].tolist()):
        page, _, path = str(ref).partition(":")
        if (found := fixes.get(page)) is None:
            continue
        removed[i] = found.removed.get(path, 0)
        if fields := found.unencodable.get(path):
            problems[i] = "text that is not valid Unicode in " + ", ".join(fields)
    return df.assign(text_problem=pd.array(problems, dtype="string"), text_removed=removed)


# True == 1 and False == 0 in Python: the booleans' keys serve 1 and 0 as well.
_FLAGS = {True: True, False: False, "true": True, "false": False}


def flag_column(series: pd.Series) -> pd.Series:
    """Yes/no fields as sources send them (true/false, "true"/"false", 1/0); anything else is
    null, which the suites hold, never a guess."""
    return per_distinct(series, _flag, "boolean")


def _flag(value: object) -> bool | None:
    return _FLAGS.get(value.strip().lower() if isinstance(value, str) else value)


def split_duplicates(df: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, int]:
    """Keep the first row of each key; return the rest as a count (they are reported, not lost).
    Rows missing part of their key are not duplicates of each other: each is held apart."""
    duplicated = df.duplicated(subset=key, keep="first") & df[key].notna().all(axis=1)
    return df[~duplicated].reset_index(drop=True), int(duplicated.sum())


def with_content_hash(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A 64-bit hash of a row's content, so re-syncs can skip rows that did not change."""
    if df.empty:
        return df.assign(content_hash=pd.Series(dtype="int64"))
    text = df[columns].astype("string").fillna("\x00")
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy().view("int64")
    return df.assign(content_hash=hashed)


def stripped(series: pd.Series) -> pd.Series:
    """Values as text, spaces around them removed (identifiers, codes, hashes)."""
    return series.astype("string").str.strip()
