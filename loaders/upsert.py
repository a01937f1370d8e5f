"""Idempotent upserts by key and content hash, inside the caller's transaction.

Rows are streamed in chunks into a staging table (PostgreSQL: ``COPY`` of CSV that Arrow
writes; SQLite: one ``executemany`` per chunk). One merge then removes duplicate keys (keeping
the first), updates the rows whose content hash changed (an anti-join on key and hash, so
unchanged rows are neither written nor locked) and inserts the rows whose key is new. The
counts come from the statements' own row counts and are exact.

The staging table is temporary, or a table kept between two steps: one stages, a later one (in
another process) merges, so that the server parses the rows while the first step still works.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import (
    ARRAY,
    BigInteger,
    Column,
    Connection,
    Date,
    MetaData,
    Table,
    and_,
    any_,
    bindparam,
    delete,
    exists,
    func,
    insert,
    inspect,
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


Rows = pd.DataFrame | pa.Table


def _arrow(table: Table, rows: Rows) -> pa.Table:
    """``rows`` as Arrow, timestamps as the column wants them: a day for a ``Date`` column,
    microseconds (Python's resolution) for the rest."""
    data = rows if isinstance(rows, pa.Table) else pa.Table.from_pandas(rows, preserve_index=False)
    for i, field in enumerate(data.schema):
        if pa.types.is_timestamp(field.type):
            wanted = (
                pa.date32()
                if isinstance(table.c[field.name].type, Date)
                else pa.timestamp("us", field.type.tz)
            )
            data = data.set_column(i, field.name, data.column(i).cast(wanted))
    return data


def write_rows(conn: Connection, table: Table, rows: Rows) -> None:
    """Append ``rows`` (a frame, or an Arrow table) to ``table`` as fast as the database
    allows: PostgreSQL ``COPY`` in CSV form (Arrow formats in C++, the server parses), SQLite
    one ``executemany``."""
    data = _arrow(table, rows)
    if not data.num_rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert(table), data.to_pylist())
        return
    _copy(conn, *_copy_csv(table, data))


def _copy_csv(table: Table, data: pa.Table) -> tuple[str, memoryview]:
    """The ``COPY`` statement and the CSV it reads. Arrow writes the CSV in C++: every value
    quoted, a missing one as an unquoted empty field, which COPY reads as NULL (so an empty
    string stays an empty string)."""
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


class StagingLost(RuntimeError):
    """A kept staging table does not hold the rows its step staged: nothing may be merged."""


