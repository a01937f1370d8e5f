"""
### Reconciliation and quarterly report

Runs when both syncs have updated the mirror: classifies every published procedure against the
national database (why 207 published became 198 publicized), stores the result per run, and
writes the quarterly report as HTML, Excel, CSV and JSON under `var/reports/<province>/<period>/`.
"""

from datetime import datetime

from airflow.sdk import dag

from tthc.airflow_tasks import (
    DOSSIER_STATS_ASSET,
    PERIOD_PARAM,
    PROVINCE_PARAM,
    PUBLICATIONS_ASSET,
    RECONCILIATION_ASSET,
    default_args,
    provinces_to_sync,
    reconcile_period,
    write_reports,
)


@dag(
    dag_id="tthc_reconciliation",
    schedule=(PUBLICATIONS_ASSET & DOSSIER_STATS_ASSET),
    start_date=datetime(2020, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(retries=1),
    params={"province": PROVINCE_PARAM, "period": PERIOD_PARAM},
    tags=["tthc", "reconciliation", "reports"],
    doc_md=__doc__,
)
def tthc_reconciliation():
    # Computed once per province and period; the reports are rendered from that result.
    reconciled = reconcile_period.expand(province=provinces_to_sync())
    write_reports.override(outlets=[RECONCILIATION_ASSET]).expand(reconciled=reconciled)


tthc_reconciliation()
