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
