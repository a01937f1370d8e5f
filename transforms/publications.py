"""Province publication decisions (Quyết định công bố) and their annexes, as canonical tables."""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

from transforms.codes import LOCAL_SERVICE_CODE, decision_number_column
from transforms.dates import ANNEX_FORMAT, parse_dates
from transforms.frames import flag_column, records_frame, values_frame
from transforms.numbers import whole_number_column
from transforms.text import clean_column, key_column, match_key, per_distinct

# The words that name each action, in feed labels ("Sửa đổi, bổ sung") and annex headings
# ("2. Danh mục thủ tục hành chính được sửa đổi, bổ sung") alike.
_ACTION_WORDS = {
    "new": re.compile(r"mới ban hành|ban hành mới|\bmới\b"),
    "amended": re.compile(r"sửa đổi|bổ sung"),
    "replaced": re.compile(r"thay thế"),
    "abolished": re.compile(r"bãi bỏ|hủy bỏ|huỷ bỏ"),
}
Feed = Iterable[tuple[str, dict]]  # (source reference, one page of the feed)
ITEM_COLUMNS = [
    "decision_id",
    "stt",
    "procedure_code",
    "procedure_name",
    "field",
    "level",
    "agency",
    "action",
    "processing_time",
    "fees",
    "legal_basis",
    "note",
    "extra_columns",
    "placement_problem",
]


def mentioned_actions(text: str | None) -> set[str]:
    """The canonical actions a heading mentions ("1. Danh mục TTHC mới ban hành" -> new)."""
    key = match_key(text) or ""
    return {action for action, words in _ACTION_WORDS.items() if words.search(key)}


def action_of(text: str | None) -> str | None:
    """The canonical action a label or heading names; None when it names none, or several."""
    found = mentioned_actions(text)
    return found.pop() if len(found) == 1 else None


def _decisions(pages: Feed) -> Iterable[tuple[str, dict]]:
    """(reference of the decision inside its page, decision)."""
    for ref, page in pages:
        for i, decision in enumerate(page["decisions"]):
            # Not a record at all: a row of nothing, which validation holds as received.
            yield f"{ref}:decisions/{i}", decision if isinstance(decision, dict) else {}


def province_decisions(pages: Feed, province: str) -> pd.DataFrame:
    """One row per decision of the feed."""
    return decisions_frame(
        (
            (ref, {k: v for k, v in d.items() if k not in ("items", "workflows")})
            for ref, d in _decisions(pages)
        ),
        province,
    )


def decisions_frame(records: Iterable[tuple[str, dict]], province: str) -> pd.DataFrame:
    """One row per decision: Quyết định công bố and/or phê duyệt quy trình nội bộ."""
    raw = records_frame(
        records,
        [
            "decision_id",
            "number",
            "title",
            "signed_date",
            "effective_date",
            "basis_effective_date",
            "publishes_procedures",
            "approves_workflows",
        ],
    )
    return pd.DataFrame(
        {
            "decision_id": raw["decision_id"].astype("string"),
            "province_code": pd.Series([province] * len(raw), dtype="string"),
            "number_raw": raw["number"].astype("string"),
            "number_norm": decision_number_column(raw["number"]),
            "title": clean_column(raw["title"]),
            "signed_date_raw": raw["signed_date"].astype("string"),
            "signed_date": parse_dates(raw["signed_date"], ANNEX_FORMAT),
            "effective_date": parse_dates(raw["effective_date"], ANNEX_FORMAT),
            # When the legal document the procedures come from takes effect (optional).
            "basis_effective_date": parse_dates(raw["basis_effective_date"], ANNEX_FORMAT),
            "publishes_procedures": flag_column(raw["publishes_procedures"]),
            "approves_workflows": flag_column(raw["approves_workflows"]),
            "source_ref": raw["source_ref"],
        }
    )


def _children(pages: Feed, field: str) -> tuple[list[str], list[dict], dict[str, list]]:
    """The decisions' rows under ``field`` (items, workflows): their references, the rows as
    sent, and the decision each is of (a column given apart: no row is copied to add it)."""
    refs: list[str] = []
    rows: list[dict] = []
    decision_ids: list = []
    for ref, d in _decisions(pages):
        children = d.get(field)
        if not isinstance(children, list):  # absent, or null: the decision has none
            children = []
        rows.extend(children)
        decision_ids.extend([d.get("decision_id")] * len(children))
        refs.extend([f"{ref}/{field}/{j}" for j in range(len(children))])
    return refs, rows, {"decision_id": decision_ids}


def province_items(pages: Feed) -> pd.DataFrame:
    """One row per annex line of the feed: a procedure and what the decision does to it."""
    refs, rows, given = _children(pages, "items")
    return _items(values_frame(refs, rows, ITEM_COLUMNS, given))


def items_frame(records: Iterable[tuple[str, dict]]) -> pd.DataFrame:
    """Annex rows (``ITEM_COLUMNS``, with their references) as the canonical items table."""
    return _items(records_frame(records, ITEM_COLUMNS))


def _items(raw: pd.DataFrame) -> pd.DataFrame:
    given = clean_column(raw["procedure_code"])
    # Annexes sometimes give the local service code (1.001612.000.00.00.H01) for the procedure's.
    local = given.where(given.str.match(LOCAL_SERVICE_CODE, na=False))
    code = given.where(local.isna(), given.str.slice(0, 8))
    name_key = key_column(raw["procedure_name"])
    # A row held for its placement is its own row, never a duplicate of another.
    unplaced = raw["placement_problem"].notna()
    return pd.DataFrame(
        {
            "decision_id": raw["decision_id"].astype("string"),
            # A procedure is known by its code, or by its name where the annex gives no code.
            "item_key": code.fillna("name:" + name_key).mask(
                unplaced, "row:" + raw["stt"].astype("string")
            ),
            "item_no": whole_number_column(raw["stt"]),
            "procedure_code": code,
            "local_service_code": local.astype("string"),
            "procedure_name": clean_column(raw["procedure_name"]),
            "name_key": name_key,
            "field": clean_column(raw["field"]),
            "level": clean_column(raw["level"]),
            "agency": clean_column(raw["agency"]),
            "action_raw": raw["action"].astype("string"),
            "action": per_distinct(raw["action"], action_of),
            # What the annex says beyond the catalogue (annex files carry them; feeds may).
            "processing_time": clean_column(raw["processing_time"]),
            "fees": clean_column(raw["fees"]),
            "legal_basis": clean_column(raw["legal_basis"]),
            "note": clean_column(raw["note"]),
            # Columns of the annex the reader does not know, by header (JSON): kept, reported.
            "extra_columns": raw["extra_columns"].astype("string"),
            # Why an annex file's row could not be placed with confidence (quarantines it).
            "placement_problem": raw["placement_problem"].astype("string"),
            "source_ref": raw["source_ref"],
        }
    )


def province_workflows(pages: Feed) -> pd.DataFrame:
    """One row per internal workflow (quy trình nội bộ) a decision approves."""
    refs, rows, given = _children(pages, "workflows")
    columns = ["decision_id", "stt", "procedure_code", "procedure_name", "steps", "processing_days"]
    raw = values_frame(refs, rows, columns, given)
    return pd.DataFrame(
        {
            "decision_id": raw["decision_id"].astype("string"),
            "workflow_no": whole_number_column(raw["stt"]),
            "procedure_code": clean_column(raw["procedure_code"]),
            "procedure_name": clean_column(raw["procedure_name"]),
            "steps": whole_number_column(raw["steps"]),
            "processing_days": whole_number_column(raw["processing_days"]),
            "source_ref": raw["source_ref"],
        }
    )
