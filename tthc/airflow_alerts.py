"""What a Deadline Alert calls: importable by path, as Airflow's triggerer needs (a function in
a DAG file is not). It logs an error that names the quarter and what to do; a deployment that
wants mail or chat passes a Notifier instead (the DAG's ``deadline=``, see the README)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


async def reconciliation_overdue(days: int, context: dict[str, Any] | None = None) -> str:
    """The deadline passed and the watch's run had not seen every province reconciled."""
    dag_run = (context or {}).get("dag_run") or {}
    message = (
        f"tthc: the quarter before {dag_run.get('logical_date', 'this run')} is not reconciled "
        f"for every synced province {days} days after it ended (DAG run "
        f"{dag_run.get('run_id', '?')}); sync its statistics (`tthc sync dossier-stats "
        "--period …`) or trigger tthc_reconciliation for it"
    )
    log.error(message)
    return message
