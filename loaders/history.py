"""Procedure versions in the mirror: rebuilt for the procedures a run touched (the cost follows
the change, not the mirror), and read back as of a date."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, insert, or_, select

from loaders.schema import procedure_versions, province_decisions, province_items
from loaders.upsert import to_records
from transforms.history import VERSION_COLUMNS
from transforms.history import procedure_versions as build_versions

CHUNK = 500  # codes per query, under every database's bound-parameter limit


def rebuild(conn: Connection, province: str, codes: list[str]) -> int:
    """Recompute the versions of ``codes`` in ``province``; return how many versions exist."""
    written = 0
    for start in range(0, len(codes), CHUNK):
        chunk = codes[start : start + CHUNK]
        result = conn.execute(
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
            .join(
                province_decisions, province_items.c.decision_id == province_decisions.c.decision_id
            )
            .where(
                province_decisions.c.province_code == province,
                province_items.c.procedure_code.in_(chunk),
            )
        )
        items = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
        versions = build_versions(items)
        conn.execute(
            delete(procedure_versions).where(
                procedure_versions.c.province_code == province,
                procedure_versions.c.procedure_code.in_(chunk),
            )
        )
        if not versions.empty:
            conn.execute(
                insert(procedure_versions),
                [
                    dict(zip(VERSION_COLUMNS, r, strict=True))
                    for r in to_records(versions, VERSION_COLUMNS)
                ],
            )
        written += len(versions)
    return written


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
