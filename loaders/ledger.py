"""The run ledger, quarantine and validation history in the mirror."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from datetime import UTC, date, datetime

import pandas as pd
from sqlalchemy import Connection, Engine, and_, delete, insert, select, update

from loaders.schema import (
    annex_files,
    quarantine,
    run_ledger,
    sync_watermarks,
    validation_results,
)


def now() -> datetime:
    return datetime.now(UTC)


def new_run_id(kind: str) -> str:
    """Sortable by start time, saying what ran: ``20261126T034602-publications-af66973e``."""
    return f"{now():%Y%m%dT%H%M%S}-{kind}-{uuid.uuid4().hex[:8]}"


def scope_of(
    province: str | None = None, period: str | None = None, agency_ids: list[str] | None = None
) -> str:
    """What a run covers, as the ledger's ``scope`` says it: ``province=06 period=2020-Q2``."""
    parts = [
        f"province={province}" if province else "",
        f"period={period}" if period else "",
        f"agencies={','.join(agency_ids)}" if agency_ids else "",
    ]
    return " ".join(p for p in parts if p) or "all"


def run_summary(
    run_id: str, counts: dict | None = None, error: str | None = None, requests: int = 0
) -> dict:
    """A run's summary as the ledger keeps it and ``tthc sync … --json`` prints it."""
    return {
        "status": "failed" if error else "success",
        "run_id": run_id,
        "error": error,
        "datasets": counts or {},
        "requests": requests,
    }


def start_run(
    engine: Engine, run_id: str, kind: str, scope: str, orchestrator_run_id: str | None = None
) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(run_ledger).values(
                run_id=run_id,
                kind=kind,
                scope=scope,
                started_at=now(),
                status="running",
                orchestrator_run_id=orchestrator_run_id,
            )
        )


def finish_run(engine: Engine, run_id: str, summary: dict) -> None:
    """Record the outcome; called after the unit of work committed or rolled back."""
    with engine.begin() as conn:
        conn.execute(
            update(run_ledger)
            .where(run_ledger.c.run_id == run_id)
            .values(
                finished_at=now(),
                status=summary["status"],
                error=summary.get("error"),
                summary=json.dumps(summary, ensure_ascii=False),
            )
        )


def running_runs(conn: Connection) -> list[str]:
    return list(conn.scalars(select(run_ledger.c.run_id).where(run_ledger.c.status == "running")))


def unfinished_runs(conn: Connection, kind: str, scope: str) -> list[tuple[str, str | None]]:
    """The runs of this kind and scope the ledger says are running: (run id, orchestrator's
    run id, if an orchestrator drives it)."""
    query = select(run_ledger.c.run_id, run_ledger.c.orchestrator_run_id).where(
        run_ledger.c.status == "running", run_ledger.c.kind == kind, run_ledger.c.scope == scope
    )
    return [(r.run_id, r.orchestrator_run_id) for r in conn.execute(query)]


def close_abandoned(engine: Engine, run_id: str, by_run_id: str) -> None:
    """Close a run that nothing works on any more (its process was killed). Only while the
    ledger still says it runs: a run that closed itself meanwhile keeps its own outcome."""
    error = f"abandoned: its process stopped without closing it; closed by run {by_run_id}"
    summary = {**run_summary(run_id, None, error), "status": "abandoned"}
    with engine.begin() as conn:
        conn.execute(
            update(run_ledger)
            .where(run_ledger.c.run_id == run_id, run_ledger.c.status == "running")
            .values(
                finished_at=now(),
                status="abandoned",
                error=error,
                summary=json.dumps(summary, ensure_ascii=False),
            )
        )


def record_quarantine(conn: Connection, run_id: str, dataset: str, rows: pd.DataFrame) -> None:
    """Hold rows back with their reasons; a row quarantined again is refreshed, not repeated."""
    if rows.empty:
        return
    keys = [str(k) for k in rows["row_key"].fillna(rows["source_ref"])]
    conn.execute(
        delete(quarantine).where(
            and_(quarantine.c.dataset == dataset, quarantine.c.row_key.in_(keys))
        )
    )
    conn.execute(
        insert(quarantine),
        [
            {
                "dataset": dataset,
                "row_key": key,
                "run_id": run_id,
                "source_ref": ref,
                "row_json": raw,
                "reasons_json": json.dumps(reasons, ensure_ascii=False),
                "quarantined_at": now(),
                "released_run_id": None,
            }
            for key, ref, raw, reasons in zip(
                keys, rows["source_ref"], rows["raw"], rows["reasons"], strict=True
            )
        ],
    )


