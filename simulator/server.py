"""The portal simulator: the national portal's ``POST /jsp/rest.jsp`` contract as recorded in
``tests/fixtures/national-portal`` (form field ``params``, JSON arrays, every value a string,
``AMOUNT``/``TOTAL_RECORDS`` and ``ROW_STT`` on every row, ``recordPerPage``/``pageIndex`` paging),
its decision pages and attachment downloads (``simulator.pages``), plus two endpoints of our own
design for a province feed and Form 06 statistics (README, "Sources").

Faults are switched on per service (``FaultRule``): error statuses with or without Retry-After,
latency, bodies dripped a byte at a time, truncated or reset mid-way, other charsets or other
bodies altogether, short, repeated, shifted or empty pages, and rows with a field renamed,
missing or null; for the first N requests or every Nth one.
"""

from __future__ import annotations

import json
import socket
import struct
import sys
import threading
import time
import unicodedata
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from simulator import pages
from simulator.faults import FaultRule, Faults, changed_payload

PROCEDURE_LISTS = {
    "get_procedures_by_dp_id_service_v2": "new",
    "get_modified_procedures_by_dp_id_service_v2": "modified",
    "get_rescinded_procedures_by_dp_id_service_v2": "rescinded",
}


class Dataset:
    """A dataset folder as written by ``simulator.dataset``."""

    def __init__(self, root: Path) -> None:
        self.root = root

        def load(rel: str):
            return json.loads((root / rel).read_text(encoding="utf-8"))

        self.agencies = load("national/agencies.json")
        self.fields = load("national/fields.json")
        self.decisions = load("national/decisions.json")  # newest first
        self.by_id = {d["row"].get("ID"): d for d in self.decisions}
        self.publicized = load("national/publicized.json")
        self.feeds = {
            p.stem: load(f"province_feed/{p.name}")
            for p in sorted((root / "province_feed").glob("*.json"))
        }
        self.stats = {
            p.stem: load(f"dossier_stats/{p.name}")
            for p in sorted((root / "dossier_stats").glob("*.json"))
        }


def _page(rows: list[dict], size: int | None, index: int | None, shift: bool = False) -> list[dict]:
    """Page ``index`` of ``rows``; ``shift``: as if a row had been added at the top meanwhile
    (pages after the first start one row earlier, repeating the row before)."""
    if not size:
        return rows
    start = (max(int(index or 1), 1) - 1) * int(size)
    start = max(0, start - 1) if shift else start
    return rows[start : start + int(size)]


def _encoded(payload, charset: str) -> bytes:
    """JSON in ``charset``; text it cannot encode (a lone surrogate) goes as JSON escapes."""
    try:
        return json.dumps(payload, ensure_ascii=False).encode(charset)
    except UnicodeEncodeError:
        return json.dumps(payload).encode(charset)


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).lower().split())


