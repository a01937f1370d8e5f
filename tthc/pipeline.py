"""The step runner shared by the CLI and the DAGs: extract -> transform -> validate -> load.

Steps pass a small JSON-able ``RunRef`` (paths and ids), never data: raw pages land under
``<landing_dir>/<run_id>/`` and each step's tables are Parquet under ``<staging_dir>/<run_id>/``,
local folders or object-store URLs (``tthc.storage``). Validation also stages the rows in the
mirror's database (``staging_table``, tables of their own), for the load to merge.
The load of a run is one transaction: a crash leaves the mirror as it was before the run.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, MetaData, Table, inspect, select

from extractors.annex import ANNEX_SOURCE, extract_annexes
from extractors.http import HttpClient
from extractors.landing import LandedPage, Landing
from extractors.national_portal import (
    ALL_AGENCIES,
    PROCEDURE_LIST_SERVICES,
    Cursor,
    NationalPortal,
    extract_national,
)
from extractors.province_feed import extract_dossier_stats, extract_province_feed
from loaders import ledger, schema
from loaders.db import make_engine
from loaders.locks import run_lock
from loaders.upsert import Stage, write_rows
from transforms import annex, dossier_stats, national, publications
from transforms.frames import split_duplicates, with_content_hash
from tthc.settings import Settings
from tthc.storage import Store
from tthc.workers import parallel_map

log = logging.getLogger(__name__)
CHUNK_ROWS = 100_000  # staged rows in memory at a time, in the steps after transform
# Rows per Great Expectations call: each costs ~0.1 s whatever its size, so they are many; only
# the columns the suite reads are in memory.
VALIDATE_ROWS = 250_000
CHUNK_BYTES = 6 * 2**20  # landed JSON a transform worker parses at a time: ~22,000 feed rows
COPY_ROWS = 25_000  # rows staged per COPY: their CSV is held in memory while it is sent
TRACKING = {"content_hash", "source_ref", "first_run_id", "run_id"}
COUNT_KEYS = ("extracted", "inserted", "updated", "unchanged", "quarantined", "duplicates")


@dataclass(frozen=True)
class Dataset:
    name: str
    table: Table
    parent: str | None = None  # rows must point at a valid row of this dataset (decision_id)


DATASETS = {
    d.name: d
    for d in [
        Dataset("province_decisions", schema.province_decisions),
        Dataset("province_items", schema.province_items, parent="province_decisions"),
        Dataset("province_workflows", schema.province_workflows, parent="province_decisions"),
        Dataset("national_agencies", schema.national_agencies),
        Dataset("national_fields", schema.national_fields),
        Dataset("national_decisions", schema.national_decisions),
        Dataset("national_procedures", schema.national_procedures, parent="national_decisions"),
        Dataset(
            "national_decision_fields", schema.national_decision_fields, parent="national_decisions"
        ),
        Dataset("national_publicized", schema.national_publicized),
        Dataset("dossier_stats", schema.dossier_stats),
    ]
}
NATIONAL = [
    "national_agencies",
    "national_fields",
    "national_decisions",
    "national_procedures",
    "national_decision_fields",
    "national_publicized",
]
KIND_DATASETS = {
    "publications": ["province_decisions", "province_items", "province_workflows", *NATIONAL],
    "national": NATIONAL,
    "dossier-stats": ["dossier_stats"],
}


@dataclass
class RunRef:
    """What one step hands the next: where the run's files are, and what it is about."""

    run_id: str
    kind: str
    province: str | None = None
    period: str | None = None
    agency_ids: list[str] = field(default_factory=list)
    orchestrator_run_id: str | None = None
    full: bool = False  # national listing: read every page and every decision's lists
    since: str | None = None  # national listing: stop at pages older than this (YYYY-MM-DD)
    scopes: list[str] = field(default_factory=list)  # agency IDs read, "-1" = all; set by extract
    annex_sources: list[str] = field(default_factory=list)  # beyond the province's own
    requests: int = 0  # HTTP requests the extract step sent

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def scope(self) -> str:
        parts = [
            f"province={self.province}" if self.province else "",
            f"period={self.period}" if self.period else "",
            f"agencies={','.join(self.agency_ids)}" if self.agency_ids else "",
        ]
        return " ".join(p for p in parts if p) or "all"


