"""Every expectation of every suite, passing on the bundled dataset's clean rows and failing on a
row made to break it; and the three severities doing what they say."""

import json
from functools import cache

import pandas as pd
import pytest

from expectations.validate import SUITES_DIR, Validator, load_suite_json, set_gx_log_level
from simulator import pages
from simulator.server import PortalSimulator
from tests.helpers import DATASET, as_run_files
from transforms import documents, dossier_stats, national, publications
from transforms.frames import split_duplicates
from tthc.datasets import DATASETS

SUITES = sorted(p.stem for p in SUITES_DIR.glob("*.json"))


@cache
def raw_frames() -> dict[str, pd.DataFrame]:
    """The bundled dataset through the transforms, without HTTP."""
    feed = [("feed", json.loads((DATASET / "province_feed/06.json").read_text()))]
    stats = [("stats", json.loads((DATASET / "dossier_stats/06-2020-Q2.json").read_text()))]
    portal = PortalSimulator(DATASET)
    decisions = portal.rest({"service": "decision_publishment_advanced_search_service_v2"})

    def rows(service, **params):
        return [("sim", params, portal.rest({"service": service, **params}))]

    lists = {
        kind: [
            ("sim", {"id": d["ID"]}, portal.rest({"service": svc, "id": d["ID"]}))
            for d in decisions
        ]
        for svc, kind in [
            ("get_procedures_by_dp_id_service_v2", "new"),
            ("get_modified_procedures_by_dp_id_service_v2", "modified"),
            ("get_rescinded_procedures_by_dp_id_service_v2", "rescinded"),
        ]
    }
    fields = [
        (
            "sim",
            {"id": d["ID"]},
            portal.rest({"service": "get_fields_by_dp_id_services_v2", "id": d["ID"]}),
        )
        for d in decisions
    ]
    signed = [d for d in portal.data.decisions if d.get("attachments")]
    decision_pages = [
        (f"page#{i}", {"ma_quyet_dinh": d["row"]["ID"]}, pages.decision_page(d))
        for i, d in enumerate(signed)
    ]
    frames = {
        "national_decision_pages": national.national_decision_pages(decision_pages),
        "national_documents": documents.national_documents(
            [(f"doc#{i}", _described(d)) for i, d in enumerate(signed)], "06"
        ),
        "province_decisions": publications.province_decisions(feed, "06"),
        "province_items": split_duplicates(
            publications.province_items(feed), DATASETS["province_items"].key
        )[0],
        "province_workflows": publications.province_workflows(feed),
        "national_decisions": national.national_decisions([("sim", {}, decisions)]),
        "national_procedures": national.national_procedures(lists),
        "national_decision_fields": national.national_decision_fields(fields),
        "national_agencies": national.national_agencies(rows("get_list_agency_service_v2")),
        "national_fields": national.national_fields(rows("procedure_get_list_field_service_v2")),
        "national_publicized": national.national_publicized(
            rows("get_ds_tthc_da_cong_bo_dvc_service")
        ),
        "dossier_stats": dossier_stats.dossier_stats(stats),
    }
    # As the run files hold them: with the text-problem column and the row key.
    return {name: as_run_files(name, df) for name, df in frames.items()}


def _described(decision: dict) -> dict:
    """A bundled decision's signed document as the extract step lands it."""
    from extractors.annex import AnnexFile, annex_rows

    (attachment,) = decision["attachments"]
    data = (DATASET / "national" / attachment["path"]).read_bytes()
    document = AnnexFile(attachment["path"], attachment["tenTep"], data)
    return {
        "decision_id": decision["row"]["ID"],
        "code": attachment["code"],
        "file": attachment["tenTep"],
        "file_id": attachment["tepDinhKemId"],
        "sha256": document.sha256,
        "size": len(data),
        "portal_number": decision["row"]["CODE"],
        "read_problem": None,
        "rows": annex_rows(document),
    }


@pytest.fixture(scope="module")
def validator(tmp_path_factory):
    return Validator(None)


@pytest.fixture(scope="module")
def clean(validator):
    """Each dataset's rows that pass every critical expectation, and the parameters used."""
    frames, params = {}, {}
    for name in [
        "province_decisions",
        "national_decisions",
        *[s for s in SUITES if s not in ("province_decisions", "national_decisions")],
    ]:
        p = {"min_rows": 0}
        if parent := DATASETS[name].parent:
            p["known_decision_ids"] = frames[parent]["decision_id"].tolist()
        frames[name] = validator.validate(name, raw_frames()[name], p).valid.head(20)
        params[name] = p
    return frames, params


