"""The load step: merge what validation staged, record what it held, move the watermarks and
note the annex files read, in one transaction and holding the run's lock. A crash leaves the
mirror as it was before the run; a run whose counts do not add up is not committed."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from extractors.annex import ANNEX_SOURCE
from extractors.national_portal import ALL_AGENCIES
from loaders import ledger
from loaders.db import make_engine
from loaders.locks import run_lock
from loaders.staging import staging_table, tune_for_merge
from loaders.upsert import Stage
from tthc import datasets
from tthc.pipeline.files import return_memory
from tthc.pipeline.runs import COUNT_KEYS, EXTRA_COUNTS, RunRef, landing, run_files
from tthc.settings import Settings


def load(settings: Settings, run: RunRef) -> dict[str, Any]:
    """Per dataset, the run summary's counts (``COUNT_KEYS``, and ``from_files``)."""
    files = run_files(settings, run)
    counts, staged = files.counts(), files.staged()
    landed = landing(settings, run)
    engine = make_engine(settings.mirror_url)
    names = datasets.kind(run.kind).datasets
    with (
        run_lock(engine, run.lock_scopes, run.run_id, settings.lock_wait_s),
        engine.begin() as conn,
    ):
        tune_for_merge(conn)
        for name in names:
            table = datasets.DATASETS[name].table
            staged_as = staging_table(run.run_id, name)
            with Stage.resume(conn, table, staged_as, staged[name], run.constants) as rows:
                rows.discard(files.quarantined_numbers(name))
                # The transform set repeated keys aside, so the merge need not look for them.
                result = rows.merge(keys_unique=True)
            held = files.quarantined(name)
            held["reasons"] = held["reasons"].map(json.loads)
            held["raw"] = [_as_json(r) for r in landed.records(held["source_ref"].tolist())]
            ledger.record_quarantine(conn, run.run_id, name, held)
            keys = (c["row_key"].astype(str) for c in files.valid_chunks(name, ["row_key"]))
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
                dated = files.valid_chunks(name, ["agency_id", "publishing_date"])
                _advance_watermarks(conn, run, pd.concat(dated))
        for page in landed.pages(ANNEX_SOURCE):
            ledger.record_annex_file(
                conn,
                run.run_id,
                run.province,
                page.data["sha256"],
                page.data["file"],
                page.url,
                page.data["size"],
            )
    return_memory()
    return {
        name: {k: counts[name][k] for k in (*COUNT_KEYS, *EXTRA_COUNTS) if k in counts[name]}
        for name in names
    }


def _as_json(record: Any) -> str:
    """A held row as received, as JSON text any database stores: escaped to ASCII where it
    holds what UTF-8 cannot encode (a lone surrogate); NUL is escaped by JSON itself."""
    text = json.dumps(record, ensure_ascii=False)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(record)
    return text


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
