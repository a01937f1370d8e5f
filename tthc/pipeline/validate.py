"""The validate step: each dataset's rows through its Great Expectations suite, the rows to
hold written to ``<name>.quarantined`` by row number; meanwhile a thread stages the same rows
in the mirror's database for the load (``loaders.staging``), so the server parses them while
Great Expectations is imported and runs."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine

from extractors.landing import Landing
from loaders import ledger
from loaders.db import make_engine
from loaders.staging import staging_table
from loaders.upsert import Stage
from tthc import datasets
from tthc.pipeline import sizes
from tthc.pipeline.files import RunFiles, return_memory
from tthc.pipeline.runs import RunRef, landing, run_files
from tthc.settings import Settings


def validate(settings: Settings, run: RunRef) -> RunRef:
    """Split each table into rows to load and rows to quarantine, by the suites' severities,
    a chunk at a time; whole-table checks still judge the whole table."""
    files = run_files(settings, run)
    engine = make_engine(settings.mirror_url)
    stop_staging = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="staging") as staging:
        staged = staging.submit(_stage_unique_rows, engine, run, files, stop_staging)
        try:
            outcomes = _judge(settings, run, files, engine)
        except BaseException:
            stop_staging.set()  # nothing will be loaded: no need to stage the rest
            raise
        files.write_staged(staged.result())
    # The history is kept whatever the load does next, so auditors see why a run stopped.
    with engine.begin() as conn:
        for name, (results, _) in outcomes.items():
            ledger.record_validation(conn, run.run_id, name, results)
    return_memory()
    if stopped := [why for _, whys in outcomes.values() for why in whys]:
        from expectations.validate import ValidationStopped

        raise ValidationStopped("; ".join(stopped) + "; nothing was loaded")
    return run


def _judge(
    settings: Settings, run: RunRef, files: RunFiles, engine: Engine
) -> dict[str, tuple[list, list[str]]]:
    """Per dataset, the outcomes and why the load must stop, if it must."""
    from expectations.validate import Validator, combine_outcomes, suite_columns  # seconds

    counts = files.counts()
    landed = landing(settings, run)
    validator = Validator(settings.data_docs_dir, settings.gx_log_level)
    with engine.connect() as conn:
        previous = ledger.last_extracted(conn, run.kind, run.scope)
    valid_ids: dict[str, list[str]] = {}
    outcomes = {}
    for name in datasets.kind(run.kind).datasets:
        dataset = datasets.DATASETS[name]
        total = files.unique_rows(name)
        min_rows = _row_floor(settings, dataset, counts[name], total, previous, landed)
        held = files.quarantined_sink(name)
        ids: list[str] = []
        results, stopped, held_rows = [], [], 0
        # What the suite reads, what quarantine records, and the decisions children point at.
        columns = {*suite_columns(dataset.suite), "row_key", "source_ref"}
        if dataset.parent or name in datasets.PARENTS:
            columns.add("decision_id")
        read = [c.name for c in dataset.table.columns if c.name in columns]
        read += sorted(columns - set(read))  # columns of the transform's own (row_key, …)
        for chunk in files.unique_chunks(name, read, sizes.VALIDATE_ROWS):
            # Per chunk, "the table has min_rows" is "this chunk has what the others lack".
            params: dict[str, Any] = {"min_rows": max(0, min_rows - (total - len(chunk)))}
            if dataset.parent:
                params["known_decision_ids"] = valid_ids[dataset.parent]
            result = validator.validate(dataset.suite, chunk, params)
            quarantined = result.quarantined  # indexed by position in the chunk
            held_rows += len(quarantined)
            held.write(
                quarantined.assign(
                    reasons=quarantined["reasons"].map(json.dumps).astype("string"),
                    row_number=chunk.index.to_numpy(dtype="int64")[quarantined.index],
                )
            )
            if name in datasets.PARENTS:
                ids += result.valid["decision_id"].astype(str).tolist()
            results.append(result.outcomes)
            if result.stopped:
                stopped.append(result.stopped)
        valid_ids[name] = ids
        held.close()
        combined = combine_outcomes(results)
        stopped += _drift(name, combined, settings.drift_min_rows)
        stopped += _held_too_many(name, held_rows, total, settings)
        outcomes[name] = (combined, stopped)
    validator.build_docs()
    return outcomes


def _row_floor(
    settings: Settings,
    dataset: datasets.Dataset,
    counts: dict[str, int],
    total: int,
    previous: dict[str, int],
    landed: Landing,
) -> int:
    """The fewest rows the table may have: a listing that suddenly answers far fewer rows than
    the last successful run of the same scope (or none) stops the load. The floor is on the
    listings' rows (a file's rows come once per file); the suite counts the table's unique
    rows, so the floor moves by what those two differ by. A listing not read in this run (a
    national pass that skips the publicized list) has none."""
    listed = any(landed.page_sizes(s.landing) for s in dataset.sources if not s.files)
    floor = int(previous.get(dataset.name, 0) * settings.row_count_floor) if listed else 0
    listing_rows = counts["extracted"] - counts.get("from_files", 0)
    return max(0, floor + total - listing_rows) if floor else 0


def _drift(name: str, outcomes: list, min_rows: int) -> list[str]:
    """Row checks failed by every row of a table that has rows: the source changed shape."""
    failed = [
        o
        for o in outcomes
        if o.severity == "critical"
        and o.element_count >= min_rows
        and o.unexpected_count == o.element_count
    ]
    if not failed:
        return []
    return [
        f"{name}: every one of its {failed[0].element_count} rows fails "
        + ", ".join(f"{o.expectation} ({o.reason})" for o in failed)
        + ": the source changed its shape (a field renamed or gone?)"
    ]


def _held_too_many(name: str, held: int, total: int, settings: Settings) -> list[str]:
    """More than ``held_share_limit`` of a table's rows held back: something systematic (a
    suite or a source gone wrong), not rows to load around."""
    if total < settings.drift_min_rows or held <= total * settings.held_share_limit:
        return []
    return [
        f"{name}: {held} of its {total} rows would be held in quarantine ({held / total:.0%}, "
        f"more than TTHC_HELD_SHARE_LIMIT={settings.held_share_limit:g})"
    ]


def _stage_unique_rows(
    engine: Engine, run: RunRef, files: RunFiles, stop: threading.Event
) -> dict[str, int]:
    """Each dataset's rows but the duplicates into its staging table, numbered by their row
    in the transformed table (so the load can take out those validation holds); returns how
    many rows each table got."""
    staged = {}
    for name in datasets.kind(run.kind).datasets:
        target = datasets.DATASETS[name].table
        with (
            engine.begin() as conn,
            Stage(conn, target, run.constants, staging_table(run.run_id, name)) as rows,
        ):
            for batch, numbers in files.unique_batches(name):
                if stop.is_set():
                    raise RuntimeError("staging stopped: validation failed")
                rows.add(batch, numbers)
        staged[name] = rows.rows
    return staged
