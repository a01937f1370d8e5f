"""Two runs that write the same data must not interleave: a PostgreSQL advisory lock, or on
SQLite a lock file in a folder beside the database file (``<mirror>.locks/``, ``flock``,
released by the OS if the process dies). Either way the lock follows the mirror: two syncs into
two mirrors never refuse each other, whatever checkout or machine they run from.

Scopes are strings such as ``province:06`` or ``national``. The load, the one step that writes
the mirror's data, holds them; a run checks them before it reads any source
(``check_free``), so a run that would be refused fails at once. A run also holds
``run:<run id>`` while one of its steps works, by which the next run of its scope tells a run
that is working from one that was killed (``tthc.pipeline.runs.begin``). One holder per lock:
a second taking, even by the same process, is refused.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from sqlalchemy import Engine, text


class RunLocked(RuntimeError):
    """Another run holds a scope this run needs."""


LOCK_NAMESPACE = 7011  # the first key of tthc's two-key advisory locks


def _key(scope: str) -> int:
    digest = hashlib.blake2b(scope.encode(), digest_size=4).digest()
    return int.from_bytes(digest, "big", signed=True)


@contextmanager
def run_lock(engine: Engine, scopes: list[str], holder: str, wait_s: float = 0.0) -> Iterator[None]:
    """Hold every scope (in a fixed order, so two runs cannot deadlock) for the block.

    ``wait_s`` = 0 fails at once with a message naming the holder; more waits that long."""
    lock = _pg_lock if engine.dialect.name == "postgresql" else _file_lock
    with ExitStack() as stack:
        for scope in sorted(set(scopes)):
            stack.enter_context(lock(engine, scope, holder, wait_s))
        yield


def check_free(engine: Engine, scopes: list[str], holder: str) -> None:
    """Fail now (``RunLocked``, naming the holder) if another run holds one of ``scopes``;
    holds nothing after."""
    with run_lock(engine, scopes, holder):
        pass


def is_free(engine: Engine, scope: str) -> bool:
    """Whether nobody holds ``scope`` now."""
    try:
        check_free(engine, [scope], "a check")
    except RunLocked:
        return False
    return True


def lock_dir(engine: Engine) -> Path:
    """Where a SQLite mirror's lock files are: beside the database file."""
    database = Path(engine.url.database or "memory")
    return database.with_name(database.name + ".locks")


def _until(wait_s: float):
    deadline = time.monotonic() + wait_s
    while True:
        yield
        if time.monotonic() >= deadline:
            return
        time.sleep(0.2)


HOLDER = text(
    "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid = CAST(:ns AS int4)::oid AND l.objid = CAST(:k AS int4)::oid"
)


@contextmanager
def _pg_lock(engine: Engine, scope: str, holder: str, wait_s: float):
    conn = engine.connect()
    try:
        # Advisory locks are per database; the schema is part of the key, so mirrors that are
        # schemas of one database (tenants, tests) do not refuse each other either.
        schema = conn.scalar(text("SELECT current_schema()"))
        keys = {"ns": LOCK_NAMESPACE, "k": _key(f"{schema}.{scope}")}
        # The holder's name shows in pg_stat_activity, so a waiting run can say who holds it.
        conn.execute(
            text("SELECT set_config('application_name', :name, false)"),
            {"name": f"tthc {holder}"[:63]},
        )
        conn.commit()
        for _ in _until(wait_s):
            got = conn.scalar(text("SELECT pg_try_advisory_lock(:ns, :k)"), keys)
            conn.commit()  # a session lock outlives the transaction; hold no snapshot open
            if got:
                break
        else:
            other = conn.scalar(HOLDER, keys)
            raise RunLocked(
                f"{scope} is being written by another run ({other or 'unknown'}); "
                f"retry when it has finished"
            )
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:ns, :k)"), keys)
            conn.commit()
    finally:
        conn.close()


@contextmanager
def _file_lock(engine: Engine, scope: str, holder: str, wait_s: float):
    folder = lock_dir(engine)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{scope.replace(':', '_').replace('/', '_')}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        for _ in _until(wait_s):
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                continue
        else:
            other = path.read_text(encoding="utf-8").strip() or "unknown"
            raise RunLocked(
                f"{scope} is being written by another run ({other}); retry when it has finished"
            )
        os.ftruncate(fd, 0)
        os.write(fd, f"{holder} pid {os.getpid()}".encode())
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            if scope.startswith("run:"):  # one file a run: gone with it, never reused
                path.unlink(missing_ok=True)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