def run_id_for(kind: str) -> str:
    """Sortable by start time, saying what ran: ``20261126T034602-publications-af66973e``."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{kind}-{uuid.uuid4().hex[:8]}"


def new_run(
    kind: str,
    province: str | None = None,
    period: str | None = None,
    agency_ids: list[str] | None = None,
    orchestrator_run_id: str | None = None,
    full: bool = False,
    since: str | None = None,
    annex_sources: list[str] | None = None,
) -> RunRef:
    if kind not in KIND_DATASETS:
        raise ValueError(f"unknown run kind {kind!r}")
    if since:
        date.fromisoformat(since)  # fail now, not after the first requests
    return RunRef(
        run_id_for(kind),
        kind,
        province,
        period,
        list(agency_ids or []),
        orchestrator_run_id,
        full,
        since,
        annex_sources=list(annex_sources or []),
    )


def _client(settings: Settings) -> HttpClient:
    return HttpClient(
        timeout_s=settings.http_timeout_s,
        retries=settings.http_retries,
        backoff_s=settings.http_backoff_s,
        backoff_max_s=settings.http_backoff_max_s,
        rate_limit_per_s=settings.national_rate_limit_per_s or None,
        pool_size=max(8, settings.national_workers),
    )


def hashed(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the content hash the mirror compares, over the dataset's content columns."""
    table = DATASETS[name].table
    content = [c.name for c in table.columns if c.name in df.columns and c.name not in TRACKING]
    return with_content_hash(df, content)


def _cursor(settings: Settings, scope: str, since: str | None) -> Cursor:
    """The mirror's side of an incremental listing pass: its watermark, and which rows differ."""
    engine = make_engine(settings.mirror_url)
    table = schema.national_decisions
    with engine.connect() as conn:
        mark = ledger.watermark(conn, "national_decisions", f"agency:{scope}")
    lookback = timedelta(days=settings.national_lookback_days)
    cutoff = date.fromisoformat(since) if since else (mark - lookback if mark else None)

    def changed(rows: list[dict]) -> list[bool]:
        df = hashed("national_decisions", national.national_decisions([("listing", {}, rows)]))
        with engine.connect() as conn:
            known = dict(
                conn.execute(
                    select(table.c.decision_id, table.c.content_hash).where(
                        table.c.decision_id.in_(df["decision_id"].dropna().tolist())
                    )
                ).all()
            )
        return [
            known.get(i) != h for i, h in zip(df["decision_id"], df["content_hash"], strict=True)
        ]

    return Cursor(changed, cutoff)


def _known_annexes(settings: Settings, hashes: list[str]) -> set[str]:
    with make_engine(settings.mirror_url).connect() as conn:
        return ledger.known_annexes(conn, hashes)


# --- extract -------------------------------------------------------------------------------------
def _landing(settings: Settings, run: RunRef) -> Landing:
    return Landing(Store(settings.landing_dir) / run.run_id)


def extract(settings: Settings, run: RunRef) -> RunRef:
    landing = _landing(settings, run)
    landing.clear()  # a retried extract starts over
    client = _client(settings)
    try:
        if run.kind in ("publications", "dossier-stats") and not run.province:
            raise ValueError(f"a {run.kind} run needs a province")
        if run.kind == "publications":
            province = settings.province(run.province)
            if province.feed:
                extract_province_feed(
                    client, settings.province_feed_url, province.code, landing, settings.page_size
                )
            if sources := [*province.annex_sources, *run.annex_sources]:
                extract_annexes(sources, landing, client, lambda h: _known_annexes(settings, h))
        if run.kind in ("publications", "national"):
            portal = NationalPortal(
                client,
                settings.national_portal_url,
                settings.public_service_portal_url,
                settings.page_size,
            )
            codes = (
                [settings.province(run.province).national_agency_code]
                if run.kind == "publications"
                else None
            )
            result = extract_national(
                portal,
                landing,
                run.agency_ids or None,
                codes,
                cursor_for=(lambda scope: None)
                if run.full
                else lambda scope: _cursor(settings, scope, run.since),
                # Reconciliation needs the publicized list; a national pass takes it when full.
                publicized=run.kind == "publications" or run.full,
                workers=settings.national_workers,
            )
            run.scopes = result.scopes
        if run.kind == "dossier-stats":
            if not run.period:
                raise ValueError("a dossier-stats run needs a period (YYYY-Qn)")
            extract_dossier_stats(
                client,
                settings.dossier_stats_url,
                run.province,
                run.period,
                landing,
                settings.page_size,
            )
    finally:
        client.close()
        run.requests = client.requests_sent
        log.info("%s: %d requests", run.run_id, client.requests_sent)
    return run


