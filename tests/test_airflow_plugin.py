"""The Airflow UI plugin: registered with Airflow, and its app, started on loopback, serves the
latest reports read-only."""

import threading
import time

import pytest
import requests
import uvicorn

from loaders.db import make_engine
from reconcile.run import reconcile
from tests.helpers import sync_dataset
from tthc.reports import write_quarterly_reports
from tthc.webapp import create_app


def test_airflow_loads_the_plugin_with_its_app_and_menu_link():
    from airflow import plugins_manager

    apps, _ = plugins_manager.get_fastapi_plugins()
    ours = [a for a in apps if a["url_prefix"] == "/tthc"]
    assert len(ours) == 1 and ours[0]["name"] == "tthc-sync reports"
    views, _ = plugins_manager._get_ui_plugins()
    link = next(v for v in views if v.get("url_route") == "tthc-reports")
    assert link["destination"] == "nav" and not link["href"].startswith("/")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """Reports from a real sync, and the app on a free loopback port."""
    settings = sync_dataset(tmp_path_factory.mktemp("plugin"))
    _, report = reconcile(make_engine(settings.mirror_url), settings.rules, "06", "2020-Q2")
    write_quarterly_reports(settings, report)
    config = uvicorn.Config(
        create_app(lambda: settings), host="127.0.0.1", port=0, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_the_app_serves_the_reports(served):
    index = requests.get(f"{served}/", timeout=10)
    assert index.status_code == 200 and "reports/06/2020-Q2/quarterly.xlsx" in index.text
    page = requests.get(f"{served}/validation/", timeout=10)
    assert page.status_code == 200 and "Validation of run" in page.text
    report = requests.get(f"{served}/reports/06/2020-Q2/quarterly.html", timeout=10)
    assert report.status_code == 200 and "58,463" in report.text
    data = requests.get(f"{served}/reports/06/2020-Q2/quarterly.json", timeout=10).json()
    assert data["procedures_publicized"] == 198
    docs = requests.get(f"{served}/data_docs/index.html", timeout=10)
    assert docs.status_code == 200 and "Data Docs" in docs.text


def test_the_app_is_read_only_and_stays_in_its_folder(served):
    for path in (
        "/reports/06/2020-Q2/quarterly.exe",
        "/reports/..%2F..%2Fetc/2020-Q2/x.html",
        "/validation/..%2F..%2Fmirror.sqlite",
        "/reports/06/2020-Q9/quarterly.html",
    ):
        assert requests.get(f"{served}{path}", timeout=10).status_code == 404, path
    assert requests.post(f"{served}/validation/", timeout=10).status_code == 405
    assert (
        requests.delete(f"{served}/reports/06/2020-Q2/quarterly.html", timeout=10).status_code
        == 405
    )


def test_the_reports_need_an_airflow_login():
    """Mounted in Airflow's own API server app: no token, no page (Data Docs included); a valid
    Airflow token, in the UI's cookie or as a bearer token, opens them."""
    from airflow.api_fastapi.app import create_app as airflow_api_app
    from airflow.api_fastapi.app import get_auth_manager
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser
    from fastapi.testclient import TestClient

    from tthc.demo import migrate_airflow

    migrate_airflow({})  # tokens are checked against the metadata DB (revoked ones)
    client = TestClient(airflow_api_app())
    for path in ("/tthc/", "/tthc/validation/", "/tthc/data_docs/index.html"):
        assert client.get(path).status_code == 401, path
    forged = client.get("/tthc/", headers={"Authorization": "Bearer not-a-token"})
    assert forged.status_code in (401, 403)
    token = get_auth_manager().generate_jwt(
        SimpleAuthManagerUser(username="auditor", role="viewer")
    )
    assert client.get("/tthc/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.cookies.set("_token", token)
    assert client.get("/tthc/").status_code == 200
