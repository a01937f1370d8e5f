"""Credentials given in the sources' URLs (as an Airflow HTTP Connection with a login gives them)
are sent, and found nowhere else: not in landed pages, run files, reports, Data Docs, the
mirror and its ledger, logs, or what the CLI prints."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import quote, quote_plus

from loaders.db import make_engine, upgrade
from simulator.server import FaultRule, Faults, SimulatorServer
from tests.helpers import DATASET
from tthc.cli import main

PASSWORD = "p@ss:w/rd%ü-7"
FORMS = {PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD), quote(PASSWORD)}


def _found_in(path: Path) -> list[str]:
    data = path.read_bytes()
    return [form for form in FORMS if form.encode() in data]


def test_a_planted_password_is_found_nowhere(tmp_path, monkeypatch, capsys, caplog):
    mirror = f"sqlite:///{tmp_path / 'var' / 'mirror.sqlite'}"
    upgrade(make_engine(mirror))
    with SimulatorServer(DATASET) as server:
        host = server.url.removeprefix("http://")
        with_login = f"http://portal-user:{quote(PASSWORD, safe='')}@{host}"
        for name, value in {
            "TTHC_HOME": str(tmp_path),
            "TTHC_MIRROR_URL": mirror,
            "TTHC_PROVINCE_FEED_URL": with_login,
            "TTHC_NATIONAL_PORTAL_URL": with_login,
            "TTHC_NATIONAL_RATE_LIMIT_PER_S": "0",
            "TTHC_HTTP_BACKOFF_S": "0.01",
        }.items():
            monkeypatch.setenv(name, value)
        from tthc.settings import get_settings

        get_settings.cache_clear()
        with caplog.at_level(logging.DEBUG):
            assert main(["-v", "sync", "publications", "--province", "06", "--json"]) == 0
            args = ["--province", "06", "--period", "2020-Q2"]
            assert main(["-v", "sync", "dossier-stats", *args, "--json"]) == 0
            server.simulator.faults = Faults(FaultRule(service="stats", status=503))
            assert main(["-v", "sync", "dossier-stats", *args, "--json"]) == 1
            server.simulator.faults = Faults(FaultRule(service="stats", reset=True))
            assert main(["-v", "sync", "dossier-stats", *args, "--json"]) == 1
            for fmt in ("html", "xlsx", "csv", "json"):
                out = str(tmp_path / f"quarterly.{fmt}")
                assert main(["report", "quarterly", *args, "--format", fmt, "--out", out]) == 0
            assert main(["report", "validation", "--json"]) == 0
        get_settings.cache_clear()
    printed = capsys.readouterr()
    make_engine(mirror).dispose()  # the mirror's pages on disk, the WAL checkpointed
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) > 50 and any(p.suffix == ".xlsx" for p in files)
    assert {str(p): _found_in(p) for p in files if _found_in(p)} == {}
    for text in (printed.out, printed.err, caplog.text):
        assert not [form for form in FORMS if form in text]
    assert "portal-user" not in printed.out  # the whole login part of the URL goes


def test_airflow_masks_a_connection_password_also_as_a_url_writes_it():
    from airflow.sdk.log import _secrets_masker

    from tthc.airflow_settings import mask_in_logs

    mask_in_logs(PASSWORD)
    in_url = f"http://user:{quote(PASSWORD, safe='')}@portal/"
    line = f"GET {in_url} and {PASSWORD} and {quote_plus(PASSWORD)}"
    shown = _secrets_masker().redact(line)
    assert not [form for form in FORMS if form in shown] and "***" in shown
