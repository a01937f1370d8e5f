"""The portal simulator: the national portal's ``POST /jsp/rest.jsp`` contract as recorded in
``shared/samples/national-portal`` (form field ``params``, JSON arrays, every value a string,
``AMOUNT``/``TOTAL_RECORDS`` and ``ROW_STT`` on every row, ``recordPerPage``/``pageIndex`` paging),
plus two endpoints of our own design for a province feed and Form 06 statistics (docs/sources.md).

Faults can be switched on to exercise the extractors: every Nth request fails with a status, one
service always fails, or answers are slowed down.
"""

from __future__ import annotations

import json
import threading
import time
import unicodedata
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from itertools import count
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

PROCEDURE_LISTS = {
    "get_procedures_by_dp_id_service_v2": "new",
    "get_modified_procedures_by_dp_id_service_v2": "modified",
    "get_rescinded_procedures_by_dp_id_service_v2": "rescinded",
}


@dataclass
class Faults:
    every_nth: int = 0  # every Nth request answers ``status`` (0 = never)
    status: int = 503
    failing_service: str | None = None  # a rest.jsp service (or "feed"/"stats") that always fails
    delay_s: float = 0.0
    short_page_service: str | None = None  # this rest.jsp service drops the last row of a page


class Dataset:
    """A dataset folder as written by ``simulator.dataset``."""

    def __init__(self, root: Path) -> None:
        def load(rel: str):
            return json.loads((root / rel).read_text(encoding="utf-8"))

        self.agencies = load("national/agencies.json")
        self.fields = load("national/fields.json")
        self.decisions = load("national/decisions.json")  # newest first
        self.by_id = {d["row"]["ID"]: d for d in self.decisions}
        self.publicized = load("national/publicized.json")
        self.feeds = {
            p.stem: load(f"province_feed/{p.name}")
            for p in sorted((root / "province_feed").glob("*.json"))
        }
        self.stats = {
            p.stem: load(f"dossier_stats/{p.name}")
            for p in sorted((root / "dossier_stats").glob("*.json"))
        }


def _page(rows: list[dict], size: int | None, index: int | None) -> list[dict]:
    if not size:
        return rows
    start = (max(int(index or 1), 1) - 1) * int(size)
    return rows[start : start + int(size)]


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


class PortalSimulator:
    def __init__(self, data_dir: Path, faults: Faults | None = None) -> None:
        self.data = Dataset(Path(data_dir))
        self.faults = faults or Faults()
        self._requests = count(1)
        self.requests = 0

    # --- rest.jsp services -------------------------------------------------------------------
    def rest(self, params: dict) -> list[dict]:
        service = params.get("service", "")
        if service == "decision_publishment_advanced_search_service_v2":
            return self._search_decisions(params)
        if service in PROCEDURE_LISTS:
            decision = self.data.by_id.get(str(params.get("id", "")))
            rows = decision[PROCEDURE_LISTS[service]] if decision else []
            return self._numbered(
                rows, "AMOUNT", params.get("recordPerPage"), params.get("pageIndex")
            )
        if service == "get_fields_by_dp_id_services_v2":
            decision = self.data.by_id.get(str(params.get("id", "")))
            names = decision["fields"] if decision else []
            ids = {f["FIELD_NAME"].rsplit("(", 1)[0]: f["ID"] for f in self.data.fields}
            return [{"ID": ids.get(n, "0"), "NAME": n} for n in names]
        if service == "get_list_agency_service_v2":
            return self.data.agencies
        if service == "procedure_get_list_field_service_v2":
            return self.data.fields
        if service == "get_ds_tthc_da_cong_bo_dvc_service":
            rows = self.data.publicized
            object_type = str(params.get("pObjectType", "-1"))
            if object_type != "-1":
                rows = [r for r in rows if r["TYPE"] == object_type]
            page = _page(rows, params.get("p_Page_Size"), params.get("p_Page_Index"))
            return [{**r, "TOTAL_RECORDS": str(len(rows))} for r in page]
        raise LookupError(f"unknown service {service!r}")

    def _search_decisions(self, params: dict) -> list[dict]:
        rows = [d["row"] for d in self.data.decisions]
        agency = str(params.get("agency_id", "-1"))
        if agency not in ("-1", ""):
            rows = [r for r in rows if r["AGENCY_ID"] == agency]
        if keyword := _fold(str(params.get("keyword", ""))):
            rows = [r for r in rows if keyword in _fold(r["CODE"] + " " + r["NAME"])]
        if publishing_date := str(params.get("publishing_date", "")):
            rows = [r for r in rows if r["PUBLISHING_DATE"] == publishing_date]
        return self._numbered(rows, "AMOUNT", params.get("recordPerPage"), params.get("pageIndex"))

    @staticmethod
    def _numbered(rows: list[dict], total_key: str, size, index) -> list[dict]:
        numbered = [
            {**r, total_key: str(len(rows)), "ROW_STT": str(i + 1)} for i, r in enumerate(rows)
        ]
        return _page(numbered, size, index)

    # --- province feed and Form 06 statistics (our design) -----------------------------------
    def province_decisions(self, province: str, page: int, per_page: int) -> dict:
        feed = self.data.feeds.get(province)
        if feed is None:
            raise LookupError(f"no feed for province {province!r}")
        decisions = feed["decisions"]
        return {
            "province": province,
            "total": len(decisions),
            "page": page,
            "per_page": per_page,
            "decisions": _page(decisions, per_page, page),
        }

    def dossier_stats(self, province: str, period: str, page: int, per_page: int) -> dict:
        stats = self.data.stats.get(f"{province}-{period}")
        if stats is None:
            raise LookupError(f"no statistics for province {province!r}, period {period!r}")
        rows = stats["rows"]
        return {
            "province": province,
            "period": period,
            "total": len(rows),
            "page": page,
            "per_page": per_page,
            "rows": _page(rows, per_page, page),
        }

    # --- faults ------------------------------------------------------------------------------
    def injected_status(self, service: str) -> int | None:
        n = next(self._requests)
        self.requests = n
        if self.faults.delay_s:
            time.sleep(self.faults.delay_s)
        if self.faults.failing_service and service == self.faults.failing_service:
            return 500
        if self.faults.every_nth and n % self.faults.every_nth == 0:
            return self.faults.status
        return None


