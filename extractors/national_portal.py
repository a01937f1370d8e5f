"""The national portal's ``rest.jsp`` (thutuc.dichvucong.gov.vn and dichvucong.gov.vn).

Every call is ``POST <base>/jsp/rest.jsp`` with the form field ``params`` holding a JSON object;
every answer is a JSON array of rows whose values are strings (README, "Sources", lists the
services)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from extractors.http import ExtractError, Fetched, HttpClient
from extractors.landing import Landing
from extractors.paging import paginate, rest_jsp_page
from transforms.codes import normalize_agency_code

log = logging.getLogger(__name__)
DECISION_PAGE = "/p/home/dvc-tthc-quyet-dinh-cong-bo-chi-tiet.html"
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

    def decision_page(self, decision_id: str) -> Fetched:
        """A decision's HTML page (its fields and its attachment list)."""
        return self.client.fetch_page(
            f"{self.base_url}{DECISION_PAGE}",
            what=f"national portal decision page (decision {decision_id})",
            params={"ma_quyet_dinh": decision_id},
        )

    def download_base(self) -> str:
        """Where attachments download from, as the portal's ``get_url_downfile`` says."""
        rows = self.call("get_url_downfile").data
        if not rows or not isinstance(rows[0], dict) or not rows[0].get("URL_DOWNLOAD"):
            raise ExtractError("national portal get_url_downfile", None, "no URL_DOWNLOAD row")
        return str(rows[0]["URL_DOWNLOAD"])

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
ALL_AGENCIES = "-1"  # the listing's own value for "every agency"


@dataclass
class Cursor:
    """What the mirror already knows, so an incremental pass reads only what changed.

    ``changed(rows)`` says which listing rows are new or differ from the mirror; the listing is
    newest first, so reading stops after a page that ends on an unchanged row older than
    ``cutoff`` (the watermark minus a look-back, since late entries happen)."""

    changed: Callable[[list[dict]], list[bool]]
    cutoff: date | None


@dataclass
class NationalExtract:
    scopes: list[str]  # agency IDs, or ["-1"] for the whole listing
    decisions_listed: int = 0
    decisions_fetched: int = 0
    totals: dict[str, int] = field(default_factory=dict)  # per scope, as the portal says


def extract_national(
    portal: NationalPortal,
    landing: Landing,
    agency_ids: list[str] | None = None,
    agency_codes: list[str] | None = None,
    cursor_for: Callable[[str], Cursor | None] = lambda scope: None,
    publicized: bool = True,
    workers: int = 1,
    held_for: Callable[[str], int] = lambda scope: 0,
    floor: float = 0.5,
    lists_held: Callable[[str], dict[str, int]] = lambda decision_id: {},
    documents: Callable[[str], None] | None = None,
) -> NationalExtract:
    """Land agencies, fields, the decision listing of each agency (or of all of them at once),
    the procedure lists and fields of each new or changed decision, and the publicized list.

    Agencies are given by portal ID or by code (``H04`` or ``000.00.00.H04``); none given means
    the whole listing. Decisions are fetched by ``workers`` threads. Any failure raises: a
    partial landing is never transformed.

    ``held_for(scope)``: how many of the scope's decisions the mirror holds. A listing whose
    total is under ``floor`` times that stops the run (the portal answering short is not "the
    decisions went"), and so does an empty listing on a first sync: every agency the portal
    lists has published decisions, so none at all is a finding, not a success.

    ``documents(decision_id)``: also land each fetched decision's page and new attachments
    (``extractors.decision_documents``)."""
    agencies = portal.call("get_list_agency_service_v2")
    landing.write("national_agencies", agencies)
    landing.write("national_fields", portal.call("procedure_get_list_field_service_v2"))
    scopes = list(agency_ids or [])
    if agency_codes:
        by_code = {normalize_agency_code(a["CODE"]): a["ID"] for a in agencies.data}
        missing = [c for c in agency_codes if normalize_agency_code(c) not in by_code]
        if missing:
            raise ExtractError(
                "national portal get_list_agency_service_v2",
                agencies.params,
                f"no agency with code {', '.join(missing)}",
            )
        scopes += [by_code[normalize_agency_code(c)] for c in agency_codes]
    result = NationalExtract(scopes or [ALL_AGENCIES])
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        for scope in result.scopes:
            pending = [
                pool.submit(_fetch_decision, portal, landing, decision_id, lists_held, documents)
                for decision_id in _listing(portal, landing, scope, cursor_for(scope), result)
            ]
            _check_total(scope, result.totals[scope], held_for(scope), floor)
            for future in progress(
                as_completed(pending), len(pending), f"decisions of agency {scope}"
            ):
                future.result()  # the first failure fails the run
    if publicized:
        for object_type in PUBLICIZED_OBJECT_TYPES:
            for page in portal.publicized_pages(object_type):
                landing.write("national_publicized", page)
    return result


