"""The national connector against the simulator: lossless through faults, incremental, and
atomic when killed."""

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from loaders.db import make_engine, upgrade
from simulator import national_dataset
from simulator.server import FaultRule, Faults, SimulatorServer
from tests.helpers import ROOT, make_settings, snapshot, sync


def national(settings, expect: str | None = "success", **kw):
    return sync(settings, "national", expect=expect, **kw)


@pytest.fixture(scope="module")
def datasets(tmp_path_factory):
    root = tmp_path_factory.mktemp("national")
    return {
        "before": national_dataset.write(root / "before", 300, hold_back=2),
        "after": national_dataset.write(root / "after", 300),
    }


def fresh(tmp_path, name: str) -> str:
    url = f"sqlite:///{tmp_path / name}.sqlite"
    upgrade(make_engine(url))
    return url


@pytest.fixture
def clean(tmp_path, datasets):
    """A clean first sync of the 'after' dataset, to compare other mirrors with."""
    url = fresh(tmp_path, "clean")
    with SimulatorServer(datasets["after"]) as server:
        national(make_settings(tmp_path / "c", server.url, url))
    return snapshot(url)


def test_an_incremental_run_costs_what_changed(tmp_path, datasets):
    url = fresh(tmp_path, "mirror")
    with SimulatorServer(datasets["before"]) as server:
        first = national(make_settings(tmp_path, server.url, url))
    assert first["datasets"]["national_decisions"]["inserted"] == 298
    with SimulatorServer(datasets["after"]) as server:
        settings = make_settings(tmp_path, server.url, url)
        second = national(settings)
        third = national(settings)
    k = 2
    assert second["datasets"]["national_decisions"]["inserted"] == k
    assert second["requests"] <= 4 * k + 3
    new_lists = second["datasets"]["national_procedures"]
    assert new_lists["extracted"] == new_lists["inserted"]  # only the new decisions' lists
    assert third["requests"] == 3  # agencies, fields, one listing page
    assert all(c["inserted"] == c["updated"] == 0 for c in third["datasets"].values())


def test_a_full_pass_rereads_everything_and_writes_nothing(tmp_path, datasets, clean):
    url = fresh(tmp_path, "mirror")
    with SimulatorServer(datasets["after"]) as server:
        settings = make_settings(tmp_path, server.url, url)
        national(settings, full=True)
        again = national(settings, full=True)
    decisions = again["datasets"]["national_decisions"]
    assert decisions["unchanged"] == decisions["extracted"] == 300
    assert all(c["inserted"] == c["updated"] == 0 for c in again["datasets"].values())
    full = snapshot(url)
    assert full.pop("national_publicized")  # what a full pass adds to a first sync
    assert full == {k: v for k, v in clean.items() if k != "national_publicized"}


def test_transient_faults_lose_nothing(tmp_path, datasets, clean):
    # One rule per service, so no request meets two by chance when workers interleave.
    faults = Faults(
        FaultRule("decision_publishment_advanced_search_service_v2", status=503, every_nth=2),
        FaultRule(
            "get_rescinded_procedures_by_dp_id_service_v2", status=429, retry_after=0, first_n=2
        ),
        FaultRule("get_procedures_by_dp_id_service_v2", delay_s=1.5, first_n=1),  # a timeout
        FaultRule("get_fields_by_dp_id_services_v2", truncate=True, first_n=2),
        FaultRule("get_modified_procedures_by_dp_id_service_v2", short_page=True, first_n=1),
        FaultRule("get_list_agency_service_v2", status=500, first_n=1),
    )
    url = fresh(tmp_path, "mirror")
    with SimulatorServer(datasets["after"], faults=faults) as server:
        settings = make_settings(
            tmp_path, server.url, url, http_retries=4, http_timeout_s=1.0, national_workers=4
        )
        national(settings)
    assert snapshot(url) == clean


def test_a_persistent_failure_fails_and_a_later_run_recovers(tmp_path, datasets, clean):
    url = fresh(tmp_path, "mirror")
    broken = Faults(
        FaultRule("get_rescinded_procedures_by_dp_id_service_v2", status=502, every_nth=50)
    )
    with SimulatorServer(datasets["after"], faults=broken) as server:
        result = national(make_settings(tmp_path, server.url, url, http_retries=0), None, full=True)
    assert result["status"] == "failed" and "HTTP 502" in result["error"]
    assert "get_rescinded_procedures_by_dp_id_service_v2" in result["error"]
    assert all(not rows for rows in snapshot(url).values())  # nothing half-loaded
    with SimulatorServer(datasets["after"]) as server:
        national(make_settings(tmp_path, server.url, url))
    assert snapshot(url) == clean


def test_repeated_pages_are_caught(tmp_path, datasets):
    faults = Faults(FaultRule("decision_publishment_advanced_search_service_v2", repeat_page=True))
    with SimulatorServer(datasets["after"], faults=faults) as server:
        settings = make_settings(tmp_path, server.url, fresh(tmp_path, "m"), page_size=100)
        result = national(settings, expect="failed")
    assert "page 2" in result["error"]


def test_sigkill_mid_run_then_a_rerun_equals_a_clean_sync(tmp_path, datasets, clean):
    url = fresh(tmp_path, "mirror")
    slow = Faults(FaultRule("get_fields_by_dp_id_services_v2", delay_s=0.01))
    with SimulatorServer(datasets["after"], faults=slow) as server:
        env = {
            **os.environ,
            "TTHC_HOME": str(tmp_path),
            "TTHC_MIRROR_URL": url,
            "TTHC_NATIONAL_PORTAL_URL": server.url,
            "TTHC_NATIONAL_RATE_LIMIT_PER_S": "0",
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "tthc.cli", "sync", "national", "--json"],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 60
        while server.simulator.requests < 150 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert proc.poll() is None, "the sync ended before it could be killed"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        national(make_settings(tmp_path, server.url, url))
    assert snapshot(url) == clean


def test_cli_flags(datasets, env_settings, capsys):
    from tthc.cli import main

    with SimulatorServer(datasets["after"]) as server:
        env_settings(server.url)
        assert main(["db", "upgrade"]) == 0
        agency = json.loads((datasets["after"] / "national/agencies.json").read_text())[0]
        assert (
            main(
                [
                    "sync",
                    "national",
                    "--agency-id",
                    agency["ID"],
                    "--since",
                    "2025-01-01",
                    "--json",
                ]
            )
            == 0
        )
        summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
        frame = pd.DataFrame(
            [
                d["row"]
                for d in json.loads((datasets["after"] / "national/decisions.json").read_text())
            ]
        )
        mine = frame[frame["AGENCY_ID"] == agency["ID"]]
        assert summary["datasets"]["national_decisions"]["inserted"] == len(mine)
        assert main(["sync", "national", "--since", "not-a-date"]) == 2
