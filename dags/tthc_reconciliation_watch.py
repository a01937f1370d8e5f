"""
### Reconciliation watch

Starts when each quarter ends and waits until every synced province has that quarter
reconciled (the ledger's reconciliation runs). If that has not happened
`TTHC_RECONCILE_DEADLINE_DAYS` (30) days after the quarter ended, its Deadline Alert fires
(`tthc.airflow_alerts.reconciliation_overdue`): statistics never synced, or a reconciliation
that failed, do not go unnoticed.
"""

from datetime import datetime, timedelta

from airflow.sdk import AsyncCallback, CronTriggerTimetable, DeadlineAlert, DeadlineReference, dag

from tthc.airflow_tasks import PROVINCE_PARAM, default_args, quarter_reconciled
from tthc.settings import get_settings

DAYS = get_settings().reconcile_deadline_days


@dag(
    dag_id="tthc_reconciliation_watch",
    schedule=CronTriggerTimetable("0 0 1 1,4,7,10 *", timezone="Asia/Ho_Chi_Minh"),
    start_date=datetime(2020, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={"province": PROVINCE_PARAM},
    deadline=DeadlineAlert(
        reference=DeadlineReference.DAGRUN_LOGICAL_DATE,  # the day after the quarter ended
        interval=timedelta(days=DAYS),
        callback=AsyncCallback("tthc.airflow_alerts.reconciliation_overdue", {"days": DAYS}),
        name="quarter-reconciled",
    ),
    tags=["tthc", "reconciliation", "deadline"],
    doc_md=__doc__,
)
def tthc_reconciliation_watch():
    quarter_reconciled()


tthc_reconciliation_watch()
