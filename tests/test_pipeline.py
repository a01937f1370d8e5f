"""The whole run through HTTP and the database, on SQLite and on PostgreSQL."""

import json
import shutil

import pytest
from sqlalchemy import MetaData, Table, delete, func, inspect, select

from loaders.db import make_engine, upgrade
from loaders.schema import province_items, quarantine, run_ledger
from loaders.staging import STAGING_PREFIX, staging_table
from loaders.upsert import StagingLost
from reconcile.quarterly import quarterly_report
from simulator.server import FaultRule, Faults, SimulatorServer
from tests.helpers import (
    DATASET,
    SEED_FIGURES,
    assert_rows_accounted_for,
    make_settings,
    signed_document_items,
    snapshot,
    sync,
)
from tthc import pipeline
from tthc.datasets import KINDS
from tthc.pipeline import sizes
from tthc.reports import mirror_stats, validation_report

# Each planted defect of the bundled dataset and the expectation that must catch it.
# Held rows by the table's key (an annex row: its decision and procedure code).
PLANTED = {
    ("province_items", "06-2020-0612|1.00758"): "procedure_code_pattern",
    ("province_items", "06-2020-0647|2.004594"): "action_known",
    ("province_decisions", "06-2020-0745"): "signed_date_valid",
    ("province_items", "06-2020-0745|2.010256"): "item_decision_known",
    ("province_decisions", "06-2020-XXXX"): "decision_number_pattern",
    ("national_decisions", "61272"): "publishing_date_valid",
    ("dossier_stats", "06|2020-Q2|Sở Ngoại vụ"): "received_identity",
    ("dossier_stats", "06|2020-Q2|Sở Khoa học và Công nghệ"): "received_is_number",
}


def sync_all(settings):
    return [
        sync(settings, province="06"),
        sync(settings, "dossier-stats", province="06", period="2020-Q2"),
    ]


@pytest.fixture
def engine(mirror_url):
    engine = make_engine(mirror_url)
    upgrade(engine)
    yield engine
    engine.dispose()


def test_bundled_dataset_gives_the_seed_figures(tmp_path, simulator, engine, mirror_url):
    settings = make_settings(tmp_path, simulator.url, mirror_url)
    publications, stats = sync_all(settings)
    # The repeated annex row; and every row of the portal's signed documents, whose decisions
    # the feed and the annex folder give first (a decision is one source's, whole).
    items = publications["datasets"]["province_items"]
    assert items["duplicates"] == 1 + signed_document_items()
    assert publications["datasets"]["province_decisions"]["duplicates"] == 14

    with engine.connect() as conn:
        report = quarterly_report(conn, settings.rules, "06", "2020-Q2")
        held = {
            (r.dataset, r.row_key): json.loads(r.reasons_json)
            for r in conn.execute(select(quarantine))
        }
        validation = validation_report(conn, settings, publications["run_id"])
    assert {k: report[k] for k in SEED_FIGURES} == SEED_FIGURES
    classes = report["reconciliation"]["classes"]
    assert sum(classes.values()) == SEED_FIGURES["procedures_published"]
    # the 9 published but not publicized in the quarter, each with its reason
    assert classes["overdue_not_publicized"] == 4 and classes["abolished_removed"] == 2
    late_q3 = [
        i
        for i in report["reconciliation"]["items"]
        if i["publicized_date"] and i["publicized_date"] > "2020-06-30"
    ]
    assert len(late_q3) == 3 and {i["class"] for i in late_q3} == {"publicized_late"}
    for (dataset, key), expectation in PLANTED.items():
        assert expectation in [r["expectation"] for r in held[(dataset, key)]], (dataset, key)
    assert (
        validation["data_docs_index"] and validation["quarantined"]["province_items"]["rows"] == 7
    )
    assert {s["name"] for s in validation["suites"]} >= {
        "province_decisions",
        "province_items",
        "national_decisions",
    }


def test_a_second_sync_writes_nothing(tmp_path, simulator, engine, mirror_url):
    settings = make_settings(tmp_path, simulator.url, mirror_url)
    sync_all(settings)
    with engine.connect() as conn:
        before = mirror_stats(conn)
    for result in sync_all(settings):
        for name, c in result["datasets"].items():
            assert c["inserted"] == 0 and c["updated"] == 0, name
            assert c["unchanged"] == c["extracted"] - c["quarantined"] - c["duplicates"]
    with engine.connect() as conn:
        assert mirror_stats(conn) == before


