"""Procedure history as of a date, and locks that keep two runs from interleaving."""

import subprocess
import sys
import textwrap
import time
from datetime import date

import pandas as pd
import pytest

from loaders import history
from loaders.db import make_engine, upgrade
from loaders.locks import RunLocked, run_lock
from loaders.schema import province_decisions, province_items
from loaders.upsert import upsert
from simulator.server import SimulatorServer
from tests.helpers import DATASET, ROOT, make_settings, sync
from transforms.frames import with_content_hash


def seed(conn, rows):
    """Decisions and one procedure's annex rows straight into the mirror."""
    decisions = pd.DataFrame(
        [
            {
                "decision_id": d,
                "province_code": "06",
                "number_raw": f"{d}/QĐ-UBND",
                "number_norm": f"{d}/QĐ-UBND",
                "title": None,
                "signed_date": pd.Timestamp(signed),
                "effective_date": pd.Timestamp(effective) if effective else pd.NaT,
                "publishes_procedures": True,
                "approves_workflows": False,
            }
            for d, signed, effective, _, _ in rows
        ]
    )
    items = pd.DataFrame(
        [
            {
                "decision_id": d,
                "item_key": "1.000001",
                "item_no": 1,
                "procedure_code": "1.000001",
                "procedure_name": name,
                "name_key": name.lower(),
                "field": "Hộ tịch",
                "level": "xã",
                "agency": "UBND cấp xã",
                "action": action,
            }
            for d, _, _, action, name in rows
        ]
    )
    for table, df in ((province_decisions, decisions), (province_items, items)):
        upsert(
            conn,
            table,
            with_content_hash(df, list(df.columns)).assign(
                source_ref="t", first_run_id="r", run_id="r"
            ),
        )


def test_versions_follow_the_decisions(mirror_url):
    engine = make_engine(mirror_url)
    upgrade(engine)
    with engine.begin() as conn:
        seed(
            conn,
            [
                ("30", "2020-06-01", None, "abolished", "Đăng ký khai sinh"),
                ("10", "2019-01-10", "2019-02-01", "new", "Đăng ký khai sinh"),
                ("20", "2020-03-01", None, "amended", "Đăng ký khai sinh (sửa đổi)"),
            ],
        )
        versions = history.history(conn, "06", "1.000001")
        on = {
            day: history.version_on(conn, "06", "1.000001", date.fromisoformat(day))
            for day in ("2019-01-20", "2019-02-01", "2020-03-15", "2021-01-01")
        }
    assert [v["decision_id"] for v in versions] == ["10", "20", "30"]
    assert [str(v["valid_from"]) for v in versions] == ["2019-02-01", "2020-03-01", "2020-06-01"]
    assert [str(v["valid_to"]) for v in versions] == ["2020-03-01", "2020-06-01", "None"]
    assert [v["status"] for v in versions] == ["in force", "in force", "abolished"]
    assert on["2019-01-20"] is None  # signed, but not yet in effect
    assert on["2019-02-01"]["decision_number"] == "10/QĐ-UBND"
    assert on["2020-03-15"]["procedure_name"] == "Đăng ký khai sinh (sửa đổi)"
    assert on["2021-01-01"]["status"] == "abolished" and on["2021-01-01"]["decision_id"] == "30"
    engine.dispose()


def test_versions_follow_a_decision_whose_dates_change(mirror_url):
    """No annex row changes, only the decision's date of effect: the versions move with it."""
    engine = make_engine(mirror_url)
    upgrade(engine)
    rows = [
        ("10", "2019-01-10", None, "new", "Đăng ký khai sinh"),
        ("20", "2020-03-01", None, "amended", "Đăng ký khai sinh (sửa đổi)"),
    ]
    with engine.begin() as conn:
        seed(conn, rows)
        assert history.version_on(conn, "06", "1.000001", date(2020, 3, 15))["decision_id"] == "20"
        seed(conn, [rows[0], ("20", "2020-03-01", "2020-04-01", "amended", rows[1][4])])
        versions = history.history(conn, "06", "1.000001")
        assert history.version_on(conn, "06", "1.000001", date(2020, 3, 15))["decision_id"] == "10"
    assert [str(v["valid_to"]) for v in versions] == ["2020-04-01", "None"]
    engine.dispose()