# --- transform -----------------------------------------------------------------------------------
def _page_groups(landing: Landing, source: str) -> list[list[int]]:
    """The source's pages in groups of about ``CHUNK_BYTES`` of landed JSON, in landing order:
    the transform's units of work, sized so memory stays bounded whatever the rows' width."""
    groups, group, size = [], [], 0
    for number, page_bytes in landing.page_sizes(source).items():
        group.append(number)
        size += page_bytes
        if size >= CHUNK_BYTES:
            groups.append(group)
            group, size = [], 0
    return [*groups, group] if group else groups


def _feed(pages: list[LandedPage]) -> list[tuple]:
    return [(p.ref, p.data) for p in pages]


def _rows(pages: list[LandedPage]) -> list[tuple]:
    return [(p.ref, p.params, p.data) for p in pages]


def _transforms(run: RunRef) -> dict[str, list[tuple[str, Callable[[list], pd.DataFrame]]]]:
    """Each dataset's landing sources, and the pure transform that reads a group of pages."""

    def lists(kind: str) -> Callable[[list], pd.DataFrame]:
        return lambda pages: national.national_procedures({kind: _rows(pages)})

    return {
        "province_decisions": [
            (
                "province_feed",
                lambda pages: publications.province_decisions(_feed(pages), run.province),
            ),
            (ANNEX_SOURCE, lambda pages: annex.annex_decisions(_feed(pages), run.province)),
        ],
        "province_items": [
            ("province_feed", lambda pages: publications.province_items(_feed(pages))),
            (ANNEX_SOURCE, lambda pages: annex.annex_items(_feed(pages), run.province)),
        ],
        "province_workflows": [
            ("province_feed", lambda pages: publications.province_workflows(_feed(pages)))
        ],
        "national_agencies": [
            ("national_agencies", lambda pages: national.national_agencies(_rows(pages)))
        ],
        "national_fields": [
            ("national_fields", lambda pages: national.national_fields(_rows(pages)))
        ],
        "national_decisions": [
            ("national_decisions", lambda pages: national.national_decisions(_rows(pages)))
        ],
        "national_procedures": [
            (f"national_procedures_{kind}", lists(kind)) for kind in PROCEDURE_LIST_SERVICES
        ],
        "national_decision_fields": [
            (
                "national_decision_fields",
                lambda pages: national.national_decision_fields(_rows(pages)),
            )
        ],
        "national_publicized": [
            ("national_publicized", lambda pages: national.national_publicized(_rows(pages)))
        ],
        "dossier_stats": [
            ("dossier_stats", lambda pages: dossier_stats.dossier_stats(_feed(pages)))
        ],
    }


class ParquetSink:
    """Frames appended to one Parquet object; the first frame's schema holds for the rest."""

    def __init__(self, store: Store, name: str) -> None:
        self.store, self.name, self.writer, self.rows = store, name, None, 0
        self._file = None

    def write(self, df: pd.DataFrame) -> None:
        if self.writer is None:
            table = pa.Table.from_pandas(df, preserve_index=False)
            self._file = self.store.open(self.name, "wb")
            self.writer = pq.ParquetWriter(self._file, table.schema)
        else:
            table = pa.Table.from_pandas(df, schema=self.writer.schema, preserve_index=False)
        self.writer.write_table(table)
        self.rows += len(df)

    def close(self, empty: pd.DataFrame | None = None) -> None:
        if self.writer is None and empty is not None:
            self.write(empty.iloc[0:0])
        if self.writer is not None:
            self.writer.close()
            self._file.close()


_NULLABLE = {
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
    pa.string(): pd.StringDtype(),
    pa.large_string(): pd.StringDtype(),
}


def read_chunks(
    store: Store, name: str, columns: list[str] | None = None, rows: int | None = None
) -> Iterator[pd.DataFrame]:
    """A staged Parquet object, ``rows`` (``CHUNK_ROWS``) rows at a time, with nullable dtypes
    kept."""
    return kept_chunks(store, name, np.array([], dtype="int64"), columns, rows)


