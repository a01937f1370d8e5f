"""The real recorded answers: the transforms read every one, the suites pass them, and the
simulator answers in the same shapes, key for key."""

import json

import pytest
import requests

from tests.helpers import SAMPLES, as_run_files
from transforms import national

DECISION_LISTS = {
    "get_procedures_by_dp_id_service_v2": "new",
    "get_modified_procedures_by_dp_id_service_v2": "modified",
    "get_rescinded_procedures_by_dp_id_service_v2": "rescinded",
}


def sample(name: str) -> list[dict]:
    return json.loads((SAMPLES / f"{name}.json").read_text(encoding="utf-8"))


def pages(name: str, **params):
    return [(f"sample/{name}", params, sample(name))]


def test_every_sample_is_read():
    decisions = as_run_files(
        "national_decisions",
        national.national_decisions(pages("decision_publishment_advanced_search_service_v2")),
    )
    assert len(decisions) == 50
    numbers = dict(zip(decisions["decision_id"], decisions["number_norm"], strict=True))
    assert numbers["115187"] == "2193/QĐ-UBND"  # "2193/QĐ-UBND."
    assert numbers["115190"] == "2226/QĐ-UBND"  # "… ngày 04/12/2025"
    assert numbers["114884"] == "2245/QĐ-UBND"  # "02245/…"
    # the same number twice under one agency, with different IDs: both kept
    assert (decisions["number_norm"] == "2204/QĐ-UBND").sum() == 2
    assert decisions["publishing_date"].notna().all()
    assert decisions["number_raw"].tolist()[0] == "2193/QĐ-UBND."

    procedures = national.national_procedures(
        {kind: pages(f"decision-115010.{svc}", id="115010") for svc, kind in DECISION_LISTS.items()}
    )
    assert procedures["list_kind"].tolist() == ["modified"] * 4
    assert set(procedures["decision_id"]) == {"115010"}

    agencies = national.national_agencies(pages("get_list_agency_service_v2"))
    codes = dict(zip(agencies["agency_id"], agencies["code"], strict=True))
    assert codes["417489"] == "H37" and codes["426105"] == "H38"  # with and without prefix
    assert "Bộ Khoa học và Công nghệ" in agencies["name"].tolist()  # double spaces gone

    fields = national.national_fields(pages("procedure_get_list_field_service_v2"))
    assert len(fields) == 489
    decision_fields = national.national_decision_fields(
        pages("decision-115010.get_fields_by_dp_id_services_v2", id=115010)
    )
    assert decision_fields["name"].tolist() == ["Thiết bị y tế"]

    publicized = national.national_publicized(pages("get_ds_tthc_da_cong_bo_dvc_service"))
    assert len(publicized) == 1000 and publicized["procedure_code"][0] == "3.000323"


def test_the_suites_accept_the_real_samples(tmp_path):
    from expectations.validate import Validator

    validator = Validator(tmp_path / "docs")
    decisions = as_run_files(
        "national_decisions",
        national.national_decisions(pages("decision_publishment_advanced_search_service_v2")),
    )
    result = validator.validate("national_decisions", decisions)
    assert result.success and result.quarantined.empty
    for name, frame in [
        ("national_agencies", national.national_agencies(pages("get_list_agency_service_v2"))),
        ("national_fields", national.national_fields(pages("procedure_get_list_field_service_v2"))),
        (
            "national_publicized",
            national.national_publicized(pages("get_ds_tthc_da_cong_bo_dvc_service")),
        ),
    ]:
        assert validator.validate(name, as_run_files(name, frame)).quarantined.empty, name
    procedures = as_run_files(
        "national_procedures",
        national.national_procedures(
            {
                "modified": pages(
                    "decision-115010.get_modified_procedures_by_dp_id_service_v2", id="115010"
                )
            }
        ),
    )
    result = validator.validate(
        "national_procedures", procedures, {"known_decision_ids": ["115010"]}
    )
    assert result.quarantined.empty


def rest(url: str, **params) -> list[dict]:
    resp = requests.post(f"{url}/jsp/rest.jsp", data={"params": json.dumps(params)}, timeout=10)
    resp.raise_for_status()
    assert resp.headers["Content-Type"].startswith("application/json")
    return resp.json()


@pytest.mark.parametrize(
    "service, recorded, extra",
    [
        (
            "decision_publishment_advanced_search_service_v2",
            "decision_publishment_advanced_search_service_v2",
            {
                "recordPerPage": 5,
                "pageIndex": 1,
                "keyword": "",
                "agency_id": "-1",
                "field_id": "-1",
                "publishing_date": "",
            },
        ),
        (
            "get_modified_procedures_by_dp_id_service_v2",
            "decision-115010.get_modified_procedures_by_dp_id_service_v2",
            {"id": "DECISION"},
        ),
        (
            "get_fields_by_dp_id_services_v2",
            "decision-115010.get_fields_by_dp_id_services_v2",
            {"id": "DECISION"},
        ),
        ("get_list_agency_service_v2", "get_list_agency_service_v2", {}),
        ("procedure_get_list_field_service_v2", "procedure_get_list_field_service_v2", {}),
        (
            "get_ds_tthc_da_cong_bo_dvc_service",
            "get_ds_tthc_da_cong_bo_dvc_service",
            {"p_Page_Size": 10, "p_Page_Index": 1, "pObjectType": 1},
        ),
    ],
)
def test_simulator_answers_in_the_recorded_shapes(simulator, service, recorded, extra):
    if extra.get("id") == "DECISION":
        listing = rest(
            simulator.url,
            service="decision_publishment_advanced_search_service_v2",
            recordPerPage=50,
            pageIndex=1,
            agency_id="382005",
        )
        extra = {"id": int(listing[2]["ID"])}
    rows = rest(simulator.url, service=service, provider="dvcquocgia", type="ref", **extra)
    expected = sample(recorded)
    assert rows, f"{service} answered nothing"
    assert [list(r) for r in rows] == [list(expected[0])] * len(rows)  # keys and their order
    assert all(isinstance(v, str) for r in rows for v in r.values())


def test_simulator_pages_by_record_per_page_and_page_index(simulator):
    def page(i):
        return rest(
            simulator.url,
            service="decision_publishment_advanced_search_service_v2",
            recordPerPage=4,
            pageIndex=i,
            agency_id="-1",
        )

    first, second = page(1), page(2)
    total = int(first[0]["AMOUNT"])
    assert [r["ROW_STT"] for r in first + second] == [str(i) for i in range(1, 9)]
    assert {r["AMOUNT"] for r in first + second} == {str(total)}
    assert page(total // 4 + 2) == []


def test_simulator_binds_to_loopback_by_default(simulator):
    assert simulator.httpd.server_address[0] == "127.0.0.1"
