"""Reads of the mirror for people: validation results and table counts."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from loaders.ledger import latest_run_id
from loaders.schema import DATA_TABLES, quarantine, run_ledger, validation_results
from transforms.text import clean_record_text
from tthc.datasets import SYNC_KINDS
from tthc.settings import Settings


def write_validation_page(conn: Connection, settings: Settings, run_id: str) -> Path | None:
    """The run's validation page, and the same as ``index.html`` (the latest run)."""
    from reconcile.render import validation_html

    report = validation_report(conn, settings, run_id)
    if not report["suites"]:
        return None  # the run stopped before validating anything
    folder = settings.validation_pages_dir
    folder.mkdir(parents=True, exist_ok=True)
    docs = report["data_docs_index"]
    page = validation_html(report, os.path.relpath(docs, folder) if docs else None)
    path = folder / f"{run_id}.html"
    path.write_text(page, encoding="utf-8")
    (folder / "index.html").write_text(page, encoding="utf-8")
    return path


def mirror_stats(conn: Connection) -> dict[str, int]:
    return {t.name: conn.scalar(select(func.count()).select_from(t)) for t in DATA_TABLES}


def validation_report(conn: Connection, settings: Settings, run_id: str | None) -> dict[str, Any]:
    """A run's suites with per-expectation results, its quarantined rows and the Data Docs."""
    run_id = run_id or latest_run_id(conn, SYNC_KINDS)
    if run_id is None:
        raise ValueError("no sync has run yet: nothing was validated")
    if conn.scalar(select(run_ledger.c.run_id).where(run_ledger.c.run_id == run_id)) is None:
        raise ValueError(f"no run {run_id!r} in the ledger")
    suites: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        select(validation_results)
        .where(validation_results.c.run_id == run_id)
        .order_by(validation_results.c.suite)
    ):
        suite = suites.setdefault(r.suite, {"name": r.suite, "success": True, "results": []})
        suite["results"].append(
            {
                "expectation": r.expectation,
                "type": r.expectation_type,
                "column": r.column_name,
                "severity": r.severity,
                "success": r.success,
                "unexpected_count": r.unexpected_count,
                "element_count": r.element_count,
                "reason": r.reason,
            }
        )
        suite["success"] &= bool(r.success) or r.severity != "critical"
    quarantined: dict[str, dict[str, Any]] = {}
    for r in conn.execute(
        select(quarantine)
        .where(quarantine.c.run_id == run_id, quarantine.c.released_run_id.is_(None))
        .order_by(quarantine.c.dataset, quarantine.c.row_key)
    ):
        entry = quarantined.setdefault(r.dataset, {"rows": 0, "reasons": {}, "items": []})
        reasons = json.loads(r.reasons_json)
        entry["rows"] += 1
        for reason in reasons:
            entry["reasons"][reason["expectation"]] = (
                entry["reasons"].get(reason["expectation"], 0) + 1
            )
        entry["items"].append(
            {
                "row_key": r.row_key,
                "source_ref": r.source_ref,
                # As received, but printable: a lone surrogate shows as U+FFFD.
                "row": clean_record_text(json.loads(r.row_json))[0],
                "reasons": reasons,
            }
        )
    docs = settings.data_docs_dir / "index.html"
    return {
        "run_id": run_id,
        "suites": list(suites.values()),
        "quarantined": quarantined,
        "data_docs_index": str(docs) if docs.exists() else None,
    }


REPORT_FORMATS = ("json", "html", "xlsx", "csv")


def write_quarterly_reports(
    settings: Settings, report: dict[str, Any], formats: tuple[str, ...] = REPORT_FORMATS
) -> list[Path]:
    """Write a quarterly report in each format under ``<reports_dir>/<province>/<period>/``."""
    from reconcile.render import write_report

    folder = settings.reports_dir / report["province"] / report["period"]
    return [write_report(report, fmt, folder / f"quarterly.{fmt}") for fmt in formats]