def read_staged(store: Store, name: str, columns: list[str] | None = None) -> pd.DataFrame:
    """A whole staged Parquet object (quarantined rows, keys: small next to the data)."""
    with store.open(name) as f:
        return pq.read_table(f, columns=columns).to_pandas(types_mapper=_NULLABLE.get)


def staged_rows(store: Store, name: str) -> int:
    with store.open(name) as f:
        return pq.ParquetFile(f).metadata.num_rows


def _return_memory() -> None:
    """Hand Arrow's cached blocks back to the OS after a step, so a worker that runs several
    steps does not keep each one's peak (mimalloc holds freed memory otherwise)."""
    pa.default_memory_pool().release_unused()


def _stage(settings: Settings, run: RunRef) -> Store:
    return Store(settings.staging_dir) / run.run_id


@dataclass(frozen=True)
class _TransformGroup:
    """One group of a source's pages through every table it feeds, for a worker process: per
    table, the rows unique within the group with their content hash, the rows read, the
    duplicates dropped, and a hash of each row's key (to find keys repeated across groups)."""

    landing_url: str
    run: RunRef
    source: str
    tables: tuple[str, ...]

    def __call__(self, numbers: list[int]) -> dict[str, tuple[pd.DataFrame, int, int, np.ndarray]]:
        pages = Landing(self.landing_url).read(self.source, numbers)
        transforms = _transforms(self.run)
        out = {}
        for name in self.tables:
            df = dict(transforms[name])[self.source](pages)
            key = [c.name for c in DATASETS[name].table.primary_key.columns]
            unique, duplicates = split_duplicates(df, key)
            # As text whatever the group's dtypes, so equal keys always hash alike.
            as_text = unique[key].astype("string")
            keys = pd.util.hash_pandas_object(as_text, index=False).to_numpy()
            out[name] = (hashed(name, unique), len(df), duplicates, keys)
        return out


def transform(settings: Settings, run: RunRef) -> RunRef:
    """Canonical tables, staged as Parquet. Groups of pages are transformed in
    ``settings.worker_processes`` processes and staged in landing order; each landed page is
    parsed once, whatever number of tables it feeds. A key repeated within a group is dropped
    there, one repeated across groups is set aside by row number (``<table>.duplicates``):
    both are counted as duplicates, and the first row of each key is the one kept."""
    stage = _stage(settings, run)
    landing = _landing(settings, run)
    transforms = _transforms(run)
    wanted = KIND_DATASETS[run.kind]
    by_source: dict[str, list[str]] = {}
    for name in wanted:
        for source, _ in transforms[name]:
            by_source.setdefault(source, []).append(name)
    counts = {name: {"extracted": 0, "duplicates": 0} for name in wanted}
    for name in wanted:
        if any(source == ANNEX_SOURCE for source, _ in transforms[name]):
            counts[name]["from_files"] = 0
    sinks = {name: ParquetSink(stage, f"{name}.transformed.parquet") for name in wanted}
    key_hashes: dict[str, list[np.ndarray]] = {name: [] for name in wanted}
    for source, tables in by_source.items():
        work = _TransformGroup(landing.store.url, run, source, tuple(tables))
        groups = _page_groups(landing, source)
        for results in parallel_map(work, groups, settings.worker_processes):
            for name, (unique, extracted, duplicates, keys) in results.items():
                sinks[name].write(unique)
                key_hashes[name].append(keys)
                counts[name]["extracted"] += extracted
                counts[name]["duplicates"] += duplicates
                if source == ANNEX_SOURCE:
                    counts[name]["from_files"] += extracted
    for name, sink in sinks.items():
        sink.close(empty=hashed(name, transforms[name][0][1]([])))
    for name, hashes in key_hashes.items():
        repeated = _repeated_rows(stage, name, hashes)
        _write_row_numbers(stage, f"{name}.duplicates.parquet", repeated)
        counts[name]["duplicates"] += len(repeated)
    stage.write_json("transform.json", counts)
    _return_memory()
    return run


