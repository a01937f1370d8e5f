"""The load benchmark (``tthc bench``): N decision-item rows of realistic shape, in one run on
the PostgreSQL mirror at ``TTHC_MIRROR_URL`` (a fresh schema, dropped afterwards), through:

- raw ``COPY`` of the same rows (psycopg ``write_row``): the ceiling;
- pandas ``to_sql`` (default method): the common baseline;
- the project's load step (transformed Parquet -> ``COPY`` into staging -> one merge);
- the project's whole pipeline on landed feed pages (parse, normalize, validate, load);
- a forced full re-sync of the same data, which must write nothing.

Prints a table, then JSON as the last line.
"""

from __future__ import annotations

import logging
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Column, Engine, MetaData, Table, text
from sqlalchemy.exc import DBAPIError

from bench.memory import PeakMemory
from extractors.http import Fetched
from extractors.landing import Landing
from loaders.db import make_engine, upgrade
from loaders.schema import province_items
from loaders.upsert import Stage
from simulator.catalogue import DEPARTMENTS, LOCAL_LEVELS
from simulator.dataset import ACTION_LABELS
from tthc import pipeline
from tthc.pipeline import sizes
from tthc.pipeline.files import RunFiles
from tthc.settings import Settings

log = logging.getLogger(__name__)

DECISIONS_PER_PAGE = 50
ITEMS_PER_DECISION = 20
# Rows the baselines take at a time: the size of the pipeline's COPY batches. They build Python
# objects for every value, and chunks of 100,000 took them past a gibibyte.
BASELINE_ROWS = sizes.COPY_ROWS


def write_landing(landing: Landing, rows: int) -> None:
    """A province feed of ``rows`` annex rows, landed as the extract step would land it."""
    rng = random.Random(rows)
    names = [
        (agency, field, name, level)
        for agency, _, fields, level in [(a, m, f, "tỉnh") for a, m, f in DEPARTMENTS]
        + [(a, m, f, lv) for lv, (a, m, f) in LOCAL_LEVELS.items()]
        for field, items in fields.items()
        for name in items
    ]
    actions = list(ACTION_LABELS.values())
    decisions = (rows + ITEMS_PER_DECISION - 1) // ITEMS_PER_DECISION
    written = 0
    for first in range(0, decisions, DECISIONS_PER_PAGE):
        page = {"province": "06", "total": decisions, "decisions": []}
        for d in range(first, min(first + DECISIONS_PER_PAGE, decisions)):
            items = []
            for i in range(min(ITEMS_PER_DECISION, rows - written)):
                agency, field, name, level = rng.choice(names)
                items.append(
                    {
                        "stt": i + 1,
                        "procedure_code": f"{1 + d % 2}.{(d * 31 + i) % 10**6:06d}",
                        "procedure_name": name,
                        "field": field,
                        "level": level,
                        "agency": agency,
                        "action": rng.choice(actions),
                    }
                )
            written += len(items)
            page["decisions"].append(
                {
                    "decision_id": f"06-B-{d:07d}",
                    "number": f"{d % 9000 + 1}/QĐ-UBND",
                    "title": f"Về việc công bố Danh mục thủ tục hành chính ({d})",
                    "signed_date": f"{1 + d % 28:02d}/{1 + d % 12:02d}/20{15 + d % 10}",
                    "effective_date": None,
                    "publishes_procedures": True,
                    "approves_workflows": False,
                    "items": items,
                    "workflows": [],
                }
            )
        number = first // DECISIONS_PER_PAGE + 1
        landing.write("province_feed", Fetched.of("bench", {"page": number}, page))


def fresh_schema(server_url: str) -> tuple[str, str]:
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    with make_engine(server_url).begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in server_url else "?"
    return schema, f"{server_url}{sep}options=-csearch_path%3D{schema}"


def wal_bytes(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.scalar(text("SELECT pg_current_wal_lsn() - '0/0'::pg_lsn")))


def checkpoint(engine: Engine) -> None:
    """Write out what earlier phases left dirty, so that no phase pays for another's writes
    (a checkpoint the WAL forces mid-phase costs seconds). Needs superuser or pg_checkpoint."""
    with engine.connect() as conn:
        try:
            conn.exec_driver_sql("CHECKPOINT")
        except DBAPIError as exc:  # measured all the same, with that noise
            log.warning("CHECKPOINT not allowed (%s): phases may pay for each other's writes", exc)