CASES = [(suite, e) for suite in SUITES for e in load_suite_json(suite)["expectations"]]


def break_row(df: pd.DataFrame, expectation: dict, params: dict) -> pd.DataFrame:
    """Row 0 made to fail the expectation."""
    df = df.copy()
    kind, kw = expectation["type"], expectation["kwargs"]
    column = kw.get("column")
    if kind == "expect_column_values_to_not_be_null":
        df[column] = df[column].astype(object)
        df.at[0, column] = None
    elif kind == "expect_column_values_to_be_null":
        df.at[0, column] = "table 1, row 5: no procedure name in the row"
    elif kind == "expect_column_values_to_match_regex":
        df.at[0, column] = "not a code!"
    elif kind == "expect_column_values_to_be_in_set" and column == "decision_known":
        df.at[0, "decision_id"] = "not-a-valid-decision"  # the flag is set from the parent's
    elif kind == "expect_column_values_to_be_in_set" and pd.api.types.is_bool_dtype(df[column]):
        df.at[0, column] = not kw["value_set"][0]  # a flag: the other value
    elif kind == "expect_column_values_to_be_in_set":
        df.at[0, column] = "not-in-the-set"
    elif kind == "expect_column_values_to_be_unique":
        df.at[0, column] = df.at[1, column]
    elif kind == "expect_compound_columns_to_be_unique":
        for c in kw["column_list"]:
            df.at[0, c] = df.at[1, c]
    elif kind == "expect_column_values_to_be_between":
        high = kw.get("max_value")
        if isinstance(high, dict):  # a date range ending today
            df.at[0, column] = pd.Timestamp("2999-01-01")
        elif high is not None:
            df.at[0, column] = high + 7
        else:
            df.at[0, column] = kw["min_value"] - 1
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        df.at[0, kw["column_B"]] = df.at[0, kw["column_A"]] + 1
    else:
        raise AssertionError(f"no way to break {kind}: add one")
    return df


@pytest.mark.parametrize(
    "suite, expectation", CASES, ids=[f"{s}:{e['meta']['name']}" for s, e in CASES]
)
def test_each_expectation_passes_clean_rows_and_catches_a_broken_one(
    validator, clean, suite, expectation
):
    frames, params = clean
    name = expectation["meta"]["name"]
    base = frames[suite]
    passed = {
        o.expectation: o.success for o in validator.validate(suite, base, params[suite]).outcomes
    }
    assert passed[name], f"{name} fails on clean rows"
    if expectation["type"] == "expect_table_row_count_to_be_between":
        result = validator.validate(suite, base, {**params[suite], "min_rows": len(base) + 1})
        assert name in result.stopped and f"observed {len(base)}" in result.stopped
        return
    result = validator.validate(suite, break_row(base, expectation, params[suite]), params[suite])
    outcome = {o.expectation: o for o in result.outcomes}[name]
    assert not outcome.success
    held = {
        k: [r["expectation"] for r in reasons]
        for k, reasons in zip(
            result.quarantined["source_ref"], result.quarantined["reasons"], strict=True
        )
    }
    if expectation["severity"] == "critical":  # quarantined, the rest loads
        assert name in held.get(base.at[0, "source_ref"], [])
        if detail := expectation["meta"].get("detail_column"):  # the row's own reason, too
            (reasons,) = result.quarantined.loc[
                result.quarantined["source_ref"] == base.at[0, "source_ref"], "reasons"
            ]
            said = next(r["reason"] for r in reasons if r["expectation"] == name)
            assert said.endswith(str(break_row(base, expectation, params)[detail][0]))
        assert len(result.valid) >= len(base) - 2
    else:  # warning: loads, flagged
        assert all(name not in reasons for reasons in held.values())
        assert base.at[0, "source_ref"] in result.valid["source_ref"].tolist()


def test_great_expectations_logs_quietly_unless_asked(caplog):
    """GX's INFO lines (registrations, temporary folders) were most of a validate task's log:
    at the default level none reach the log; asked for (``TTHC_GX_LOG_LEVEL=INFO``) they do."""
    import logging

    def gx_info():
        return [
            r
            for r in caplog.records
            if r.name.startswith("great_expectations") and r.levelno < logging.WARNING
        ]

    caplog.set_level(logging.INFO)
    try:
        Validator(None)
        assert gx_info() == []
        Validator(None, "INFO")
        assert gx_info(), "asked for, GX's INFO lines are logged"
    finally:
        set_gx_log_level("WARNING")
