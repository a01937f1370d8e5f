"""DAG hygiene, after Airflow's own example-DAG test: every DAG file imports without error, fast,
with no network, no database and no heavy import at parse time; policy checks; and real
``dag.test()`` runs of all three DAGs against the simulator."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.helpers import ROOT, SEED_FIGURES

DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
HEAVY = [
    "pandas",
    "great_expectations",
    "requests",
    "pyarrow",
    "psycopg",
    "tthc.pipeline",
    "expectations.validate",
]


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_fast_with_no_network_db_or_heavy_imports(path: Path):
    # A fresh interpreter, so nothing imported by other tests hides a parse-time import.
    probe = textwrap.dedent(f"""
        import importlib.util, json, socket, sqlite3, sys, time
        def refuse(*a, **k):
            raise RuntimeError("network or database access at DAG parse time")
        socket.socket.connect = refuse
        socket.create_connection = refuse
        sqlite3.connect = refuse
        started = time.perf_counter()
        spec = importlib.util.spec_from_file_location("dag_under_test", {str(path)!r})
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        print(json.dumps({{"seconds": time.perf_counter() - started,
                          "heavy": [m for m in {HEAVY!r} if m in sys.modules]}}))
    """)
    out = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["heavy"] == []
    assert result["seconds"] < 5


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=ROOT / "dags")
    assert bag.import_errors == {}
    return bag


def test_dag_policy(dagbag):
    assert set(dagbag.dags) == {
        "tthc_publications_sync",
        "tthc_dossier_stats_sync",
        "tthc_reconciliation",
        "tthc_reconciliation_watch",
    }
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags and "tthc" in dag.tags, dag_id
        assert dag.doc_md and dag.doc_md.strip(), dag_id
        assert dag.max_active_runs == 1 and dag.catchup is False, dag_id
        assert "province" in dag.params, dag_id
        assert dag.schedule is not None, dag_id  # every DAG runs on its own, not by hand only
        for task in dag.tasks:
            assert task.owner == "tthc-data-engineering", task.task_id
            assert task.retries >= 1, task.task_id
            assert task.on_failure_callback, task.task_id
    assert "tthc://mirror/publications" in str(
        dagbag.dags["tthc_reconciliation"].timetable.asset_condition
    )


@pytest.mark.airflow
def test_the_three_dags_run_end_to_end(simulator, env_settings, dagbag):
    """Real runs (dag.test) on a migrated SQLite metadata DB, against the simulator."""
    from loaders.db import make_engine, upgrade
    from reconcile.quarterly import quarterly_report
    from tthc.demo import migrate_airflow

    migrate_airflow({})
    settings = env_settings(simulator.url)
    upgrade(make_engine(settings.mirror_url))
    conf = {"province": "06", "period": "2020-Q2"}
    for dag_id in ("tthc_publications_sync", "tthc_dossier_stats_sync", "tthc_reconciliation"):
        dag_run = dagbag.dags[dag_id].test(run_conf=conf)
        assert str(dag_run.state).endswith("success"), dag_id
    with make_engine(settings.mirror_url).connect() as conn:
        report = quarterly_report(conn, settings.rules, "06", "2020-Q2")
    assert {k: report[k] for k in SEED_FIGURES} == SEED_FIGURES
    written = settings.reports_dir / "06" / "2020-Q2"
    assert {p.name for p in written.iterdir()} == {
        "quarterly.json",
        "quarterly.html",
        "quarterly.xlsx",
        "quarterly.csv",
    }


@pytest.fixture
def airflow_mirror(simulator, env_settings):
    """Airflow's metadata DB migrated, the environment at the simulator, and a migrated
    mirror; returns the settings."""
    from loaders.db import make_engine, upgrade
    from tthc.demo import migrate_airflow

    migrate_airflow({})
    settings = env_settings(simulator.url)
    upgrade(make_engine(settings.mirror_url))
    return settings


def _serialized_params(dag) -> dict:
    """The params as the trigger form and the REST API see them (the serialized DAG's)."""
    from airflow.serialization.serialized_objects import DagSerialization

    serialized = DagSerialization.from_dict(DagSerialization.to_dict(dag))
    return {name: param.dump() for name, param in serialized.params.items()}, serialized


def test_the_trigger_form_accepts_every_param_empty(dagbag):
    """The form requires a param whose schema type does not admit null: none of ours does,
    since each says what empty means; and a run triggered with nothing given validates."""
    for dag_id, dag in dagbag.dags.items():
        params, serialized = _serialized_params(dag)
        for name, spec in params.items():
            kinds = spec["schema"]["type"]
            assert isinstance(kinds, list) and "null" in kinds, (dag_id, name, kinds)
            assert spec["value"] is None and "empty" in spec["description"], (dag_id, name)
        serialized.params.deep_merge({}).validate()
        serialized.params.deep_merge({"province": "06"}).validate()


def test_the_reconciliation_is_scheduled_by_partition_and_starts_unpaused(dagbag):
    from airflow.sdk import PartitionedAssetTimetable

    dag = dagbag.dags["tthc_reconciliation"]
    assert isinstance(dag.timetable, PartitionedAssetTimetable)
    assert dag.is_paused_upon_creation is False


def _task_instances(dag_run) -> dict[str, list]:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(
                TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id
            )
        ).all()
        out: dict[str, list] = {}
        for ti in tis:
            out.setdefault(ti.task_id, []).append((ti.map_index, str(ti.state), ti.try_number))
    return out


