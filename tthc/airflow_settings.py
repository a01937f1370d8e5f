"""The settings model filled from Airflow, for tasks running there.

Connections (credentials stay in them, never in logs or XCom; each password is given to
Airflow's secrets masker with its URL-encoded forms, as it appears inside a URL):
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
        connection = Connection.get(conn_id)
    except AirflowNotFoundException:  # only "not defined" falls back; other errors surface
        return None
    if connection.password:
        mask_in_logs(connection.password)
    return connection.get_uri()


def mask_in_logs(secret: str) -> None:
    """Airflow's masker hides ``secret`` from task logs, also as a URL writes it."""
    from urllib.parse import quote, quote_plus

    from airflow.sdk.log import mask_secret

    for form in {secret, quote(secret, safe=""), quote_plus(secret), quote(secret)}:
        mask_secret(form)


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
