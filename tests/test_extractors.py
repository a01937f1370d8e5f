"""Extraction over real HTTP against the simulator: retries, failures that fail, paging checks."""

import hashlib
import json

import pytest

from extractors.http import ExtractError, HttpClient
from extractors.landing import Landing
from extractors.national_portal import NationalPortal, extract_national
from extractors.province_feed import extract_province_feed
from simulator.server import FaultRule, Faults, SimulatorServer
from tests.helpers import DATASET


def client(**kw) -> HttpClient:
    return HttpClient(retries=kw.pop("retries", 3), backoff_s=0.001, **kw)


def test_transient_5xx_are_retried_and_nothing_is_lost(tmp_path):
    with SimulatorServer(DATASET, faults=Faults(FaultRule(status=503, every_nth=3))) as server:
        http = client()
        landing = Landing(tmp_path)
        extract_province_feed(http, server.url, "06", landing, page_size=4)
    pages = list(landing.pages("province_feed"))
    feed = json.loads((DATASET / "province_feed" / "06.json").read_text(encoding="utf-8"))
    assert sum(len(p.data["decisions"]) for p in pages) == len(feed["decisions"])
    assert http.requests_sent > len(pages)  # some answers were 503 and were asked again
    assert all(len(p.sha256) == 64 and p.url.startswith(server.url) for p in pages)
    # Each page object: a provenance line, then the body as received, which its hash checks.
    for page in pages:
        stored = (tmp_path / "province_feed" / f"{page.page:08d}.json").read_bytes()
        body = stored.partition(b"\n")[2]
        assert hashlib.sha256(body).hexdigest() == page.sha256


def test_a_failing_service_fails_the_run_naming_service_params_and_status(tmp_path):
    faults = Faults(FaultRule("get_rescinded_procedures_by_dp_id_service_v2", status=500))
    with SimulatorServer(DATASET, faults=faults) as server:
        portal = NationalPortal(client(retries=1), server.url, server.url, page_size=10)
        with pytest.raises(ExtractError) as failure:
            extract_national(portal, Landing(tmp_path), agency_ids=["382005"])
    message = str(failure.value)
    assert "get_rescinded_procedures_by_dp_id_service_v2" in message
    assert '"id":' in message and "HTTP 500" in message and "2 attempts" in message


def test_a_short_page_is_detected(tmp_path):
    faults = Faults(FaultRule("decision_publishment_advanced_search_service_v2", short_page=True))
    with SimulatorServer(DATASET, faults=faults) as server:
        portal = NationalPortal(client(), server.url, server.url, page_size=5)
        with pytest.raises(ExtractError, match="rows, the total"):
            list(portal.decision_pages("-1"))


def test_connection_errors_are_retried_then_fail(tmp_path):
    http = client(retries=1, timeout_s=1)
    with pytest.raises(ExtractError, match="ConnectionError"):
        http.fetch_json("GET", "http://127.0.0.1:9/nothing", what="closed port", params={})
    assert http.requests_sent == 2


def test_agencies_are_found_by_code_with_or_without_prefix(tmp_path, simulator):
    portal = NationalPortal(client(), simulator.url, simulator.url, page_size=50)
    assert extract_national(portal, Landing(tmp_path / "a"), agency_codes=["H04"]).scopes == [
        "382005"
    ]
    with pytest.raises(ExtractError, match="no agency with code H99"):
        extract_national(portal, Landing(tmp_path / "b"), agency_codes=["H99"])


def test_retry_after_is_honoured(tmp_path, monkeypatch):
    import extractors.http

    slept = []
    monkeypatch.setattr(extractors.http.time, "sleep", slept.append)
    rule = FaultRule("get_list_agency_service_v2", status=429, retry_after=3, first_n=1)
    with SimulatorServer(DATASET, faults=Faults(rule)) as server:
        portal = NationalPortal(client(), server.url, server.url)
        assert portal.call("get_list_agency_service_v2").data
    backoffs = [s for s in slept if s]  # (the simulator's own sleep(0) lands here too)
    assert len(backoffs) == 1 and backoffs[0] >= 3


def test_the_rate_limit_spaces_requests(monkeypatch):
    from extractors.http import RateLimiter

    clock = iter([100.0, 100.0, 100.0])
    slept = []
    monkeypatch.setattr("extractors.http.time.monotonic", lambda: next(clock))
    monkeypatch.setattr("extractors.http.time.sleep", slept.append)
    limiter = RateLimiter(4.0)
    for _ in range(3):
        limiter.wait()
    assert slept == [0.25, 0.5]