def _asset_events(uri: str) -> list:
    from airflow.models.asset import AssetEvent, AssetModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return [
            (e.partition_key, e.extra)
            for e in session.scalars(
                select(AssetEvent)
                .join(AssetModel, AssetModel.id == AssetEvent.asset_id)
                .where(AssetModel.uri == uri)
            )
        ]


@pytest.mark.airflow
def test_sync_runs_publish_their_periods_note_held_rows_and_4xx_fails_once(
    simulator, airflow_mirror, dagbag
):

    stats = dagbag.dags["tthc_dossier_stats_sync"]
    dag_run = stats.test(run_conf={"province": "06", "period": "2020-Q2"})
    assert str(dag_run.state).endswith("success")
    events = _asset_events("tthc://mirror/dossier_stats")
    assert ("06|2020-Q2", events[-1][1]) == events[-1] and events[-1][1]["periods"] == ["2020-Q2"]

    # A quarter the source does not have: HTTP 404, failed in one attempt, not retried.
    requests_before = simulator.simulator.requests
    dag_run = stats.test(run_conf={"province": "06", "period": "2031-Q1"})
    assert str(dag_run.state).endswith("failed")
    (extract,) = _task_instances(dag_run)["extract"]
    assert extract[1].endswith("failed") and extract[2] == 1, extract
    assert simulator.simulator.requests - requests_before == 1  # no retry of a 404 either

    # The bundled publications hold rows back (2 decisions, 7 annex rows): the run says so.
    dag_run = dagbag.dags["tthc_publications_sync"].test(run_conf={"province": "06"})
    assert str(dag_run.state).endswith("success")
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        note = session.scalar(select(DagRun).where(DagRun.run_id == dag_run.run_id)).note
    assert note and "rows held in quarantine" in note and "/tthc/validation/" in note, note
    keys = {key for key, _ in _asset_events("tthc://mirror/publications")}
    assert {"06|2020-Q1", "06|2020-Q2", "06|2020-Q3"} <= keys  # signed, and publicized in July


@pytest.mark.airflow
def test_reconciling_a_period_with_nothing_synced_fails_once_and_says_so(airflow_mirror, dagbag):
    settings = airflow_mirror
    dag_run = dagbag.dags["tthc_reconciliation"].test(
        run_conf={"province": "06", "period": "2019-Q1"}
    )
    assert str(dag_run.state).endswith("failed")
    (reconciled,) = _task_instances(dag_run)["reconcile_period"]
    assert reconciled[1].endswith("failed") and reconciled[2] == 1, reconciled
    assert not (settings.reports_dir / "06" / "2019-Q1").exists()


def test_the_watch_alerts_when_a_quarter_is_not_reconciled_in_time(dagbag):
    """The Deadline Alert, as the scheduler will read it: N days after the quarter's end, a
    callback the triggerer can import."""
    from airflow.serialization.serialized_objects import DagSerialization

    from tthc.airflow_alerts import reconciliation_overdue

    dag = dagbag.dags["tthc_reconciliation_watch"]
    (alert,) = dag.deadline if isinstance(dag.deadline, list) else [dag.deadline]
    assert alert.interval.days == 30
    assert alert.callback.path == "tthc.airflow_alerts.reconciliation_overdue"
    assert "DAGRUN_LOGICAL_DATE" in str(alert.reference) or "LogicalDate" in str(alert.reference)
    assert DagSerialization.to_dict(dag)["dag"]["deadline"]
    import asyncio

    message = asyncio.run(reconciliation_overdue(30, {"dag_run": {"run_id": "r1"}}))
    assert "not reconciled" in message and "30 days" in message


@pytest.mark.airflow
def test_the_watch_is_done_once_the_quarter_is_reconciled(
    tmp_path, monkeypatch, simulator, env_settings, dagbag
):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from loaders.db import make_engine
    from reconcile.run import reconcile
    from tests.helpers import sync_dataset
    from tthc.demo import migrate_airflow

    migrate_airflow({})
    settings = sync_dataset(tmp_path / "synced")
    monkeypatch.setenv("TTHC_MIRROR_URL", settings.mirror_url)
    env_settings(simulator.url)
    reconcile(make_engine(settings.mirror_url), settings.rules, "06", "2020-Q2")
    dag = dagbag.dags["tthc_reconciliation_watch"]
    dag.deadline = None  # dag.test() of 3.3.2 cannot finish a DAG that has one (see README)
    quarter_over = datetime(2020, 7, 1, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    dag_run = dag.test(logical_date=quarter_over, run_conf={"province": "06"})
    assert str(dag_run.state).endswith("success")
