"""What many tests share that is not a fixture: the bundled dataset and its figures, settings
for a test, one sync with its rows accounted for, and a snapshot of the mirror's data."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = Path(__file__).parent / "fixtures" / "national-portal"
DATASET = ROOT / "data" / "bac-kan-2020-q2"

# The figures of Bắc Kạn's real Q2/2020 report (README, "Two commands"): the bundled dataset must
# reproduce them.
SEED_FIGURES = {
    "publication_decisions": 14,
    "procedures_published": 207,
    "workflow_decisions": 8,
    "workflows_approved": 93,
    "procedures_publicized": 198,
    "dossiers_received": 58463,
    "dossiers_resolved": 57064,
    "dossiers_in_progress": 1399,
    "dossiers_online": 6687,
}
# Columns that say which run wrote a row, not what it holds.
UNTRACKED = ["content_hash", "source_ref", "first_run_id", "run_id"]


def as_run_files(name: str, df):
    """A transform's rows as the run files hold them (``tthc.pipeline.transform``): with the
    text-problem column and the row key the suites read."""
    from transforms.frames import with_text_fixes
    from tthc.datasets import DATASETS

    return DATASETS[name].keyed(with_text_fixes(df, {}).drop(columns="text_removed"))


def make_settings(home: Path, url: str, mirror_url: str = "", **extra):
    from tthc.settings import Settings

    defaults = {"http_backoff_s": 0.01, "http_retries": 2, "national_rate_limit_per_s": 0}
    return Settings(
        home=home,
        province_feed_url=url,
        national_portal_url=url,
        mirror_url=mirror_url,
        **{**defaults, **extra},
    )


def assert_rows_accounted_for(result: dict) -> None:
    """Every extracted row of every dataset is inserted, updated, unchanged, quarantined or a
    duplicate (the run summary's own promise, checked from its figures)."""
    for name, c in result["datasets"].items():
        outcomes = ("inserted", "updated", "unchanged", "quarantined", "duplicates")
        assert c["extracted"] == sum(c[k] for k in outcomes), name


def sync(settings, kind: str = "publications", expect: str | None = "success", **run) -> dict:
    """One run of ``kind`` through every step (``run``: ``new_run``'s arguments), with every
    row accounted for; its status is asserted to be ``expect`` unless that is None."""
    from tthc import pipeline

    result = pipeline.sync(settings, pipeline.new_run(kind, **run))
    if expect:
        assert result["status"] == expect, result["error"]
    assert_rows_accounted_for(result)
    return result


def sync_dataset(home: Path, data: Path = DATASET, periods: tuple[str, ...] = ("2020-Q2",)):
    """A fresh SQLite mirror under ``home`` with ``data`` synced through the simulator: the
    publications and the statistics of ``periods``. Returns the settings used."""
    from loaders.db import make_engine, upgrade
    from simulator.server import SimulatorServer

    url = f"sqlite:///{home / 'mirror.sqlite'}"
    upgrade(make_engine(url))
    with SimulatorServer(data) as server:
        settings = make_settings(home, server.url, url)
        sync(settings, province="06")
        for period in periods:
            sync(settings, "dossier-stats", province="06", period=period)
    return settings


def snapshot(url: str) -> dict[str, list[tuple]]:
    """The mirror's data, without the columns that say which run wrote it."""
    from loaders.db import make_engine
    from loaders.schema import DATA_TABLES

    engine = make_engine(url)
    out = {}
    with engine.connect() as conn:
        for table in DATA_TABLES:
            columns = [c for c in table.columns if c.name not in UNTRACKED]
            out[table.name] = sorted(tuple(map(str, r)) for r in conn.execute(select(*columns)))
    engine.dispose()
    return out


def without_documents(out: Path, data: Path = DATASET) -> Path:
    """A copy of ``data`` whose portal decisions list no signed documents: for tests of the
    province's own annex folders, where the portal's documents would add decisions."""
    import json
    import shutil

    shutil.copytree(data, out)
    path = out / "national" / "decisions.json"
    decisions = json.loads(path.read_text(encoding="utf-8"))
    for decision in decisions:
        decision.pop("attachments", None)
    path.write_text(json.dumps(decisions, ensure_ascii=False), encoding="utf-8")
    return out


def signed_document_items() -> int:
    """The procedure rows of the bundled dataset's signed documents, as the annex reader
    reads them."""
    from extractors.annex import AnnexFile, annex_rows
    from transforms.documents import document_items

    pages = []
    for path in sorted((DATASET / "national" / "documents").glob("*.docx")):
        document = AnnexFile(str(path), path.name, path.read_bytes())
        page = {"file": path.name, "sha256": document.sha256, "rows": annex_rows(document)}
        pages.append((f"national_documents#{len(pages) + 1}", page))
    return len(document_items(pages, "06"))
