"""The auditors' pages inside the Airflow UI: the latest validation and quarterly reports,
read-only, served by a FastAPI app that the Airflow plugin (``tthc.airflow_plugin``) mounts.

Only GET routes; paths are checked against strict patterns, so nothing outside the reports
folder can be read. Like every Airflow 3 plugin app, it is not behind Airflow's login by itself:
publish the API server only where auditors may read these reports (see README)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import escape

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.staticfiles import StaticFiles

from tthc.settings import Settings, get_settings

PROVINCE = re.compile(r"^\d{2}$")
PERIOD = re.compile(r"^\d{4}-Q[1-4]$")
RUN_ID = re.compile(r"^[0-9T]+-[a-z-]+-[0-9a-f]{8}$")
FORMATS = {
    "html": "text/html; charset=utf-8",
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def create_app(settings: Callable[[], Settings] = get_settings) -> FastAPI:
    app = FastAPI(title="tthc-sync reports", docs_url=None, redoc_url=None, openapi_url=None)

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

    app.mount(
        "/data_docs",
        StaticFiles(directory=settings().data_docs_dir, html=True, check_dir=False),
        name="data_docs",
    )
    return app


def _file(path, media_type: str) -> FileResponse:
    if not path.is_file():
        raise HTTPException(404, "not written yet")
    return FileResponse(path, media_type=media_type)
