"""Decision annexes (Phụ lục: Danh mục thủ tục hành chính … kèm theo Quyết định số … ngày …)
read from a file's cells, as a person reads them.

- The title lines name the decision ("… kèm theo Quyết định số 654/QĐ-UBND ngày 27/5/2020 …").
- A header row is a row with at least two known column headers, one of them the procedure's
  name; header rows in a row combine (merged "Phí, lệ phí" over "Phí" | "Lệ phí"), a header
  repeated on every page just sets the same columns again, and a "(1) (2) (3)" row is skipped.
- One-value rows are section rows: an action ("1. Danh mục thủ tục hành chính mới ban hành"),
  a level ("A. THỦ TỤC HÀNH CHÍNH CẤP TỈNH") or a field ("I. Lĩnh vực Hộ tịch") for the rows
  under them; footnotes and other text are passed over.
- Other rows under a header are procedure rows. A column whose header is not known is kept:
  its values go to the row's ``extra_columns`` (by header), reported, not a reason to hold a
  row of a table that has a procedure-name column. A row the parser cannot place with
  confidence (cells outside the header's columns, a table whose columns match no header, no
  procedure name) keeps a ``placement_problem`` that quarantines it.
- A file with no decision reference, or no table with a procedure-name column, fails with a
  message that says so: guessing would load a decision nobody published.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pandas as pd

from transforms.publications import decisions_frame, items_frame, mentioned_actions
from transforms.text import clean_text, match_key

# Canonical column -> the header texts provinces write for it (compared as match keys; a header
# also matches when it goes on, as in "Thời hạn giải quyết (ngày)").
HEADERS: dict[str, tuple[str, ...]] = {
    "stt": ("stt", "tt", "số tt", "số thứ tự"),
    "procedure_code": (
        "mã tthc",
        "mã số tthc",
        "mã thủ tục hành chính",
        "mã số thủ tục hành chính",
        "mã thủ tục",
        "mã hồ sơ",
        "mã số hồ sơ",
    ),
    "procedure_name": ("tên thủ tục hành chính", "tên tthc", "tên thủ tục"),
    "field": ("lĩnh vực",),
    "level": ("cấp thực hiện", "cấp giải quyết"),
    "agency": ("cơ quan thực hiện", "cơ quan giải quyết", "cơ quan tiếp nhận"),
    "processing_time": ("thời hạn giải quyết", "thời gian giải quyết"),
    "fees": ("phí, lệ phí", "phí và lệ phí", "phí lệ phí", "lệ phí", "phí", "mức thu"),
    "legal_basis": ("căn cứ pháp lý", "tên vbqppl", "văn bản quy phạm pháp luật"),
    "note": ("ghi chú",),
}
# Headers of columns the mirror does not keep: known, so no reason to hold their rows back.
IGNORED_HEADERS = (
    "địa điểm thực hiện",
    "cách thức thực hiện",
    "mức độ dịch vụ công",
    "dịch vụ công trực tuyến",
    "đối tượng thực hiện",
)
LEVELS = {"tỉnh": "tỉnh", "huyện": "huyện", "xã": "xã"}
MIN_CONFIDENCE = 60.0  # OCR: a cell read with less (0-100) holds its row for review

_DECISION = re.compile(
    r"quyết định\s+số\s*:?\s*(?P<number>[^\s,;]+)\s*,?\s*ngày\s*"
    r"(?P<day>\d{1,2})\s*(?:/|-|\.|tháng)\s*(?P<month>\d{1,2})\s*(?:/|-|\.|năm)\s*(?P<year>\d{4})",
    re.IGNORECASE,
)
_LEVEL = re.compile(r"\bcấp\s+(tỉnh|huyện|xã)\b")
_FIELD = re.compile(
    r"^(?:(?:[ivxlc]+|\d+|[a-zđ])\s*[.)/-]\s*)?lĩnh vực\s*:?\s+(?P<field>.+)$", re.IGNORECASE
)
_MARKER = re.compile(r"^(?:phần\s+)?(?:[ivxlc]+|\d+|[a-zđ])\s*[.)/-]\s*", re.IGNORECASE)
_FOOTNOTE = re.compile(r"^(?:\(?\*+\)?|ghi chú\s*:|chú thích|lưu ý)")
_COLUMN_NUMBER = re.compile(r"^\(?\d{1,2}\)?$")
_PROCEDURE_WORDS = ("thủ tục", "tthc", "danh mục")


class AnnexLayoutError(ValueError):
    """An annex whose structure is not recognised: nothing of it is loaded."""


@dataclass(frozen=True)
class Column:
    name: str | None  # canonical column; None: known but not kept, or unknown
    label: str  # the header as written, parts of merged headers joined by " / "
    part: str | None = None  # the sub-header under a merged header ("Lệ phí")
    unknown: bool = False


@dataclass
class Layout:
    columns: list[Column]
    sheet: str  # the table or sheet the header is in
    where: str  # "table 2, row 3": where the header was

    @property
    def unknown(self) -> list[str]:
        return [c.label for c in self.columns if c.unknown]


@dataclass
class AnnexItem:
    ref: str  # the row inside the landed page ("annex#1:rows/12")
    values: dict[str, object] = field(default_factory=dict)


@dataclass
class AnnexDecision:
    """One file: the decision it belongs to and its procedure rows, in the feed's shape."""

    ref: str
    decision: dict[str, object]
    items: list[AnnexItem]