def _repeated_rows(stage: Store, name: str, key_hashes: list[np.ndarray]) -> np.ndarray:
    """The row numbers of the staged rows whose key an earlier group already gave (keep the
    first). Groups are transformed apart, so this is found here: distinct key hashes prove
    distinct keys, and only rows whose hash repeats have their keys compared."""
    hashes = np.concatenate(key_hashes) if key_hashes else np.array([], dtype="uint64")
    values, times = np.unique(hashes, return_counts=True)
    suspects = np.flatnonzero(np.isin(hashes, values[times > 1]))
    if not len(suspects):
        return suspects
    key = [c.name for c in DATASETS[name].table.primary_key.columns]
    rows = read_chunks(stage, f"{name}.transformed.parquet", key)
    keys = pd.concat(chunk[chunk.index.isin(suspects)] for chunk in rows)
    return keys.index[keys.duplicated(keep="first")].to_numpy(dtype="int64")


# --- validate ------------------------------------------------------------------------------------
def validate(settings: Settings, run: RunRef) -> RunRef:
    """Split each table into rows to load and rows to quarantine, by the suites' severities,
    a chunk at a time; whole-table checks still judge the whole table. Meanwhile a thread
    stages the rows judged in the mirror's database for the load (``staging_table``): the
    server parses them while Great Expectations is imported and checks them."""
    stage = _stage(settings, run)
    engine = make_engine(settings.mirror_url)
    stop_staging = threading.Event()
    with ThreadPoolExecutor(1, thread_name_prefix="staging") as staging:
        staged = staging.submit(_stage_unique_rows, engine, run, stage, stop_staging)
        try:
            outcomes = _judge(settings, run, stage, engine)
        except BaseException:
            stop_staging.set()  # nothing will be loaded: no need to stage the rest
            raise
        stage.write_json("validate.json", {"staged": staged.result()})
    # The history is kept whatever the load does next, so auditors see why a run stopped.
    with engine.begin() as conn:
        for name, (results, _) in outcomes.items():
            ledger.record_validation(conn, run.run_id, name, results)
    _return_memory()
    if stopped := [why for _, whys in outcomes.values() for why in whys]:
        from expectations.validate import ValidationStopped

        raise ValidationStopped("; ".join(stopped) + "; nothing was loaded")
    return run


def _judge(
    settings: Settings, run: RunRef, stage: Store, engine: Engine
) -> dict[str, tuple[list, list[str]]]:
    """Each dataset's rows through its suite: the held rows, by row number, to
    ``<table>.quarantined``; per dataset, the outcomes and why the load must stop, if it must."""
    from expectations.validate import Validator, suite_columns  # seconds to import

    counts = stage.read_json("transform.json")
    validator = Validator(settings.data_docs_dir)
    with engine.connect() as conn:
        previous = ledger.last_extracted(conn, run.kind, run.scope)
    parents = {d.parent for d in DATASETS.values() if d.parent}
    valid_ids: dict[str, list[str]] = {}
    outcomes = {}
    for name in KIND_DATASETS[run.kind]:
        total = staged_rows(stage, f"{name}.transformed.parquet")
        total -= staged_rows(stage, f"{name}.duplicates.parquet")
        # A source that suddenly answers far fewer rows stops the load (whole-table check);
        # rows of annex files come once per file, so the floor is on the listings' rows.
        min_rows = int(previous.get(name, 0) * settings.row_count_floor)
        min_rows += counts[name].get("from_files", 0)
        held = ParquetSink(stage, f"{name}.quarantined.parquet")
        ids: list[str] = []
        results, stopped = [], []
        # What the suite reads, what quarantine records, and the decisions children point at.
        columns = {*suite_columns(name), "row_key", "source_ref"}
        if DATASETS[name].parent or name in parents:
            columns.add("decision_id")
        read = [c.name for c in DATASETS[name].table.columns if c.name in columns]
        read += sorted(columns - set(read))  # columns of the transform's own (row_key, …)
        for chunk in unique_chunks(stage, name, read, VALIDATE_ROWS):
            # Per chunk, "the table has min_rows" is "this chunk has what the others lack".
            params: dict[str, Any] = {"min_rows": max(0, min_rows - (total - len(chunk)))}
            if parent := DATASETS[name].parent:
                params["known_decision_ids"] = valid_ids[parent]
            result = validator.validate(name, chunk, params)
            quarantined = result.quarantined  # indexed by position in the chunk
            held.write(
                quarantined.assign(
                    reasons=quarantined["reasons"].map(json.dumps).astype("string"),
                    row_number=chunk.index.to_numpy(dtype="int64")[quarantined.index],
                )
            )
            if name in parents:
                ids += result.valid["decision_id"].astype(str).tolist()
            results.append(result.outcomes)
            if result.stopped:
                stopped.append(result.stopped)
        valid_ids[name] = ids
        held.close()
        outcomes[name] = (combine_outcomes(results), stopped)
    validator.build_docs()
    return outcomes


