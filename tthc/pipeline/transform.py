"""The transform step: the landed pages through the datasets' pure transforms into canonical
tables (``RunFiles``), in worker processes, with every row counted."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from extractors.landing import Landing
from transforms.frames import split_duplicates
from tthc import datasets
from tthc.pipeline import sizes
from tthc.pipeline.files import RunFiles, return_memory
from tthc.pipeline.runs import RunRef, landing, run_files
from tthc.settings import Settings
from tthc.storage import Store
from tthc.workers import parallel_map


def page_groups(landed: Landing, source: str) -> list[list[int]]:
    """The source's pages in groups of about ``sizes.CHUNK_BYTES`` of landed JSON, in landing order:
    the transform's units of work, sized so memory stays bounded whatever the rows' width."""
    groups, group, size = [], [], 0
    for number, page_bytes in landed.page_sizes(source).items():
        group.append(number)
        size += page_bytes
        if size >= sizes.CHUNK_BYTES:
            groups.append(group)
            group, size = [], 0
    return [*groups, group] if group else groups


@dataclass(frozen=True)
class _TransformGroup:
    """One group of a source's pages through every dataset it feeds, in a worker process. The
    rows unique within the group, with their content hash, go to the group's part of each
    dataset's transformed table (written by the worker: rows never travel between processes);
    per dataset it returns the rows read, the duplicates dropped, the control characters taken
    out of their text, and a hash of each written row's key (to find keys repeated across
    groups)."""

    landing_url: str
    files_url: str
    province: str | None
    source: str
    names: tuple[str, ...]

    def __call__(self, group: tuple[int, list[int]]) -> dict[str, tuple[int, int, int, np.ndarray]]:
        part, numbers = group
        pages = Landing(self.landing_url).read(self.source, numbers)
        files = RunFiles(Store(self.files_url))
        out = {}
        for name in self.names:
            dataset = datasets.DATASETS[name]
            source = next(s for s in dataset.sources if s.landing == self.source)
            df = source.rows(pages, self.province)
            removed = int(df.pop("text_removed").sum())
            unique, duplicates = split_duplicates(df, dataset.key)
            if len(unique):
                files.write_transformed(name, part, dataset.keyed(unique))
            # As text whatever the group's dtypes, so equal keys always hash alike.
            as_text = unique[dataset.key].astype("string")
            keys = pd.util.hash_pandas_object(as_text, index=False).to_numpy()
            out[name] = (len(df), duplicates, removed, keys)
        return out


def transform(settings: Settings, run: RunRef) -> RunRef:
    """Canonical tables, as Parquet. Groups of pages are transformed in
    ``settings.worker_processes`` processes, each group written as its own part of the table,
    numbered in landing order; each landed page is parsed once, whatever number of datasets it
    feeds. A key repeated within a group is dropped
    there, one repeated across groups is set aside by row number (``<name>.duplicates``):
    both are counted as duplicates, and the first row of each key is the one kept."""
    files = run_files(settings, run)
    landed = landing(settings, run)
    wanted = [datasets.DATASETS[name] for name in datasets.kind(run.kind).datasets]
    by_source: dict[str, list[str]] = {}
    for dataset in wanted:
        for source in dataset.sources:
            by_source.setdefault(source.landing, []).append(dataset.name)
    files_sources = {s.landing for d in wanted for s in d.sources if s.files}
    counts = {d.name: {"extracted": 0, "duplicates": 0} for d in wanted}
    for dataset in wanted:
        if dataset.from_files:
            counts[dataset.name]["from_files"] = 0
    files.clear_transformed([d.name for d in wanted])  # a retried transform starts over
    key_hashes: dict[str, list[np.ndarray]] = {d.name: [] for d in wanted}
    parts = 0  # the groups of every source, numbered in landing order: the parts' order
    for source, names in by_source.items():
        work = _TransformGroup(landed.store.url, files.store.url, run.province, source, (*names,))
        groups = list(enumerate(page_groups(landed, source), start=parts))
        parts += len(groups)
        for results in parallel_map(work, groups, settings.worker_processes):
            for name, (extracted, duplicates, removed, keys) in results.items():
                key_hashes[name].append(keys)
                counts[name]["extracted"] += extracted
                counts[name]["duplicates"] += duplicates
                if removed:
                    c = counts[name]
                    c["control_characters_removed"] = (
                        c.get("control_characters_removed", 0) + removed
                    )
                if source in files_sources:
                    counts[name]["from_files"] += extracted
    losers: dict[str, pd.DataFrame] = {}  # per parent: decisions given first by another page
    for dataset in wanted:  # parents before their children, as the registry lists them
        if not files.has_transformed(dataset.name):  # an empty table, with its columns
            empty = dataset.keyed(dataset.sources[0].rows([], run.province))
            empty = empty.drop(columns="text_removed")
            files.write_transformed(dataset.name, 0, empty)
        repeated = _repeated_rows(files, dataset, key_hashes[dataset.name])
        if dataset.name in datasets.PARENTS:
            losers[dataset.name] = _pages_of(files, dataset.name, repeated)
        if dataset.parent in losers:
            repeated = np.union1d(
                repeated, _rows_of_losers(files, dataset.name, losers[dataset.parent])
            )
        files.write_duplicates(dataset.name, repeated)
        counts[dataset.name]["duplicates"] += len(repeated)
    files.write_counts(counts)
    return_memory()
    return run


def _landed_page(source_ref: pd.Series) -> pd.Series:
    """The landed page a row came from: ``province_feed#2:decisions/0`` -> ``province_feed#2``."""
    return source_ref.str.split(":").str[0]


