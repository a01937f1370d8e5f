"""Engines and migrations for the mirror, and the check that a mirror is ready to be used."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).parent / "migrations"


class MirrorNotReady(RuntimeError):
    """The mirror does not exist, or its schema is not the one this code writes."""


@lru_cache(maxsize=32)
def make_engine(url: str) -> Engine:
    """One engine (and connection pool) per URL for the life of the process. Creates nothing:
    a SQLite file is made by ``upgrade`` (``tthc db upgrade``), never by a read."""
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
    """Create the mirror if need be and migrate it to the latest schema (``tthc db upgrade``)."""
    if engine.dialect.name == "sqlite" and engine.url.database:
        Path(engine.url.database).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@lru_cache(maxsize=1)
def head_revision() -> str:
    """The schema revision this code writes (the newest migration)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def open_mirror(url: str) -> Engine:
    """The mirror's engine, once it is known to exist at the schema this code writes; else
    ``MirrorNotReady`` saying what to do. A SQLite file that is not there is not created."""
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    shown = engine.url.render_as_string(hide_password=True)
    database = engine.url.database
    if engine.dialect.name == "sqlite" and database and not Path(database).exists():
        raise MirrorNotReady(f"there is no mirror at {shown}: run `tthc db upgrade` to make it")
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current != head_revision():
        state = "has no schema" if current is None else f"is at schema revision {current}"
        raise MirrorNotReady(
            f"the mirror at {shown} {state}; this code needs {head_revision()}: "
            "run `tthc db upgrade`"
        )
    return engine