class PortalSimulator:
    def __init__(self, data_dir: Path, faults: Faults | None = None) -> None:
        self.data = Dataset(Path(data_dir))
        self.faults = faults or Faults()
        self.requests = 0
        self._lock = threading.Lock()

    # --- rest.jsp services -------------------------------------------------------------------
    def rest(self, params: dict, shift: bool = False) -> list[dict]:
        service = params.get("service", "")
        if service == "decision_publishment_advanced_search_service_v2":
            return self._search_decisions(params, shift)
        if service in PROCEDURE_LISTS:
            decision = self.data.by_id.get(str(params.get("id", "")))
            rows = decision[PROCEDURE_LISTS[service]] if decision else []
            return self._numbered(
                rows, "AMOUNT", params.get("recordPerPage"), params.get("pageIndex"), shift
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
            page = _page(rows, params.get("p_Page_Size"), params.get("p_Page_Index"), shift)
            return [{**r, "TOTAL_RECORDS": str(len(rows))} for r in page]
        raise LookupError(f"unknown service {service!r}")

    def _search_decisions(self, params: dict, shift: bool) -> list[dict]:
        rows = [d["row"] for d in self.data.decisions]
        agency = str(params.get("agency_id", "-1"))
        if agency not in ("-1", ""):
            rows = [r for r in rows if r["AGENCY_ID"] == agency]
        if keyword := _fold(str(params.get("keyword", ""))):
            rows = [r for r in rows if keyword in _fold(r["CODE"] + " " + r["NAME"])]
        if publishing_date := str(params.get("publishing_date", "")):
            rows = [r for r in rows if r["PUBLISHING_DATE"] == publishing_date]
        size, index = params.get("recordPerPage"), params.get("pageIndex")
        return self._numbered(rows, "AMOUNT", size, index, shift)

    @staticmethod
    def _numbered(rows: list[dict], total_key: str, size, index, shift: bool) -> list[dict]:
        numbered = [
            {**r, total_key: str(len(rows)), "ROW_STT": str(i + 1)} for i, r in enumerate(rows)
        ]
        return _page(numbered, size, index, shift)

    # --- province feed and Form 06 statistics (our design) -----------------------------------
    def province_decisions(
        self, province: str, page: int, per_page: int, shift: bool = False
    ) -> dict:
        feed = self.data.feeds.get(province)
        if feed is None:
            raise LookupError(f"no feed for province {province!r}")
        decisions = feed["decisions"]
        return {
            "province": province,
            "total": len(decisions),
            "page": page,
            "per_page": per_page,
            "decisions": _page(decisions, per_page, page, shift),
        }

    def dossier_stats(
        self, province: str, period: str, page: int, per_page: int, shift: bool = False
    ) -> dict:
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
            "rows": _page(rows, per_page, page, shift),
        }

    # --- pages and files ---------------------------------------------------------------------
    def decision_page(self, query: dict) -> pages.Raw:
        decision = self.data.by_id.get(query.get("ma_quyet_dinh", ""))
        if decision is None:
            raise LookupError(f"no decision {query.get('ma_quyet_dinh')!r}")
        # Text UTF-8 cannot hold (a lone surrogate) goes as a character reference, which an
        # HTML reader takes as U+FFFD, as a browser does.
        page = pages.decision_page(decision).encode("utf-8", "xmlcharrefreplace")
        return pages.Raw(page, "text/html; charset=UTF-8")

    def attachment(self, code: str) -> pages.Raw:
        return pages.attachment_file(self.data.root, self.data.decisions, code)

    def count_request(self) -> None:
        with self._lock:
            self.requests += 1


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

        def _fail(self, status: int, retry_after: int | None = None) -> None:
            body = json.dumps({"error": HTTPStatus(status).phrase}).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=UTF-8")
            self.send_header("Content-Length", str(len(body)))
            if retry_after is not None:
                self.send_header("Retry-After", str(retry_after))
            self.end_headers()
            self.wfile.write(body)

        def _answer(self, service: str, produce) -> None:
            """Apply the faults in force for ``service``, then send what ``produce`` makes of
            the rules (``produce(rules)``: status and payload)."""
            sim.count_request()
            rules = sim.faults.active(service)
            time.sleep(sum(r.delay_s for r in rules))
            for rule in rules:
                if rule.status:
                    return self._fail(rule.status, rule.retry_after)
            try:
                status, payload = produce(rules)
            except LookupError as exc:
                missing = 404 if service in ("feed", "stats", "page", "file") else 400
                return self._send(missing, {"error": str(exc)})
            charset = next((r.charset for r in rules if r.charset), "utf-8")
            if isinstance(payload, pages.Raw):  # a page or a file: as it is
                body, content_type = payload.body, payload.content_type
            else:
                for rule in rules:
                    payload = changed_payload(payload, rule)
                body = _encoded(payload, charset)
                content_type = f"application/json; charset={charset.upper()}"
            if replaced := next((r.body for r in rules if r.body is not None), None):
                body = replaced.encode(charset)
            if any(r.truncate for r in rules):
                body = body[: len(body) // 2]
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if any(r.reset for r in rules):
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                # SO_LINGER 0: close with a reset (RST), not an orderly end of stream.
                self.connection.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                )
                self.connection.close()
                self.close_connection = True
                return
            if drip := max((r.drip_s for r in rules), default=0.0):
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    time.sleep(drip)
                return
            self.wfile.write(body)

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

            if params.get("service") == "get_url_downfile":  # the download base, this server's
                host = f"http://{self.headers.get('Host', 'localhost')}"
                base = [{"URL_DOWNLOAD": f"{host}{pages.DOWNLOAD_PATH}"}]
                return self._answer("get_url_downfile", lambda rules: (200, base))

            def produce(rules: list[FaultRule]):
                repeat = any(r.repeat_page for r in rules)
                asked = {**params, "pageIndex": 1, "p_Page_Index": 1} if repeat else params
                return 200, sim.rest(asked, shift=any(r.shift_page for r in rules))

            self._answer(params.get("service", ""), produce)

        def do_GET(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == pages.DECISION_PAGE_PATH:
                return self._answer("page", lambda rules: (200, sim.decision_page(query)))
            if url.path == pages.DOWNLOAD_PATH:
                code = query.get("ma", "")
                return self._answer("file", lambda rules: (200, sim.attachment(code)))
            parts = url.path.strip("/").split("/")
            if len(parts) != 4 or parts[:2] != ["api", "provinces"]:
                return self._fail(404)
            province, resource = parts[2], parts[3]
            kind = {"decisions": "feed", "dossier-stats": "stats"}.get(resource)
            if kind is None:
                return self._fail(404)
            try:
                page, per_page = int(query.get("page", 1)), int(query.get("per_page", 50))
            except ValueError:
                return self._send(400, {"error": "page and per_page must be integers"})

            def produce(rules: list[FaultRule]):
                asked = 1 if any(r.repeat_page for r in rules) else page
                shift = any(r.shift_page for r in rules)
                if kind == "feed":
                    return 200, sim.province_decisions(province, asked, per_page, shift)
                period = query.get("period", "")
                return 200, sim.dossier_stats(province, period, asked, per_page, shift)

            self._answer(kind, produce)

    return Handler


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that timed out and hung up is expected under the latency faults.
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class SimulatorServer:
    """The simulator on a socket; ``with SimulatorServer(data) as s: s.url``."""

    def __init__(
        self, data_dir: Path, host: str = "127.0.0.1", port: int = 0, faults: Faults | None = None
    ) -> None:
        self.simulator = PortalSimulator(data_dir, faults)
        self.httpd = _QuietServer((host, port), make_handler(self.simulator))
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
