"""What can be checked of the deployment without a Docker engine: the compose file's services,
images, mounts, environment and commands against the repository; the Dockerfile; and the
settings Airflow Connections and Variables give."""

import re

import pytest
import yaml

from tests.helpers import ROOT

AIRFLOW_SERVICES = {
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_the_services_of_an_airflow_3_celery_deployment(compose):
    services = compose["services"]
    assert set(services) == AIRFLOW_SERVICES | {
        "postgres",
        "redis",
        "mirror-db",
        "portal-simulator",
    }
    commands = {name: services[name].get("command") for name in AIRFLOW_SERVICES}
    assert commands["airflow-apiserver"] == "api-server"
    assert commands["airflow-scheduler"] == "scheduler"
    assert commands["airflow-dag-processor"] == "dag-processor"
    assert commands["airflow-triggerer"] == "triggerer"
    assert commands["airflow-worker"] == "celery worker"
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    # Scales with --scale airflow-worker=N: no fixed name, no published port.
    assert "container_name" not in services["airflow-worker"]
    assert "ports" not in services["airflow-worker"]


def test_every_airflow_service_runs_the_project_image_with_its_connections(compose):
    for name in AIRFLOW_SERVICES | {"portal-simulator"}:
        service = compose["services"][name]
        assert service["build"] == "." and "tthc-sync-airflow" in service["image"], name
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name
        assert env["AIRFLOW_CONN_TTHC_MIRROR"].startswith("postgresql://"), name
        assert "@mirror-db:5432/" in env["AIRFLOW_CONN_TTHC_MIRROR"], name
        assert env["AIRFLOW_CONN_TTHC_NATIONAL_PORTAL"] == "http://portal-simulator:8765", name
        assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://"), name
        assert "tthc-var:/opt/tthc/var" in service["volumes"], name


def test_mounts_and_commands_point_at_files_in_the_repository(compose):
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which is missing"
            else:
                assert source in compose["volumes"], f"{name}: undeclared volume {source}"
    simulator = compose["services"]["portal-simulator"]
    data = simulator["command"][simulator["command"].index("--data") + 1]
    assert data.startswith("/opt/tthc/")
    assert (ROOT / data.removeprefix("/opt/tthc/")).is_dir()  # the image copies the repo there
    init = "\n".join(compose["services"]["airflow-init"]["command"])
    assert "tthc db upgrade" in init and "/entrypoint airflow version" in init


def test_ports_are_published_on_loopback_unless_configured(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("${TTHC_BIND_ADDRESS:-127.0.0.1}:"), (name, port)


def test_the_dockerfile_extends_the_airflow_image_and_installs_the_project():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM apache/airflow:3\.3\.2$", text, re.M)
    assert "COPY --chown=airflow:root . /opt/tthc" in text
    assert "pip install --no-cache-dir -e /opt/tthc" in text
    # What reading scanned and legacy documents needs, in the image as in CI.
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for package in ("tesseract-ocr-vie", "fonts-dejavu-core", "libreoffice-writer-nogui"):
        assert package in text and package in ci, package
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", "var", ".git"} <= set(ignored)


def test_settings_come_from_airflow_connections_and_variables(monkeypatch):
    from tthc.airflow_settings import settings_from_airflow

    monkeypatch.setenv("AIRFLOW_CONN_TTHC_MIRROR", "postgres://auditor:s3cret@db:5432/tthc")
    monkeypatch.setenv("AIRFLOW_CONN_TTHC_NATIONAL_PORTAL", "https://thutuc.dichvucong.gov.vn")
    monkeypatch.setenv("AIRFLOW_CONN_TTHC_PROVINCE_FEED_06", "http://feed.backan.example:8080")
    monkeypatch.setenv("AIRFLOW_VAR_TTHC_SETTINGS", '{"page_size": 20, "national_workers": 2}')
    settings = settings_from_airflow(["06"])
    assert settings.mirror_url == "postgresql+psycopg://auditor:s3cret@db:5432/tthc"
    assert settings.national_portal_url == "https://thutuc.dichvucong.gov.vn"
    assert settings.province_feed_url == "http://feed.backan.example:8080"
    assert (settings.page_size, settings.national_workers) == (20, 2)
    monkeypatch.delenv("AIRFLOW_CONN_TTHC_MIRROR")
    monkeypatch.setenv("TTHC_MIRROR_URL", "sqlite:////tmp/elsewhere.sqlite")
    assert settings_from_airflow().mirror_url == "sqlite:////tmp/elsewhere.sqlite"  # fallback
