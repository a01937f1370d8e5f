"""Procedure history: the versions of a procedure over the decisions that published it.

A procedure is published new, amended, replaced and finally abolished by successive decisions.
Each decision opens a version from the date it takes effect (its signing date when none is
given) and closes the one before; an abolition opens a last version whose status says so. So
the mirror answers "what did procedure X look like on date D, and which decision said so".

The versions are the ``procedure_versions`` view (migration 0009): window functions over the
annex rows and their decisions, computed for the one procedure asked for (the filter goes below
the window). Loads write nothing for them, and they always agree with the decisions they come
from. The annex rows have no index on the procedure code (migration 0010 says why): a lookup
scans them, about 0.1 s a million rows."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, or_, select

from loaders.schema import procedure_versions, province_decisions, province_items


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
