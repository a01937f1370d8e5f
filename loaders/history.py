"""Procedure versions in the mirror: rebuilt for the procedures a run touched (the cost follows
the change, not the mirror), and read back as of a date."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Column, Connection, MetaData, String, Table, delete, or_, select

from loaders.schema import procedure_versions, province_decisions, province_items
from loaders.upsert import write_rows
from transforms.history import procedure_versions as build_versions

CHUNK_ROWS = 100_000  # annex rows in memory at a time


def rebuild(conn: Connection, province: str, codes: list[str]) -> int:
    """Recompute the versions of ``codes`` in ``province``; return how many versions exist."""
    if not codes:
        return 0
    touched = Table(
        "touched_procedures", MetaData(), Column("code", String(40)), prefixes=["TEMPORARY"]
    )
    touched.drop(conn, checkfirst=True)
    touched.create(conn)
    try:
        write_rows(conn, touched, pd.DataFrame({"code": codes}))
        conn.execute(
            delete(procedure_versions).where(
                procedure_versions.c.province_code == province,
                procedure_versions.c.procedure_code.in_(select(touched.c.code)),
            )
        )
        written = 0
        for items in _items_by_procedure(conn, province, touched):
            versions = build_versions(items)
            write_rows(conn, procedure_versions, versions)
            written += len(versions)
        return written
    finally:
        touched.drop(conn)


def _items_by_procedure(
    conn: Connection,
    province: str,
    touched: Table,
) -> Iterator[pd.DataFrame]:
    """The annex rows of the touched procedures, in chunks that never split a procedure."""
    query = (
        select(
            province_decisions.c.province_code,
            province_items.c.procedure_code,
            province_items.c.decision_id,
            province_decisions.c.number_raw,
            province_decisions.c.signed_date,
            province_decisions.c.effective_date,
            province_items.c.action,
            province_items.c.procedure_name,
            province_items.c.field,
            province_items.c.level,
            province_items.c.agency,
        )
        .join(province_decisions, province_items.c.decision_id == province_decisions.c.decision_id)
        .join(touched, touched.c.code == province_items.c.procedure_code)
        .where(province_decisions.c.province_code == province)
        .order_by(province_items.c.procedure_code)
    )
    # Per statement: Connection.execution_options() would stream every later statement too.
    result = conn.execute(
        query, execution_options={"stream_results": True, "yield_per": CHUNK_ROWS}
    )
    columns, carry = list(result.keys()), pd.DataFrame()
    for rows in result.partitions():
        chunk = pd.concat([carry, pd.DataFrame(rows, columns=columns)], ignore_index=True)
        last = chunk["procedure_code"].iloc[-1]
        carry = chunk[chunk["procedure_code"] == last]  # may go on in the next partition
        if len(carry) < len(chunk):
            yield _typed(chunk[chunk["procedure_code"] != last])
    if not carry.empty:
        yield _typed(carry)


def _typed(items: pd.DataFrame) -> pd.DataFrame:
    return items.assign(
        signed_date=pd.to_datetime(items["signed_date"]),
        effective_date=pd.to_datetime(items["effective_date"]),
    )


def history(conn: Connection, province: str, code: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(procedure_versions)
        .where(
            procedure_versions.c.province_code == province,
            procedure_versions.c.procedure_code == code,
        )
        .order_by(procedure_versions.c.version_no)
    ).mappings()
    return [dict(r) for r in rows]


def version_on(conn: Connection, province: str, code: str, day: date) -> dict[str, Any] | None:
    """The version in force (or the abolition) on ``day``, with the decision that made it."""
    row = (
        conn.execute(
            select(procedure_versions)
            .where(
                procedure_versions.c.province_code == province,
                procedure_versions.c.procedure_code == code,
                procedure_versions.c.valid_from <= day,
                or_(procedure_versions.c.valid_to.is_(None), procedure_versions.c.valid_to > day),
            )
            .order_by(procedure_versions.c.version_no.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