def _stage_unique_rows(
    engine: Engine, run: RunRef, stage: Store, stop: threading.Event
) -> dict[str, int]:
    """Each dataset's rows but the duplicates into its staging table, numbered by their row
    in the transformed table (so the load can take out those validation holds); returns how
    many rows each table got."""
    staged = {}
    for name in KIND_DATASETS[run.kind]:
        target = DATASETS[name].table
        with (
            engine.begin() as conn,
            Stage(conn, target, _constants(run), staging_table(run.run_id, name)) as rows,
        ):
            for batch, numbers in unique_batches(stage, name):
                if stop.is_set():
                    raise RuntimeError("staging stopped: validation failed")
                rows.add(batch, numbers)
        staged[name] = rows.rows
    return staged


def kept_batches(
    stage: Store,
    name: str,
    dropped: np.ndarray,
    columns: list[str] | None = None,
    rows: int | None = None,
) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """A staged table ``rows`` (``CHUNK_ROWS``) rows at a time without the rows numbered in
    ``dropped`` (sorted), with the numbers of the rows kept. Steps set rows aside by number
    (duplicates, quarantine) instead of writing the rest again."""
    with stage.open(name) as f:
        source = pq.ParquetFile(f)
        if source.metadata.num_rows == 0:  # still one (empty) batch, with the columns
            yield source.read(columns=columns), np.array([], dtype="int64")
            return
        offset = 0
        for batch in source.iter_batches(batch_size=rows or CHUNK_ROWS, columns=columns):
            numbers = np.arange(offset, offset + batch.num_rows)
            offset += batch.num_rows
            table = pa.Table.from_batches([batch])
            mine = dropped[(dropped >= numbers[0]) & (dropped <= numbers[-1])]
            if len(mine):
                kept = ~np.isin(numbers, mine)
                table, numbers = table.filter(kept), numbers[kept]
            yield table, numbers


def kept_chunks(
    stage: Store,
    name: str,
    dropped: np.ndarray,
    columns: list[str] | None = None,
    rows: int | None = None,
) -> Iterator[pd.DataFrame]:
    """``kept_batches`` as frames, each indexed by its rows' numbers in the table."""
    for table, numbers in kept_batches(stage, name, dropped, columns, rows):
        yield table.to_pandas(types_mapper=_NULLABLE.get).set_axis(pd.Index(numbers))


def _row_numbers(stage: Store, *names: str) -> np.ndarray:
    numbers = [read_staged(stage, n, ["row_number"])["row_number"] for n in names]
    return np.sort(np.concatenate([n.to_numpy(dtype="int64") for n in numbers]))


def _write_row_numbers(stage: Store, name: str, numbers: np.ndarray) -> None:
    sink = ParquetSink(stage, name)
    sink.write(pd.DataFrame({"row_number": numbers.astype("int64")}))
    sink.close()


def unique_chunks(
    stage: Store, name: str, columns: list[str] | None = None, rows: int | None = None
) -> Iterator[pd.DataFrame]:
    """The transformed rows but the duplicates of earlier ones: what validation judges."""
    repeated = _row_numbers(stage, f"{name}.duplicates.parquet")
    return kept_chunks(stage, f"{name}.transformed.parquet", repeated, columns, rows)


def unique_batches(stage: Store, name: str) -> Iterator[tuple[pa.Table, np.ndarray]]:
    """``unique_chunks`` as Arrow tables of ``COPY_ROWS``, with the rows' numbers: what
    validation stages."""
    repeated = _row_numbers(stage, f"{name}.duplicates.parquet")
    return kept_batches(stage, f"{name}.transformed.parquet", repeated, rows=COPY_ROWS)


def valid_chunks(
    stage: Store, name: str, columns: list[str] | None = None
) -> Iterator[pd.DataFrame]:
    """The rows validation let through: the transformed rows but the duplicates and those it
    quarantined."""
    dropped = _row_numbers(stage, f"{name}.duplicates.parquet", f"{name}.quarantined.parquet")
    return kept_chunks(stage, f"{name}.transformed.parquet", dropped, columns)


