"""A reconciliation run: the quarterly report computed once from the mirror, its classified
items stored under a run of the ledger (``reconciliation_items``), and the report returned,
for whoever renders it (the CLI, the DAG's report task) to render that same result."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from loaders import ledger, schema
from loaders.upsert import write_rows
from reconcile.coverage import NothingSynced
from reconcile.quarterly import quarterly_report
from reconcile.rules import Rules

log = logging.getLogger(__name__)
DATE_COLUMNS = ("signed_date", "deadline", "publicized_date")


def reconcile(
    engine: Engine,
    rules: Rules,
    province: str,
    period: str,
    as_of: date | None = None,
    orchestrator_run_id: str | None = None,
    include_predecessors: bool = False,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """The run's summary (with the classes' counts) and the report (None if it failed). A
    period with nothing synced raises ``NothingSynced`` once the ledger has recorded it."""
    run_id = ledger.new_run_id("reconcile")
    scope = ledger.scope_of(province, period)
    ledger.start_run(engine, run_id, "reconcile", scope, orchestrator_run_id)
    stored = [
        c.name for c in schema.reconciliation_items.columns if c.name not in ("run_id", "period")
    ]
    report, failure = None, None
    try:
        with engine.begin() as conn:
            report = quarterly_report(conn, rules, province, period, as_of, include_predecessors)
            rows = pd.DataFrame(report["reconciliation"]["items"], columns=stored)
            for column in DATE_COLUMNS:
                rows[column] = pd.to_datetime(rows[column])
            write_rows(conn, schema.reconciliation_items, rows.assign(run_id=run_id, period=period))
        result = ledger.run_summary(run_id) | {"classes": report["reconciliation"]["classes"]}
    except Exception as exc:  # the ledger must say why; the caller still sees the failure
        log.exception("reconciliation %s failed", run_id)
        report, result = None, ledger.run_summary(run_id, error=f"{type(exc).__name__}: {exc}")
        failure = exc
    ledger.finish_run(engine, run_id, result)
    if isinstance(failure, NothingSynced):
        raise failure  # not a failed computation: nothing to compute, which the caller must say
    return result, report
