"""Helpers every table transform shares: provenance columns, duplicates, content hashes."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa


def records_frame(records: Iterable[tuple[str, dict]], columns: list[str]) -> pd.DataFrame:
    """Rows as received, one per record, with the reference of each. ``source_ref`` points at
    the record inside its landed page ("province_feed#3:decisions/7/items/2"), so the row as
    received can be read back for quarantine without copying every row."""
    refs, values = [], []
    for ref, record in records:
        refs.append(ref)
        values.append(record)
    frame = pd.DataFrame({name: _column([v.get(name) for v in values]) for name in columns})
    return frame.assign(source_ref=pd.array(refs, dtype="string"))


def _column(values: list) -> pd.Series:
    """One column as received: built by Arrow when its values share a type (text: Arrow-backed
    ``string``, no copy), else as Python objects, so a number among text stays as it came."""
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pd.Series(values, dtype=object)
    if pa.types.is_string(array.type):
        return pd.Series(pd.arrays.ArrowStringArray(array))
    if pa.types.is_null(array.type):
        return pd.Series(values, dtype=object)
    return array.to_pandas()


def split_duplicates(df: pd.DataFrame, key: list[str]) -> tuple[pd.DataFrame, int]:
    """Keep the first row of each key; return the rest as a count (they are reported, not lost)."""
    duplicated = df.duplicated(subset=key, keep="first")
    return df[~duplicated].reset_index(drop=True), int(duplicated.sum())


def with_content_hash(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """A 64-bit hash of a row's content, so re-syncs can skip rows that did not change."""
    if df.empty:
        return df.assign(content_hash=pd.Series(dtype="int64"))
    text = df[columns].astype("string").fillna("\x00")
    hashed = pd.util.hash_pandas_object(text, index=False).to_numpy().view("int64")
    return df.assign(content_hash=hashed)