def _pages_of(files: RunFiles, name: str, numbers: np.ndarray) -> pd.DataFrame:
    """The decision and the landed page of the rows numbered so (decisions another page gave
    first)."""
    if not len(numbers):
        return pd.DataFrame(columns=["decision_id", "page"])
    rows = pd.concat(
        chunk[chunk.index.isin(numbers)]
        for chunk in files.chunks(name, ["decision_id", "source_ref"])
    )
    return pd.DataFrame(
        {"decision_id": rows["decision_id"], "page": _landed_page(rows["source_ref"])}
    )


def _rows_of_losers(files: RunFiles, name: str, losers: pd.DataFrame) -> np.ndarray:
    """A decision given twice (by two sources, or twice by a listing that shifted) is the
    first one's, whole: the rows (annex items) the page of the other gave for it are
    duplicates too, whatever their own keys (a signed document numbers its rows in its own
    order, the feed in its own)."""
    if losers.empty:
        return np.array([], dtype="int64")
    lost = set(zip(losers["decision_id"], losers["page"], strict=True))
    numbers = []
    for chunk in files.chunks(name, ["decision_id", "source_ref"]):
        pages = _landed_page(chunk["source_ref"])
        hit = [(d, p) in lost for d, p in zip(chunk["decision_id"], pages, strict=True)]
        numbers.append(chunk.index[hit].to_numpy(dtype="int64"))
    return np.concatenate(numbers)


def _repeated_rows(
    files: RunFiles, dataset: datasets.Dataset, key_hashes: list[np.ndarray]
) -> np.ndarray:
    """The numbers of the transformed rows whose key an earlier group already gave (keep the
    first). Groups are transformed apart, so this is found here: distinct key hashes prove
    distinct keys, and only rows whose hash repeats have their keys compared."""
    hashes = np.concatenate(key_hashes) if key_hashes else np.array([], dtype="uint64")
    values, times = np.unique(hashes, return_counts=True)
    suspects = np.flatnonzero(np.isin(hashes, values[times > 1]))
    if not len(suspects):
        return suspects
    rows = files.chunks(dataset.name, dataset.key)
    keys = pd.concat(chunk[chunk.index.isin(suspects)] for chunk in rows)
    repeated = keys.duplicated(keep="first") & keys.notna().all(axis=1)  # no key: held apart
    return keys.index[repeated].to_numpy(dtype="int64")
