"""``make run``: the three DAGs for real (``dag.test()`` on a migrated SQLite metadata DB under
``var/airflow``) against the portal simulator on a free loopback port, then the figures."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from simulator.server import SimulatorServer
from tthc.settings import get_settings

DAGS = ["tthc_publications_sync", "tthc_dossier_stats_sync", "tthc_reconciliation"]


def airflow_env(airflow_home: Path, dags_folder: Path) -> dict[str, str]:
    """A self-contained Airflow in ``airflow_home`` (SQLite metadata DB), reading ``dags/``."""
    airflow_home.mkdir(parents=True, exist_ok=True)
    return {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__LOGGING__LOGGING_LEVEL": os.environ.get(
            "AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING"
        ),
    }


def migrate_airflow(env: dict[str, str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        check=True,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
    )


def load_dags(home: Path) -> dict:
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=home / "dags")
    if bag.import_errors:
        raise SystemExit(f"DAGs failed to import: {bag.import_errors}")
    return bag.dags


def run_dags(home: Path, conf: dict[str, str]) -> None:
    dags = load_dags(home)
    for dag_id in DAGS:
        dag_run = dags[dag_id].test(run_conf=conf)
        state = str(getattr(dag_run, "state", ""))
        if not state.endswith("success"):
            raise SystemExit(f"{dag_id} finished {state or 'without a state'}")
        print(f"{dag_id}: {state}", flush=True)


def run_demo(data: Path, province: str, period: str) -> int:
    home = get_settings().home
    env = airflow_env(home / "var" / "airflow", home / "dags")
    os.environ.update(env)
    print("migrating Airflow's metadata DB under var/airflow …", flush=True)
    migrate_airflow(env)
    with SimulatorServer(data) as server:
        print(f"portal simulator at {server.url} serving {data}", flush=True)
        os.environ.update(
            TTHC_PROVINCE_FEED_URL=server.url,
            TTHC_NATIONAL_PORTAL_URL=server.url,
            TTHC_NATIONAL_RATE_LIMIT_PER_S="0",  # our own simulator: no need to be polite
        )
        get_settings.cache_clear()
        from loaders.db import make_engine, upgrade

        upgrade(make_engine(get_settings().mirror_url))
        run_dags(home, {"province": province, "period": period})
    return print_figures(province, period)


def print_figures(province: str, period: str) -> int:
    """The figures of the report the reconciliation DAG wrote (not computed again)."""
    import json

    from reconcile.render import HEADLINES

    settings = get_settings()
    folder = settings.reports_dir / province / period
    report = json.loads((folder / "quarterly.json").read_text(encoding="utf-8"))
    print(f"\n{report['province_name']} ({province}), {period}")
    for key, label in HEADLINES:
        print(f"  {label:<66}{report[key]:>8,}")
    print("  reconciliation:")
    for name, n in report["reconciliation"]["classes"].items():
        print(f"    {name:<64}{n:>8}")
    print(f"\nreports: {folder}/quarterly.{{html,xlsx,csv,json}}")
    print(
        f"validation: {settings.validation_pages_dir / 'index.html'} "
        f"(Data Docs: {settings.data_docs_dir / 'index.html'})"
    )
    print(f"mirror: {settings.mirror_url}")
    return 0
