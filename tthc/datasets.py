"""The registry: every dataset the mirror holds and every kind of run, described once.

A ``Dataset`` is a table of the mirror, the landed sources that feed it (each through a pure
transform), its Great Expectations suite and the dataset its rows point at. A ``Kind`` is a
sort of run: the datasets it writes, what it extracts, the scopes it locks and what it needs to
be told. The step runner (``tthc.pipeline``), the reports and the tests read this module and
nothing else about datasets; adding one is an entry here, a transform, a suite and a table
(README, "Adding a dataset").

A leaf: it imports the tables and the transforms, never the runner.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Literal

import pandas as pd
from sqlalchemy import Table

from extractors.annex import ANNEX_SOURCE
from extractors.decision_documents import DOCUMENT_SOURCE, PAGE_SOURCE
from extractors.national_portal import PROCEDURE_LIST_SERVICES
from loaders import schema
from transforms import annex, documents, dossier_stats, national, publications
from transforms.frames import with_content_hash, with_text_fixes
from transforms.text import TextFixes, clean_record_text

# Columns that say where a row came from, not what it says: left out of its content hash.
TRACKING = frozenset({"content_hash", "source_ref", "first_run_id", "run_id"})


@dataclass(frozen=True)
class Source:
    """A landing source and the pure transform that turns a group of its pages into rows.

    ``reads``: what the transform takes of each page, ``"payloads"`` ``(ref, data)`` or
    ``"requests"`` ``(ref, params, data)`` (a listing whose request says which decision a row
    is of). ``province``: the transform also takes the run's province. ``files``: the pages are
    documents, one per file, so their rows are counted apart (``from_files``) and the row-count
    floor leaves them out."""

    landing: str
    transform: Callable[..., pd.DataFrame]
    reads: Literal["payloads", "requests"] = "requests"
    province: bool = False
    files: bool = False

    def rows(self, pages: list, province: str | None) -> pd.DataFrame:
        """The transform on landed pages (``extractors.landing.LandedPage``), their text
        cleaned first where it needs it: each row's ``text_problem`` names its fields that
        cannot be text (the suites hold such rows), and ``text_removed`` counts the control
        characters taken out of it."""
        fixes: dict[str, TextFixes] = {}
        datas = []
        for page in pages:
            data = page.data
            if page.suspect:
                data, fixes[page.ref] = clean_record_text(data)
            datas.append(data)
        if self.reads == "payloads":
            records = [(p.ref, d) for p, d in zip(pages, datas, strict=True)]
        else:
            records = [(p.ref, p.params, d) for p, d in zip(pages, datas, strict=True)]
        df = self.transform(records, province) if self.province else self.transform(records)
        return with_text_fixes(df, fixes)


@dataclass(frozen=True)
class Dataset:
    name: str
    table: Table
    sources: tuple[Source, ...]
    parent: str | None = None  # each row's decision_id must be a valid row of this dataset

    @property
    def key(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]

    @property
    def suite(self) -> str:
        """The suite's name: ``expectations/suites/<suite>.json``."""
        return self.name

    @property
    def from_files(self) -> bool:
        return any(s.files for s in self.sources)

    def keyed(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` as the run files keep it: hashed, and with ``row_key``, the table's key as
        one text (its parts joined by "|"), by which quarantine holds and releases a row;
        null where a part is missing (quarantine then knows the row by its ``source_ref``)."""
        parts = [df[k].astype("string") for k in self.key]
        row_key = parts[0]
        for part in parts[1:]:
            row_key = row_key + "|" + part
        return self.hashed(df).assign(row_key=row_key)

    def hashed(self, df: pd.DataFrame) -> pd.DataFrame:
        """``df`` with the content hash the merge compares, over the dataset's content columns
        (not the run's bookkeeping)."""
        content = [c.name for c in self.table.columns if c.name in df.columns]
        return with_content_hash(df, [c for c in content if c not in TRACKING])


@dataclass(frozen=True)
class Kind:
    """A kind of run. ``extracts``: ``"province"`` (the province's feed and annex files),
    ``"dossier_stats"`` (its Form 06 rows for the period), and ``national`` the portal's
    listings: of the province's own agency with its publicized list (``"province"``), or of
    every agency, with the publicized list on a full pass (``"all"``). ``locks``: the scopes
    it writes (``loaders.locks``), ``{province}`` filled in."""

    name: str
    datasets: tuple[str, ...] = ()
    extracts: tuple[str, ...] = ()
    national: Literal["province", "all"] | None = None
    locks: tuple[str, ...] = ()
    needs_province: bool = False
    needs_period: bool = False

    @property
    def syncs(self) -> bool:
        """A sync writes datasets; a reconciliation only reads them."""
        return bool(self.datasets)

    def lock_scopes(self, province: str | None) -> list[str]:
        return [scope.format(province=province) for scope in self.locks]


_FEED = partial(Source, "province_feed", reads="payloads")
_ANNEX = partial(Source, ANNEX_SOURCE, reads="payloads", province=True, files=True)
# The portal's signed documents: last, so the province's own feed and folders win a decision.
_DOCUMENT = partial(Source, DOCUMENT_SOURCE, reads="payloads", province=True, files=True)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "province_decisions",
            schema.province_decisions,
            (
                _FEED(publications.province_decisions, province=True),
                _ANNEX(annex.annex_decisions),
                _DOCUMENT(documents.document_decisions),
            ),
        ),
        Dataset(
            "province_items",
            schema.province_items,
            (
                _FEED(publications.province_items),
                _ANNEX(annex.annex_items),
                _DOCUMENT(documents.document_items),
            ),
            parent="province_decisions",
        ),
        Dataset(
            "province_workflows",
            schema.province_workflows,
            (_FEED(publications.province_workflows),),
            parent="province_decisions",
        ),
        Dataset(
            "national_agencies",
            schema.national_agencies,
            (Source("national_agencies", national.national_agencies),),
        ),
        Dataset(
            "national_fields",
            schema.national_fields,
            (Source("national_fields", national.national_fields),),
        ),
        Dataset(
            "national_decisions",
            schema.national_decisions,
            (Source("national_decisions", national.national_decisions),),
        ),
        Dataset(
            "national_procedures",
            schema.national_procedures,
            tuple(
                Source(f"national_procedures_{kind}", partial(national.procedure_list, kind))
                for kind in PROCEDURE_LIST_SERVICES
            ),
            parent="national_decisions",
        ),
        Dataset(
            "national_decision_fields",
            schema.national_decision_fields,
            (Source("national_decision_fields", national.national_decision_fields),),
            parent="national_decisions",
        ),
        Dataset(
            "national_decision_pages",
            schema.national_decision_pages,
            (Source(PAGE_SOURCE, national.national_decision_pages),),
            parent="national_decisions",
        ),
        Dataset(
            "national_documents",
            schema.national_documents,
            (_DOCUMENT(documents.national_documents),),
            parent="national_decisions",
        ),
        Dataset(
            "national_publicized",
            schema.national_publicized,
            (Source("national_publicized", national.national_publicized),),
        ),
        Dataset(
            "dossier_stats",
            schema.dossier_stats,
            (Source("dossier_stats", dossier_stats.dossier_stats, reads="payloads"),),
        ),
    ]
}
NATIONAL = tuple(name for name in DATASETS if name.startswith("national_"))

KINDS: dict[str, Kind] = {
    k.name: k
    for k in [
        Kind(
            "publications",
            datasets=("province_decisions", "province_items", "province_workflows", *NATIONAL),
            extracts=("province",),
            national="province",
            locks=("province:{province}", "national"),
            needs_province=True,
        ),
        Kind("national", datasets=NATIONAL, national="all", locks=("national",)),
        Kind(
            "dossier-stats",
            datasets=("dossier_stats",),
            extracts=("dossier_stats",),
            locks=("province:{province}:dossier-stats",),
            needs_province=True,
            needs_period=True,
        ),
        # Reads the mirror and stores its classes under a run of its own (reconcile/run.py).
        Kind("reconcile", needs_province=True, needs_period=True),
    ]
}
SYNC_KINDS = tuple(name for name, kind in KINDS.items() if kind.syncs)
PARENTS = frozenset(d.parent for d in DATASETS.values() if d.parent)


def kind(name: str) -> Kind:
    try:
        return KINDS[name]
    except KeyError:
        raise ValueError(f"unknown run kind {name!r} (known: {', '.join(KINDS)})") from None