def combine_outcomes(chunks: list[list]) -> list:
    """One outcome per expectation over all chunks: met only if met in every chunk."""
    from dataclasses import replace

    combined = list(chunks[0])
    for outcomes in chunks[1:]:
        combined = [
            replace(
                a,
                success=a.success and b.success,
                unexpected_count=a.unexpected_count + b.unexpected_count,
                element_count=a.element_count + b.element_count,
            )
            for a, b in zip(combined, outcomes, strict=True)
        ]
    return combined


# --- load ----------------------------------------------------------------------------------------
def lock_scopes(run: RunRef) -> list[str]:
    """What a run writes, for ``loaders.locks``: its province's data, and the national data."""
    if run.kind == "dossier-stats":
        return [f"province:{run.province}:dossier-stats"]
    if run.kind == "publications":
        return [f"province:{run.province}", "national"]
    return ["national"]


def _constants(run: RunRef) -> dict[str, str]:
    """What every row a run loads shares: the merge writes them, the stages leave them out."""
    return {"run_id": run.run_id, "first_run_id": run.run_id}


STAGING_PREFIX = "tthc_stage_"


def staging_table(run_id: str, name: str) -> str:
    """The table of the mirror's database where validation stages a dataset's rows for the
    load to merge (less those it held); dropped by the load, or when the run finishes."""
    return f"{STAGING_PREFIX}{hashlib.sha1(run_id.encode()).hexdigest()[:10]}_{name}"


def drop_staging(engine: Engine) -> list[str]:
    """Drop the staging tables of runs that are not running (loaded, failed, or validated and
    never loaded); return their names."""
    with engine.begin() as conn:
        running = ledger.running_runs(conn)
        keep = {staging_table(r, name) for r in running for name in DATASETS}
        names = [
            n
            for n in inspect(conn).get_table_names()
            if n.startswith(STAGING_PREFIX) and n not in keep
        ]
        for name in names:
            Table(name, MetaData()).drop(conn, checkfirst=True)
    return names


def load(settings: Settings, run: RunRef) -> dict[str, Any]:
    """Merge the rows validation staged and record quarantine, in one transaction, holding
    the run's lock."""
    stage = _stage(settings, run)
    counts = stage.read_json("transform.json")
    staged = stage.read_json("validate.json")["staged"]
    landing = _landing(settings, run)
    engine = make_engine(settings.mirror_url)
    with (
        run_lock(
            engine,
            settings.locks_dir,
            lock_scopes(run),
            run.run_id,
            settings.lock_wait_s,
        ),
        engine.begin() as conn,
    ):
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        for name in KIND_DATASETS[run.kind]:
            table, staged_as = DATASETS[name].table, staging_table(run.run_id, name)
            with Stage.resume(conn, table, staged_as, staged[name], _constants(run)) as rows:
                rows.discard(_row_numbers(stage, f"{name}.quarantined.parquet"))
                # The transform set repeated keys aside, so the merge need not look for them.
                result = rows.merge(keys_unique=True)
            held = read_staged(stage, f"{name}.quarantined.parquet")
            held["reasons"] = held["reasons"].map(json.loads)
            held["raw"] = [
                json.dumps(record, ensure_ascii=False)
                for record in landing.records(held["source_ref"].tolist())
            ]
            ledger.record_quarantine(conn, run.run_id, name, held)
            keys = (c["row_key"].astype(str) for c in valid_chunks(stage, name, ["row_key"]))
            ledger.release_quarantine(conn, run.run_id, name, keys)
            counts[name].update(
                inserted=result.inserted,
                updated=result.updated,
                unchanged=result.unchanged,
                quarantined=len(held),
                duplicates=counts[name]["duplicates"] + result.duplicates,
            )
            _check_balance(name, counts[name])
            if name == "national_decisions":
                dated = valid_chunks(stage, name, ["agency_id", "publishing_date"])
                _advance_watermarks(conn, run, pd.concat(dated))
        for page in landing.pages(ANNEX_SOURCE):
            ledger.record_annex_file(
                conn,
                run.run_id,
                run.province,
                page.data["sha256"],
                page.data["file"],
                page.url,
                page.data["size"],
            )
    _return_memory()
    return {
        name: {k: counts[name][k] for k in (*COUNT_KEYS, "from_files") if k in counts[name]}
        for name in KIND_DATASETS[run.kind]
    }