def column_for(label: str) -> str | None:
    """The canonical column a header names, or None."""
    key = match_key(label) or ""
    for name, variants in HEADERS.items():
        if any(_names(key, v) for v in variants):
            return name
    return None


def _names(key: str, variant: str) -> bool:
    return key == variant or (key.startswith(variant) and not key[len(variant)].isalnum())


def _ignored(label: str) -> bool:
    key = match_key(label) or ""
    return any(_names(key, v) for v in IGNORED_HEADERS)


def _distinct(cells: list[str | None]) -> list[str]:
    return list(dict.fromkeys(c for c in cells if c))


def _is_header(cells: list[str | None]) -> bool:
    named = {column_for(c) for c in _distinct(cells)} - {None}
    return "procedure_name" in named and len(named) >= 2


def _is_column_numbers(cells: list[str | None]) -> bool:
    values = [c for c in cells if c]
    return len(values) >= 3 and all(_COLUMN_NUMBER.match(c) for c in values)


def _layout(header_rows: list[list[str | None]], sheet: str, where: str) -> Layout:
    """Columns from one or more header rows; merged cells repeat their text across the columns
    (and the rows) they cover, so a column's parts are its distinct texts top to bottom."""
    width = max(len(r) for r in header_rows)
    columns = []
    for i in range(width):
        parts = _distinct([r[i] if i < len(r) else None for r in header_rows])
        label = " / ".join(parts)
        named = next((column_for(p) for p in parts if column_for(p)), None)
        if named:
            part = parts[-1] if len(parts) > 1 else None
            columns.append(Column(named, label, part))
        else:
            columns.append(Column(None, label, unknown=bool(parts) and not _ignored(parts[0])))
    return Layout(columns, sheet, where)


def _header_continues(row: list[str | None], above: list[str | None]) -> bool:
    """A sub-header row under a merged header: every text is under a header cell that spans
    more than one column, or is a header itself."""
    spans = {c: above.count(c) for c in above if c}
    values = [(i, c) for i, c in enumerate(row) if c]
    return bool(values) and all(
        column_for(c) or (i < len(above) and spans.get(above[i], 0) > 1) for i, c in values
    )


def _section(text: str) -> tuple[set[str], str | None, str | None]:
    """What a one-value row says: (actions, level, field)."""
    if m := _FIELD.match((clean_text(text) or "").rstrip(" .;,:")):
        return set(), None, m.group("field")
    key = match_key(text) or ""
    about_procedures = any(w in key for w in _PROCEDURE_WORDS) or bool(_MARKER.match(key))
    if not about_procedures:
        return set(), None, None
    level = _LEVEL.search(key)
    return mentioned_actions(key), LEVELS[level.group(1)] if level else None, None


