"""The national portal's rest.jsp rows as canonical tables. Values arrive as strings."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from transforms.codes import agency_code_column, decision_number_column
from transforms.dates import PORTAL_FORMAT, parse_dates
from transforms.decision_page import attachments, decision_fields
from transforms.frames import records_frame, stripped
from transforms.numbers import whole_number_column
from transforms.text import clean_column, key_column

Pages = Iterable[tuple[str, dict, list[dict]]]  # (source reference, request params, rows)


def _rows(pages: Pages, **extra_from_params: str) -> Iterable[tuple[str, dict]]:
    for ref, params, rows in pages:
        extra = {name: str(params.get(param, "")) for name, param in extra_from_params.items()}
        for i, row in enumerate(rows):
            # Not a record at all: a row of nothing, which validation holds as received.
            yield f"{ref}:{i}", {**(row if isinstance(row, dict) else {}), **extra}


def national_decisions(pages: Pages) -> pd.DataFrame:
    raw = records_frame(
        _rows(pages), ["ID", "CODE", "NAME", "PUBLISHING_DATE", "AGENCY_NAME", "AGENCY_ID"]
    )
    return pd.DataFrame(
        {
            "decision_id": stripped(raw["ID"]),
            "number_raw": raw["CODE"].astype("string"),
            "number_norm": decision_number_column(raw["CODE"]),
            "title": clean_column(raw["NAME"]),
            "publishing_date_raw": raw["PUBLISHING_DATE"].astype("string"),
            "publishing_date": parse_dates(raw["PUBLISHING_DATE"], PORTAL_FORMAT),
            "agency_id": stripped(raw["AGENCY_ID"]),
            "agency_name": clean_column(raw["AGENCY_NAME"]),
            "source_ref": raw["source_ref"],
        }
    )


def national_procedures(pages_by_kind: dict[str, Pages]) -> pd.DataFrame:
    """Rows of the new / modified / rescinded lists of each decision (no procedure code!)."""
    frames = []
    for kind, pages in pages_by_kind.items():
        raw = records_frame(
            _rows(pages, decision_id="id"),
            ["decision_id", "ID", "PROCEDURE_NAME", "PUBLISHED_AGENCY", "PUBLISHED_AGENCY_ID"],
        )
        frames.append(
            pd.DataFrame(
                {
                    "decision_id": stripped(raw["decision_id"]),
                    "list_kind": pd.Series([kind] * len(raw), dtype="string"),
                    "procedure_id": stripped(raw["ID"]),
                    "procedure_name": clean_column(raw["PROCEDURE_NAME"]),
                    "name_key": key_column(raw["PROCEDURE_NAME"]),
                    "published_agency_id": stripped(raw["PUBLISHED_AGENCY_ID"]),
                    "published_agency": clean_column(raw["PUBLISHED_AGENCY"]),
                    "source_ref": raw["source_ref"],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def procedure_list(kind: str, pages: Pages) -> pd.DataFrame:
    """One list of decisions' procedures (``new``, ``modified`` or ``rescinded``)."""
    return national_procedures({kind: pages})


def national_agencies(pages: Pages) -> pd.DataFrame:
    raw = records_frame(_rows(pages), ["ID", "AGENCY_NAME", "NAME", "CODE"])
    return pd.DataFrame(
        {
            "agency_id": stripped(raw["ID"]),
            "name": clean_column(raw["AGENCY_NAME"]),
            "code_raw": raw["CODE"].astype("string"),
            "code": agency_code_column(raw["CODE"]),
            "source_ref": raw["source_ref"],
        }
    )


def national_fields(pages: Pages) -> pd.DataFrame:
    raw = records_frame(_rows(pages), ["ID", "FIELD_NAME"])
    return pd.DataFrame(
        {
            "field_id": stripped(raw["ID"]),
            "name": clean_column(raw["FIELD_NAME"]),
            "source_ref": raw["source_ref"],
        }
    )


def national_decision_fields(pages: Pages) -> pd.DataFrame:
    raw = records_frame(_rows(pages, decision_id="id"), ["decision_id", "ID", "NAME"])
    return pd.DataFrame(
        {
            "decision_id": stripped(raw["decision_id"]),
            "field_id": stripped(raw["ID"]),
            "name": clean_column(raw["NAME"]),
            "source_ref": raw["source_ref"],
        }
    )


def national_publicized(pages: Pages) -> pd.DataFrame:
    """The procedures publicized (công khai) on the National Public Service Portal."""
    raw = records_frame(_rows(pages), ["TTHC_MA", "TYPE", "NAME", "ISNGANHDOC", "WEIGHT"])
    return pd.DataFrame(
        {
            "procedure_code": stripped(raw["TTHC_MA"]),
            "object_type": stripped(raw["TYPE"]),
            "name": clean_column(raw["NAME"]),
            "name_key": key_column(raw["NAME"]),
            "is_sector_vertical": stripped(raw["ISNGANHDOC"]) == "1",
            "weight": whole_number_column(raw["WEIGHT"]),
            "source_ref": raw["source_ref"],
        }
    )


def national_decision_pages(pages: Pages) -> pd.DataFrame:
    """What each decision's page says (``transforms.decision_page`` reads the HTML)."""
    records = []
    for ref, params, html in pages:
        fields = decision_fields(html)
        records.append(
            (
                ref,
                {
                    **fields,
                    "decision_id": str(params.get("ma_quyet_dinh", "")),
                    "attachments": len(attachments(html)),
                },
            )
        )
    raw = records_frame(
        records, ["decision_id", "number", "title", "decision_date", "issuer", "attachments"]
    )
    return pd.DataFrame(
        {
            "decision_id": stripped(raw["decision_id"]),
            "number_raw": raw["number"].astype("string"),
            "title": clean_column(raw["title"]),
            "decision_date_raw": raw["decision_date"].astype("string"),
            "decision_date": parse_dates(raw["decision_date"], PORTAL_FORMAT),
            "issuer": clean_column(raw["issuer"]),
            "attachments": raw["attachments"].astype("Int64"),
            "source_ref": raw["source_ref"],
        }
    )
