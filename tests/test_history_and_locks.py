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
from simulator.server import SimulatorServer
from tests.conftest import DATASET, ROOT, make_settings
from transforms.history import procedure_versions
from tthc import pipeline


def item(decision, signed, action, effective=None, name="Đăng ký khai sinh"):
    return {
        "province_code": "06",
        "procedure_code": "1.000001",
        "decision_id": decision,
        "number_raw": f"{decision}/QĐ-UBND",
        "signed_date": pd.Timestamp(signed),
        "effective_date": pd.Timestamp(effective) if effective else pd.NaT,
        "action": action,
        "procedure_name": name,
        "field": "Hộ tịch",
        "level": "xã",
        "agency": "UBND cấp xã",
    }


def test_versions_follow_the_decisions():
    versions = procedure_versions(
        pd.DataFrame(
            [
                item("30", "2020-06-01", "abolished"),
                item("10", "2019-01-10", "new", effective="2019-02-01"),
                item("20", "2020-03-01", "amended", name="Đăng ký khai sinh (sửa đổi)"),
            ]
        )
    )
    assert versions["decision_id"].tolist() == ["10", "20", "30"]
    assert versions["version_no"].tolist() == [1, 2, 3]
    assert versions["valid_from"].tolist()[0] == pd.Timestamp("2019-02-01")  # effective date
    assert versions["valid_to"].tolist()[:2] == [
        pd.Timestamp("2020-03-01"),
        pd.Timestamp("2020-06-01"),
    ]
    assert pd.isna(versions["valid_to"].tolist()[2])
    assert versions["status"].tolist() == ["in force", "in force", "abolished"]


def test_the_mirror_answers_what_a_procedure_was_on_a_date(tmp_path, simulator, mirror_url):
    upgrade(make_engine(mirror_url))
    settings = make_settings(tmp_path, simulator.url, mirror_url)
    assert (
        pipeline.sync(settings, pipeline.new_run("publications", province="06"))["status"]
        == "success"
    )
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


HOLD = """
import sys, time
from pathlib import Path
from loaders.db import make_engine
from loaders.locks import run_lock
with run_lock(make_engine(sys.argv[1]), Path(sys.argv[2]), ["province:06"], "run-A"):
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
            with run_lock(engine, tmp_path / "locks", ["province:06", "national"], "run-B"):
                pass
        started = time.monotonic()
        with run_lock(engine, tmp_path / "locks", ["province:06"], "run-C", wait_s=30):
            assert time.monotonic() - started > 0.2  # it waited for run-A to finish
    finally:
        holder.wait()
    with run_lock(engine, tmp_path / "locks", ["province:06"], "run-D"):
        with run_lock(engine, tmp_path / "locks", ["province:06"], "run-D"):  # re-entrant
            pass


def test_a_sync_refused_by_the_lock_fails_clearly(tmp_path, mirror_url):
    upgrade(make_engine(mirror_url))
    holder = hold_lock(mirror_url, tmp_path / "var" / "locks", 3)
    try:
        with SimulatorServer(DATASET) as server:
            result = pipeline.sync(
                make_settings(tmp_path, server.url, mirror_url),
                pipeline.new_run("publications", province="06"),
            )
    finally:
        holder.wait()
    assert result["status"] == "failed" and "being written by another run" in result["error"]
