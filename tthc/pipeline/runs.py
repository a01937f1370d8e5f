"""A run's life: its ``RunRef`` (what one step hands the next), where its landed pages and
files are, and its entry in the ledger from ``begin`` to ``finish``."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from extractors.landing import Landing
from loaders import ledger
from loaders.db import make_engine, open_mirror
from loaders.locks import is_free, run_lock
from loaders.staging import drop_staging
from reconcile.calendar import period_bounds
from tthc import datasets
from tthc.pipeline.files import RunFiles
from tthc.settings import Settings
from tthc.storage import Store

log = logging.getLogger(__name__)
COUNT_KEYS = ("extracted", "inserted", "updated", "unchanged", "quarantined", "duplicates")
# Beside them where they apply: rows read from files (annexes), and control characters taken
# out of the rows' text.
EXTRA_COUNTS = ("from_files", "control_characters_removed")


@dataclass
class RunRef:
    """What one step hands the next: what the run is about and where its files are (by its
    id), never data. JSON-able, for XCom."""

    run_id: str
    kind: str  # a name of ``tthc.datasets.KINDS``
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
        return ledger.scope_of(self.province, self.period, self.agency_ids)

    @property
    def constants(self) -> dict[str, str]:
        """What every row the run loads shares: the merge writes them, the staging tables
        leave them out."""
        return {"run_id": self.run_id, "first_run_id": self.run_id}

    @property
    def lock_scopes(self) -> list[str]:
        """What the run writes, for ``loaders.locks``."""
        return datasets.kind(self.kind).lock_scopes(self.province)


def landing(settings: Settings, run: RunRef) -> Landing:
    """The run's raw pages and files, as the extract step landed them."""
    return Landing(Store(settings.landing_dir) / run.run_id)


def run_files(settings: Settings, run: RunRef) -> RunFiles:
    """The run's files between steps."""
    return RunFiles.of(settings.run_files_dir, run.run_id)


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
    spec = datasets.kind(kind)  # fail now, not after the first requests
    if spec.needs_province and not province:
        raise ValueError(f"a {kind} run needs a province")
    if spec.needs_period and not period:
        raise ValueError(f"a {kind} run needs a period (YYYY-Qn)")
    if period:
        period_bounds(period)  # "2020-Q2" or a clear error, before anything runs
    if since:
        date.fromisoformat(since)
    return RunRef(
        ledger.new_run_id(kind),
        kind,
        province,
        period,
        list(agency_ids or []),
        orchestrator_run_id,
        full,
        since,
        annex_sources=list(annex_sources or []),
    )


def summary(run: RunRef, counts: dict | None, error: str | None = None) -> dict[str, Any]:
    return ledger.run_summary(run.run_id, counts, error, run.requests)


def working(settings: Settings, run: RunRef):
    """Held while a step of the run works (``loaders.locks``): a run of the ledger that is
    ``running`` while nobody holds this was killed."""
    return run_lock(make_engine(settings.mirror_url), [f"run:{run.run_id}"], run.run_id)


def begin(settings: Settings, run: RunRef) -> None:
    """Open the run in the ledger, once the mirror is known to be ready; first close as
    ``abandoned`` the runs of the same kind and scope that were killed (running in the ledger,
    nobody working on them; runs an orchestrator drives are its to close), and drop their
    staging tables."""
    engine = open_mirror(settings.mirror_url)
    with engine.connect() as conn:
        unfinished = ledger.unfinished_runs(conn, run.kind, run.scope)
    abandoned = [
        run_id
        for run_id, orchestrated in unfinished
        if not orchestrated and is_free(engine, f"run:{run_id}")
    ]
    for run_id in abandoned:
        log.warning("run %s was abandoned (killed?): closing it", run_id)
        ledger.close_abandoned(engine, run_id, run.run_id)
    if abandoned:
        drop_staging(engine)
    ledger.start_run(engine, run.run_id, run.kind, run.scope, run.orchestrator_run_id)


def finish(settings: Settings, run: RunRef, result: dict[str, Any]) -> dict[str, Any]:
    """Close the run in the ledger and write its validation page for auditors."""
    from tthc.reports import write_validation_page

    engine = make_engine(settings.mirror_url)
    ledger.finish_run(engine, run.run_id, result)
    drop_staging(engine)  # this run's, if its load did not (it failed), and strays
    if datasets.kind(run.kind).syncs:
        with engine.connect() as conn:
            page = write_validation_page(conn, settings, run.run_id)
        if page:
            log.info("validation page: %s", page)
    return result
