"""Idempotent upserts by key and content hash, inside the caller's transaction.

Rows are streamed in chunks into a temporary staging table (PostgreSQL: ``COPY`` of CSV that
Arrow writes; SQLite: one ``executemany`` per chunk). One merge then removes duplicate keys
(keeping the first), updates the rows whose content hash changed (an anti-join on key and hash,
so unchanged rows are neither written nor locked) and inserts the rows whose key is new. The
counts come from the statements' own row counts and are exact.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    MetaData,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    select,
    text,
    update,
)


@dataclass
class UpsertCounts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: int = 0


def to_records(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Plain Python values in column order: NaN/NA/NaT -> None, Timestamps -> dates."""
    out = df[columns].astype(object)
    for name in columns:
        if pd.api.types.is_datetime64_any_dtype(df[name]):
            out[name] = [v.date() if pd.notna(v) else None for v in df[name]]
    out = out.where(df[columns].notna(), None)
    return list(out.itertuples(index=False, name=None))


def write_rows(conn: Connection, table: Table, df: pd.DataFrame) -> None:
    """Append ``df`` to ``table`` as fast as the database allows: PostgreSQL ``COPY`` in CSV
    form (Arrow formats in C++, the server parses), SQLite one ``executemany``."""
    if df.empty:
        return
    if conn.dialect.name != "postgresql":
        names = list(df.columns)
        conn.execute(
            insert(table), [dict(zip(names, r, strict=True)) for r in to_records(df, names)]
        )
        return
    _copy(conn, *_copy_csv(table, df))


def _copy_csv(table: Table, df: pd.DataFrame) -> tuple[str, memoryview]:
    """The ``COPY`` statement and the CSV it reads. Arrow writes the CSV in C++: every value
    quoted, a missing one as an unquoted empty field, which COPY reads as NULL (so an empty
    string stays an empty string)."""
    data = pa.Table.from_pandas(df, preserve_index=False)
    for i, name in enumerate(data.column_names):
        if isinstance(table.c[name].type, Date) and pa.types.is_timestamp(
            data.schema.field(i).type
        ):
            data = data.set_column(i, name, data.column(i).cast(pa.date32()))
    buffer = io.BytesIO()
    pa_csv.write_csv(
        data, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="all_valid")
    )
    names = ", ".join(f'"{c}"' for c in data.column_names)
    return f'COPY "{table.name}" ({names}) FROM STDIN (FORMAT csv)', buffer.getbuffer()


def _copy(conn: Connection, statement: str, data: memoryview) -> None:
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(statement) as copy:
        copy.write(data)


