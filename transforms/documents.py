"""The portal's signed documents (``extractors.decision_documents``): what each file is, and
the decision and procedure rows of its annex, read by the annex reader (``transforms.annex``)
as it reads a folder's annex. A document whose annex is not recognised, or that could not be
read, gives no decision: its ``national_documents`` row says why (``annex_problem``), rather
than failing the run, since a decision may sign its annex as a second file or approve
workflows only."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pandas as pd

from transforms.annex import AnnexDecision, AnnexLayoutError, parse_annex
from transforms.codes import decision_number_column
from transforms.frames import records_frame, stripped
from transforms.numbers import whole_number_column
from transforms.publications import decisions_frame, items_frame
from transforms.text import clean_column


def document_decisions(pages: Iterable[tuple[str, dict]], province: str) -> pd.DataFrame:
    """The decisions of the portal's signed documents whose annex the reader recognises."""
    return decisions_frame(((a.ref, a.decision) for a in _documents(pages, province)), province)


def document_items(pages: Iterable[tuple[str, dict]], province: str) -> pd.DataFrame:
    """The procedure rows of the portal's signed documents."""
    return items_frame((i.ref, i.values) for a in _documents(pages, province) for i in a.items)


def _read(ref: str, page: dict, province: str) -> tuple[AnnexDecision | None, str | None]:
    """The document's decision and rows, or why it gives none (unread, or no annex
    recognised)."""
    if page.get("read_problem"):
        return None, page["read_problem"]
    try:
        return parse_annex(ref, page, province), None
    except AnnexLayoutError as exc:
        return None, str(exc)


def _documents(pages: Iterable[tuple[str, dict]], province: str) -> Iterator[AnnexDecision]:
    for ref, page in pages:
        if (decision := _read(ref, page, province)[0]) is not None:
            yield decision


def national_documents(pages: Iterable[tuple[str, dict]], province: str) -> pd.DataFrame:
    """The attachments downloaded, one landed description each (by
    ``extractors.decision_documents``)."""
    pages = list(pages)
    raw = records_frame(
        ((ref, data) for ref, data in pages),
        ["decision_id", "code", "file", "file_id", "sha256", "size", "portal_number"],
    )
    read = [_read(ref, data, province) for ref, data in pages]
    numbers = decision_number_column(
        pd.Series([d.decision["number"] if d else None for d, _ in read], dtype="string")
    )
    portal = decision_number_column(raw["portal_number"])
    return pd.DataFrame(
        {
            "decision_id": stripped(raw["decision_id"]),
            "code": stripped(raw["code"]),
            "file_name": clean_column(raw["file"]),
            "file_id": stripped(raw["file_id"]),
            "sha256": stripped(raw["sha256"]),
            "size_bytes": whole_number_column(raw["size"]),
            "annex_problem": pd.Series([problem for _, problem in read], dtype="string"),
            # The number the document itself carries, against the one the portal shows.
            "document_number": numbers,
            "number_matches_portal": (numbers == portal).where(numbers.notna()),
            "source_ref": raw["source_ref"],
        }
    )
