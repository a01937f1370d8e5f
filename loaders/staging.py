"""The staging tables validation fills and the load merges (``loaders.upsert.Stage``): their
names, their clean-up, and the session settings the merge wants.

A run's tables are ``tthc_stage_<hash of the run id>_<dataset>``: short enough for
PostgreSQL's 63-character names whatever the run id, and known to every step from the id alone.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, Engine, MetaData, Table, inspect

from loaders import ledger

STAGING_PREFIX = "tthc_stage_"


def _run_prefix(run_id: str) -> str:
    return f"{STAGING_PREFIX}{hashlib.sha1(run_id.encode()).hexdigest()[:10]}_"


def staging_table(run_id: str, dataset: str) -> str:
    """The table where validation stages a dataset's rows for the load to merge (less those
    it held); dropped by the load, or when the run finishes."""
    return f"{_run_prefix(run_id)}{dataset}"


def drop_staging(engine: Engine) -> list[str]:
    """Drop the staging tables of runs that are not running (loaded, failed, or validated and
    never loaded); return their names."""
    with engine.begin() as conn:
        running = {_run_prefix(r) for r in ledger.running_runs(conn)}
        width = len(_run_prefix(""))  # every run's prefix is as long
        names = [
            n
            for n in inspect(conn).get_table_names()
            if n.startswith(STAGING_PREFIX) and n[:width] not in running
        ]
        for name in names:
            Table(name, MetaData()).drop(conn, checkfirst=True)
    return names


def tune_for_merge(conn: Connection) -> None:
    """For the load's transaction: the merge's hash joins and sorts in memory, not on disk
    (PostgreSQL's 4 MB ``work_mem`` spills a million-row join)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