class Stage:
    """A temporary staging table for one target: fill it with ``add`` chunk by chunk, then
    ``merge`` once. Used as a context manager it is dropped on the way out.

    ``constants`` are values every row of the load shares (the run's id): the merge writes
    them, so they are not sent and staged once per row.

    On PostgreSQL a chunk's ``COPY`` runs on a thread of its own while the caller reads and
    formats the next chunk: the server parses one while Python prepares the other. The
    connection is not used by anything else until the last ``COPY`` is done."""

    SEQ = "stage_seq"  # arrival order, so duplicates keep the first row

    def __init__(
        self, conn: Connection, target: Table, constants: dict[str, Any] | None = None
    ) -> None:
        self.conn, self.target = conn, target
        self.constants = {
            name: literal(value, target.c[name].type) for name, value in (constants or {}).items()
        }
        self.key = [c.name for c in target.primary_key.columns]
        self.table = Table(
            f"stage_{target.name}",
            MetaData(),
            *[Column(c.name, c.type) for c in target.columns if c.name not in self.constants],
            Column(self.SEQ, BigInteger),
            prefixes=["TEMPORARY"],
        )
        self.table.drop(conn, checkfirst=True)
        self.table.create(conn)
        self.columns: list[str] | None = None
        self.rows = 0
        self._sender = ThreadPoolExecutor(1) if conn.dialect.name == "postgresql" else None
        self._sending: Future | None = None

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, error_type, *_) -> None:
        if self._sender:
            if self._sending:
                self._sending.exception()  # the connection is free again
            self._sender.shutdown()
        if error_type is None:  # else the transaction's rollback takes the table with it
            self.table.drop(self.conn, checkfirst=True)

    def _sent(self) -> None:
        """Wait for the chunk being sent; its error, if any, is raised here."""
        if self._sending:
            sending, self._sending = self._sending, None
            sending.result()

    def add(self, df: pd.DataFrame) -> None:
        if df.empty:
            return
        columns = [c.name for c in self.table.columns if c.name in df.columns]
        if self.columns is None:
            self.columns = columns
        elif columns != self.columns:
            raise ValueError(f"chunk columns {columns} differ from the first chunk's")
        rows = df[columns].assign(**{self.SEQ: range(self.rows, self.rows + len(df))})
        self.rows += len(df)
        if not self._sender:
            write_rows(self.conn, self.table, rows)
            return
        copy = _copy_csv(self.table, rows)  # while the previous chunk is being sent
        self._sent()
        self._sending = self._sender.submit(_copy, self.conn, *copy)

    def _has_duplicates(self) -> bool:
        keys = [self.table.c[k] for k in self.key]
        query = select(1).select_from(self.table).group_by(*keys).having(func.count() > 1)
        return self.conn.execute(query.limit(1)).first() is not None

    def _drop_duplicates(self) -> int:
        """Keep the first row of each key; return how many were dropped."""
        stage = self.table.c
        keys = [stage[k] for k in self.key]
        if self.conn.dialect.name == "postgresql":
            first = (
                select(*keys, func.min(stage[self.SEQ]).label("seq"))
                .group_by(*keys)
                .having(func.count() > 1)
                .subquery()
            )
            condition = and_(
                *[stage[k] == first.c[k] for k in self.key], stage[self.SEQ] > first.c.seq
            )
        else:  # SQLite has no multi-table DELETE
            condition = stage[self.SEQ].not_in(select(func.min(stage[self.SEQ])).group_by(*keys))
        return self.conn.execute(delete(self.table).where(condition)).rowcount

    def merge(self, keys_unique: bool = False) -> UpsertCounts:
        """``keys_unique``: the caller has proved that no key was staged twice, and the
        duplicate check (a pass over the staged rows) is skipped."""
        self._sent()
        if not self.rows:
            return UpsertCounts()
        target, stage, conn = self.target, self.table.c, self.conn
        if conn.dialect.name == "postgresql":
            # Temporary tables have no statistics; the merge joins on the key and compares
            # the hash, so only those columns are sampled.
            columns = ", ".join(f'"{c}"' for c in [*self.key, "content_hash"])
            conn.execute(text(f'ANALYZE "{self.table.name}" ({columns})'))
        has_duplicates = not keys_unique and self._has_duplicates()
        duplicates = self._drop_duplicates() if has_duplicates else 0
        same_key = and_(*[target.c[k] == stage[k] for k in self.key])
        values = {**{c: stage[c] for c in self.columns}, **self.constants}
        updated = conn.execute(
            update(target)
            .where(same_key, target.c.content_hash != stage.content_hash)
            .values({c: v for c, v in values.items() if c not in self.key and c != "first_run_id"})
        ).rowcount
        inserted = conn.execute(
            insert(target).from_select(
                list(values), select(*values.values()).where(~exists().where(same_key))
            ),
            execution_options={"preserve_rowcount": True},  # INSERT's count is not kept otherwise
        ).rowcount
        unchanged = self.rows - duplicates - inserted - updated
        return UpsertCounts(inserted, updated, unchanged, duplicates)


def upsert(
    conn: Connection,
    target: Table,
    chunks: pd.DataFrame | Iterable[pd.DataFrame],
    constants: dict[str, Any] | None = None,
) -> UpsertCounts:
    """Write ``chunks`` (a frame, or frames in turn) into ``target``."""
    with Stage(conn, target, constants) as stage:
        for chunk in [chunks] if isinstance(chunks, pd.DataFrame) else chunks:
            stage.add(chunk)
        return stage.merge()