def _decision_reference(text: str) -> dict[str, str] | None:
    m = _DECISION.search(clean_text(text) or "")
    if not m:
        return None
    day, month, year = int(m["day"]), int(m["month"]), int(m["year"])
    return {"number": m["number"].rstrip("."), "signed_date": f"{day:02d}/{month:02d}/{year}"}


def decision_id_for(province: str, number: str, signed_date: str, sha256: str) -> str:
    """The feed's scheme (06-2020-0654), from the number and year; a number without digits
    gets the file's hash, so the decision is still one row (and quarantined for its number)."""
    digits = re.match(r"\d+", number)
    year = signed_date[-4:]
    return f"{province}-{year}-{int(digits.group()):04d}" if digits else f"{province}-{sha256[:12]}"


def parse_annex(ref: str, page: dict, province: str) -> AnnexDecision:
    """One landed annex page (``extractors.annex``) as a decision and its rows."""
    name = page["file"]
    reference, reference_row, title = None, 0, None
    layout: Layout | None = None
    headers: list[list[str | None]] = []
    header_sheet, header_where = "", ""
    action: str | None = None  # the heading that says what the rows under it are
    level: str | None = None
    field_name: str | None = None
    items: list[AnnexItem] = []
    for i, row in enumerate(page["rows"]):
        cells = [clean_text(c) or None for c in row["cells"]]
        values = _distinct(cells)
        where = f"{row['sheet']}, row {row['row']}"
        if not values:
            continue
        if headers and (_is_header(cells) or _header_continues(cells, headers[-1])):
            headers.append(cells)
            continue
        if headers:  # the header ended on the row before this one
            layout, headers = _layout(headers, header_sheet, header_where), []
        if _is_header(cells):
            if layout is None or layout.sheet != row["sheet"]:
                level = field_name = None  # a new table: its own sections follow
            headers, header_sheet, header_where = [cells], row["sheet"], where
            continue
        if _is_column_numbers(cells):
            continue
        if len(values) == 1:
            text = values[0]
            if _FOOTNOTE.match(match_key(text) or ""):
                continue
            if layout is None:  # the title lines
                if reference is None and (found := _decision_reference(text)):
                    reference, reference_row = found, i
                if title is None and (match_key(_MARKER.sub("", text)) or "").startswith(
                    "danh mục"
                ):
                    title = text
            said_actions, said_level, said_field = _section(text)
            if len(said_actions) == 1:
                action, field_name = text, None
            if said_level:
                level, field_name = said_level, None
            if said_field:
                field_name = said_field
            if said_actions or said_level or said_field or not _procedure_cell(cells, layout):
                continue
            # else: a procedure row with one value (its name, say) in one column
        if layout is None:
            continue  # a table before any header: letterhead, signatures
        values = _item(cells, layout, row["sheet"], where, action, level, field_name)
        if unsure := _unsure(row, layout, page.get("min_confidence", MIN_CONFIDENCE)):
            problem = values["placement_problem"]
            values["placement_problem"] = "; ".join(filter(None, [problem, f"{where}: {unsure}"]))
        items.append(AnnexItem(f"{ref}:rows/{i}", values))
    if reference is None:
        raise AnnexLayoutError(
            f"{name}: no 'kèm theo Quyết định số … ngày …' line before the table, so the "
            "decision it belongs to is unknown"
        )
    if layout is None and not headers:
        raise AnnexLayoutError(
            f"{name}: no table with a procedure name column ('Tên thủ tục hành chính'); "
            f"known headers: {', '.join(v[0] for v in HEADERS.values())}"
        )
    decision_id = decision_id_for(
        province, reference["number"], reference["signed_date"], page["sha256"]
    )
    for position, item in enumerate(items, start=1):
        item.values.update(decision_id=decision_id, stt=position)
    decision = {
        "decision_id": decision_id,
        "number": reference["number"],
        "title": title,
        "signed_date": reference["signed_date"],
        "effective_date": None,
        "basis_effective_date": None,
        "publishes_procedures": True,
        "approves_workflows": False,
    }
    return AnnexDecision(f"{ref}:rows/{reference_row}", decision, items)


