"""The fault suite's harness (``tests/test_faults.py``): one case is a source that misbehaves
(the simulator's ``FaultRule``s, or a changed copy of the bundled dataset), synced into a fresh
mirror and compared row by row with a clean sync of the same data.

What every case asserts: every row read is accounted for; a run that must fail fails, with a
clear message and the mirror as it was before; a run that must succeed holds exactly the rows
expected, with their reasons, and otherwise loads what the clean sync loads, nothing doubled."""

from __future__ import annotations

import copy
import json
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from loaders.db import make_engine
from loaders.schema import quarantine
from simulator.server import FaultRule, Faults, SimulatorServer
from tests.helpers import DATASET, make_settings, sync
from tthc import datasets

PAGE_SIZE = 5  # several pages of every listing: repeated and shifted pages can happen
FAST = {
    "page_size": PAGE_SIZE,
    "http_timeout_s": 0.5,
    "http_deadline_s": 1.5,
    "http_retries": 2,
    "http_backoff_s": 0.01,
    "http_backoff_max_s": 0.05,
}
Data = dict[str, object]  # the dataset's JSON files by relative path, parsed


@dataclass
class Case:
    """``faults``: in force while the case's run extracts. ``change``: edits a copy of the
    dataset's files (``Data``). ``before``: a clean sync of the same data first, so the run
    meets a mirror that has seen the source. ``fails``: a regex the error must match (the run
    must fail); else ``held``: (dataset, reason regex) of each row the run must hold.
    ``check``: more assertions on the mirror, given its engine and the run summary."""

    id: str
    kind: str = "publications"
    faults: list[FaultRule] = field(default_factory=list)
    change: Callable[[Data], None] | None = None
    before: bool = False
    fails: str | None = None
    held: list[tuple[str, str]] = field(default_factory=list)
    check: Callable[..., None] | None = None
    settings: dict = field(default_factory=dict)
    options: dict = field(default_factory=dict)  # more of the faulted run's (``full``)
    # Per dataset, rows of the clean sync expected to load changed (or under another key),
    # and rows expected absent without being held (their source no longer names them).
    changed: dict[str, int] = field(default_factory=dict)
    absent: dict[str, int] = field(default_factory=dict)

    @property
    def run(self) -> dict:
        if self.kind == "dossier-stats":
            return {"province": "06", "period": "2020-Q2"}
        return {"province": "06"}


def read_data(root: Path = DATASET) -> Data:
    return {
        str(p.relative_to(root)): json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(root.rglob("*.json"))
    }


def write_data(data: Data, root: Path) -> Path:
    shutil.copytree(DATASET, root)
    for rel, content in data.items():
        # ASCII: a lone surrogate goes as its JSON escape, as a source would send it.
        (root / rel).write_text(json.dumps(content), encoding="utf-8")
    return root


def rows_by_key(url: str) -> dict[str, dict[str, tuple]]:
    """Per dataset, each row's content (tracking columns left out) by its key."""
    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for name, dataset in datasets.DATASETS.items():
            table = dataset.table
            columns = [c for c in table.columns if c.name not in datasets.TRACKING]
            rows = {}
            for row in conn.execute(select(*columns)):
                values = row._mapping
                rows["|".join(str(values[k]) for k in dataset.key)] = tuple(map(str, row))
            out[name] = rows
    return out


def held_rows(url: str, run_id: str) -> list[dict]:
    with make_engine(url).connect() as conn:
        rows = conn.execute(select(quarantine).where(quarantine.c.run_id == run_id)).all()
    return [
        {"dataset": r.dataset, "row_key": r.row_key, "reasons": json.loads(r.reasons_json)}
        for r in rows
    ]


class Harness:
    """A clean sync of the bundled dataset (the reference), and a fresh mirror per case."""

    def __init__(self, home: Path, template_url: str) -> None:
        self.home, self.template = home, Path(template_url.removeprefix("sqlite:///"))
        self.clean: dict[str, dict[str, dict[str, tuple]]] = {}
        self.clean_held: dict[str, set[tuple[str, str]]] = {}  # the dataset's planted bad rows
        for kind in ("publications", "dossier-stats"):
            url = self.mirror(f"clean-{kind}")
            with SimulatorServer(DATASET) as server:
                settings = make_settings(home / f"clean-{kind}", server.url, url, **FAST)
                result = sync(settings, kind, **Case("clean", kind).run)
            self.clean[kind] = rows_by_key(url)
            held = held_rows(url, result["run_id"])
            self.clean_held[kind] = {(r["dataset"], r["row_key"]) for r in held}

    def mirror(self, name: str) -> str:
        """A migrated, empty mirror of its own (a copy of one migrated once)."""
        path = self.home / name / "mirror.sqlite"
        path.parent.mkdir(parents=True)
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def run(self, case: Case) -> None:
        url = self.mirror(case.id)
        home = self.home / case.id
        data_dir = DATASET
        if case.change:
            data = copy.deepcopy(read_data())
            case.change(data)
            data_dir = write_data(data, home / "data")
        with SimulatorServer(data_dir) as server:
            settings = make_settings(home, server.url, url, **{**FAST, **case.settings})
            if case.before:
                sync(settings, case.kind, **case.run)
            before = rows_by_key(url)
            server.simulator.faults = Faults(*case.faults)
            result = sync(settings, case.kind, expect=None, **case.run, **case.options)
        after = rows_by_key(url)
        if case.fails:
            assert result["status"] == "failed", f"{case.id}: the run did not fail"
            assert re.search(case.fails, result["error"] or ""), result["error"]
            assert after == before, f"{case.id}: a failed run changed the mirror"
        else:
            assert result["status"] == "success", f"{case.id}: {result['error']}"
            self._compare(case, url, result, after)
        if case.check:
            case.check(make_engine(url), result)

    def _compare(self, case: Case, url: str, result: dict, after: dict) -> None:
        held = held_rows(url, result["run_id"])
        expected = sorted(case.held)
        found = []
        for row in held:
            if (row["dataset"], row["row_key"]) in self.clean_held[case.kind]:
                continue  # held by the clean sync too
            said = "; ".join(r["reason"] for r in row["reasons"])
            match = next(
                (e for e in expected if e[0] == row["dataset"] and re.search(e[1], said)), None
            )
            assert match, f"{case.id}: {row['dataset']} {row['row_key']} held for {said!r}"
            found.append(match)
        assert sorted(found) == expected, f"{case.id}: held {found}, expected {expected}"
        for name, c in result["datasets"].items():
            assert c["quarantined"] == sum(1 for r in held if r["dataset"] == name), name
        clean = self.clean[case.kind]
        held_keys = {(r["dataset"], r["row_key"]) for r in held}
        for name in result["datasets"]:
            # Nothing loaded that the clean sync lacks, nothing lost that is not held.
            changed = [k for k, row in after[name].items() if clean[name].get(k) != row]
            assert len(changed) == case.changed.get(name, 0), f"{case.id}: {name} {changed}"
            missing = [
                k for k in clean[name] if k not in after[name] and (name, k) not in held_keys
            ]
            assert len(missing) == case.absent.get(name, 0), f"{case.id}: {name} lost {missing}"
