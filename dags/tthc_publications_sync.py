"""
### Publications sync

Pulls a province's publication decisions (Quyết định công bố) from its feed and from the Word
and Excel annexes in its `annex_sources` folders (plus any in the `annex` param; a file loaded
before is skipped by its SHA-256), and the national portal's decisions, procedure lists and
publicized procedures; validates them with the Great
Expectations suites in `expectations/suites/`; loads the mirror in one transaction. Rows that
fail a critical expectation go to quarantine (`tthc report validation`).

Safe to re-run: unchanged rows are not written again.
"""

from datetime import datetime

from airflow.sdk import dag

from tthc.airflow_tasks import (
    ANNEX_PARAM,
    PROVINCE_PARAM,
    PUBLICATIONS_ASSET,
    begin_run,
    default_args,
    extract,
    load,
    provinces_to_sync,
    transform,
    validate,
)


@dag(
    dag_id="tthc_publications_sync",
    schedule="@daily",
    start_date=datetime(2020, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args=default_args(),
    params={"province": PROVINCE_PARAM, "annex": ANNEX_PARAM},
    tags=["tthc", "sync", "publications"],
    doc_md=__doc__,
)
def tthc_publications_sync():
    # One run per province, mapped: one province's failure does not stop the others.
    runs = begin_run.partial(kind="publications").expand(province=provinces_to_sync())
    extracted = extract.expand(run=runs)
    transformed = transform.expand(run=extracted)
    validated = validate.expand(run=transformed)
    load.override(outlets=[PUBLICATIONS_ASSET]).expand(run=validated)


tthc_publications_sync()
