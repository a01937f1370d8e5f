"""The quarterly report: the nine headline figures of a province's quarterly report, computed
from the mirror, with the reconciliation of published against publicized behind them, the
Form 06 findings, and for each figure the runs and records it came from. A successor province's
report can roll up its predecessors' history (Bắc Kạn 06 into Thái Nguyên 19)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, false, select, true

from loaders.schema import (
    dossier_stats,
    national_agencies,
    national_decisions,
    national_procedures,
    national_publicized,
    province_decisions,
    province_items,
    province_workflows,
    quarantine,
)
from reconcile.calendar import add_working_days, period_before, period_bounds, working_days_between
from reconcile.classify import CLASSES, MATCH_COLUMNS, UNMATCHED_COLUMNS, classify
from reconcile.coverage import NothingSynced, coverage
from reconcile.provinces import predecessors
from reconcile.rules import Rules
from transforms.codes import normalize_agency_code

FIGURES = [
    "publication_decisions",
    "procedures_published",
    "workflow_decisions",
    "workflows_approved",
    "procedures_publicized",
    "dossiers_received",
    "dossiers_resolved",
    "dossiers_in_progress",
    "dossiers_online",
]
ITEM_COLUMNS = [
    "province_code",
    "decision_id",
    "number_norm",
    "decision_title",
    "item_key",
    "procedure_code",
    "procedure_name",
    "action",
    "signed_date",
    "published_in_time",
    *MATCH_COLUMNS,
]


def _frame(conn: Connection, query) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def province_agency_ids(conn: Connection, rules: Rules, province: str) -> list[str]:
    """The national portal's IDs of the province's People's Committee, matched by its code."""
    code = normalize_agency_code(rules.province(province).national_agency_code)
    return [
        r.agency_id
        for r in conn.execute(select(national_agencies.c.agency_id, national_agencies.c.code))
        if normalize_agency_code(r.code) == code
    ]


def quarterly_report(
    conn: Connection,
    rules: Rules,
    province: str,
    period: str,
    as_of: date | None = None,
    include_predecessors: bool = False,
) -> dict[str, Any]:
    start, end = period_bounds(period, rules.reporting_calendar)
    as_of = as_of or date.today()
    if as_of < start:
        raise ValueError(f"as of {as_of}, {period} had not begun: there is nothing to report")
    provinces = [province, *(predecessors(rules, province) if include_predecessors else [])]
    covered = {p: coverage(conn, p, period, start, end, as_of) for p in provinces}
    parts = [_province_part(conn, rules, p, period, start, end, as_of) for p in provinces]
    if not any(c["dossier_stats_run"] for c in covered.values()) and not any(
        p["figures"][f] for p in parts for f in FIGURES
    ):
        raise NothingSynced(
            f"nothing synced for province {province} in {period} (as of {as_of}): no decision "
            f"signed or publicized in it and no Form 06 statistics; run `tthc sync publications "
            f"--province {province}` and `tthc sync dossier-stats --province {province} "
            f"--period {period}` first"
        )
    classified = pd.concat([p["classified"] for p in parts], ignore_index=True)
    unmatched = pd.concat([p["unmatched"] for p in parts], ignore_index=True)
    counts = classified["class"].value_counts()
    items = _records(
        classified[ITEM_COLUMNS].sort_values(["signed_date", "decision_id", "item_key"])
    )
    return {
        "province": province,
        "province_name": rules.province(province).name,
        "provinces_included": provinces,
        "period": period,
        "reporting_calendar": rules.reporting_calendar,
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "as_of": as_of.isoformat(),
        "coverage": covered,
        **{f: sum(p["figures"][f] for p in parts) for f in FIGURES},
        "reconciliation": {
            "deadline_working_days": rules.publicize_deadline_working_days,
            "classes": {c: int(counts.get(c, 0)) for c in CLASSES},
            "items": items,
            "review": [i for i in items if i["class"] == "needs_review"],
            "unmatched_national": _records(unmatched[["province_code", *UNMATCHED_COLUMNS]]),
        },
        "publication_timeliness": _timeliness(
            pd.concat([p["timeliness"] for p in parts], ignore_index=True),
            rules.publication_lead_working_days,
        ),
        "dossier_findings": [f for p in parts for f in p["findings"]],
        "provenance": {f: _merge_provenance([p["provenance"][f] for p in parts]) for f in FIGURES},
        "sources": {
            "runs": sorted(
                {r for p in parts for prov in p["provenance"].values() for r in prov["runs"]}
            )
        },
    }


