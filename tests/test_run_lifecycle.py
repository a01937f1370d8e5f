"""What is left behind when runs are killed, terminated, or meet a mirror that is not ready; and
that locks follow the mirror, not the checkout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import inspect, select

from loaders.db import make_engine, upgrade
from loaders.locks import RunLocked, lock_dir, run_lock
from loaders.schema import run_ledger
from loaders.staging import STAGING_PREFIX
from simulator.server import FaultRule, Faults, SimulatorServer
from tests.helpers import DATASET, ROOT, make_settings, sync
from tthc.cli import main


def _env(tmp_path, url: str, mirror: str) -> dict[str, str]:
    return {
        **os.environ,
        "TTHC_HOME": str(tmp_path),
        "TTHC_PROVINCE_FEED_URL": url,
        "TTHC_NATIONAL_PORTAL_URL": url,
        "TTHC_NATIONAL_RATE_LIMIT_PER_S": "0",
        "TTHC_MIRROR_URL": mirror,
        "TTHC_HTTP_TIMEOUT_S": "30",
    }


def _ledger(url: str) -> dict[str, tuple[str, str | None]]:
    with make_engine(url).connect() as conn:
        rows = conn.execute(select(run_ledger.c.run_id, run_ledger.c.status, run_ledger.c.error))
        return {r.run_id: (r.status, r.error) for r in rows}


def _start_sync(tmp_path, server, mirror: str) -> subprocess.Popen:
    """``tthc sync publications --json`` in a process of its own, stuck on a slow source."""
    server.simulator.faults = Faults(
        FaultRule(service="decision_publishment_advanced_search_service_v2", delay_s=20)
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tthc.cli", "sync", "publications", "--province", "06", "--json"],
        cwd=ROOT,
        env=_env(tmp_path, server.url, mirror),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        if any(status == "running" for status, _ in _ledger(mirror).values()):
            time.sleep(1.0)  # well into its extract
            return proc
    proc.kill()
    raise AssertionError("the sync never started")


@pytest.fixture
def mirror(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    return url


def _staging_tables(url: str) -> list[str]:
    return [n for n in inspect(make_engine(url)).get_table_names() if n.startswith(STAGING_PREFIX)]


def test_a_killed_run_is_closed_as_abandoned_by_the_next_run_of_its_scope(tmp_path, mirror):
    with SimulatorServer(DATASET) as server:
        proc = _start_sync(tmp_path, server, mirror)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        (killed,) = _ledger(mirror)
        assert _ledger(mirror)[killed][0] == "running"
        # Its staging tables, as a run killed after validation leaves them.
        from loaders.staging import staging_table

        with make_engine(mirror).begin() as conn:
            conn.exec_driver_sql(
                f'CREATE TABLE "{staging_table(killed, "province_items")}" (x int)'
            )
        server.simulator.faults = Faults()
        result = sync(make_settings(tmp_path, server.url, mirror), province="06")
    status, error = _ledger(mirror)[killed]
    assert status == "abandoned" and result["run_id"] in error
    assert _staging_tables(mirror) == []
    assert list(lock_dir(make_engine(mirror)).glob("run_*.lock")) == []  # gone with their runs


def test_a_running_run_is_not_taken_for_abandoned(tmp_path, mirror):
    with SimulatorServer(DATASET) as server:
        proc = _start_sync(tmp_path, server, mirror)
        try:
            (working,) = _ledger(mirror)
            server.simulator.faults = Faults()
            sync(
                make_settings(tmp_path, server.url, mirror),
                "dossier-stats",
                province="06",
                period="2020-Q2",
            )
            from tthc.pipeline import begin, new_run

            begin(
                make_settings(tmp_path, server.url, mirror), new_run("publications", province="06")
            )
            assert _ledger(mirror)[working][0] == "running"
        finally:
            proc.kill()
            proc.wait()


def test_sigterm_closes_the_run_as_failed_and_prints_its_summary(tmp_path, mirror):
    with SimulatorServer(DATASET) as server:
        proc = _start_sync(tmp_path, server, mirror)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 1
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "failed" and "SIGTERM" in summary["error"]
    assert _ledger(mirror)[summary["run_id"]] == ("failed", summary["error"])


def test_a_mirror_never_migrated_is_not_created_by_a_read_and_says_what_to_do(
    tmp_path, monkeypatch, capsys
):
    path = tmp_path / "var" / "mirror.sqlite"
    monkeypatch.setenv("TTHC_MIRROR_URL", f"sqlite:///{path}")
    from tthc.settings import get_settings

    get_settings.cache_clear()
    for command in (
        ["mirror", "stats"],
        ["report", "quarterly", "--province", "06", "--period", "2020-Q2"],
    ):
        assert main(command) == 2
        assert "run `tthc db upgrade`" in capsys.readouterr().err
    assert not path.exists() and not path.parent.exists()
    get_settings.cache_clear()


def test_a_mirror_at_an_old_schema_fails_the_run_saying_what_to_do(tmp_path, mirror_url):
    from alembic import command

    from loaders.db import alembic_config

    engine = make_engine(mirror_url)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "0009")
    settings = make_settings(tmp_path, "http://127.0.0.1:9", mirror_url)
    result = sync(settings, province="06", expect="failed")
    assert "schema revision 0009" in result["error"] and "tthc db upgrade" in result["error"]


def test_sync_json_prints_its_summary_when_the_database_is_down(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TTHC_HOME", str(tmp_path))
    monkeypatch.setenv("TTHC_MIRROR_URL", "postgresql+psycopg://tthc:s3cret-pw@127.0.0.1:1/mirror")
    from tthc.settings import get_settings

    get_settings.cache_clear()
    assert main(["sync", "dossier-stats", "--province", "06", "--period", "2020-Q2", "--json"]) == 1
    out = capsys.readouterr().out
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["status"] == "failed" and "OperationalError" in summary["error"]
    assert "s3cret-pw" not in out
    get_settings.cache_clear()


HOLD = """
import sys, time
from loaders.db import make_engine
from loaders.locks import run_lock
with run_lock(make_engine(sys.argv[1]), ["province:06"], "run-A"):
    print("held", flush=True)
    time.sleep(30)
"""


def test_locks_follow_the_mirror_not_the_checkout(tmp_path):
    first, second = (f"sqlite:///{tmp_path / name / 'mirror.sqlite'}" for name in ("a", "b"))
    for url in (first, second):
        upgrade(make_engine(url))
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLD), first],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(RunLocked):
            with run_lock(make_engine(first), ["province:06"], "run-B"):
                pass
        with run_lock(make_engine(second), ["province:06"], "run-C"):  # another mirror: free
            pass
    finally:
        holder.kill()
        holder.wait()
    assert lock_dir(make_engine(first)) == tmp_path / "a" / "mirror.sqlite.locks"
    assert (lock_dir(make_engine(first)) / "province_06.lock").exists()


def test_a_run_whose_outcome_cannot_be_recorded_still_says_so(tmp_path, mirror, monkeypatch):
    """The database fails as the run ends: the summary still comes back (failed, saying the
    ledger could not record it), with what the run did."""
    from tthc import pipeline

    def down(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(pipeline, "finish", down)
    with SimulatorServer(DATASET) as server:
        settings = make_settings(tmp_path, server.url, mirror)
        result = sync(settings, "dossier-stats", expect="failed", province="06", period="2020-Q2")
    assert "the ledger could not record the outcome" in result["error"]
    assert result["datasets"]["dossier_stats"]["extracted"] == 31
