"""Airflow tasks around the step runner, so the DAG files read like configuration.

Only ``airflow.sdk`` is imported at module level: pandas, SQLAlchemy and Great Expectations are
imported inside the tasks, so parsing a DAG touches no network, no database and nothing heavy.
Between tasks only a small ``RunRef`` dict travels through XCom; data stays in the run's
landing and staging folders.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, Param, get_current_context, task

log = logging.getLogger(__name__)

PUBLICATIONS_ASSET = Asset("tthc://mirror/publications")
DOSSIER_STATS_ASSET = Asset("tthc://mirror/dossier_stats")
RECONCILIATION_ASSET = Asset("tthc://mirror/reconciliation")

PROVINCE_PARAM = Param(
    "06",
    type="string",
    pattern=r"^\d{2}$",
    description="2-digit province code, as configured in tthc.toml",
)
PERIOD_PARAM = Param(
    "",
    type="string",
    pattern=r"^(\d{4}-Q[1-4])?$",
    description="Reporting period, e.g. 2020-Q2; empty = the last full quarter",
)


def default_args(retries: int = 2) -> dict[str, Any]:
    return {
        "owner": "tthc-data-engineering",
        "retries": retries,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "on_failure_callback": record_failure,
    }


def _settings():
    from tthc.settings import get_settings

    return get_settings()


def _run_ref(run: dict[str, Any]):
    from tthc.pipeline import RunRef

    return RunRef(**run)


def _period(params: dict[str, Any], context: dict[str, Any]) -> str:
    from reconcile.calendar import previous_period

    if params.get("period"):
        return params["period"]
    dag_run = context["dag_run"]
    return previous_period((dag_run.logical_date or dag_run.run_after).date())


@task
def begin_run(kind: str) -> dict[str, Any]:
    """Open a run in the mirror's ledger and name its folders."""
    from tthc import pipeline

    context = get_current_context()
    params = context["params"]
    period = _period(params, context) if kind == "dossier-stats" else None
    run = pipeline.new_run(
        kind, province=params.get("province"), period=period, orchestrator_run_id=context["run_id"]
    )
    pipeline.begin(_settings(), run)
    return run.to_dict()


@task
def extract(run: dict[str, Any]) -> dict[str, Any]:
    from tthc import pipeline

    return pipeline.extract(_settings(), _run_ref(run)).to_dict()


@task
def transform(run: dict[str, Any]) -> dict[str, Any]:
    from tthc import pipeline

    return pipeline.transform(_settings(), _run_ref(run)).to_dict()


@task
def validate(run: dict[str, Any]) -> dict[str, Any]:
    from tthc import pipeline

    return pipeline.validate(_settings(), _run_ref(run)).to_dict()


@task
def load(run: dict[str, Any]) -> dict[str, Any]:
    """Load in one transaction and close the run in the ledger with its summary."""
    from tthc import pipeline

    ref = _run_ref(run)
    result = pipeline.finish(
        _settings(), ref, pipeline.summary(ref, pipeline.load(_settings(), ref))
    )
    log.info("run %s loaded: %s", ref.run_id, result["datasets"])
    return result


@task
def reconcile_period() -> dict[str, Any]:
    from tthc import pipeline

    context = get_current_context()
    params = context["params"]
    result = pipeline.reconcile(
        _settings(),
        params["province"],
        _period(params, context),
        orchestrator_run_id=context["run_id"],
    )
    if result["status"] != "success":
        raise RuntimeError(result["error"])
    return {**result, "province": params["province"], "period": _period(params, context)}


@task
def write_reports(reconciled: dict[str, Any]) -> list[str]:
    """The quarterly report in every format, under ``<reports_dir>/<province>/<period>/``."""
    from tthc.reports import write_quarterly_reports

    return [
        str(p)
        for p in write_quarterly_reports(_settings(), reconciled["province"], reconciled["period"])
    ]


def record_failure(context: dict[str, Any]) -> None:
    """Failure callback: the ledger says which task failed and why, not just 'running'."""
    from tthc import pipeline

    run = context["ti"].xcom_pull(task_ids="begin_run")
    if not run:
        return
    error = f"task {context['ti'].task_id} failed: {context.get('exception')!r}"
    ref = _run_ref(run)
    pipeline.finish(_settings(), ref, pipeline.summary(ref, None, error))
