"""Helpers every table transform shares: provenance columns, duplicates, content hashes."""

from __future__ import annotations

import json
from collections.abc import Iterable

import pandas as pd

# Columns that travel with each row but are not its content.
PROVENANCE = ["source_ref", "row_key", "raw"]


def records_frame(records: Iterable[tuple[str, dict]], columns: list[str]) -> pd.DataFrame:
    """Rows as received, one per record, with their source reference and raw JSON kept."""
    refs, raws, values = [], [], []
    for ref, record in records:
        refs.append(ref)
        raws.append(json.dumps(record, ensure_ascii=False, sort_keys=True))
        values.append(record)
    frame = (
        pd.DataFrame.from_records(values, columns=columns)
        if values
        else pd.DataFrame(columns=columns)
    )
    return frame.assign(source_ref=refs, raw=raws)


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