def make_handler(sim: PortalSimulator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "tthc-portal-simulator"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - quiet by design
            pass

        def _send(self, status: int, payload) -> None:
            body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _fail(self, status: int) -> None:
            self._send(status, {"error": HTTPStatus(status).phrase})

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            url = urlsplit(self.path)
            if url.path != "/jsp/rest.jsp":
                return self._fail(404)
            length = int(self.headers.get("Content-Length") or 0)
            form = parse_qs(self.rfile.read(length).decode("utf-8"))
            try:
                params = json.loads(form["params"][0])
            except (KeyError, ValueError):
                return self._send(400, {"error": "form field 'params' must hold a JSON object"})
            if status := sim.injected_status(params.get("service", "")):
                return self._fail(status)
            try:
                rows = sim.rest(params)
            except LookupError as exc:
                return self._send(400, {"error": str(exc)})
            if sim.faults.short_page_service == params.get("service") and rows:
                rows = rows[:-1]
            self._send(200, rows)

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            parts = url.path.strip("/").split("/")
            if len(parts) != 4 or parts[:2] != ["api", "provinces"]:
                return self._fail(404)
            province, resource = parts[2], parts[3]
            kind = {"decisions": "feed", "dossier-stats": "stats"}.get(resource)
            if kind is None:
                return self._fail(404)
            if status := sim.injected_status(kind):
                return self._fail(status)
            try:
                page, per_page = int(query.get("page", 1)), int(query.get("per_page", 50))
                if kind == "feed":
                    payload = sim.province_decisions(province, page, per_page)
                else:
                    payload = sim.dossier_stats(province, query.get("period", ""), page, per_page)
            except ValueError:
                return self._send(400, {"error": "page and per_page must be integers"})
            except LookupError as exc:
                return self._send(404, {"error": str(exc)})
            self._send(200, payload)

    return Handler


class SimulatorServer:
    """The simulator on a socket; ``with SimulatorServer(data) as s: s.url``."""

    def __init__(
        self, data_dir: Path, host: str = "127.0.0.1", port: int = 0, faults: Faults | None = None
    ) -> None:
        self.simulator = PortalSimulator(data_dir, faults)
        self.httpd = ThreadingHTTPServer((host, port), make_handler(self.simulator))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> SimulatorServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
