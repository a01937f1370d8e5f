"""
### Reconciliation and quarterly report

Runs once for each province and period a sync changed: each sync's asset event carries a
partition per period it wrote (`06|2020-Q2`), so a backfill of four quarters gives four runs,
each on its own quarter. Classifies every published procedure against the national database
(why 207 published became 198 publicized), stores the result per run, and writes the quarterly
report as HTML, Excel, CSV and JSON under `var/reports/<province>/<period>/`. A period with
nothing synced fails at once, saying so. Triggered by hand, the params choose (empty: every
synced province, the last full quarter).

Unpaused when created: a paused asset-scheduled DAG is not queued for the events it misses.
"""

from datetime import datetime

from airflow.sdk import IdentityMapper, PartitionedAssetTimetable, dag

from tthc.airflow_tasks import (
    DOSSIER_STATS_ASSET,
    PERIOD_PARAM,
    PROVINCE_PARAM,
    PUBLICATIONS_ASSET,
    RECONCILIATION_ASSET,
    default_args,
    periods_to_reconcile,
    reconcile_period,
    write_reports,
)


@dag(
    dag_id="tthc_reconciliation",
    schedule=PartitionedAssetTimetable(
        assets=PUBLICATIONS_ASSET | DOSSIER_STATS_ASSET,
        default_partition_mapper=IdentityMapper(),  # "06|2020-Q2" in, the same key out
    ),
    start_date=datetime(2020, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=1,
    default_args=default_args(retries=1),
    params={"province": PROVINCE_PARAM, "period": PERIOD_PARAM},
    tags=["tthc", "reconciliation", "reports"],
    doc_md=__doc__,
)
def tthc_reconciliation():
    # Computed once per province and period; the reports are rendered from that result.
    reconciled = reconcile_period.expand(target=periods_to_reconcile())
    write_reports.override(outlets=[RECONCILIATION_ASSET]).expand(reconciled=reconciled)


tthc_reconciliation()