def test_a_failing_source_fails_the_run_and_leaves_the_mirror_as_it_was(
    tmp_path, engine, mirror_url
):
    with SimulatorServer(DATASET) as good:
        sync_all(make_settings(tmp_path, good.url, mirror_url))
    with engine.connect() as conn:
        before = mirror_stats(conn)
    faults = Faults(FaultRule("get_rescinded_procedures_by_dp_id_service_v2", status=500))
    with SimulatorServer(DATASET, faults=faults) as bad:
        result = sync(make_settings(tmp_path, bad.url, mirror_url), province="06", expect="failed")
    assert "get_rescinded_procedures_by_dp_id_service_v2" in result["error"]
    with engine.connect() as conn:
        assert mirror_stats(conn) == before
        row = conn.execute(select(run_ledger).where(run_ledger.c.run_id == result["run_id"])).one()
    assert row.status == "failed" and "HTTP 500" in row.error


def test_a_row_fixed_at_the_source_leaves_quarantine(tmp_path, mirror_url, engine):
    data = tmp_path / "data"
    shutil.copytree(DATASET, data)
    with SimulatorServer(data) as server:
        settings = make_settings(tmp_path, server.url, mirror_url)
        sync(settings, province="06")
    feed_path = data / "province_feed" / "06.json"
    feed = json.loads(feed_path.read_text(encoding="utf-8"))
    # The row's key (decision and code) stays; what was wrong with it (its action) is fixed.
    for decision in feed["decisions"]:
        for item in decision["items"]:
            if item["action"] == "Điều chỉnh tên gọi":
                item["action"] = "Sửa đổi, bổ sung"
    feed_path.write_text(json.dumps(feed, ensure_ascii=False), encoding="utf-8")
    with SimulatorServer(data) as server:
        result = sync(make_settings(tmp_path, server.url, mirror_url), province="06")
    assert result["datasets"]["province_items"]["inserted"] == 1
    with engine.connect() as conn:
        released = conn.execute(
            select(quarantine.c.released_run_id).where(
                quarantine.c.row_key == "06-2020-0647|2.004594"
            )
        ).scalar_one()
        still_held = conn.scalar(
            select(func.count())
            .select_from(quarantine)
            .where(quarantine.c.released_run_id.is_(None), quarantine.c.dataset == "province_items")
        )
    assert released == result["run_id"] and still_held == 6


def _staging_tables(engine) -> list[str]:
    return sorted(n for n in inspect(engine).get_table_names() if n.startswith(STAGING_PREFIX))


def test_staged_rows_wait_in_the_mirror_between_validate_and_load(
    tmp_path, simulator, engine, mirror_url
):
    """Validation stages the rows it judges in the mirror's database; the load merges them and
    drops the tables. A table emptied in between (a server restart empties UNLOGGED tables)
    fails the load, which loads nothing; validating again recovers. A run that ends without
    loading leaves no staging tables either."""
    settings = make_settings(tmp_path, simulator.url, mirror_url)
    run = pipeline.new_run("publications", province="06")
    pipeline.begin(settings, run)
    for step in (pipeline.extract, pipeline.transform, pipeline.validate):
        run = step(settings, run)
    names = KINDS["publications"].datasets
    assert _staging_tables(engine) == sorted(staging_table(run.run_id, n) for n in names)
    emptied = Table(staging_table(run.run_id, "province_items"), MetaData())
    with engine.begin() as conn:
        conn.execute(delete(emptied))
    with pytest.raises(StagingLost, match="holds 0 rows"):
        pipeline.load(settings, run)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(province_items)) == 0
    run = pipeline.validate(settings, run)
    result = pipeline.finish(settings, run, pipeline.summary(run, pipeline.load(settings, run)))
    assert_rows_accounted_for(result)
    assert result["datasets"]["province_items"]["inserted"] > 0
    assert _staging_tables(engine) == []

    unloaded = pipeline.new_run("publications", province="06")
    pipeline.begin(settings, unloaded)
    for step in (pipeline.extract, pipeline.transform, pipeline.validate):
        unloaded = step(settings, unloaded)
    assert len(_staging_tables(engine)) == len(names)
    pipeline.finish(settings, unloaded, pipeline.summary(unloaded, None, "stopped by hand"))
    assert _staging_tables(engine) == []


