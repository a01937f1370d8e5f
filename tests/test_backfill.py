"""A real backfill by reporting period: Airflow's scheduler, DAG processor and API server
(LocalExecutor, SQLite metadata) run `airflow backfill create` over 2020-Q1..Q4 of the
statistics DAG. The mirror must equal four separate runs; each quarter's sync triggers the
reconciliation of that quarter (its asset partition), unpaused from the start, so four reports
come out, each of its own quarter; backfilling again changes nothing and reconciles nothing."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from loaders.db import make_engine, upgrade
from simulator.server import SimulatorServer
from tests.helpers import DATASET, ROOT, make_settings, snapshot, sync

pytestmark = pytest.mark.airflow
DAG = "tthc_dossier_stats_sync"
WINDOW = ["--from-date", "2020-04-01", "--to-date", "2021-01-31"]  # runs on 15 Apr .. 15 Jan


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def airflow(env, *args, check=True) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check and out.returncode:
        raise AssertionError(f"airflow {' '.join(args)}: {out.stderr[-3000:]}")
    return out.stdout


def backfill(env, *extra) -> bool:
    """Ask Airflow for a backfill of the statistics DAG over 2020; true once it is created."""
    out = subprocess.run(
        [sys.executable, "-m", "airflow", "backfill", "create", "--dag-id", DAG, *WINDOW, *extra],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    # Asked again later: a backfill still open, or the SQLite metadata DB busy with the
    # scheduler's own writes (this test's SQLite, not a production metadata database).
    retry = ("AlreadyRunningBackfill", "database is locked")
    if out.returncode and not any(reason in out.stderr for reason in retry):
        raise AssertionError(f"airflow backfill create: {out.stderr[-3000:]}")
    return out.returncode == 0


def backfill_runs(env) -> dict[str, str]:
    out = airflow(env, "dags", "list-runs", DAG, "-o", "json")
    lines = [line for line in out.splitlines() if line.startswith(("[{", "[]"))]  # not logs
    runs = json.loads(lines[-1]) if lines else []
    return {r["run_id"]: r["state"] for r in runs if r["run_id"].startswith("backfill__")}


def wait_for(condition, seconds: float, what: str, seen=None):
    """Poll ``condition`` until it is true, for up to ``seconds`` (generous: a loaded 2-core
    machine runs Airflow's services slowly, not wrongly); on time-out, say what ``seen`` saw."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if result := condition():
            return result
        time.sleep(3)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}; saw {seen and seen()}")


