"""The portal's HTML pages and files, as the simulator serves them: a decision's page is the
recorded real page (``templates/decision-page.html``, from
``tests/fixtures/national-portal/decision-115010.details.html`` with its five values made
slots), so the reader meets the real markup; attachments are files of the dataset folder."""

from __future__ import annotations

import html
import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path

TEMPLATE = (Path(__file__).parent / "templates" / "decision-page.html").read_text(encoding="utf-8")
DOWNLOAD_PATH = "/web/jsp/download_file.jsp"  # as get_url_downfile names it on the real portal
DECISION_PAGE_PATH = "/p/home/dvc-tthc-quyet-dinh-cong-bo-chi-tiet.html"


@dataclass(frozen=True)
class Raw:
    """A body that is not JSON (a page, a file): sent as it is, faults still applied."""

    body: bytes
    content_type: str


def _js_string(text: str) -> str:
    """``text`` inside a JavaScript single-quoted string in a <script>."""
    return text.replace("\\", "\\\\").replace("'", "\\'").replace("</", "<\\/")


def decision_page(decision: dict) -> str:
    """The page of a dataset decision (``{"row": listing row, "attachments": [...]}``)."""
    row = decision["row"]
    listed = [
        {"tenTep": a["tenTep"], "code": a["code"], "tepDinhKemId": a["tepDinhKemId"]}
        for a in decision.get("attachments", [])
    ]
    values = {
        "number": html.escape(row.get("CODE", "")),
        "title": html.escape(row.get("NAME", "")),
        "date": html.escape(row.get("PUBLISHING_DATE", "")),
        "issuer": html.escape(row.get("AGENCY_NAME", "")),
        "attachments": _js_string(json.dumps(listed, ensure_ascii=False)),
    }
    page = TEMPLATE
    for name, value in values.items():
        page = page.replace("{{" + name + "}}", value)
    return page


def attachment_file(root: Path, decisions: list[dict], code: str) -> Raw:
    """The attachment whose download code is ``code``."""
    for decision in decisions:
        for a in decision.get("attachments", []):
            if a["code"] == code:
                kind = mimetypes.guess_type(a["tenTep"])[0] or "application/octet-stream"
                return Raw((root / "national" / a["path"]).read_bytes(), kind)
    raise LookupError(f"no attachment with code {code!r}")