def test_the_mirror_answers_what_a_procedure_was_on_a_date(tmp_path, simulator, mirror_url):
    upgrade(make_engine(mirror_url))
    settings = make_settings(tmp_path, simulator.url, mirror_url)
    sync(settings, province="06")
    feed = pd.read_json(DATASET / "province_feed/06.json")["decisions"]
    q1 = next(d for d in feed if d["number"] == "412/QĐ-UBND")
    code = q1["items"][0]["procedure_code"]  # published new in Q1, amended in Q2
    with make_engine(mirror_url).connect() as conn:
        before = history.version_on(conn, "06", code, date(2020, 3, 20))
        after = history.version_on(conn, "06", code, date(2020, 12, 31))
        versions = history.history(conn, "06", code)
        assert history.version_on(conn, "06", code, date(2019, 1, 1)) is None
    assert before["decision_number"] == "412/QĐ-UBND" and before["action"] == "new"
    assert after["action"] == "amended" and after["decision_id"] != q1["decision_id"]
    assert len(versions) == 2 and versions[0]["valid_to"] == versions[1]["valid_from"]
    assert versions[1]["procedure_name"] == q1["items"][0]["procedure_name"]


def test_cli_shows_a_procedures_versions(tmp_path, env_settings, capsys, monkeypatch):
    import json

    from tests.helpers import sync_dataset
    from tthc.cli import main

    settings = sync_dataset(tmp_path)
    monkeypatch.setenv("TTHC_MIRROR_URL", settings.mirror_url)
    env_settings("http://127.0.0.1:9")  # nothing is fetched
    feed = pd.read_json(DATASET / "province_feed/06.json")["decisions"]
    code = next(d for d in feed if d["number"] == "412/QĐ-UBND")["items"][0]["procedure_code"]
    assert main(["mirror", "procedure", code, "--as-of", "2020-03-20", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["on"]["decision_number"] == "412/QĐ-UBND"
    assert [v["action"] for v in shown["versions"]] == ["new", "amended"]
    assert main(["mirror", "procedure", code]) == 0
    assert "412/QĐ-UBND" in capsys.readouterr().out


HOLD = """
import sys, time
from loaders.db import make_engine
from loaders.locks import run_lock
with run_lock(make_engine(sys.argv[1]), ["province:06"], "run-A"):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def hold_lock(url, lock_dir, seconds):
    proc = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(HOLD), url, str(lock_dir), str(seconds)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_is_refused_with_the_holder_named_or_waits(tmp_path, mirror_url):
    engine = make_engine(mirror_url)
    holder = hold_lock(mirror_url, tmp_path / "locks", 1.5)
    try:
        with pytest.raises(
            RunLocked,
            match=r"province:06 is being written by another run "
            r"\(.*run-A.*\)",
        ):
            with run_lock(engine, ["province:06", "national"], "run-B"):
                pass
        started = time.monotonic()
        with run_lock(engine, ["province:06"], "run-C", wait_s=30):
            assert time.monotonic() - started > 0.2  # it waited for run-A to finish
    finally:
        holder.wait()
    with run_lock(engine, ["province:06"], "run-D"):
        # Taken once per run (by its load): a second taking is another run, refused.
        with pytest.raises(RunLocked):
            with run_lock(engine, ["province:06"], "run-D"):
                pass


def test_a_sync_refused_by_the_lock_fails_clearly(tmp_path, mirror_url):
    upgrade(make_engine(mirror_url))
    holder = hold_lock(mirror_url, tmp_path / "var" / "locks", 3)
    try:
        with SimulatorServer(DATASET) as server:
            result = sync(
                make_settings(tmp_path, server.url, mirror_url), province="06", expect=None
            )
    finally:
        holder.wait()
    assert result["status"] == "failed" and "being written by another run" in result["error"]


def test_mirrors_in_two_schemas_of_one_database_lock_apart(pg_url, pg_server_url):
    """Advisory locks are per database: the schema is in the key, so two mirrors that are
    schemas of one database (tenants, parallel test runs) never refuse each other, while two
    runs into one mirror still do."""
    import uuid

    import sqlalchemy as sa

    other_schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_server_url)
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{other_schema}"'))
    sep = "&" if "?" in pg_server_url else "?"
    other = make_engine(f"{pg_server_url}{sep}options=-csearch_path%3D{other_schema}")
    mine = make_engine(pg_url)
    try:
        with run_lock(mine, ["province:06"], "run a"):
            with run_lock(other, ["province:06"], "run b"):  # another mirror: not refused
                pass
            with pytest.raises(RunLocked, match="run a"), run_lock(mine, ["province:06"], "c"):
                pass
    finally:
        other.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{other_schema}" CASCADE'))
        admin.dispose()
