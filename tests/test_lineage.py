"""OpenLineage: a load reports the sources it read (by URL) and the mirror tables it wrote,
named by OpenLineage's naming spec; read back from the file transport after a real run."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from tests.helpers import ROOT
from tthc.lineage import source_dataset, table_dataset


def test_sources_and_tables_are_named_as_openlineage_says():
    assert source_dataset("http://127.0.0.1:8765/api/provinces/06/decisions?page=2") == (
        "http://127.0.0.1:8765",
        "/api/provinces/06/decisions",
    )
    assert source_dataset(
        "https://thutuc.dichvucong.gov.vn/jsp/rest.jsp", {"service": "get_list_agency_service_v2"}
    ) == ("https://thutuc.dichvucong.gov.vn", "/jsp/rest.jsp/get_list_agency_service_v2")
    assert source_dataset("/srv/annexes/06/QD-654.xlsx") == ("file", "/srv/annexes/06/QD-654.xlsx")
    pg = "postgresql+psycopg://tthc:secret@db.internal/mirror?options=-csearch_path%3Dtthc"
    assert table_dataset(pg, "dossier_stats") == (
        "postgres://db.internal:5432",
        "mirror.tthc.dossier_stats",
    )
    assert "secret" not in str(table_dataset(pg, "x"))
    assert table_dataset("sqlite:////var/m.sqlite", "t") == ("sqlite", "/var/m.sqlite.t")


@pytest.mark.airflow
def test_a_load_emits_what_it_read_and_wrote(simulator, tmp_path):
    """A statistics DAG run (dag.test) in its own interpreter, so OpenLineage's configuration
    (read once, cached) is this test's: the file transport, in a thread."""
    events = tmp_path / "lineage.jsonl"
    mirror = tmp_path / "mirror.sqlite"
    env = {
        **os.environ,
        "TTHC_HOME": str(tmp_path),
        "TTHC_MIRROR_URL": f"sqlite:///{mirror}",
        "TTHC_PROVINCE_FEED_URL": simulator.url,
        "TTHC_NATIONAL_PORTAL_URL": simulator.url,
        "AIRFLOW__OPENLINEAGE__TRANSPORT": json.dumps(
            {"type": "file", "log_file_path": str(events), "append": True}
        ),
        "AIRFLOW__OPENLINEAGE__NAMESPACE": "tthc",
        "AIRFLOW__OPENLINEAGE__EXECUTE_IN_THREAD": "True",
    }
    script = textwrap.dedent("""
        from airflow.dag_processing.dagbag import DagBag
        from loaders.db import make_engine, upgrade
        from tthc.demo import migrate_airflow
        from tthc.settings import get_settings

        migrate_airflow({})
        upgrade(make_engine(get_settings().mirror_url))
        dag = DagBag(dag_folder="dags").dags["tthc_dossier_stats_sync"]
        run = dag.test(run_conf={"province": "06", "period": "2020-Q2"})
        assert str(run.state).endswith("success"), run.state
    """)
    out = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    emitted = [json.loads(line) for line in events.read_text().splitlines() if line.strip()]
    load = [
        e
        for e in emitted
        if e["job"]["name"].endswith(".load") and (e.get("inputs") or e.get("outputs"))
    ]
    assert load, [(e["eventType"], e["job"]["name"]) for e in emitted]
    inputs = {(d["namespace"], d["name"]) for e in load for d in e.get("inputs", [])}
    outputs = {(d["namespace"], d["name"]) for e in load for d in e.get("outputs", [])}
    assert (simulator.url.rstrip("/"), "/api/provinces/06/dossier-stats") in inputs, inputs
    assert ("sqlite", f"{mirror}.dossier_stats") in outputs, outputs