def test_cli_prints_the_run_summary_contract(simulator, env_settings, capsys):
    from tthc.cli import main

    env_settings(simulator.url)
    assert main(["db", "upgrade"]) == 0
    assert main(["sync", "national", "--agency-id", "382005", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["status"] == "success" and summary["error"] is None
    assert set(summary["datasets"]) >= {"national_decisions", "national_procedures"}
    assert set(summary["datasets"]["national_decisions"]) == set(pipeline.COUNT_KEYS)
    assert main(["mirror", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    assert stats["national_decisions"] == 14 and "run_ledger" not in stats
    assert main(["report", "validation", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["quarantined"]["national_decisions"]["rows"] == 1


def test_tiny_chunks_give_the_same_mirror_and_counts(tmp_path, simulator, monkeypatch):
    """Every step works a bounded chunk at a time; the chunk size changes nothing but memory."""
    whole, tiny = (f"sqlite:///{tmp_path / name}.sqlite" for name in ("whole", "tiny"))
    results = {}
    chunkings = ((whole, None, sizes.CHUNK_BYTES), (tiny, 7, 1))  # 1: a page a group
    for url, rows, page_bytes in chunkings:
        if rows:  # chunks of rows: read, validated and staged
            for setting in ("CHUNK_ROWS", "VALIDATE_ROWS", "COPY_ROWS"):
                monkeypatch.setattr(sizes, setting, rows)
        monkeypatch.setattr(sizes, "CHUNK_BYTES", page_bytes)
        upgrade(make_engine(url))
        results[url] = sync_all(make_settings(tmp_path / str(rows), simulator.url, url))
    assert snapshot(whole) == snapshot(tiny)
    for a, b in zip(results[whole], results[tiny], strict=True):
        assert a["datasets"] == b["datasets"]


def feed_page(*decisions: str) -> dict:
    """A province feed page with two annex rows for each decision."""
    return {
        "province": "06",
        "total": len(decisions),
        "decisions": [
            {
                "decision_id": f"06-T-{d}",
                "number": f"{d}/QĐ-UBND",
                "title": "Về việc công bố Danh mục thủ tục hành chính",
                "signed_date": "10/03/2020",
                "effective_date": None,
                "publishes_procedures": True,
                "approves_workflows": False,
                "items": [
                    {
                        "stt": i,
                        "procedure_code": f"1.00000{i}",
                        "procedure_name": f"Thủ tục {i}",
                        "field": "Hộ tịch",
                        "level": "xã",
                        "agency": "UBND cấp xã",
                        "action": "Mới ban hành",
                    }
                    for i in (1, 2)
                ],
                "workflows": [],
            }
            for d in decisions
        ],
    }


def test_a_decision_repeated_on_a_later_page_is_counted_once(tmp_path, mirror_url, monkeypatch):
    """Groups of pages are transformed apart (in worker processes). A listing that shifts
    while it is paged repeats a decision in a later group: the repeat is counted as a
    duplicate, the first one loads, and nothing is quarantined for it."""
    from extractors.http import Fetched
    from extractors.landing import Landing
    from tthc.storage import Store

    monkeypatch.setattr(sizes, "CHUNK_BYTES", 1)  # a page a group
    upgrade(make_engine(mirror_url))
    settings = make_settings(tmp_path, "http://127.0.0.1:9", mirror_url)
    run = pipeline.RunRef("repeated", "publications", "06", scopes=[])
    landing = Landing(Store(settings.landing_dir) / run.run_id)
    for number, decisions in enumerate([["101"], ["101", "102"], ["103"]], 1):
        page = feed_page(*decisions)
        landing.write("province_feed", Fetched.of("test", {"page": number}, page))
    pipeline.begin(settings, run)
    for step in (pipeline.transform, pipeline.validate):
        run = step(settings, run)
    result = pipeline.summary(run, pipeline.load(settings, run))
    assert_rows_accounted_for(result)
    decisions, items = (result["datasets"][n] for n in ("province_decisions", "province_items"))
    assert (decisions["inserted"], decisions["duplicates"], decisions["quarantined"]) == (3, 1, 0)
    assert (items["inserted"], items["duplicates"], items["quarantined"]) == (6, 2, 0)
    with make_engine(mirror_url).connect() as conn:
        refs = conn.scalars(
            select(province_items.c.source_ref).where(province_items.c.decision_id == "06-T-101")
        ).all()
    assert refs and all(ref.startswith("province_feed#1:") for ref in refs)  # the first kept
