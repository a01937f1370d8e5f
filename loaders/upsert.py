"""Idempotent upserts by key and content hash, inside the caller's transaction.

Rows go to a temporary staging table (PostgreSQL: COPY; SQLite: one executemany), then one
UPDATE writes the rows whose hash changed and one INSERT the rows whose key is new; unchanged
rows are not written at all. The counts returned are exact.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Column, Connection, MetaData, Table, and_, exists, func, insert, select
from sqlalchemy import update as sa_update


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0


def to_records(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Plain Python values in column order: NaN/NA/NaT -> None, Timestamps -> dates."""
    out = df[columns].astype(object)
    for name in columns:
        if pd.api.types.is_datetime64_any_dtype(df[name]):
            out[name] = [v.date() if pd.notna(v) else None for v in df[name]]
    out = out.where(df[columns].notna(), None)
    return list(out.itertuples(index=False, name=None))


def _staging_table(target: Table) -> Table:
    return Table(
        f"stage_{target.name}",
        MetaData(),
        *[Column(c.name, c.type) for c in target.columns],
        prefixes=["TEMPORARY"],
    )


def _copy_rows(conn: Connection, stage: Table, columns: list[str], rows: list[tuple]) -> None:
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        with cursor.copy(f'COPY "{stage.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)
    elif rows:
        conn.execute(insert(stage), [dict(zip(columns, r, strict=True)) for r in rows])


def upsert(conn: Connection, target: Table, df: pd.DataFrame) -> UpsertCounts:
    """Write ``df`` (unique by the table's primary key) into ``target``."""
    columns = [c.name for c in target.columns if c.name in df.columns]
    key = [c.name for c in target.primary_key.columns]
    if df.empty:
        return UpsertCounts()
    stage = _staging_table(target)
    stage.create(conn)
    try:
        _copy_rows(conn, stage, columns, to_records(df, columns))
        same_key = and_(*[target.c[k] == stage.c[k] for k in key])
        changed = and_(same_key, target.c.content_hash != stage.c.content_hash)
        known = exists().where(same_key)
        staged = conn.scalar(select(func.count()).select_from(stage))
        inserted = conn.scalar(select(func.count()).select_from(stage).where(~known))
        updated = conn.execute(
            sa_update(target)
            .where(changed)
            .values({c: stage.c[c] for c in columns if c not in key and c != "first_run_id"})
        ).rowcount
        conn.execute(
            insert(target).from_select(
                columns, select(*[stage.c[c] for c in columns]).where(~known)
            )
        )
    finally:
        stage.drop(conn)
    return UpsertCounts(inserted=inserted, updated=updated, unchanged=staged - inserted - updated)