def copy_table(engine: Engine, name: str) -> Table:
    """The mirror's province_items columns and primary key (no secondary index)."""
    table = Table(
        name,
        MetaData(),
        *[
            Column(c.name, c.type, primary_key=c.primary_key, nullable=c.nullable)
            for c in province_items.columns
        ],
    )
    table.create(engine)
    return table


def to_records(df: pd.DataFrame, columns: list[str]) -> list[tuple]:
    """Plain Python values in column order (NaN/NA/NaT -> None, Timestamps -> dates), as a
    hand-written loader would hand them to ``write_row``."""
    out = df[columns].astype(object)
    for name in columns:
        if pd.api.types.is_datetime64_any_dtype(df[name]):
            out[name] = [v.date() if pd.notna(v) else None for v in df[name]]
    out = out.where(df[columns].notna(), None)
    return list(out.itertuples(index=False, name=None))


def bench_copy(engine: Engine, transformed: RunFiles) -> float:
    table = copy_table(engine, "copy_items")
    columns = [c.name for c in table.columns]
    elapsed = 0.0
    with engine.begin() as conn:
        cursor = conn.connection.driver_connection.cursor()
        names = ", ".join(f'"{c}"' for c in columns)
        for chunk in transformed.chunks("province_items", rows=BASELINE_ROWS):
            rows = to_records(chunk.assign(run_id="bench", first_run_id="bench"), columns)
            started = time.perf_counter()
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)
            elapsed += time.perf_counter() - started
    return elapsed


def bench_to_sql(engine: Engine, transformed: RunFiles) -> float:
    table = copy_table(engine, "to_sql_items")
    columns = [c.name for c in table.columns]
    elapsed = 0.0
    with engine.begin() as conn:
        for chunk in transformed.chunks("province_items", rows=BASELINE_ROWS):
            frame = chunk.assign(run_id="bench", first_run_id="bench")[columns]
            started = time.perf_counter()
            frame.to_sql(table.name, conn, if_exists="append", index=False)
            elapsed += time.perf_counter() - started
    return elapsed


def bench_load(engine: Engine, transformed: RunFiles) -> tuple[float, Any]:
    """The loader's work on the transformed rows, in one go: read them, stage them by
    ``COPY``, merge them. The pipeline does the same in two steps (validation stages the rows
    as it judges them; the load takes out those it held, and merges)."""
    constants = {"run_id": "bench-load", "first_run_id": "bench-load"}
    started = time.perf_counter()
    with engine.begin() as conn, Stage(conn, province_items, constants) as stage:
        for chunk in transformed.chunks("province_items"):
            stage.add(chunk.drop(columns=["row_key"]))
        counts = stage.merge(keys_unique=True)  # the transform set repeated keys aside
    return time.perf_counter() - started, counts


def pipeline_run(
    settings: Settings,
    landing: Path,
    run_id: str,
    seconds: dict[str, float],
    memory: PeakMemory,
    phase: str,
) -> tuple[float, dict]:
    """The steps after extract, on the pages landed once (linked into the run's folder);
    ``seconds`` gets each step's time, ``memory`` each step's peak as ``<phase>.<step>``."""
    run = pipeline.RunRef(run_id, "publications", "06", scopes=[])
    target = Path(settings.landing_dir) / run_id
    target.parent.mkdir(parents=True, exist_ok=True)
    target.symlink_to(landing)
    pipeline.begin(settings, run)
    elapsed = 0.0
    for step in (pipeline.transform, pipeline.validate, pipeline.load):
        memory.start()
        started = time.perf_counter()
        out = step(settings, run)
        seconds[step.__name__] = round(time.perf_counter() - started, 2)
        elapsed += time.perf_counter() - started
        memory.stop(f"{phase}.{step.__name__}")
        if step is pipeline.load:
            datasets = out
        else:
            run = out
    pipeline.finish(settings, run, pipeline.summary(run, datasets))
    return elapsed, datasets["province_items"]


