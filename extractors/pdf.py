"""Decision annexes published as PDF (exported from Word, or scanned after signing) and as legacy
Word .doc files, read into the rows ``extractors.annex`` gives for .docx.

Each page is read the way it was made. A page whose text layer has real words (more than a
signature stamp's "Người ký: … Thời gian ký: …") is read from that layer with pdfplumber; a
page that is a full-page image with next to no text, or with text but no drawn line (a scan
with an invisible OCR layer), is a scan, OCR'd by ``extractors.ocr``.

Either way, ruled tables become rows of cells (a merged cell's text repeated over the cells it
covers, as in .docx) and the text outside them one-cell "text" rows, wrapped lines joined into
their paragraph, in reading order; a signature stamp's lines are left out. A table needs its
ruling lines both ways: an unruled one comes out as text rows, its columns not guessed. Rows
from a PDF say how they were read (``"method"``); OCR'd rows carry each cell's mean word
confidence (``"confidence"``, 0-100), low ones included as read: what to hold for review is
the transform's decision, and nothing here guesses.
"""

from __future__ import annotations

import io
import os
import re
import shutil
import signal
import statistics
import subprocess
import tempfile
import unicodedata
from collections.abc import Iterable
from pathlib import Path
from subprocess import PIPE

from extractors.files import AnnexFile, AnnexFileError
from extractors.ocr import DPI, Cell, OcrUnavailable, Word, read_scan

# A digital signature's stamp ("Người ký: …", then "Email: …", "Cơ quan: …", "Thời gian ký: …"):
# the only text layer of a signed scan, and no part of what the annex says.
_STAMP_START = re.compile(
    r"(?:người ký|ký bởi|signed by|thời gian ký)\s*:|signature valid", re.IGNORECASE
)
_STAMP_LINE = re.compile(r"(?:email|cơ quan|thời gian ký|ngày ký|date)\s*:", re.IGNORECASE)
MAX_STAMP_WORDS = 12  # a page image with more real words than a stamp has is a text page
GRID_TOLERANCE = 4.0  # points: rulings closer than this are the same column or row boundary
TEXT_TABLES = {"vertical_strategy": "lines", "horizontal_strategy": "lines"}
# The fallback: borders drawn as separate strokes that stop short of each other (Word exports
# cell by cell) are joined across gaps of up to 8 points.
LOOSE_TABLES = TEXT_TABLES | {"snap_tolerance": 8, "join_tolerance": 8, "intersection_tolerance": 8}
# Word 97-2003 files are OLE2 compound files; "Save as .doc" also writes RTF under that name.
_DOC_MAGIC = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"{\\rtf")


def pdf_rows(annex: AnnexFile, min_confidence: float = 60.0) -> list[dict]:
    """The file's rows in document order, as ``extractors.annex.annex_rows``: ``{"file",
    "sheet", "row", "cells", "method"}``, and ``"confidence"`` (per cell, None for a blank cell)
    on rows read by OCR. OCR'd cells below ``min_confidence`` are read a second time (larger,
    as one line) and keep the better reading, with its confidence, however low."""
    import pdfplumber
    import pypdfium2 as pdfium
    from pdfminer.pdfexceptions import PDFException
    from pdfminer.psexceptions import PSException
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        # PDFium first: it tells an encrypted file from a broken one, and renders the scans.
        document = pdfium.PdfDocument(annex.data)
    except pdfium.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise AnnexFileError(f"{annex.name} is an encrypted PDF (it needs a password)") from exc
        raise AnnexFileError(f"{annex.name} is not a readable PDF ({exc})") from exc
    builder = _Rows(annex.name)
    try:
        with pdfplumber.open(io.BytesIO(annex.data)) as plumber:
            for number, page in enumerate(plumber.pages, start=1):
                if _is_scan(page):
                    builder.add(_scan_items(document[number - 1], min_confidence), "ocr")
                else:
                    builder.add(_text_items(page), "text")
    except OcrUnavailable as exc:
        raise AnnexFileError(
            f"{annex.name}: page {number} is a scan, which needs OCR: {exc}"
        ) from exc
    except (
        PdfminerException,
        PDFException,
        PSException,
        pdfium.PdfiumError,
        ValueError,
        KeyError,
    ) as exc:
        raise AnnexFileError(
            f"{annex.name} is not a readable PDF ({type(exc).__name__}: {exc})"
        ) from exc
    finally:
        document.close()
    return builder.rows


