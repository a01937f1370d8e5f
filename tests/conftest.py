"""Shared fixtures (helpers that are not fixtures are in ``tests/helpers.py``). Airflow reads
its environment once, at first import: it is set here, before any test imports it."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.helpers import DATASET, ROOT
from tthc.demo import airflow_env  # imports no Airflow

os.environ.update(airflow_env(ROOT / "var" / "test-airflow", ROOT / "dags"))


@pytest.fixture
def simulator():
    from simulator.server import SimulatorServer

    with SimulatorServer(DATASET) as server:
        yield server


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