def _advance_watermarks(conn, run: RunRef, decisions: pd.DataFrame) -> None:
    """In the load's transaction: the watermark never runs ahead of committed data."""
    for scope in run.scopes:
        rows = decisions if scope == ALL_AGENCIES else decisions[decisions["agency_id"] == scope]
        newest = rows["publishing_date"].max()
        if pd.notna(newest):
            ledger.advance_watermark(
                conn, "national_decisions", f"agency:{scope}", newest.date(), run.run_id
            )


def _check_balance(name: str, c: dict[str, int]) -> None:
    accounted = c["inserted"] + c["updated"] + c["unchanged"] + c["quarantined"] + c["duplicates"]
    if accounted != c["extracted"]:
        raise RuntimeError(
            f"{name}: {c['extracted']} rows extracted but {accounted} accounted "
            f"for; refusing to commit a run that loses rows"
        )


# --- a whole run ---------------------------------------------------------------------------------
def summary(run: RunRef, datasets: dict | None, error: str | None = None) -> dict[str, Any]:
    return {
        "status": "failed" if error else "success",
        "run_id": run.run_id,
        "error": error,
        "datasets": datasets or {},
        "requests": run.requests,
    }


def begin(settings: Settings, run: RunRef) -> None:
    ledger.start_run(
        make_engine(settings.mirror_url), run.run_id, run.kind, run.scope, run.orchestrator_run_id
    )


def finish(settings: Settings, run: RunRef, result: dict[str, Any]) -> dict[str, Any]:
    """Close the run in the ledger and write its validation page for auditors."""
    from tthc.reports import write_validation_page

    engine = make_engine(settings.mirror_url)
    ledger.finish_run(engine, run.run_id, result)
    drop_staging(engine)  # this run's, if its load did not (it failed), and strays
    if run.kind in KIND_DATASETS:
        with engine.connect() as conn:
            page = write_validation_page(conn, settings, run.run_id)
        if page:
            log.info("validation page: %s", page)
    return result


def sync(settings: Settings, run: RunRef) -> dict[str, Any]:
    """Every step of a run, holding its lock, with the outcome recorded in the ledger whatever
    happens. A run whose data another run is writing fails at once, saying which."""
    engine = make_engine(settings.mirror_url)
    begin(settings, run)
    try:
        with run_lock(
            engine,
            settings.locks_dir,
            lock_scopes(run),
            run.run_id,
            settings.lock_wait_s,
        ):
            for step in (extract, transform, validate):
                run = step(settings, run)
            result = summary(run, load(settings, run))
    except Exception as exc:  # the ledger must say why; the caller still sees the failure
        log.exception("run %s failed", run.run_id)
        result = summary(run, None, f"{type(exc).__name__}: {exc}")
    return finish(settings, run, result)


def reconcile(
    settings: Settings,
    province: str,
    period: str,
    as_of: date | None = None,
    orchestrator_run_id: str | None = None,
    include_predecessors: bool = False,
) -> dict[str, Any]:
    """Classify the period's published items and store them under a new ledger run."""
    from reconcile.quarterly import quarterly_report

    run = RunRef(
        run_id_for("reconcile"),
        "reconcile",
        province,
        period,
        orchestrator_run_id=orchestrator_run_id,
    )
    begin(settings, run)
    engine = make_engine(settings.mirror_url)
    stored = [
        c.name for c in schema.reconciliation_items.columns if c.name not in ("run_id", "period")
    ]
    try:
        with engine.begin() as conn:
            report = quarterly_report(conn, settings, province, period, as_of, include_predecessors)
            rows = pd.DataFrame(report["reconciliation"]["items"], columns=stored)
            for column in ("signed_date", "deadline", "publicized_date"):
                rows[column] = pd.to_datetime(rows[column])
            write_rows(
                conn, schema.reconciliation_items, rows.assign(run_id=run.run_id, period=period)
            )
        result = {**summary(run, {}), "classes": report["reconciliation"]["classes"]}
    except Exception as exc:
        log.exception("reconciliation %s failed", run.run_id)
        result = summary(run, None, f"{type(exc).__name__}: {exc}")
    return finish(settings, run, result)