def doc_to_docx(data: bytes, name: str, timeout: float = 180) -> bytes:
    """A legacy Word .doc (or RTF saved as .doc) converted to .docx by LibreOffice headless."""
    if not data.startswith(_DOC_MAGIC):
        # LibreOffice opens anything as plain text, so a broken file would "convert" silently.
        raise AnnexFileError(f"{name} is not a Word 97-2003 (.doc) or RTF file")
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise AnnexFileError(
            f"{name}: a .doc needs LibreOffice (soffice) to be read; install it "
            "(Debian: libreoffice-writer-nogui) or save the file as .docx"
        )
    with tempfile.TemporaryDirectory(prefix="tthc-doc-") as tmp:
        # A fixed file name (the given one may hold any characters) and a profile of its own, so
        # a desktop LibreOffice or another conversion running at the same time does not block.
        source = Path(tmp, "annex.doc")
        source.write_bytes(data)
        cmd = [soffice, f"-env:UserInstallation={Path(tmp, 'profile').as_uri()}", "--headless"]
        cmd += ["--norestore", "--convert-to", "docx", "--outdir", tmp, str(source)]
        # soffice is a launcher script: on a timeout its whole process group is ended, not just
        # the script, or the office process would be left running.
        env = {**os.environ, "HOME": tmp}
        with subprocess.Popen(
            cmd, stdout=PIPE, stderr=PIPE, text=True, env=env, start_new_session=True
        ) as proc:
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired as exc:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise AnnexFileError(
                    f"{name}: LibreOffice did not convert it in {timeout:g} s"
                ) from exc
        converted = Path(tmp, "annex.docx")
        if not converted.exists():
            said = (stderr or stdout).strip()[-300:]
            raise AnnexFileError(f"{name} is not a readable .doc file (LibreOffice: {said})")
        return converted.read_bytes()


# --- pages --------------------------------------------------------------------------------------
# An item of a page: ("text", top, x0, text, confidence) or ("table", top, x0, grid), where a
# grid is rows of (text, confidence) cells.


def _is_scan(page) -> bool:
    words = [_word(w) for w in page.extract_words(extra_attrs=["fontname", "size"])]
    real = [
        w
        for line in _lines(words)
        if not _is_stamp(" ".join(w.text for w in line))
        for w in line
        if any(ch.isalnum() for ch in w.text)
    ]
    area = float(page.width * page.height)
    covered = max((_overlap(image, page) for image in page.images), default=0.0)
    if covered < 0.5 * area:
        return False
    # A page image with words over it but no drawn line is a scan with another program's
    # (invisible) OCR layer: that layer has no table in it, the image does.
    return len(real) <= MAX_STAMP_WORDS or not page.edges


def _is_stamp(text: str) -> bool:
    return bool(_STAMP_START.search(text) or _STAMP_LINE.search(text))


def _overlap(image: dict, page) -> float:
    width = min(image["x1"], page.width) - max(image["x0"], 0)
    height = min(image["bottom"], page.height) - max(image["top"], 0)
    return max(width, 0) * max(height, 0)


def _word(w: dict) -> Word:
    font = f"{w.get('fontname', '')}:{round(float(w.get('size', 0)), 1)}"
    return Word(_nfc(w["text"]), w["x0"], w["top"], w["x1"], w["bottom"], None, font)


def _text_items(page) -> list[tuple]:
    words = [_word(w) for w in page.extract_words(extra_attrs=["fontname", "size"])]
    tables = _ruled_tables(page, TEXT_TABLES)
    if not tables and page.horizontal_edges and page.vertical_edges:
        tables = _ruled_tables(page, LOOSE_TABLES)
    items, outside = [], words
    for (x0, top, x1, bottom), cells in tables:
        inside = [w for w in outside if _centre_in(w, x0, top, x1, bottom)]
        outside = [w for w in outside if not _centre_in(w, x0, top, x1, bottom)]
        cells = [Cell(*c.bbox, tuple(w for w in inside if _centre_in(w, *c.bbox))) for c in cells]
        items.append(("table", top, x0, _grid(cells)))
    return items + _text_rows(outside)


