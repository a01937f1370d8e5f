"""The loader on SQLite and PostgreSQL: exact counts, idempotency, and migrations that build
exactly the schema the code describes."""

import pandas as pd
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select

from loaders.db import make_engine, upgrade
from loaders.schema import metadata, national_fields
from loaders.upsert import upsert
from transforms.frames import with_content_hash


def fields(rows: dict[str, str], run: str) -> pd.DataFrame:
    df = pd.DataFrame({"field_id": list(rows), "name": list(rows.values())})
    return with_content_hash(df, ["field_id", "name"]).assign(
        source_ref="test", first_run_id=run, run_id=run
    )


def test_upsert_counts_are_exact_and_unchanged_rows_are_not_written(mirror_url):
    engine = make_engine(mirror_url)
    upgrade(engine)
    with engine.begin() as conn:
        first = upsert(conn, national_fields, fields({"1": "Hộ tịch", "2": "Chứng thực"}, "r1"))
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    with engine.begin() as conn:
        # The run's ids as constants of the load (as the pipeline gives them), not per row.
        second = upsert(
            conn,
            national_fields,
            fields({"1": "Hộ tịch", "2": "Chứng thực (sửa)", "3": "Đất đai"}, "r2").drop(
                columns=["run_id", "first_run_id"]
            ),
            constants={"run_id": "r2", "first_run_id": "r2"},
        )
    assert (second.inserted, second.updated, second.unchanged) == (1, 1, 1)
    with engine.connect() as conn:
        rows = {r.field_id: r for r in conn.execute(select(national_fields))}
    assert rows["1"].run_id == "r1"  # untouched
    assert rows["2"].run_id == "r2" and rows["2"].first_run_id == "r1"
    assert rows["2"].name == "Chứng thực (sửa)" and rows["3"].first_run_id == "r2"
    with engine.begin() as conn:
        assert upsert(conn, national_fields, fields({}, "r3")).inserted == 0
    engine.dispose()


def test_a_failed_unit_of_work_leaves_no_rows(mirror_url):
    engine = make_engine(mirror_url)
    upgrade(engine)
    try:
        with engine.begin() as conn:
            upsert(conn, national_fields, fields({"1": "Hộ tịch"}, "r1"))
            raise RuntimeError("crash after the write")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert conn.execute(select(national_fields)).all() == []
    engine.dispose()


