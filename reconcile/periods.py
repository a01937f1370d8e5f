"""Which reporting periods a run's writes change the reconciliation of: what a sync tells the
reconciliation to redo (the DAGs publish them as asset partitions, ``06|2020-Q2``)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, or_, select

from loaders.schema import (
    dossier_stats,
    national_decisions,
    national_procedures,
    province_decisions,
    province_items,
)
from reconcile.calendar import period_containing
from reconcile.quarterly import province_agency_ids
from reconcile.rules import Rules


def touched_periods(conn: Connection, rules: Rules, province: str, run_id: str) -> list[str]:
    """The periods whose report the rows ``run_id`` wrote (inserted or updated) for
    ``province`` change: a decision's or its annex rows' signing quarter; a national
    decision's publicizing quarter and the signing quarter of the province's decision of the
    same number (its items' classes move); a Form 06 row's own period."""
    d, n = province_decisions.c, national_decisions.c
    agencies = province_agency_ids(conn, rules, province)
    changed_items = select(province_items.c.decision_id).where(province_items.c.run_id == run_id)
    signed = select(d.signed_date).where(
        d.province_code == province, or_(d.run_id == run_id, d.decision_id.in_(changed_items))
    )
    changed_lists = select(national_procedures.c.decision_id).where(
        national_procedures.c.run_id == run_id
    )
    national = select(n.publishing_date, n.number_norm).where(
        n.agency_id.in_(agencies), or_(n.run_id == run_id, n.decision_id.in_(changed_lists))
    )
    days: set[date] = set(conn.scalars(signed))
    numbers = set()
    for row in conn.execute(national):
        days.add(row.publishing_date)
        numbers.add(row.number_norm)
    if numbers:
        days |= set(
            conn.scalars(
                select(d.signed_date).where(d.province_code == province, d.number_norm.in_(numbers))
            )
        )
    periods = {period_containing(day, rules.reporting_calendar) for day in days if day}
    periods |= set(
        conn.scalars(
            select(dossier_stats.c.period).where(
                dossier_stats.c.province_code == province, dossier_stats.c.run_id == run_id
            )
        )
    )
    return sorted(periods)