def _ruled_tables(page, settings: dict) -> list[tuple]:
    found = page.find_tables(settings)
    # One cell is a framed paragraph (a note, a stamp): text.
    return [(t.bbox, [Cell(*bbox) for bbox in t.cells]) for t in found if len(t.cells) > 1]


def _scan_items(page, min_confidence: float) -> list[tuple]:
    gray = page.render(scale=DPI / 72, grayscale=True).to_numpy()
    if gray.ndim == 3:
        gray = gray[..., 0]
    scan = read_scan(gray.copy(), min_confidence)
    items = [("table", bbox[1], bbox[0], _grid(cells)) for bbox, cells in scan.tables]
    return items + _text_rows(scan.words)


def _centre_in(w: Word, x0: float, top: float, x1: float, bottom: float) -> bool:
    return x0 <= (w.x0 + w.x1) / 2 <= x1 and top <= (w.top + w.bottom) / 2 <= bottom


def _text_rows(words: list[Word]) -> list[tuple]:
    # Each segment is placed at its line's top, so the columns of one line stay in one line.
    lines, top_of = [], {}
    for line in _lines(words):
        for segment in _segments(line):
            lines.append(segment)
            top_of[id(segment)] = line[0].top
    if not lines:
        return []
    # The text column, from lines of a few words (a scan's specks and marginal notes are not).
    body = [s for s in lines if len(s) >= 3] or lines
    right = max(s[-1].x1 for s in body)
    width = max(s[-1].x1 - s[0].x0 for s in body)
    items, in_stamp = [], False
    for p in _paragraphs(lines, right, width):
        text = _join(p)
        # A stamp says who signed and when, not what the annex says: left out, as Word files
        # have none (and the transform would take its lines under a table for procedure rows).
        in_stamp = bool(_STAMP_START.match(text) or (in_stamp and _STAMP_LINE.match(text)))
        if not in_stamp:
            items.append(
                ("text", top_of[id(p[0])], p[0][0].x0, text, _mean(w.conf for s in p for w in s))
            )
    return items


# --- layout: the same for text layers and OCR, in points ----------------------------------------


def _lines(words: list[Word]) -> list[list[Word]]:
    """Words in lines, top to bottom, each left to right: a word is on a line when its middle is
    within the height of the line's first word."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: (w.top, w.x0)):
        middle = (w.top + w.bottom) / 2
        if lines and lines[-1][0].top <= middle <= lines[-1][0].bottom:
            lines[-1].append(w)
        else:
            lines.append([w])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _segments(line: list[Word]) -> list[list[Word]]:
    """A line cut where a gap is far wider than a space: the columns of a two-column heading
    ("Số: 654/QĐ-UBND" on the left, "Bắc Kạn, ngày 27 tháng 5 năm 2020" on the right)."""
    height = statistics.median(w.bottom - w.top for w in line)
    out = [[line[0]]]
    for w in line[1:]:
        if w.x0 - out[-1][-1].x1 > 1.5 * height:
            out.append([w])
        else:
            out[-1].append(w)
    return out


def _paragraphs(lines: list[list[Word]], right: float, width: float) -> list[list[list[Word]]]:
    """Lines (segments) joined into paragraphs where the one before was wrapped: close below
    it, overlapping it, in the same font (from OCR: of about the same height), with a first
    word that would not have fitted on it: before the column's ``right`` edge when it starts
    under the line before (left-aligned and justified text, first lines indented), within the
    column's ``width`` when it is centred under it."""
    paragraphs: list[list[list[Word]]] = []
    for line in lines:
        for paragraph in reversed(paragraphs[-4:]):
            if _continues(paragraph[-1], line, right, width):
                paragraph.append(line)
                break
        else:
            paragraphs.append([line])
    return paragraphs


