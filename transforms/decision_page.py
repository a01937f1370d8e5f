"""A national decision's page (``dvc-tthc-quyet-dinh-cong-bo-chi-tiet.html?ma_quyet_dinh=ID``):
its fields, as the page's ``table-info-row`` shows them, and its attachments, which the page
lists in the script ``formatAttachments`` as ``var str = '[{"tenTep", "code", "tepDinhKemId"}]'``
(a recorded page: ``tests/fixtures/national-portal/decision-115010.details.html``).

Pure: text in, values out. The extract step reads the attachments to download them; the
transform reads the fields. A page without the fields table is not a decision page (a portal
error page, a login wall): ``DecisionPageError``, and the run fails naming the decision."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser

# The page's labels (NFC, lower case, single spaces) and the names used here.
FIELDS = {
    "số quyết định": "number",
    "trích yếu": "title",
    "ngày quyết định": "decision_date",
    "cơ quan ban hành": "issuer",
}
_ATTACHMENTS = re.compile(
    r"function\s+formatAttachments\s*\(\s*\)\s*\{.*?var\s+str\s*=\s*'((?:[^'\\]|\\.)*)'", re.S
)


class DecisionPageError(ValueError):
    """The page is not a decision page the reader recognises."""


@dataclass(frozen=True)
class Attachment:
    """A signed file of the decision: its name, the download code (``…?ma=<code>``) and the
    portal's storage path."""

    name: str
    code: str
    file_id: str


def _norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


class _InfoTable(HTMLParser):
    """The key/value cells of ``table.table-info-row``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pairs: list[tuple[str, str]] = []
        self._in_table = 0
        self._cell: str | None = None  # "key" | "value" while inside one
        self._text: list[str] = []
        self._key: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = (dict(attrs).get("class") or "").split()
        if tag == "table" and ("table-info-row" in classes or self._in_table):
            self._in_table += 1
        elif self._in_table and tag == "td" and ({"key", "value"} & set(classes)):
            self._cell = "key" if "key" in classes else "value"
            self._text = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._in_table:
            self._in_table -= 1
        elif tag == "td" and self._cell:
            text = _norm("".join(self._text))
            if self._cell == "key":
                self._key = text
            elif self._key is not None:
                self.pairs.append((self._key, text))
                self._key = None
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell:
            self._text.append(data)


def decision_fields(html: str) -> dict[str, str | None]:
    """``number``, ``title``, ``decision_date`` (as written, ``dd-mm-yyyy``) and ``issuer``;
    a field the page leaves out is None, a page without the table an error."""
    parser = _InfoTable()
    parser.feed(html)
    found = {FIELDS[k.lower()]: v or None for k, v in parser.pairs if k.lower() in FIELDS}
    if "number" not in found:
        raise DecisionPageError("no 'Số quyết định' in a table-info-row: not a decision page")
    return {name: found.get(name) for name in FIELDS.values()}


def attachments(html: str) -> list[Attachment]:
    """The files ``formatAttachments`` lists (none: an empty list, as the portal shows it)."""
    match = _ATTACHMENTS.search(html)
    if not match:
        raise DecisionPageError("no formatAttachments list: not a decision page")
    # A JavaScript single-quoted string: \' and \\ are its escapes; the rest is JSON.
    text = re.sub(r"\\(['\\])", r"\1", match[1])
    try:
        listed = json.loads(text or "[]")
    except json.JSONDecodeError as exc:
        raise DecisionPageError(f"the attachment list is not JSON ({exc})") from None
    if not isinstance(listed, list):
        raise DecisionPageError("the attachment list is not a list")
    out = []
    for item in listed:
        if not isinstance(item, dict) or not item.get("code"):
            raise DecisionPageError(f"an attachment without its download code: {item!r}")
        out.append(
            Attachment(
                _norm(str(item.get("tenTep") or "")),
                str(item["code"]),
                str(item.get("tepDinhKemId") or ""),
            )
        )
    return out