def run_bench(server_url: str, rows: int) -> dict[str, Any]:
    if not server_url.startswith("postgresql"):
        raise ValueError(
            "tthc bench measures PostgreSQL: set TTHC_MIRROR_URL to a postgresql+psycopg:// URL"
        )
    schema, url = fresh_schema(server_url)
    engine = make_engine(url)
    memory = PeakMemory()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            home = Path(tmp)
            write_landing(Landing(home / "raw"), rows)
            upgrade(engine)
            settings = Settings(home=home, mirror_url=url)
            # The rows the baselines and the load step read: the transform's own output.
            prep = pipeline.RunRef("bench-prep", "publications", "06")
            (Path(settings.landing_dir) / prep.run_id).parent.mkdir(parents=True)
            (Path(settings.landing_dir) / prep.run_id).symlink_to(home / "raw")
            pipeline.transform(settings, prep)
            transformed = pipeline.run_files(settings, prep)

            # The pipeline first: the baselines build Python rows by the million, and what they
            # leave fragmented in this process's heap would count against its memory.
            checkpoint(engine)
            steps: dict[str, float] = {}
            e2e_s, e2e = pipeline_run(
                settings, home / "raw", "bench-e2e", steps, memory, "whole_pipeline"
            )
            checkpoint(engine)
            wal_before = wal_bytes(engine)
            _, resync = pipeline_run(settings, home / "raw", "bench-resync", {}, memory, "resync")
            resync_wal = wal_bytes(engine) - wal_before
            with engine.begin() as conn:  # the load step starts from an empty table too
                conn.exec_driver_sql("TRUNCATE province_items")
            checkpoint(engine)
            memory.start()
            load_s, load_counts = bench_load(engine, transformed)
            memory.stop("load_step")
            checkpoint(engine)
            memory.start()
            copy_s = bench_copy(engine, transformed)
            memory.stop("copy")
            checkpoint(engine)
            memory.start()
            to_sql_s = bench_to_sql(engine, transformed)
            memory.stop("to_sql")
    finally:
        memory.close()
        engine.dispose()
        with make_engine(server_url).begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    assert load_counts.inserted == rows and e2e["inserted"] == rows, (load_counts, e2e)
    return {
        "rows": rows,
        "copy_rows_per_s": round(rows / copy_s),
        "to_sql_rows_per_s": round(rows / to_sql_s),
        "load_rows_per_s": round(rows / load_s),
        "end_to_end_rows_per_s": round(rows / e2e_s),
        "load_to_copy": round(copy_s / load_s, 3),
        "end_to_end_to_copy": round(copy_s / e2e_s, 3),
        "end_to_end_to_to_sql": round(to_sql_s / e2e_s, 3),
        "resync_rows_written": resync["inserted"] + resync["updated"],
        "resync_wal_mb": round(resync_wal / 2**20, 1),
        "peak_rss_mb": memory.peak,
        "peak_rss_mb_by_phase": memory.by_phase,
        "whole_pipeline_step_seconds": steps,
        "worker_processes": settings.worker_processes,
    }


def print_report(figures: dict[str, Any]) -> None:
    print(f"{figures['rows']:,} decision-item rows on PostgreSQL")
    for label, key, ratio in [
        ("raw COPY (write_row)", "copy_rows_per_s", None),
        ("pandas to_sql", "to_sql_rows_per_s", None),
        ("load step", "load_rows_per_s", "load_to_copy"),
        ("whole pipeline", "end_to_end_rows_per_s", "end_to_end_to_copy"),
    ]:
        extra = f"  ({figures[ratio]:.2f}x COPY)" if ratio else ""
        print(f"  {label:<24}{figures[key]:>10,} rows/s{extra}")
    print(f"  whole pipeline vs to_sql {figures['end_to_end_to_to_sql']:.2f}x")
    print(
        f"  re-sync rows written     {figures['resync_rows_written']:>10,} "
        f"({figures['resync_wal_mb']} MB WAL)"
    )
    print(f"  peak RSS                 {figures['peak_rss_mb']:>10,} MB")
    print(f"    reached by phase       {figures['peak_rss_mb_by_phase']}")
    print(f"  whole pipeline steps (s) {figures['whole_pipeline_step_seconds']}")
