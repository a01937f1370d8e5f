"""
### Dossier statistics sync

Pulls a province's Form 06 dossier statistics (hồ sơ, Circular 01/2020/TT-VPCP) for a reporting
period, checks the form's identities (received = resolved + in progress, …) and loads the
mirror. Scheduled after each quarter; the `period` param backfills any other.
"""

from datetime import datetime

from airflow.sdk import dag

from tthc.airflow_tasks import (
    DOSSIER_STATS_ASSET,
    PERIOD_PARAM,
    PROVINCE_PARAM,
    begin_run,
    default_args,
    extract,
    load,
    provinces_to_sync,
    transform,
    validate,
)


@dag(
    dag_id="tthc_dossier_stats_sync",
    schedule="0 6 15 1,4,7,10 *",  # mid-month after each quarter, when reports are in
    start_date=datetime(2020, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={"province": PROVINCE_PARAM, "period": PERIOD_PARAM},
    tags=["tthc", "sync", "dossier-stats"],
    doc_md=__doc__,
)
def tthc_dossier_stats_sync():
    # One run per province, mapped: one province's failure does not stop the others.
    runs = begin_run.partial(kind="dossier-stats").expand(province=provinces_to_sync())
    extracted = extract.expand(run=runs)
    transformed = transform.expand(run=extracted)
    validated = validate.expand(run=transformed)
    load.override(outlets=[DOSSIER_STATS_ASSET]).expand(run=validated)


tthc_dossier_stats_sync()
