"""Engines and migrations for the mirror."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"


@lru_cache(maxsize=32)
def make_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL for the life of the process."""
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _session(dbapi_connection, _record) -> None:
            # Loads stage rows in temporary tables, which live in temp_buffers (8 MB by
            # default): a million staged rows would go to disk and back page by page. Must be
            # set before a session's first temporary table; unused sessions allocate nothing.
            dbapi_connection.autocommit = True  # outside a transaction a rollback would undo
            dbapi_connection.execute("SET temp_buffers = '256MB'")
            dbapi_connection.autocommit = False

    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")  # readers do not block the loading run
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    """Migrate the mirror to the latest schema (``tthc db upgrade``)."""
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
