"""The auditors' pages inside the Airflow UI: the latest validation and quarterly reports,
read-only, served by a FastAPI app that the Airflow plugin (``tthc.airflow_plugin``) mounts.

Only GET routes; paths are checked against strict patterns, so nothing outside the reports
folder can be read. An Airflow 3 plugin app is not behind Airflow's login by itself, so every
route (Data Docs included) depends on ``authenticate``: in Airflow, ``airflow_user``, which
accepts a request only with a valid Airflow token (the UI's session cookie, or a bearer token)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse

from tthc.settings import Settings, get_settings

PROVINCE = re.compile(r"^\d{2}$")
PERIOD = re.compile(r"^\d{4}-Q[1-4]$")
RUN_ID = re.compile(r"^[0-9T]+-[a-z-]+-[0-9a-f]{8}$")
STATIC = {  # what Data Docs are made of
    ".html": "text/html; charset=utf-8",
    ".css": "text/css",
    ".js": "text/javascript",
    ".json": "application/json",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ico": "image/x-icon",
}
FORMATS = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def airflow_user(request: Request) -> None:
    """Refuse the request (401/403) unless it carries a valid Airflow token: the same check as
    Airflow's own API (``get_user``), imported here so the app imports without Airflow."""
    from airflow.api_fastapi.core_api.security import bearer_scheme, get_user

    await get_user(request, None, await bearer_scheme(request))


def create_app(
    settings: Callable[[], Settings] = get_settings,
    authenticate: Callable[..., Any] | None = None,
) -> FastAPI:
    """``authenticate``: a FastAPI dependency every route runs first (None: no login, for a
    server that only the trusted can reach)."""
    app = FastAPI(
        title="tthc-sync reports",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(authenticate)] if authenticate else [],
    )

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        reports = settings().reports_dir
        quarterly = sorted(
            (p.parent.parent.name, p.parent.name)
            for p in reports.glob("*/*/quarterly.html")
            if PROVINCE.match(p.parent.parent.name) and PERIOD.match(p.parent.name)
        )
        rows = "".join(
            f"<li>{escape(province)} {escape(period)}: "
            + ", ".join(
                f'<a href="reports/{province}/{period}/quarterly.{fmt}">{fmt}</a>'
                for fmt in FORMATS
            )
            + "</li>"
            for province, period in quarterly
        )
        validation = (reports / "validation" / "index.html").exists()
        return (
            "<!doctype html><html lang='vi'><head><meta charset='utf-8'>"
            "<title>tthc-sync reports</title></head><body><h1>tthc-sync reports</h1>"
            + (
                '<p><a href="validation/">Latest validation</a> · '
                '<a href="data_docs/index.html">Data Docs</a></p>'
                if validation
                else "<p>No validation has run yet.</p>"
            )
            + f"<h2>Quarterly reports</h2><ul>{rows or '<li>None yet.</li>'}</ul></body></html>"
        )

    @app.get("/validation/")
    def latest_validation() -> FileResponse:
        return _file(settings().validation_pages_dir / "index.html", FORMATS["html"])

    @app.get("/validation/{run_id}")
    def validation(run_id: str) -> FileResponse:
        if not RUN_ID.match(run_id):
            raise HTTPException(404)
        return _file(settings().validation_pages_dir / f"{run_id}.html", FORMATS["html"])

    @app.get("/reports/{province}/{period}/quarterly.{fmt}")
    def quarterly(province: str, period: str, fmt: str) -> FileResponse:
        if not (PROVINCE.match(province) and PERIOD.match(period) and fmt in FORMATS):
            raise HTTPException(404)
        return _file(settings().reports_dir / province / period / f"quarterly.{fmt}", FORMATS[fmt])

    @app.get("/data_docs/{path:path}")
    def data_docs(path: str) -> FileResponse:
        """Great Expectations' static site, a route (a mount would skip the login check)."""
        root = settings().data_docs_dir.resolve()
        wanted = (root / (path or "index.html")).resolve()
        if not wanted.is_relative_to(root) or wanted.suffix not in STATIC:
            raise HTTPException(404)
        return _file(wanted, STATIC[wanted.suffix])

    return app


def _file(path, media_type: str) -> FileResponse:
    if not path.is_file():
        raise HTTPException(404, "not written yet")
    return FileResponse(path, media_type=media_type)
