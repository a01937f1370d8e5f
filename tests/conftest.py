"""Shared fixtures. Airflow reads its environment once, at first import: set it here first."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).parent / "fixtures" / "national-portal"
DATASET = ROOT / "data" / "bac-kan-2020-q2"

from tthc.demo import airflow_env  # noqa: E402  (imports no Airflow)

os.environ.update(airflow_env(ROOT / "var" / "test-airflow", ROOT / "dags"))

# The figures of the real Q2/2020 report (shared/seed): the bundled dataset must reproduce them.
SEED_FIGURES = {
    "publication_decisions": 14,
    "procedures_published": 207,
    "workflow_decisions": 8,
    "workflows_approved": 93,
    "procedures_publicized": 198,
    "dossiers_received": 58463,
    "dossiers_resolved": 57064,
    "dossiers_in_progress": 1399,
    "dossiers_online": 6687,
}


@pytest.fixture
def simulator():
    from simulator.server import SimulatorServer

    with SimulatorServer(DATASET) as server:
        yield server


def make_settings(home: Path, url: str, mirror_url: str = "", **extra):
    from tthc.settings import Settings

    defaults = {"http_backoff_s": 0.01, "http_retries": 2, "national_rate_limit_per_s": 0}
    return Settings(
        home=home,
        province_feed_url=url,
        national_portal_url=url,
        mirror_url=mirror_url,
        **{**defaults, **extra},
    )


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """PostgreSQL for tests; with TTHC_REQUIRE_PG=1 (CI) a missing server fails, not skips."""
    import sqlalchemy as sa

    url = os.environ.get("TTHC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    try:
        with sa.create_engine(url).connect() as conn:
            conn.execute(sa.text("select 1"))
    except Exception as exc:
        if os.environ.get("TTHC_REQUIRE_PG") == "1":
            pytest.fail(f"PostgreSQL required (TTHC_REQUIRE_PG=1) but unreachable at {url}: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {url}")
    return url


@pytest.fixture
def pg_url(pg_server_url):
    """A fresh schema per test, dropped afterwards."""
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(pg_server_url)
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in pg_server_url else "?"
    yield f"{pg_server_url}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def mirror_url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    return request.getfixturevalue("pg_url")


def assert_rows_accounted_for(result: dict) -> None:
    """Every extracted row of every dataset is inserted, updated, unchanged, quarantined or a
    duplicate (the run summary's own promise, checked from its figures)."""
    for name, c in result["datasets"].items():
        outcomes = ("inserted", "updated", "unchanged", "quarantined", "duplicates")
        assert c["extracted"] == sum(c[k] for k in outcomes), name


def sync_dataset(home: Path, data: Path = DATASET, periods: tuple[str, ...] = ("2020-Q2",)):
    """A fresh SQLite mirror under ``home`` with ``data`` synced through the simulator: the
    publications and the statistics of ``periods``. Returns the settings used."""
    from loaders.db import make_engine, upgrade
    from simulator.server import SimulatorServer
    from tthc import pipeline

    url = f"sqlite:///{home / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    with SimulatorServer(data) as server:
        settings = make_settings(home, server.url, url)
        runs = [pipeline.new_run("publications", province="06")]
        runs += [pipeline.new_run("dossier-stats", province="06", period=p) for p in periods]
        for run in runs:
            result = pipeline.sync(settings, run)
            assert result["status"] == "success", result["error"]
    return settings


@pytest.fixture
def env_settings(monkeypatch, tmp_path):
    """Point the environment (what the CLI and the DAG tasks read) at a simulator URL and a
    home under ``tmp_path``; returns the settings it gives."""
    from tthc.settings import get_settings

    def point(url: str):
        for name, value in {
            "TTHC_HOME": str(tmp_path),
            "TTHC_PROVINCE_FEED_URL": url,
            "TTHC_NATIONAL_PORTAL_URL": url,
            "TTHC_NATIONAL_RATE_LIMIT_PER_S": "0",
        }.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()
        return get_settings()

    yield point
    get_settings.cache_clear()