def test_migrations_build_the_schema_the_code_describes(mirror_url):
    engine = make_engine(mirror_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    engine.dispose()


def test_chunks_are_staged_and_duplicate_keys_keep_the_first_row(mirror_url):
    engine = make_engine(mirror_url)
    upgrade(engine)
    chunks = [
        fields({"1": "Hộ tịch", "2": "Chứng thực"}, "r1"),
        fields({"2": "Chứng thực (lặp)", "3": ""}, "r1"),
    ]
    with engine.begin() as conn:
        counts = upsert(conn, national_fields, iter(chunks))
    assert (counts.inserted, counts.duplicates, counts.unchanged) == (3, 1, 0)
    with engine.connect() as conn:
        names = dict(conn.execute(select(national_fields.c.field_id, national_fields.c.name)).all())
    assert names == {"1": "Hộ tịch", "2": "Chứng thực", "3": ""}  # empty string is not NULL
    engine.dispose()


def test_nulls_empty_strings_dates_and_numbers_survive_staging(mirror_url):
    from loaders.schema import province_decisions

    engine = make_engine(mirror_url)
    upgrade(engine)
    df = pd.DataFrame(
        {
            "decision_id": ["D1", "D2"],
            "province_code": ["06", "06"],
            "number_raw": ["1/QĐ-UBND", "2/QĐ-UBND"],
            "number_norm": ["1/QĐ-UBND", "2/QĐ-UBND"],
            "title": pd.array([None, ""], dtype="string"),
            "signed_date": pd.to_datetime(["2020-04-03", "2020-05-06"]),
            "effective_date": pd.to_datetime([None, "2020-06-01"]),
            "publishes_procedures": pd.array([True, False], dtype="boolean"),
            "approves_workflows": pd.array([False, True], dtype="boolean"),
        }
    )
    df = with_content_hash(df, list(df.columns)).assign(
        source_ref="t", first_run_id="r", run_id="r"
    )
    with engine.begin() as conn:
        upsert(conn, province_decisions, df)
    with engine.connect() as conn:
        rows = {r.decision_id: r for r in conn.execute(select(province_decisions))}
    assert rows["D1"].title is None and rows["D2"].title == ""
    assert rows["D1"].effective_date is None and str(rows["D2"].effective_date) == "2020-06-01"
    assert rows["D2"].approves_workflows is True and str(rows["D1"].signed_date) == "2020-04-03"
    engine.dispose()


def test_a_chunk_the_database_refuses_fails_the_unit_of_work(pg_url):
    """On PostgreSQL a chunk is sent while the next is prepared: its error still fails the
    load, and the mirror keeps nothing of it."""
    import pytest
    from psycopg.errors import DataError

    engine = make_engine(pg_url)
    upgrade(engine)
    chunks = [
        fields({"1": "Hộ tịch"}, "r1"),
        fields({"2" * 30: "mã quá dài"}, "r1"),  # field_id is VARCHAR(20)
        fields({"3": "Đất đai"}, "r1"),
    ]
    with pytest.raises(DataError, match="too long"), engine.begin() as conn:
        upsert(conn, national_fields, iter(chunks))
    with engine.connect() as conn:
        assert conn.execute(select(national_fields)).all() == []
    engine.dispose()


def test_a_kept_stage_is_merged_by_a_later_step_without_the_rows_it_discards(mirror_url):
    """Validation stages rows in one transaction and the load merges them in another (another
    process, in Airflow): counts stay exact, discarded rows are not loaded, and the staging
    table is dropped with the merge's commit."""
    import numpy as np
    from sqlalchemy import inspect

    from loaders.upsert import Stage

    engine = make_engine(mirror_url)
    upgrade(engine)
    constants = {"run_id": "r1", "first_run_id": "r1"}
    rows = fields({"1": "Hộ tịch", "2": "Chứng thực", "3": "Đất đai"}, "r1")
    with engine.begin() as conn, Stage(conn, national_fields, constants, "kept_fields") as stage:
        stage.add(rows.iloc[:2].drop(columns=["run_id", "first_run_id"]), np.array([10, 11]))
        stage.add(rows.iloc[2:].drop(columns=["run_id", "first_run_id"]), np.array([12]))
    assert inspect(engine).has_table("kept_fields")
    with engine.begin() as conn:
        with Stage.resume(conn, national_fields, "kept_fields", 3, constants) as stage:
            stage.discard(np.array([11]))  # a row a later check held back
            counts = stage.merge()
    assert (counts.inserted, counts.updated, counts.unchanged) == (2, 0, 0)
    with engine.connect() as conn:
        loaded = conn.execute(select(national_fields.c.field_id, national_fields.c.run_id))
        assert dict(loaded.all()) == {"1": "r1", "3": "r1"}
    assert not inspect(engine).has_table("kept_fields")
    engine.dispose()


def test_a_kept_stage_that_lost_rows_is_refused(mirror_url):
    """An UNLOGGED table is emptied by a server crash; a merge of it would load nothing and
    call every row unchanged. The row count the staging step recorded catches it."""
    import pytest

    from loaders.upsert import Stage, StagingLost

    engine = make_engine(mirror_url)
    upgrade(engine)
    with engine.begin() as conn, Stage(conn, national_fields, None, "kept_fields") as stage:
        stage.add(fields({"1": "Hộ tịch", "2": "Chứng thực"}, "r1"))
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM kept_fields")  # as a crash recovery would leave it
    with pytest.raises(StagingLost, match="holds 0 rows, not the 2 staged"), engine.begin() as conn:
        Stage.resume(conn, national_fields, "kept_fields", 2)
    with pytest.raises(StagingLost, match="holds no rows"), engine.begin() as conn:
        Stage.resume(conn, national_fields, "no_such_stage", 2)
    with engine.connect() as conn:
        assert conn.execute(select(national_fields)).all() == []
    engine.dispose()