def _listing(portal, landing, scope: str, cursor: Cursor | None, result) -> list[str]:
    """Read the listing newest first; return the IDs whose lists must be fetched."""
    wanted = []
    result.totals[scope] = 0
    for page in portal.decision_pages(scope):
        landing.write("national_decisions", page)
        rows = page.data
        if rows:
            result.totals[scope] = int(rows[0]["AMOUNT"])  # paginate checked it
        result.decisions_listed += len(rows)
        changed = cursor.changed(rows) if cursor else [True] * len(rows)
        # A row without a numeric ID has no lists to ask for: it lands, and validation holds it.
        wanted += [
            row["ID"]
            for row, new in zip(rows, changed, strict=True)
            if new and str(row.get("ID", "")).isdigit()
        ]
        # Newest first: once a page ends on a known row older than the cutoff, every later
        # page is older still.
        if (
            cursor
            and cursor.cutoff
            and rows
            and not changed[-1]
            and _older(rows[-1], cursor.cutoff)
        ):
            log.info("agency %s: reached known rows older than %s; stop", scope, cursor.cutoff)
            break
    result.decisions_fetched += len(wanted)
    return wanted


def _check_total(scope: str, total: int, held: int, floor: float) -> None:
    what = f"national portal decision search (agency {scope})"
    if total == 0 and not held:
        raise ExtractError(
            what,
            None,
            "the portal lists no decision of this agency, on a first sync: an agency the portal "
            "lists has published decisions, so this is a finding to check with the portal, not "
            "an empty province",
        )
    if total < floor * held:
        raise ExtractError(
            what,
            None,
            f"the portal lists {total} decisions, the mirror holds {held}: a listing that "
            "collapses is stopped, not taken as decisions gone",
        )


def _older(row: dict, cutoff: date) -> bool:
    try:
        return datetime.strptime(row["PUBLISHING_DATE"], "%d-%m-%Y").date() < cutoff
    except (KeyError, TypeError, ValueError):
        return False  # an unreadable date proves nothing: keep reading


def _fetch_decision(
    portal: NationalPortal,
    landing: Landing,
    decision_id: str,
    lists_held: Callable[[str], dict[str, int]],
    documents: Callable[[str], None] | None = None,
) -> None:
    held = lists_held(decision_id)
    for kind, service in PROCEDURE_LIST_SERVICES.items():
        rows = 0
        for page in portal.procedure_pages(kind, decision_id):
            landing.write(f"national_procedures_{kind}", page)
            rows += len(page.data)
        _check_not_emptied(
            f"national portal {service} (decision {decision_id})", rows, held.get(kind)
        )
    fields = portal.call("get_fields_by_dp_id_services_v2", id=int(decision_id))
    landing.write("national_decision_fields", fields)
    what = f"national portal get_fields_by_dp_id_services_v2 (decision {decision_id})"
    _check_not_emptied(what, len(fields.data), held.get("fields"))
    if documents:
        documents(decision_id)


def _check_not_emptied(what: str, rows: int, held: int | None) -> None:
    if not rows and held:
        raise ExtractError(
            what,
            None,
            f"the list answers empty, the mirror holds {held} of its rows: a list that empties "
            "is stopped, not taken as its rows gone",
        )


def progress(items, total: int, what: str):
    """A progress bar on a terminal, plain log lines otherwise."""
    if sys.stderr.isatty():
        from tqdm import tqdm

        return tqdm(items, total=total, desc=what, unit="decision")
    log.info("%s: fetching %d", what, total)
    return items
