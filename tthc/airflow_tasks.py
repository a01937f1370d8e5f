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
from zoneinfo import ZoneInfo

from airflow.sdk import (
    Asset,
    ExceptionRetryPolicy,
    Param,
    RetryAction,
    RetryRule,
    get_current_context,
    task,
)

log = logging.getLogger(__name__)
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# Each sync's events carry one partition per (province, period) whose data it changed,
# "06|2020-Q2": the reconciliation runs once for each, on exactly that period.
PUBLICATIONS_ASSET = Asset("tthc://mirror/publications")
DOSSIER_STATS_ASSET = Asset("tthc://mirror/dossier_stats")
RECONCILIATION_ASSET = Asset("tthc://mirror/reconciliation")
SYNCED_ASSETS = {"publications": PUBLICATIONS_ASSET, "dossier-stats": DOSSIER_STATS_ASSET}

# Types that admit null: the trigger form leaves them optional (empty = the default below).
PROVINCE_PARAM = Param(
    None,
    type=["null", "string"],
    pattern=r"^(\d{2})?$",
    description="2-digit province code as configured in tthc.toml; empty = every synced one",
)
ANNEX_PARAM = Param(
    None,
    type=["null", "array"],
    items={"type": "string"},
    description="Annex files or folders (paths or fsspec URLs) to read besides the province's "
    "configured annex_sources; files loaded before are skipped; empty = none",
)
PERIOD_PARAM = Param(
    None,
    type=["null", "string"],
    pattern=r"^(\d{4}-Q[1-4])?$",
    description="Reporting period, e.g. 2020-Q2; empty = the last full quarter",
)

# Retrying cannot change a source's 4xx ("no such period") or a period with nothing synced:
# those fail in one attempt, with their message; everything else retries with backoff.
FAIL_AT_ONCE = ExceptionRetryPolicy(
    rules=[
        RetryRule(
            exception="tthc.failures.Permanent",  # a leaf module: nothing heavy at parse time
            action=RetryAction.FAIL,
            reason="retrying cannot change this failure (a 4xx, a period with nothing synced)",
        )
    ]
)


def default_args(retries: int = 2) -> dict[str, Any]:
    return {
        "owner": "tthc-data-engineering",
        "retries": retries,
        "retry_delay": timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "max_retry_delay": timedelta(minutes=30),
        "retry_policy": FAIL_AT_ONCE,
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
    when = (dag_run.logical_date or dag_run.run_after).astimezone(VIETNAM)
    return previous_period(when.date())  # by Vietnam's calendar: 00:00 on 1 April is Q2 there


@task
def provinces_to_sync() -> list[str]:
    """The province asked for, or every province configured as synced: one mapped run each, so
    one province's failure does not stop the others."""
    return _provinces(get_current_context()["params"])


def _provinces(params: dict[str, Any]) -> list[str]:
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
    """Load in one transaction, close the run in the ledger with its summary, and publish the
    periods it changed as partitions of the sync's asset. Rows held back are a warning here
    and a note on the DAG run (``tthc.airflow_listener``)."""
    from loaders.db import make_engine
    from reconcile.periods import touched_periods
    from tthc import pipeline

    ref, settings = _run_ref(run), _settings(run["province"])
    result = pipeline.finish(settings, ref, pipeline.summary(ref, pipeline.load(settings, ref)))
    log.info("run %s loaded: %s", ref.run_id, result["datasets"])
    if held := held_rows(result):
        log.warning(
            "run %s held %d rows in quarantine (%s); see %s",
            ref.run_id,
            sum(held.values()),
            ", ".join(f"{name} {n}" for name, n in held.items()),
            validation_url(ref.run_id),
        )
    _emit_lineage(settings, ref)
    with make_engine(settings.mirror_url).connect() as conn:
        periods = touched_periods(conn, settings.rules, ref.province, ref.run_id)
    events = get_current_context()["outlet_events"][SYNCED_ASSETS[ref.kind]]
    events.extra = {"province": ref.province, "run_id": ref.run_id, "periods": periods}
    if periods:
        events.add_partitions([f"{ref.province}|{period}" for period in periods])
    return {**result, "province": ref.province, "periods": periods}


def _emit_lineage(settings, ref) -> None:
    """The run's sources and tables to OpenLineage, when its provider is installed and
    configured; lineage is a report on the load, so its failure is logged, not raised."""
    from tthc import lineage, pipeline

    try:
        inputs, outputs = lineage.run_datasets(
            pipeline.landing(settings, ref), ref.kind, settings.mirror_url
        )
        lineage.emit(inputs, outputs)
    except Exception:
        log.exception("run %s: lineage not emitted", ref.run_id)


def held_rows(result: dict[str, Any]) -> dict[str, int]:
    """Rows a run's summary says were held in quarantine, per dataset."""
    return {n: c["quarantined"] for n, c in result["datasets"].items() if c.get("quarantined")}


def validation_url(run_id: str) -> str:
    """The run's validation page in the Airflow UI (the plugin's ``/tthc`` app)."""
    from airflow.sdk.configuration import conf

    base = conf.get("api", "base_url", fallback="") or ""
    return f"{base.rstrip('/')}/tthc/validation/{run_id}"


@task
def periods_to_reconcile() -> list[dict[str, str]]:
    """What to reconcile: the partition a sync published (``06|2020-Q2``), else the params
    (empty province: every synced one; empty period: the last full quarter)."""
    context = get_current_context()
    if key := context["dag_run"].partition_key:
        province, period = key.split("|")
        return [{"province": province, "period": period}]
    params = context["params"]
    return [{"province": p, "period": _period(params, context)} for p in _provinces(params)]


@task(map_index_template="{{ target['province'] }} {{ target['period'] }}")
def reconcile_period(target: dict[str, str]) -> dict[str, Any]:
    """Reconcile one province's period, store the result under a ledger run, and write the
    report as JSON for ``write_reports`` to render (computed once). A period with nothing
    synced fails, saying so."""
    from loaders.db import open_mirror
    from reconcile.run import reconcile
    from tthc.reports import write_quarterly_reports

    context = get_current_context()
    province, period = target["province"], target["period"]
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


@task.sensor(poke_interval=6 * 3600, timeout=120 * 86400, mode="reschedule")
def quarter_reconciled():
    """Done once every synced province (or the one asked for) has a successful reconciliation
    of the quarter before the run's date in the ledger; until then it waits, holding no
    worker slot between looks."""
    from airflow.sdk import PokeReturnValue

    from loaders import ledger
    from loaders.db import open_mirror

    context = get_current_context()
    period = _period({}, context)
    with open_mirror(_settings().mirror_url).connect() as conn:
        missing = [
            p
            for p in _provinces(context["params"])
            if not ledger.last_success(conn, "reconcile", ledger.scope_of(p, period))
        ]
    if missing:
        log.info("%s not reconciled yet for provinces %s", period, ", ".join(missing))
    return PokeReturnValue(is_done=not missing, xcom_value={"period": period, "missing": missing})


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