def _province_part(
    conn, rules: Rules, province: str, period: str, start: date, end: date, as_of: date
) -> dict[str, Any]:
    # What was known on ``as_of``: decisions signed by then, publicizing done by then, and the
    # period's Form 06 only once the period had ended.
    in_period = and_(
        province_decisions.c.province_code == province,
        province_decisions.c.signed_date.between(start, min(end, as_of)),
    )
    decisions = _frame(conn, select(province_decisions).where(in_period))
    published = decisions[decisions["publishes_procedures"].astype(bool)]
    workflow_decisions = decisions[decisions["approves_workflows"].astype(bool)]
    joined = province_decisions.c.decision_id
    items = _frame(
        conn,
        select(
            province_items,
            province_decisions.c.number_norm,
            province_decisions.c.title.label("decision_title"),
            province_decisions.c.signed_date,
        )
        .join(province_decisions, province_items.c.decision_id == joined)
        .where(in_period, province_decisions.c.publishes_procedures),
    )
    workflows = _frame(
        conn,
        select(
            province_workflows.c.decision_id,
            province_workflows.c.workflow_no,
            province_workflows.c.run_id,
        )
        .join(province_decisions, province_workflows.c.decision_id == joined)
        .where(in_period, province_decisions.c.approves_workflows),
    )

    agency_decisions = _frame(
        conn,
        select(
            national_decisions.c.decision_id,
            national_decisions.c.number_norm,
            national_decisions.c.publishing_date,
            national_decisions.c.run_id,
        ).where(
            national_decisions.c.agency_id.in_(province_agency_ids(conn, rules, province)),
            national_decisions.c.publishing_date <= as_of,
        ),
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
    in_period_national = agency_decisions[agency_decisions["publishing_date"].between(start, end)]
    publicized_rows = agency_rows[
        agency_rows["decision_id"].isin(in_period_national["decision_id"])
    ]

    stats = _frame(
        conn,
        select(dossier_stats).where(
            dossier_stats.c.province_code == province,
            dossier_stats.c.period == period,
            true() if end < as_of else false(),
        ),
    )
    days = rules.publicize_deadline_working_days
    classified, unmatched = classify(
        items,
        agency_decisions,
        agency_rows,
        _frame(conn, select(national_publicized.c.procedure_code, national_publicized.c.name_key)),
        deadline=lambda signed: add_working_days(signed, days),
        as_of=as_of,
        rules=rules.match,
    )

    def runs(*frames: pd.DataFrame) -> list[str]:
        return sorted({r for f in frames for r in f["run_id"]})

    lead = rules.publication_lead_working_days
    timeliness = published.assign(
        lead_working_days=[
            working_days_between(signed, basis) if pd.notna(basis) else None
            for signed, basis in zip(
                published["signed_date"], published["basis_effective_date"], strict=True
            )
        ]
    )
    timeliness["published_in_time"] = timeliness["lead_working_days"].map(
        lambda days: None if days is None or pd.isna(days) else bool(days >= lead)
    )
    classified = classified.merge(
        timeliness[["decision_id", "published_in_time"]], on="decision_id", how="left"
    )
    decision_ids = sorted(published["decision_id"])
    return {
        "figures": {
            "publication_decisions": len(published),
            "procedures_published": len(items),
            "workflow_decisions": len(workflow_decisions),
            "workflows_approved": len(workflows),
            "procedures_publicized": len(publicized_rows),
            "dossiers_received": int(stats["received"].sum()),
            "dossiers_resolved": int(stats["resolved"].sum()),
            "dossiers_in_progress": int(stats["in_progress"].sum()),
            "dossiers_online": int(stats["received_online"].sum()),
        },
        "provenance": {
            "publication_decisions": {"runs": runs(published), "records": decision_ids},
            "procedures_published": {"runs": runs(items), "records": decision_ids},
            "workflow_decisions": {
                "runs": runs(workflow_decisions),
                "records": sorted(workflow_decisions["decision_id"]),
            },
            "workflows_approved": {
                "runs": runs(workflows),
                "records": sorted(set(workflows["decision_id"])),
            },
            "procedures_publicized": {
                "runs": runs(in_period_national),
                "records": sorted(in_period_national["decision_id"]),
            },
            **{
                f: {"runs": runs(stats), "records": sorted(stats["agency_name"])}
                for f in FIGURES
                if f.startswith("dossiers_")
            },
        },
        "classified": classified.assign(province_code=province),
        "unmatched": unmatched.assign(province_code=province),
        "findings": dossier_findings(conn, province, period, stats) if end < as_of else [],
        "timeliness": timeliness.assign(province_code=province)[
            [
                "province_code",
                "decision_id",
                "number_raw",
                "signed_date",
                "basis_effective_date",
                "lead_working_days",
                "published_in_time",
            ]
        ],
    }


def _timeliness(decisions: pd.DataFrame, lead: int) -> dict[str, Any]:
    """Decree 63: was each publication decision signed ``lead`` working days before the
    underlying legal document took effect?"""
    known = decisions["published_in_time"].dropna()
    return {
        "lead_working_days": lead,
        "on_time": int(known.astype(bool).sum()),
        "late": int((~known.astype(bool)).sum()),
        "unknown": int(decisions["published_in_time"].isna().sum()),
        "late_decisions": _records(decisions[decisions["published_in_time"].eq(False)]),
    }


def dossier_findings(
    conn: Connection, province: str, period: str, stats: pd.DataFrame
) -> list[dict[str, Any]]:
    """Form 06 checks an auditor makes: the identities per agency (a row that breaks one is
    held in quarantine and listed here) and on the province's totals, and carry-over: what
    this period received from the last one equals what the last one left in progress (per
    agency)."""
    findings = []
    totals = stats.select_dtypes("number").sum()
    for name, (total, parts) in {
        "received = resolved + in progress": ("received", ["resolved", "in_progress"]),
        "resolved = early + on time + late": (
            "resolved",
            ["resolved_early", "resolved_on_time", "resolved_late"],
        ),
        "in progress = within time + overdue": (
            "in_progress",
            ["in_progress_within_time", "in_progress_overdue"],
        ),
    }.items():
        if not stats.empty and totals[total] != totals[parts].sum():
            findings.append(
                {
                    "province": province,
                    "check": name,
                    "agency": None,
                    "detail": f"{totals[total]} != {totals[parts].sum()}",
                }
            )
    held = conn.execute(
        select(quarantine.c.row_key, quarantine.c.reasons_json).where(
            quarantine.c.dataset == "dossier_stats",
            quarantine.c.released_run_id.is_(None),
            quarantine.c.row_key.startswith(f"{province}|{period}|"),
        )
    )
    for key, reasons in held:  # rows held back: their agency's identities did not hold
        findings.extend(
            {
                "province": province,
                "check": r["reason"],
                "agency": key.split("|")[2],
                "detail": "row held back in quarantine",
            }
            for r in json.loads(reasons)
        )
    before = period_before(period)
    previous = _frame(
        conn,
        select(dossier_stats.c.agency_name, dossier_stats.c.in_progress).where(
            dossier_stats.c.province_code == province, dossier_stats.c.period == before
        ),
    )
    if previous.empty:
        if not stats.empty:
            findings.append(
                {
                    "province": province,
                    "check": "carry-over",
                    "agency": None,
                    "detail": f"no statistics for {before} in the mirror to compare",
                }
            )
        return findings
    joined = stats.merge(previous, on="agency_name", how="outer", suffixes=("", "_before"))
    for row in joined.itertuples(index=False):
        if pd.isna(row.carried_over) or pd.isna(row.in_progress_before):
            continue
        if int(row.carried_over) != int(row.in_progress_before):
            findings.append(
                {
                    "province": province,
                    "check": "carry-over",
                    "agency": row.agency_name,
                    "detail": f"carried over {int(row.carried_over)} in {period}, but "
                    f"{int(row.in_progress_before)} were in progress at the end of {before}",
                }
            )
    return findings


def _merge_provenance(parts: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    return {k: sorted({v for p in parts for v in p[k]}) for k in ("runs", "records")}


def _records(df: pd.DataFrame) -> list[dict[str, Any]]:
    def plain(v: Any) -> Any:
        if v is None or (not isinstance(v, str) and pd.isna(v)):
            return None
        if isinstance(v, date):
            return v.isoformat()
        return v.item() if hasattr(v, "item") else v

    return [{k: plain(v) for k, v in row.items()} for row in df.to_dict("records")]
