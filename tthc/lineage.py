"""OpenLineage datasets of a run: the sources it read (by URL, or by path for files) and the
mirror tables it wrote, named as OpenLineage's naming spec says (``postgres://host:port`` and
``db.schema.table``). Emitted from the load task when the optional provider is installed and
configured (``pip install 'tthc-sync[lineage]'``, ``AIRFLOW__OPENLINEAGE__TRANSPORT``)."""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url

from extractors.landing import Landing
from tthc import datasets

log = logging.getLogger(__name__)
Named = tuple[str, str]  # (namespace, name)


def source_dataset(url: str, params: dict | None = None) -> Named:
    """A landed page's source: the endpoint, and the portal service when one URL serves many
    (``rest.jsp``'s ``service`` form field)."""
    parts = urlsplit(url)
    if parts.scheme in ("", "file"):
        return "file", str(Path(parts.path).resolve())
    name = parts.path or "/"
    if service := (params or {}).get("service"):
        name += f"/{service}"
    return f"{parts.scheme}://{parts.netloc}", name


def table_dataset(mirror_url: str, table: str) -> Named:
    url = make_url(mirror_url)
    if url.get_backend_name() == "sqlite":
        return "sqlite", f"{Path(url.database or '').resolve()}.{table}"
    schema = "public"
    for option in (url.query.get("options") or "").split():  # -csearch_path=… (tests, tenants)
        if option.startswith("-csearch_path="):
            schema = option.split("=", 1)[1].split(",")[0]
    host = f"{url.host or 'localhost'}:{url.port or 5432}"
    return f"postgres://{host}", f"{url.database}.{schema}.{table}"


def run_datasets(landing: Landing, kind: str, mirror_url: str) -> tuple[list[Named], list[Named]]:
    """(inputs, outputs) of a run of ``kind``: every distinct source of its landed pages, and
    the tables of its datasets."""
    inputs: set[Named] = set()
    tables = []
    for name in datasets.kind(kind).datasets:
        dataset = datasets.DATASETS[name]
        tables.append(dataset.table.name)
        for source in dataset.sources:
            inputs |= {
                source_dataset(o["url"], o["params"]) for o in landing.origins(source.landing)
            }
    outputs = [table_dataset(mirror_url, t) for t in dict.fromkeys(tables)]
    return sorted(inputs), outputs


def emit(inputs: list[Named], outputs: list[Named]) -> bool:
    """Emit the datasets for the running task; False when OpenLineage is not installed or
    not configured (lineage is optional, and never fails a load)."""
    try:
        from airflow.providers.openlineage.api import emit_dataset_lineage, is_openlineage_active
        from openlineage.client.event_v2 import Dataset
    except ImportError:
        return False
    if not is_openlineage_active():
        return False
    emit_dataset_lineage(
        inputs=[Dataset(namespace=ns, name=name) for ns, name in inputs],
        outputs=[Dataset(namespace=ns, name=name) for ns, name in outputs],
    )
    return True
