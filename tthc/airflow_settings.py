"""The settings model filled from Airflow, for tasks running there.

Connections (credentials stay in them, never in logs or XCom):
- ``tthc_mirror``: the mirror database (``postgres`` connections become ``postgresql+psycopg``);
- ``tthc_national_portal``: the portal's base URL (scheme, host, port, path);
- ``tthc_province_feed_<code>``, else ``tthc_province_feed``: a province's feed and statistics.
The Variable ``tthc_settings`` (JSON) may set any other field of ``tthc.settings.Settings``.
What Airflow does not define falls back to the environment and ``tthc.toml``, as elsewhere.
"""

from __future__ import annotations

import json
from typing import Any

from tthc.settings import Settings


def _connection_uri(conn_id: str) -> str | None:
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return Connection.get(conn_id).get_uri()
    except AirflowNotFoundException:  # only "not defined" falls back; other errors surface
        return None


def _variable(key: str) -> str | None:
    from airflow.sdk import Variable

    return Variable.get(key, default=None)


def sqlalchemy_url(uri: str) -> str:
    """Airflow's ``postgres://`` / ``postgresql://`` URIs as SQLAlchemy's psycopg 3 URLs."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri.removeprefix(prefix)
    return uri


def base_url(uri: str) -> str:
    """An HTTP connection's URI as a base URL (Airflow writes ``http://host:port/path``)."""
    return uri.rstrip("/").split("?")[0]


def settings_from_airflow(province_codes: list[str] | None = None) -> Settings:
    overrides: dict[str, Any] = json.loads(_variable("tthc_settings") or "{}")
    if mirror := _connection_uri("tthc_mirror"):
        overrides["mirror_url"] = sqlalchemy_url(mirror)
    if portal := _connection_uri("tthc_national_portal"):
        overrides["national_portal_url"] = base_url(portal)
    feeds = [_connection_uri(f"tthc_province_feed_{code}") for code in province_codes or []]
    if feed := next(filter(None, feeds), None) or _connection_uri("tthc_province_feed"):
        overrides["province_feed_url"] = base_url(feed)
    return Settings(**overrides)
