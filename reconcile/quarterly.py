"""The quarterly report: the nine headline figures of a province's Q report, computed from the
mirror, with the reconciliation of published against publicized behind them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, func, select

from loaders.schema import (
    dossier_stats,
    national_agencies,
    national_decisions,
    national_procedures,
    national_publicized,
    province_decisions,
    province_items,
    province_workflows,
)
from reconcile.calendar import add_working_days, period_bounds
from reconcile.classify import CLASSES, MATCH_COLUMNS, UNMATCHED_COLUMNS, classify
from transforms.codes import normalize_agency_code
from tthc.settings import Settings


def _frame(conn: Connection, query) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def province_agency_ids(conn: Connection, settings: Settings, province: str) -> list[str]:
    """The national portal's IDs of the province's People's Committee, matched by its code."""
    code = normalize_agency_code(settings.province(province).national_agency_code)
    return [
        r.agency_id
        for r in conn.execute(select(national_agencies.c.agency_id, national_agencies.c.code))
        if normalize_agency_code(r.code) == code
    ]


def quarterly_report(
    conn: Connection, settings: Settings, province: str, period: str, as_of: date | None = None
) -> dict[str, Any]:
    start, end = period_bounds(period)
    as_of = as_of or date.today()
    in_period = and_(
        province_decisions.c.province_code == province,
        province_decisions.c.signed_date.between(start, end),
    )
    decisions = _frame(conn, select(province_decisions).where(in_period))
    published = decisions[decisions["publishes_procedures"].astype(bool)]
    workflow_decisions = decisions[decisions["approves_workflows"].astype(bool)]
    items = _frame(
        conn,
        select(
            province_items,
            province_decisions.c.number_norm,
            province_decisions.c.signed_date,
        )
        .join(province_decisions, province_items.c.decision_id == province_decisions.c.decision_id)
        .where(in_period, province_decisions.c.publishes_procedures),
    )
    workflows = conn.scalar(
        select(func.count())
        .select_from(
            province_workflows.join(
                province_decisions,
                province_workflows.c.decision_id == province_decisions.c.decision_id,
            )
        )
        .where(in_period, province_decisions.c.approves_workflows)
    )

    agency_ids = province_agency_ids(conn, settings, province)
    agency_decisions = _frame(
        conn,
        select(
            national_decisions.c.decision_id,
            national_decisions.c.number_norm,
            national_decisions.c.publishing_date,
            national_decisions.c.run_id,
        ).where(national_decisions.c.agency_id.in_(agency_ids)),
    )
    agency_rows = _frame(
        conn,
        select(
            national_procedures.c.decision_id,
            national_procedures.c.list_kind,
            national_procedures.c.procedure_id,
            national_procedures.c.procedure_name,
            national_procedures.c.name_key,
        ).where(national_procedures.c.decision_id.in_(agency_decisions["decision_id"].tolist())),
    )
    in_period_ids = set(
        agency_decisions.loc[agency_decisions["publishing_date"].between(start, end), "decision_id"]
    )
    publicized = int(agency_rows["decision_id"].isin(in_period_ids).sum())

    stats_row = conn.execute(
        select(
            *[
                func.coalesce(func.sum(dossier_stats.c[c]), 0).label(c)
                for c in ("received", "resolved", "in_progress", "received_online")
            ]
        ).where(dossier_stats.c.province_code == province, dossier_stats.c.period == period)
    ).one()
    codes = set(conn.scalars(select(national_publicized.c.procedure_code)))
    days = settings.publicize_deadline_working_days
    classified, unmatched = classify(
        items,
        agency_decisions,
        agency_rows,
        codes,
        deadline=lambda signed: add_working_days(signed, days),
        as_of=as_of,
    )
    counts = classified["class"].value_counts()
    return {
        "province": province,
        "province_name": settings.province(province).name,
        "period": period,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "publication_decisions": len(published),
        "procedures_published": len(items),
        "workflow_decisions": len(workflow_decisions),
        "workflows_approved": int(workflows or 0),
        "procedures_publicized": publicized,
        "dossiers_received": int(stats_row.received),
        "dossiers_resolved": int(stats_row.resolved),
        "dossiers_in_progress": int(stats_row.in_progress),
        "dossiers_online": int(stats_row.received_online),
        "reconciliation": {
            "deadline_working_days": days,
            "classes": {c: int(counts.get(c, 0)) for c in CLASSES},
            "items": _records(
                classified[
                    [
                        "decision_id",
                        "number_norm",
                        "item_key",
                        "procedure_code",
                        "procedure_name",
                        "action",
                        "signed_date",
                        *MATCH_COLUMNS,
                    ]
                ].sort_values(["signed_date", "decision_id", "item_key"])
            ),
            "unmatched_national": _records(unmatched[UNMATCHED_COLUMNS]),
        },
        "sources": {
            "province_decisions": sorted(decisions["decision_id"].tolist()),
            "national_decisions": sorted(
                agency_decisions.loc[
                    agency_decisions["decision_id"].isin(in_period_ids), "decision_id"
                ].tolist()
            ),
            "runs": sorted(set(decisions["run_id"]) | set(agency_decisions["run_id"])),
        },
    }


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    def plain(v: Any) -> Any:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, date):
            return v.isoformat()
        return v.item() if hasattr(v, "item") else v

    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]
