"""Procedure history: the versions of a procedure over the decisions that published it.

A procedure is published new, amended, replaced and finally abolished by successive decisions.
Each decision opens a version from the date it takes effect (its signing date when none is
given) and closes the one before; an abolition opens a last version whose status says so. So
the mirror answers "what did procedure X look like on date D, and which decision said so".

Versions are rebuilt in the database (window functions, one statement) for the procedures a run
touched only, so the cost follows the change, not the mirror."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    String,
    Table,
    case,
    delete,
    func,
    insert,
    or_,
    select,
)

from loaders.schema import procedure_versions, province_decisions, province_items
from loaders.upsert import write_rows


def rebuild(conn: Connection, province: str, codes: list[str]) -> int:
    """Recompute the versions of ``codes`` in ``province``; return how many were written."""
    if not codes:
        return 0
    touched = temporary_codes(conn, "touched_procedures")
    try:
        write_rows(conn, touched, pd.DataFrame({"code": codes}))
        return rebuild_from(conn, province, touched)
    finally:
        touched.drop(conn)


def temporary_codes(conn: Connection, name: str) -> Table:
    """An empty temporary table of procedure codes (column ``code``)."""
    table = Table(name, MetaData(), Column("code", String(40)), prefixes=["TEMPORARY"])
    table.drop(conn, checkfirst=True)
    table.create(conn)
    return table


def rebuild_from(conn: Connection, province: str, touched: Table) -> int:
    """Recompute the versions of the codes in ``touched`` (a table with a ``code`` column)."""
    if conn.dialect.name == "postgresql":  # a temporary table has no statistics until then
        conn.exec_driver_sql(f'ANALYZE "{touched.name}"')
    conn.execute(
        delete(procedure_versions).where(
            procedure_versions.c.province_code == province,
            procedure_versions.c.procedure_code.in_(select(touched.c.code)),
        )
    )
    return conn.execute(
        insert(procedure_versions).from_select(VERSION_COLUMNS, _versions(province, touched)),
        execution_options={"preserve_rowcount": True},
    ).rowcount


VERSION_COLUMNS = [
    "province_code",
    "procedure_code",
    "version_no",
    "valid_from",
    "valid_to",
    "status",
    "action",
    "decision_id",
]


def _versions(province: str, touched: Table):
    items, decisions = province_items.c, province_decisions.c
    starts = func.coalesce(decisions.effective_date, decisions.signed_date)
    window = {
        "partition_by": items.procedure_code,
        "order_by": [starts, decisions.signed_date, items.decision_id],
    }
    return (
        select(
            decisions.province_code,
            items.procedure_code,
            func.row_number().over(**window),
            starts,
            func.lead(starts).over(**window),
            case((items.action == "abolished", "abolished"), else_="in force"),
            items.action,
            items.decision_id,
        )
        .join(province_decisions, items.decision_id == decisions.decision_id)
        .join(touched, touched.c.code == items.procedure_code)
        .where(decisions.province_code == province)
    )


def _with_annex_row():
    """Versions with what the annex row that made each one says, and the decision's number."""
    v, items, decisions = procedure_versions.c, province_items.c, province_decisions.c
    return (
        select(
            procedure_versions,
            decisions.number_raw.label("decision_number"),
            items.procedure_name,
            items.field,
            items.level,
            items.agency,
        )
        .join(
            province_items,
            (items.decision_id == v.decision_id) & (items.procedure_code == v.procedure_code),
        )
        .join(province_decisions, decisions.decision_id == v.decision_id)
    )


def history(conn: Connection, province: str, code: str) -> list[dict[str, Any]]:
    v = procedure_versions.c
    rows = conn.execute(
        _with_annex_row()
        .where(v.province_code == province, v.procedure_code == code)
        .order_by(v.version_no)
    ).mappings()
    return [dict(r) for r in rows]


def version_on(conn: Connection, province: str, code: str, day: date) -> dict[str, Any] | None:
    """The version in force (or the abolition) on ``day``, with the decision that made it."""
    v = procedure_versions.c
    row = (
        conn.execute(
            _with_annex_row()
            .where(
                v.province_code == province,
                v.procedure_code == code,
                v.valid_from <= day,
                or_(v.valid_to.is_(None), v.valid_to > day),
            )
            .order_by(v.version_no.desc())
            .limit(1)
        )
        .mappings()
        .first()
    )
    return dict(row) if row else None