class Stage:
    """A staging table for one target: fill it with ``add`` chunk by chunk, then ``merge`` once.
    Used as a context manager it is dropped on the way out, and kept if the block fails (the
    transaction's rollback takes a table created in it, and keeps one it did not create).

    ``constants`` are values every row of the load shares (the run's id): the merge writes
    them, so they are not sent and staged once per row.

    ``keep_as`` names a table of the mirror's database to stage into, kept when the block ends
    for a later step to merge (``Stage.resume``); UNLOGGED on PostgreSQL, as staged rows need no
    WAL. Such a stage takes chunks with every column of the target.

    On PostgreSQL a chunk's ``COPY`` runs on a thread of its own while the caller reads and
    formats the next chunk: the server parses one while Python prepares the other. The
    connection is not used by anything else until the last ``COPY`` is done."""

    SEQ = "stage_seq"  # row order (or the caller's row numbers): duplicates keep the first

    def __init__(
        self,
        conn: Connection,
        target: Table,
        constants: dict[str, Any] | None = None,
        keep_as: str | None = None,
    ) -> None:
        postgresql = conn.dialect.name == "postgresql"
        kind = (["UNLOGGED"] if postgresql else []) if keep_as else ["TEMPORARY"]
        self._define(conn, target, constants, keep_as or f"stage_{target.name}", kind)
        self.kept = keep_as is not None
        self.table.drop(conn, checkfirst=True)
        self.table.create(conn)

    def _define(
        self,
        conn: Connection,
        target: Table,
        constants: dict[str, Any] | None,
        table_name: str,
        prefixes: list[str],
    ) -> None:
        self.conn, self.target, self.kept = conn, target, False
        self.constants = {
            name: literal(value, target.c[name].type) for name, value in (constants or {}).items()
        }
        self.key = [c.name for c in target.primary_key.columns]
        postgresql = conn.dialect.name == "postgresql"
        self.table = Table(
            table_name,
            MetaData(),
            *[Column(c.name, c.type) for c in target.columns if c.name not in self.constants],
            Column(self.SEQ, BigInteger),
            prefixes=prefixes,
        )
        self.columns: list[str] | None = None
        self.rows = 0
        self.analyzed = False
        self._sender = ThreadPoolExecutor(1) if postgresql else None
        self._sending: Future | None = None

    @classmethod
    def resume(
        cls,
        conn: Connection,
        target: Table,
        name: str,
        rows: int,
        constants: dict[str, Any] | None = None,
    ) -> Stage:
        """The table a ``keep_as`` stage filled in an earlier step, to merge and then drop.
        ``rows``: how many rows that step staged. A table gone, or holding another number of
        rows (a server crash empties an UNLOGGED table), is refused: nothing is merged."""
        stage = cls.__new__(cls)
        stage._define(conn, target, constants, name, [])
        found = (
            conn.scalar(select(func.count()).select_from(stage.table))
            if inspect(conn).has_table(name)
            else None
        )
        if found != rows:
            raise StagingLost(
                f"staging table {name} holds {found if found is not None else 'no'} rows, "
                f"not the {rows} staged (dropped, or emptied by a server restart?): nothing "
                "was merged; stage the rows again"
            )
        stage.rows, stage.analyzed = rows, True
        stage.columns = [c.name for c in stage.table.columns if c.name != cls.SEQ]
        return stage

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, error_type, *_) -> None:
        if self._sender:
            if self._sending:
                self._sending.exception()  # the connection is free again
            self._sender.shutdown()
        if error_type is not None:
            return  # the transaction's rollback takes or keeps the table with it
        if self.kept:
            self._analyze()  # the statistics go with the table to the step that merges it
        else:
            self.table.drop(self.conn, checkfirst=True)

    def _sent(self) -> None:
        """Wait for the chunk being sent; its error, if any, is raised here."""
        if self._sending:
            sending, self._sending = self._sending, None
            sending.result()

    def add(self, rows: Rows, seq: np.ndarray | None = None) -> None:
        """Stage ``rows`` (a frame or an Arrow table; columns the target lacks are left out).
        ``seq``: the rows' numbers, by which duplicates keep the first row and ``discard``
        finds rows; by default the order they arrive in."""
        names = rows.column_names if isinstance(rows, pa.Table) else list(rows.columns)
        columns = [c.name for c in self.table.columns if c.name in names]
        if self.columns is None:
            self.columns = columns
            missing = {c.name for c in self.table.columns} - {*columns, self.SEQ}
            if self.kept and missing:
                raise ValueError(f"a kept stage takes every column; missing {sorted(missing)}")
        elif columns != self.columns:
            raise ValueError(f"chunk columns {columns} differ from the first chunk's")
        if not len(rows):
            return
        numbers = np.arange(self.rows, self.rows + len(rows)) if seq is None else seq
        data = _arrow(
            self.table, rows.select(columns) if isinstance(rows, pa.Table) else rows[columns]
        )
        data = data.append_column(self.SEQ, pa.array(numbers, pa.int64()))
        self.rows += len(rows)
        if not self._sender:
            write_rows(self.conn, self.table, data)
            return
        copy = _copy_csv(self.table, data)  # while the previous chunk is being sent
        self._sent()
        self._sending = self._sender.submit(_copy, self.conn, *copy)

    def discard(self, seq: np.ndarray) -> None:
        """Take the rows numbered ``seq`` out of the stage (rows a check after staging held)."""
        self._sent()
        if not len(seq):
            return
        number = self.table.c[self.SEQ]
        if self.conn.dialect.name == "postgresql":
            statement = delete(self.table).where(
                number == any_(bindparam("seq", type_=ARRAY(BigInteger)))
            )
            removed = self.conn.execute(statement, {"seq": seq.tolist()}).rowcount
        else:
            statement = delete(self.table).where(number == bindparam("seq"))
            removed = self.conn.execute(statement, [{"seq": n} for n in seq.tolist()]).rowcount
        if removed != len(seq):
            raise StagingLost(f"{self.table.name}: {len(seq)} rows to discard, {removed} found")
        self.rows -= removed

    def _analyze(self) -> None:
        """Staging tables start with no statistics; the merge joins on the key and compares
        the hash, so only those columns are sampled."""
        self._sent()
        if self.analyzed or not self.rows or self.conn.dialect.name != "postgresql":
            return
        columns = ", ".join(f'"{c}"' for c in [*self.key, "content_hash"])
        self.conn.execute(text(f'ANALYZE "{self.table.name}" ({columns})'))
        self.analyzed = True

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
        self._analyze()
        if not self.rows:
            return UpsertCounts()
        target, stage, conn = self.target, self.table.c, self.conn
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
