"""Landing and staging in an object store (S3, served by moto on loopback), as when Airflow
workers on several machines share no filesystem: each step runs with its own settings and
finds the run's files by URL only."""

import pytest
import requests
from sqlalchemy import select

from loaders.db import make_engine, upgrade
from loaders.schema import province_items
from tests.helpers import DATASET, SEED_FIGURES, make_settings
from tthc import pipeline
from tthc.storage import Store


@pytest.fixture
def s3(monkeypatch):
    """An S3 endpoint with a ``tthc`` bucket; credentials come from the environment."""
    import s3fs
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "tthc-test",
        "AWS_SECRET_ACCESS_KEY": "tthc-test-secret",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }.items():
        monkeypatch.setenv(name, value)
    requests.post(f"http://{host}:{port}/moto-api/reset", timeout=10)  # moto's state is global
    s3fs.S3FileSystem.clear_instance_cache()  # no client of an earlier endpoint
    fs = s3fs.S3FileSystem()
    fs.mkdir("tthc")
    yield fs
    s3fs.S3FileSystem.clear_instance_cache()
    server.stop()


def test_a_publications_run_with_landing_and_run_files_in_s3(s3, tmp_path):
    from reconcile.quarterly import quarterly_report
    from simulator.server import SimulatorServer

    mirror = f"sqlite:///{tmp_path / 'mirror.sqlite'}"
    upgrade(make_engine(mirror))
    stores = {"landing_dir": "s3://tthc/landing", "run_files_dir": "s3://tthc/runs"}
    with SimulatorServer(DATASET) as server:

        def worker():  # a fresh settings object per step, as on another machine
            return make_settings(tmp_path, server.url, mirror, **stores)

        runs = [
            pipeline.new_run("publications", province="06"),
            pipeline.new_run("dossier-stats", province="06", period="2020-Q2"),
        ]
        for run in runs:
            pipeline.begin(worker(), run)
            for step in (pipeline.extract, pipeline.transform, pipeline.validate):
                run = pipeline.RunRef(**step(worker(), run).to_dict())  # by reference only
            result = pipeline.summary(run, pipeline.load(worker(), run))
            pipeline.finish(worker(), run, result)
            assert result["status"] == "success"

    publications = runs[0].run_id
    landed = s3.find(f"tthc/landing/{publications}")
    assert f"tthc/landing/{publications}/province_feed/00000001.json" in landed
    assert sum("/annex_files/" in p for p in landed) == 2  # the dataset's .docx and .xlsx
    files = s3.find(f"tthc/runs/{publications}")
    assert f"tthc/runs/{publications}/province_items.quarantined.parquet" in files
    assert not (tmp_path / "var" / "landing").exists()
    assert not (tmp_path / "var" / "runs").exists()
    with make_engine(mirror).connect() as conn:
        report = quarterly_report(conn, worker().rules, "06", "2020-Q2")
        assert conn.scalar(select(province_items.c.source_ref).limit(1))
    assert {k: report[k] for k in SEED_FIGURES} == SEED_FIGURES


def test_a_retried_extract_starts_over(s3):
    from extractors.http import Fetched
    from extractors.landing import Landing

    store = Store("s3://tthc/landing") / "run-1"
    first = Landing(store)
    for page in range(3):
        first.write("feed", Fetched.of("u", {"page": page}, {"n": page}))
    retry = Landing(store)
    retry.clear()
    retry.write("feed", Fetched.of("u", {"page": 0}, {"n": "again"}))
    assert [p.data for p in Landing(store).pages("feed")] == [{"n": "again"}]
    assert Landing(store).records(["feed#1:n"]) == ["again"]