@pytest.fixture
def airflow_services(tmp_path):
    port = free_port()
    with SimulatorServer(DATASET) as simulator:
        env = {
            **os.environ,
            "AIRFLOW_HOME": str(tmp_path / "airflow"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{tmp_path / 'airflow.db'}",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__API_AUTH__JWT_SECRET": "a-test-secret-that-is-long-enough-for-hs512-" * 2,
            "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
            "TTHC_HOME": str(tmp_path / "tthc"),
            "TTHC_MIRROR_URL": f"sqlite:///{tmp_path / 'backfilled.sqlite'}",
            "TTHC_PROVINCE_FEED_URL": simulator.url,
            "TTHC_NATIONAL_PORTAL_URL": simulator.url,
            "TTHC_LOCK_WAIT_S": "120",  # runs of one province wait for each other
        }
        upgrade(make_engine(env["TTHC_MIRROR_URL"]))
        airflow(env, "db", "migrate")
        services = [
            subprocess.Popen(
                [sys.executable, "-m", "airflow", *command],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for command in (["api-server", "--port", str(port)], ["scheduler"], ["dag-processor"])
        ]
        try:
            wait_for(
                lambda: DAG in airflow(env, "dags", "list", check=False),
                120,
                "the DAG to be parsed",
            )
            yield env, simulator
        finally:
            for service in services:
                service.terminate()
            for service in services:
                try:
                    service.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    service.kill()


@pytest.mark.timeout(3000)  # the waits below are generous; a quiet machine takes minutes
def test_a_backfill_by_period_equals_four_runs_and_rerunning_changes_nothing(
    airflow_services, tmp_path
):
    env, simulator = airflow_services
    wait_for(lambda: backfill(env), 300, "the backfill to be created")
    airflow(env, "dags", "unpause", DAG)  # the reconciliation DAG is never unpaused by hand
    runs = wait_for(
        lambda: (
            (r := backfill_runs(env))
            and len(r) == 4
            and all(s in ("success", "failed") for s in r.values())
            and r
        ),
        1200,
        "four backfill runs",
        lambda: backfill_runs(env),
    )
    assert set(runs.values()) == {"success"}, runs
    reports = Path(env["TTHC_HOME"]) / "var" / "reports" / "06"
    quarters = ["2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"]
    wait_for(
        lambda: all((reports / q / "quarterly.html").exists() for q in quarters),
        900,
        "a reconciliation report for each quarter",
        lambda: sorted(p.name for p in reports.iterdir()) if reports.exists() else [],
    )
    received = {}
    for quarter in quarters:
        report = json.loads((reports / quarter / "quarterly.json").read_text(encoding="utf-8"))
        assert report["period"] == quarter
        received[quarter] = report["dossiers_received"]
    assert len(set(received.values())) == 4, received  # each its own quarter's figures
    assert any("rows held in quarantine" in n for n in _notes(tmp_path / "airflow.db")), (
        "a backfill run that held rows carries a note saying so"
    )

    separate = f"sqlite:///{tmp_path / 'separate.sqlite'}"
    upgrade(make_engine(separate))
    settings = make_settings(tmp_path / "separate", simulator.url, separate)
    for quarter in ("2020-Q1", "2020-Q2", "2020-Q3", "2020-Q4"):
        sync(settings, "dossier-stats", province="06", period=quarter)
    backfilled = snapshot(env["TTHC_MIRROR_URL"])
    assert backfilled == snapshot(separate)
    assert len({row[1] for row in backfilled["dossier_stats"]}) == 4  # four periods

    # One backfill per DAG at a time: the first is closed by the scheduler a little after its
    # last run, so ask until Airflow takes the second.
    wait_for(
        lambda: backfill(env, "--reprocess-behavior", "completed"),
        900,
        "the first backfill to close",
        lambda: backfill_runs(env),
    )
    wait_for(
        lambda: (
            (r := backfill_runs(env))
            and all(s == "success" for s in r.values())
            and _reruns_finished(env["TTHC_MIRROR_URL"])
        ),
        1200,
        "the backfill to run again",
        lambda: backfill_runs(env),
    )
    assert snapshot(env["TTHC_MIRROR_URL"]) == backfilled
    assert _reconciliations(env["TTHC_MIRROR_URL"]) == quarters  # none more: nothing changed


def _notes(metadata_db) -> list[str]:
    """The notes on the statistics DAG's runs, from Airflow's metadata database."""
    import sqlite3

    with sqlite3.connect(metadata_db) as db:
        rows = db.execute(
            "SELECT n.content FROM dag_run_note n JOIN dag_run r ON r.id = n.dag_run_id"
            " WHERE r.dag_id = ?",
            (DAG,),
        ).fetchall()
    return [content for (content,) in rows]


def _reconciliations(url: str) -> list[str]:
    """The periods the ledger's successful reconciliation runs covered, in order."""
    from sqlalchemy import select

    from loaders.schema import run_ledger

    with make_engine(url).connect() as conn:
        scopes = conn.scalars(
            select(run_ledger.c.scope).where(
                run_ledger.c.kind == "reconcile", run_ledger.c.status == "success"
            )
        ).all()
    return sorted(scope.split("period=")[1] for scope in scopes)


def _reruns_finished(url: str) -> bool:
    """Eight statistics runs in the ledger, the last four having written nothing."""
    from sqlalchemy import select

    from loaders.schema import run_ledger

    with make_engine(url).connect() as conn:
        rows = conn.execute(
            select(run_ledger.c.status, run_ledger.c.summary)
            .where(run_ledger.c.kind == "dossier-stats", run_ledger.c.scope.like("%period=2020-%"))
            .order_by(run_ledger.c.started_at)
        ).all()
    if len(rows) < 8 or any(r.status != "success" for r in rows):
        return False
    for row in rows[4:]:
        stats = json.loads(row.summary)["datasets"]["dossier_stats"]
        assert stats["inserted"] == stats["updated"] == 0, stats
    return True
