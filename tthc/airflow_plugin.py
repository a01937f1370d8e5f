"""The Airflow UI plugin: the auditors' pages (``tthc.webapp``) mounted in the API server at
``/tthc`` and linked from the navigation. Registered through the ``airflow.plugins`` entry
point, so installing the project is enough. Its pages need an Airflow login. It also brings
the listener that notes held rows on sync runs (``tthc.airflow_listener``)."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from tthc import airflow_listener
from tthc.webapp import airflow_user, create_app


class TthcReportsPlugin(AirflowPlugin):
    name = "tthc_reports"
    listeners = [airflow_listener]  # notes on sync runs that held rows back
    fastapi_apps = [
        {
            "app": create_app(authenticate=airflow_user),  # an Airflow login, always
            "url_prefix": "/tthc",
            "name": "tthc-sync reports",
        }
    ]
    external_views = [
        {
            "name": "Audit reports (tthc-sync)",
            "href": "tthc/",  # relative, as Airflow wants it
            "destination": "nav",
            "category": "browse",
            "url_route": "tthc-reports",
        }
    ]
