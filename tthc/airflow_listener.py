"""A note on each sync's DAG run that held rows back: how many, where, and a link to each
run's validation page, so a run that quarantined rows does not look as clean as one that did
not. Registered by the plugin (``tthc.airflow_plugin``).

A task cannot write notes (workers have no database access and the execution API has no such
call), so this listener does it in the scheduler, where DAG runs finish: it reads the load
tasks' summaries from XCom and sets the note in the scheduler's own session (a second session
would wait on the scheduler's write lock under SQLite); a run in no session (``dag.test()``)
gets one of its own."""

from __future__ import annotations

import logging
from typing import Any

from airflow.listeners import hookimpl
from sqlalchemy.orm import object_session

log = logging.getLogger(__name__)
SYNC_DAGS = frozenset({"tthc_publications_sync", "tthc_dossier_stats_sync"})
NOTE_LIMIT = 1000  # what Airflow keeps of a note


def held_note(summaries: list[dict[str, Any]]) -> str | None:
    """The note for a DAG run whose load tasks returned ``summaries``, or None if nothing was
    held (Markdown, as the Airflow UI shows notes)."""
    from tthc.airflow_tasks import held_rows, validation_url

    lines = []
    for summary in summaries:
        if held := held_rows(summary):
            parts = ", ".join(f"{name} {n}" for name, n in held.items())
            lines.append(
                f"- province {summary.get('province')}: {sum(held.values())} rows held in "
                f"quarantine ({parts}): [validation]({validation_url(summary['run_id'])})"
            )
    if not lines:
        return None
    total = len(lines)
    note = f"**Rows held back by validation** in {total} run(s):\n" + "\n".join(lines)
    return note if len(note) <= NOTE_LIMIT else note[: NOTE_LIMIT - 1] + "…"


def _note_held_rows(dag_run) -> None:
    if dag_run.dag_id not in SYNC_DAGS:
        return
    session = object_session(dag_run)
    if session is not None:  # the scheduler's: the note goes out with its own commit
        _note(session, dag_run)
        return
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as own:  # a run detached from any session (``dag.test()``)
        _note(own, own.get(DagRun, dag_run.id))


def _note(session, dag_run) -> None:
    from airflow.models.xcom import XComModel

    rows = session.scalars(
        XComModel.get_many(
            run_id=dag_run.run_id, dag_ids=dag_run.dag_id, task_ids="load", key="return_value"
        )
    )
    summaries = [XComModel.deserialize_value(row) for row in rows]
    if note := held_note([s for s in summaries if isinstance(s, dict)]):
        dag_run.note = note


@hookimpl
def on_dag_run_success(dag_run, msg: str) -> None:
    _note_held_rows(dag_run)


@hookimpl
def on_dag_run_failed(dag_run, msg: str) -> None:
    _note_held_rows(dag_run)  # one province may have failed while another held rows
