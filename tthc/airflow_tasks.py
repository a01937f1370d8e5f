"""Airflow tasks around the step runner, so the DAG files show only their flow.

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
    "",
    type="string",
    pattern=r"^(\d{2})?$",
    description="2-digit province code as configured in tthc.toml; empty = every synced one",
)
ANNEX_PARAM = Param(
    [],
    type="array",
    items={"type": "string"},
    description="Annex files or folders (paths or fsspec URLs) to read besides the province's "
    "configured annex_sources; files loaded before are skipped",
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


def _settings(province: str | None = None):
    from tthc.airflow_settings import settings_from_airflow

    return settings_from_airflow([province] if province else None)


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
def provinces_to_sync() -> list[str]:
    """The province asked for, or every province configured as synced: one mapped run each, so
    one province's failure does not stop the others."""
    params = get_current_context()["params"]
    if params.get("province"):
        return [params["province"]]
    return sorted(code for code, p in _settings().provinces.items() if p.synced)


@task(map_index_template="{{ province }}")
def begin_run(kind: str, province: str) -> dict[str, Any]:
    """Open a run in the mirror's ledger and name its folders."""
    from tthc import datasets, pipeline

    context = get_current_context()
    params = context["params"]
    run = pipeline.new_run(
        kind,
        province=province,
        period=_period(params, context) if datasets.kind(kind).needs_period else None,
        orchestrator_run_id=context["run_id"],
        annex_sources=params.get("annex"),
    )
    pipeline.begin(_settings(province), run)
    return run.to_dict()


@task
def extract(run: dict[str, Any]) -> dict[str, Any]:
    from tthc import pipeline

    return pipeline.extract(_settings(run["province"]), _run_ref(run)).to_dict()


@task
def transform(run: dict[str, Any]) -> dict[str, Any]:
    from tthc import pipeline

    return pipeline.transform(_settings(run["province"]), _run_ref(run)).to_dict()


@task
def validate(run: dict[str, Any]) -> dict[str, Any]:
    from tthc import pipeline

    return pipeline.validate(_settings(run["province"]), _run_ref(run)).to_dict()


@task
def load(run: dict[str, Any]) -> dict[str, Any]:
    """Load in one transaction and close the run in the ledger with its summary."""
    from tthc import pipeline

    ref, settings = _run_ref(run), _settings(run["province"])
    result = pipeline.finish(settings, ref, pipeline.summary(ref, pipeline.load(settings, ref)))
    log.info("run %s loaded: %s", ref.run_id, result["datasets"])
    return result


@task(map_index_template="{{ province }}")
def reconcile_period(province: str) -> dict[str, Any]:
    """Reconcile the province's period, store the result under a ledger run, and write the
    report as JSON for ``write_reports`` to render (computed once)."""
    from loaders.db import open_mirror
    from reconcile.run import reconcile
    from tthc.reports import write_quarterly_reports

    context = get_current_context()
    period = _period(context["params"], context)
    settings = _settings(province)
    engine = open_mirror(settings.mirror_url)
    result, report = reconcile(
        engine, settings.rules, province, period, orchestrator_run_id=context["run_id"]
    )
    if report is None:
        raise RuntimeError(result["error"])
    (written,) = write_quarterly_reports(settings, report, ("json",))
    return {**result, "province": province, "period": period, "report": str(written)}


@task
def write_reports(reconciled: dict[str, Any]) -> list[str]:
    """The reconciled report in the other formats, beside its JSON under
    ``<reports_dir>/<province>/<period>/``."""
    import json
    from pathlib import Path

    from tthc.reports import write_quarterly_reports

    report = json.loads(Path(reconciled["report"]).read_text(encoding="utf-8"))
    written = write_quarterly_reports(
        _settings(reconciled["province"]), report, ("html", "xlsx", "csv")
    )
    return [reconciled["report"], *map(str, written)]


def record_failure(context: dict[str, Any]) -> None:
    """Failure callback: the ledger says which task failed and why, not just 'running'."""
    from tthc import pipeline

    ti = context["ti"]
    run = ti.xcom_pull(task_ids="begin_run", map_indexes=ti.map_index)
    if not run:
        return
    error = f"task {ti.task_id} failed: {context.get('exception')!r}"
    ref = _run_ref(run)
    pipeline.finish(_settings(ref.province), ref, pipeline.summary(ref, None, error))
