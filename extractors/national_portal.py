"""The national portal's ``rest.jsp`` (thutuc.dichvucong.gov.vn and dichvucong.gov.vn).

Every call is ``POST <base>/jsp/rest.jsp`` with the form field ``params`` holding a JSON object;
every answer is a JSON array of rows whose values are strings (domain.md has the services)."""

from __future__ import annotations

import json
from typing import Any

from extractors.http import ExtractError, Fetched, HttpClient
from extractors.landing import Landing
from extractors.paging import paginate, rest_jsp_page
from transforms.codes import normalize_agency_code

PROCEDURE_LIST_SERVICES = {
    "new": "get_procedures_by_dp_id_service_v2",
    "modified": "get_modified_procedures_by_dp_id_service_v2",
    "rescinded": "get_rescinded_procedures_by_dp_id_service_v2",
}


class NationalPortal:
    def __init__(
        self, client: HttpClient, base_url: str, public_service_base_url: str, page_size: int = 50
    ) -> None:
        self.client, self.page_size = client, page_size
        self.base_url = base_url.rstrip("/")
        self.public_service_base_url = public_service_base_url.rstrip("/")

    def call(
        self, service: str, provider: str = "dvcquocgia", base_url: str | None = None, **extra: Any
    ) -> Fetched:
        params = {"service": service, "provider": provider, "type": "ref", **extra}
        fetched = self.client.fetch_json(
            "POST",
            f"{base_url or self.base_url}/jsp/rest.jsp",
            what=f"national portal {service}",
            params=params,
            form={"params": json.dumps(params, ensure_ascii=False)},
        )
        if not isinstance(fetched.data, list):
            raise ExtractError(
                f"national portal {service}",
                params,
                f"expected a JSON array, got {type(fetched.data).__name__}",
            )
        return fetched

    def decision_pages(self, agency_id: str = "-1"):
        def fetch(index: int) -> Fetched:
            return self.call(
                "decision_publishment_advanced_search_service_v2",
                recordPerPage=self.page_size,
                pageIndex=index,
                keyword="",
                agency_id=agency_id,
                field_id="-1",
                publishing_date="",
            )

        return paginate(
            fetch,
            rest_jsp_page("AMOUNT"),
            self.page_size,
            f"national portal decision search (agency {agency_id})",
        )

    def procedure_pages(self, kind: str, decision_id: str):
        service = PROCEDURE_LIST_SERVICES[kind]

        def fetch(index: int) -> Fetched:
            return self.call(
                service, id=int(decision_id), recordPerPage=self.page_size, pageIndex=index
            )

        return paginate(
            fetch,
            rest_jsp_page("AMOUNT"),
            self.page_size,
            f"national portal {service} (decision {decision_id})",
        )

    def publicized_pages(self, object_type: int):
        def fetch(index: int) -> Fetched:
            return self.call(
                "get_ds_tthc_da_cong_bo_dvc_service",
                provider="dvcquocgiaRead",
                base_url=self.public_service_base_url,
                pKeyWord="",
                pCoQuanId=-1,
                pObjectType=object_type,
                pMucDo=-1,
                p_Page_Size=self.page_size,
                p_Page_Index=index,
            )

        return paginate(
            fetch,
            rest_jsp_page("TOTAL_RECORDS"),
            self.page_size,
            f"national portal publicized list (object type {object_type})",
        )


# Object types of the publicized list: 1 = citizens (công dân), 5 = businesses (doanh nghiệp).
PUBLICIZED_OBJECT_TYPES = (1, 5)


def extract_national(
    portal: NationalPortal,
    landing: Landing,
    agency_ids: list[str] | None = None,
    agency_codes: list[str] | None = None,
) -> list[str]:
    """Land agencies, fields, each agency's decisions with their procedure lists and fields, and
    the publicized list; return the agency IDs synced. Agencies are given by portal ID or by code
    (``H04`` or ``000.00.00.H04``); none given means every agency the portal lists. Any failure
    raises: a partial landing is never transformed."""
    agencies = portal.call("get_list_agency_service_v2")
    landing.write("national_agencies", agencies)
    landing.write("national_fields", portal.call("procedure_get_list_field_service_v2"))
    agency_ids = list(agency_ids or [])
    if agency_codes:
        by_code = {normalize_agency_code(a["CODE"]): a["ID"] for a in agencies.data}
        missing = [c for c in agency_codes if normalize_agency_code(c) not in by_code]
        if missing:
            raise ExtractError(
                "national portal get_list_agency_service_v2",
                agencies.params,
                f"no agency with code {', '.join(missing)}",
            )
        agency_ids += [by_code[normalize_agency_code(c)] for c in agency_codes]
    if not agency_ids:
        agency_ids = [a["ID"] for a in agencies.data]
    for agency_id in agency_ids:
        for page in portal.decision_pages(agency_id):
            landing.write("national_decisions", page)
            for row in page.data:
                for kind in PROCEDURE_LIST_SERVICES:
                    for list_page in portal.procedure_pages(kind, row["ID"]):
                        landing.write(f"national_procedures_{kind}", list_page)
                landing.write(
                    "national_decision_fields",
                    portal.call("get_fields_by_dp_id_services_v2", id=int(row["ID"])),
                )
    for object_type in PUBLICIZED_OBJECT_TYPES:
        for page in portal.publicized_pages(object_type):
            landing.write("national_publicized", page)
    return agency_ids