def release_quarantine(
    conn: Connection, run_id: str, dataset: str, loaded_keys: Iterable[Iterable[str]]
) -> int:
    """Rows fixed at the source and loaded now leave quarantine: a row held by an earlier run
    whose key this run loads (the key is the table's, so only the same row releases it; a row
    this run holds stays held). ``loaded_keys`` come chunk by chunk and only what is held is
    kept, so memory follows the quarantine's size, not the run's."""
    held = set(
        conn.scalars(
            select(quarantine.c.row_key).where(
                quarantine.c.dataset == dataset,
                quarantine.c.released_run_id.is_(None),
                quarantine.c.run_id != run_id,
            )
        )
    )
    if not held:
        return 0
    fixed = [key for chunk in loaded_keys for key in chunk if key in held]
    for start in range(0, len(fixed), 500):  # stay under bound-parameter limits
        conn.execute(
            update(quarantine)
            .where(
                quarantine.c.dataset == dataset,
                quarantine.c.run_id != run_id,
                quarantine.c.row_key.in_(fixed[start : start + 500]),
            )
            .values(released_run_id=run_id)
        )
    return len(fixed)


def record_validation(conn: Connection, run_id: str, suite: str, outcomes: list) -> None:
    """The run's outcomes for the suite, replacing those of an earlier try of its validation."""
    conn.execute(
        delete(validation_results).where(
            validation_results.c.run_id == run_id, validation_results.c.suite == suite
        )
    )
    if outcomes:
        conn.execute(
            insert(validation_results),
            [
                {
                    "run_id": run_id,
                    "suite": suite,
                    "expectation": o.expectation,
                    "expectation_type": o.type,
                    "column_name": o.column,
                    "severity": o.severity,
                    "success": o.success,
                    "unexpected_count": o.unexpected_count,
                    "element_count": o.element_count,
                    "reason": o.reason,
                }
                for o in outcomes
            ],
        )


def last_success(
    conn: Connection, kind: str, scope: str, finished_after: datetime | None = None
) -> str | None:
    """The last run of this kind and scope that succeeded (after ``finished_after``), if any."""
    query = select(run_ledger.c.run_id).where(
        run_ledger.c.kind == kind, run_ledger.c.scope == scope, run_ledger.c.status == "success"
    )
    if finished_after is not None:
        query = query.where(run_ledger.c.finished_at >= finished_after)
    return conn.scalar(query.order_by(run_ledger.c.finished_at.desc()).limit(1))


def latest_run_id(conn: Connection, kinds: tuple[str, ...] | None = None) -> str | None:
    query = select(run_ledger.c.run_id).order_by(run_ledger.c.started_at.desc()).limit(1)
    if kinds:
        query = query.where(run_ledger.c.kind.in_(kinds))
    return conn.scalar(query)


def watermark(conn: Connection, source: str, scope: str) -> date | None:
    return conn.scalar(
        select(sync_watermarks.c.watermark).where(
            sync_watermarks.c.source == source, sync_watermarks.c.scope == scope
        )
    )


def advance_watermark(conn: Connection, source: str, scope: str, value: date, run_id: str) -> None:
    """Move a watermark forward (never back), inside the caller's transaction."""
    current = watermark(conn, source, scope)
    if current is None:
        conn.execute(
            insert(sync_watermarks).values(
                source=source, scope=scope, watermark=value, run_id=run_id, updated_at=now()
            )
        )
    elif value > current:
        conn.execute(
            update(sync_watermarks)
            .where(
                sync_watermarks.c.source == source,
                sync_watermarks.c.scope == scope,
            )
            .values(watermark=value, run_id=run_id, updated_at=now())
        )


def last_extracted(conn: Connection, kind: str, scope: str) -> dict[str, int]:
    """Rows each dataset's complete listings gave in the last successful run of the same kind
    and scope (extracted, less the rows of annex files, which come once per file)."""
    summary = conn.scalar(
        select(run_ledger.c.summary)
        .where(
            run_ledger.c.kind == kind, run_ledger.c.scope == scope, run_ledger.c.status == "success"
        )
        .order_by(run_ledger.c.started_at.desc())
        .limit(1)
    )
    if not summary:
        return {}
    # Rows from annex files come once per file, not with every run: only listings count.
    return {
        name: c["extracted"] - c.get("from_files", 0)
        for name, c in json.loads(summary)["datasets"].items()
    }


def known_annexes(conn: Connection, hashes: list[str]) -> set[str]:
    """Which of these annex files (by SHA-256) the mirror has loaded."""
    found: set[str] = set()
    for start in range(0, len(hashes), 500):
        found |= set(
            conn.scalars(
                select(annex_files.c.sha256).where(
                    annex_files.c.sha256.in_(hashes[start : start + 500])
                )
            )
        )
    return found


def record_annex_file(
    conn: Connection, run_id: str, province: str, sha256: str, name: str, url: str, size: int
) -> None:
    """In the load's transaction: a file counts as loaded only once its rows are committed."""
    conn.execute(
        insert(annex_files).values(
            sha256=sha256,
            province_code=province,
            file_name=name,
            url=url,
            size_bytes=size,
            run_id=run_id,
            loaded_at=now(),
        )
    )