def _unsure(row: dict, layout: Layout, threshold: float) -> str | None:
    """OCR cells read with less than ``threshold`` confidence (0-100): held for a person to
    read, never guessed."""
    confidence = row.get("confidence") or []
    low = [
        (layout.columns[i].label if i < len(layout.columns) else f"column {i + 1}", c)
        for i, c in enumerate(confidence)
        if c is not None and c < threshold and i < len(row["cells"]) and row["cells"][i]
    ]
    if not low:
        return None
    cells = ", ".join(f"'{label}' ({c:.0f})" for label, c in low)
    return f"read by OCR with low confidence (under {threshold:g}): {cells}; held for review"


def _procedure_cell(cells: list[str | None], layout: Layout | None) -> bool:
    """A one-value row is a procedure row when its one cell is the row's number, code or name
    (text across the table, or beside it, is not)."""
    filled = [i for i, c in enumerate(cells) if c]
    if layout is None or len(filled) != 1 or filled[0] >= len(layout.columns):
        return False
    return layout.columns[filled[0]].name in ("stt", "procedure_code", "procedure_name")


def _item(
    cells: list[str | None],
    layout: Layout,
    sheet: str,
    where: str,
    action: str | None,
    level: str | None,
    field_name: str | None,
) -> dict[str, object]:
    values: dict[str, list[tuple[str | None, str]]] = {}
    extra: dict[str, str] = {}  # the values of columns whose header is not known
    problems = []
    if sheet != layout.sheet and len(cells) != len(layout.columns):
        problems.append(
            f"its {len(cells)} columns match no header (the last one, at {layout.where}, "
            f"has {len(layout.columns)})"
        )
    for i, cell in enumerate(cells):
        if not cell:
            continue
        if i >= len(layout.columns) or not layout.columns[i].label:
            problems.append(f"a value in column {i + 1}, which has no header")
            continue
        column = layout.columns[i]
        if column.name:
            values.setdefault(column.name, []).append((column.part, cell))
        elif column.unknown:
            extra[column.label] = cell
    if "procedure_name" not in values and not problems:
        problems.append("no procedure name in the row")

    def text(name: str) -> str | None:
        # Sub-columns of a merged header keep their names: "Phí: 10.000 đồng; Lệ phí: Không".
        return "; ".join(f"{p}: {v}" if p else v for p, v in values.get(name, [])) or None

    return {
        "procedure_code": text("procedure_code"),
        "procedure_name": text("procedure_name"),
        "field": text("field") or field_name,
        "level": text("level") or level,
        "agency": text("agency"),
        "action": action,
        "processing_time": text("processing_time"),
        "fees": text("fees"),
        "legal_basis": text("legal_basis"),
        "note": text("note"),
        "extra_columns": json.dumps(extra, ensure_ascii=False) if extra else None,
        "placement_problem": f"{where}: " + "; ".join(problems) if problems else None,
    }


def annex_decisions(pages: Iterable[tuple[str, dict]], province: str) -> pd.DataFrame:
    """One row per annex file: the decision it is the annex of."""
    return decisions_frame(((a.ref, a.decision) for a in _parsed(pages, province)), province)


def annex_items(pages: Iterable[tuple[str, dict]], province: str) -> pd.DataFrame:
    """One row per procedure row of the annex files."""
    return items_frame((i.ref, i.values) for a in _parsed(pages, province) for i in a.items)


def _parsed(pages: Iterable[tuple[str, dict]], province: str) -> Iterator[AnnexDecision]:
    for ref, page in pages:
        yield parse_annex(ref, page, province)