def _continues(above: list[Word], line: list[Word], right: float, width: float) -> bool:
    height = statistics.median(w.bottom - w.top for w in above)
    below = statistics.median(w.bottom - w.top for w in line)
    x0, x1 = line[0].x0, line[-1].x1
    # OCR boxes are the ink's: a line's extent is its tallest word's (accents, descenders),
    # and neighbouring lines may overlap a little.
    tallest = max(w.bottom - w.top for w in above)
    gap = min(w.top for w in line) - max(w.bottom for w in above)
    if not -0.3 * tallest <= gap < 0.8 * tallest:
        return False
    if min(x1, above[-1].x1) <= max(x0, above[0].x0):
        return False
    fonts = {w.font for w in above} | {w.font for w in line}
    if "" in fonts:
        if abs(height - below) > 0.3 * max(height, below):
            return False
    elif above[-1].font != line[0].font:
        return False
    needed = 0.3 * height + (line[0].x1 - line[0].x0) + 0.5 * height  # a space, the word, slack
    if x0 <= above[0].x0 + 0.5 * height:  # starts under it (or left of an indented first line)
        return above[-1].x1 + needed >= right
    return (above[-1].x1 - above[0].x0) + needed >= width  # centred under it


def _grid(cells: list[Cell]) -> list[list[tuple[str, float | None]]]:
    """A table's cells as rows of (text, confidence): column and row boundaries are the cells'
    edges, and a merged cell's text is repeated over every place it covers."""
    xs = _boundaries([c.x0 for c in cells] + [c.x1 for c in cells])
    ys = _boundaries([c.top for c in cells] + [c.bottom for c in cells])
    grid: list[list[tuple[str, float | None]]] = [
        [("", None)] * (len(xs) - 1) for _ in range(len(ys) - 1)
    ]
    tol = GRID_TOLERANCE
    for cell in cells:
        value = (_cell_text(cell), cell.conf)
        for r in range(len(ys) - 1):
            if ys[r] >= cell.top - tol and ys[r + 1] <= cell.bottom + tol:
                for c in range(len(xs) - 1):
                    if xs[c] >= cell.x0 - tol and xs[c + 1] <= cell.x1 + tol:
                        grid[r][c] = value
    return grid


def _boundaries(values: list[float]) -> list[float]:
    groups: list[list[float]] = []
    for v in sorted(values):
        if groups and v - groups[-1][-1] <= GRID_TOLERANCE:
            groups[-1].append(v)
        else:
            groups.append([v])
    return [sum(g) / len(g) for g in groups]


def _cell_text(cell: Cell) -> str:
    if not cell.words:
        return ""
    lines = _lines(list(cell.words))
    # The cell's text width: its width less the padding seen on the left, on both sides.
    pad = max(min(w.x0 for w in cell.words) - cell.x0, 0)
    paragraphs = _paragraphs(lines, cell.x1 - pad, cell.x1 - cell.x0 - 2 * pad)
    return "\n".join(_join(p) for p in paragraphs)


def _join(paragraph: list[list[Word]]) -> str:
    return _nfc(" ".join(w.text for line in paragraph for w in line))


def _mean(values: Iterable[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 1) if known else None


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class _Rows:
    """Rows across pages, numbered as the .docx reader numbers them: tables "table N" (a table
    going on over a page break is a new one, as in Word files), text rows in one sequence."""

    def __init__(self, name: str) -> None:
        self.name, self.rows, self.tables, self.texts = name, [], 0, 0

    def add(self, items: list[tuple], method: str) -> None:
        for item in sorted(items, key=lambda it: (it[1], it[2])):
            if item[0] == "text":
                self.texts += 1
                self._row("text", self.texts, [(item[3], item[4])], method)
                continue
            self.tables += 1
            for number, cells in enumerate(item[3], start=1):
                self._row(f"table {self.tables}", number, cells, method)

    def _row(self, sheet: str, number: int, cells: list[tuple], method: str) -> None:
        row = {"file": self.name, "sheet": sheet, "row": number}
        row["cells"] = [text for text, _ in cells]
        row["method"] = method
        if method == "ocr":
            row["confidence"] = [conf for _, conf in cells]
        self.rows.append(row)
