"""Reading a scanned page: deskew it, find its ruled tables, OCR each cell with tesseract and the
text outside the tables, keeping tesseract's word confidences.

Positions come back in PDF points (1/72 inch), as pdfplumber gives them for text pages, so
``extractors.pdf`` lays out both kinds of page with the same code. Tesseract is Debian's CLI
(``tesseract-ocr``, ``tesseract-ocr-vie``), called once per batch of cell images (a list file:
the model loads once, not once per cell).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

DPI = 300
LANGUAGE = "vie"
TIMEOUT = 300  # seconds for one tesseract batch: a hung OCR must not hang the run


class OcrUnavailable(RuntimeError):
    """OCR cannot be done: tesseract or its Vietnamese model is missing, or tesseract failed."""


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    conf: float | None = None  # OCR only: tesseract's 0-100
    font: str = ""  # text layer only: lines join into a paragraph only in the same font


@dataclass(frozen=True)
class Cell:
    x0: float
    top: float
    x1: float
    bottom: float
    words: tuple[Word, ...] = ()
    conf: float | None = None  # the mean word confidence; 0 for ink nobody could read

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.x0, self.top, self.x1, self.bottom)


@dataclass(frozen=True)
class ScannedPage:
    angle: float  # the skew corrected, in degrees
    tables: list[tuple[tuple[float, float, float, float], list[Cell]]]  # bbox, cells
    words: list[Word]  # the text outside the tables


def check_tesseract() -> None:
    if shutil.which("tesseract") is None:
        raise OcrUnavailable("tesseract is not installed (Debian: tesseract-ocr)")
    langs = subprocess.run(
        ["tesseract", "--list-langs"], capture_output=True, text=True, timeout=60
    ).stdout.split()
    if LANGUAGE not in langs:
        raise OcrUnavailable(f"tesseract has no '{LANGUAGE}' model (Debian: tesseract-ocr-vie)")


def read_scan(gray: np.ndarray, min_confidence: float) -> ScannedPage:
    """A page rendered at ``DPI`` (8-bit grey) read as tables of cells and words."""
    angle = skew_angle(gray)
    if abs(angle) >= 0.05:
        gray = _rotate(gray, angle)
    ink = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 25
    )
    lines = _ruling_lines(ink)
    # Ink that is not a ruling line, without the scanner's isolated specks.
    text_ink = cv2.medianBlur(cv2.bitwise_and(ink, cv2.bitwise_not(lines)), 3)
    page = _clean(gray, text_ink)
    outside = page.copy()
    tables = []
    for x, y, w, h in _table_boxes(lines):
        cells = [
            (x + cx, y + cy, cw, ch) for cx, cy, cw, ch in _cell_boxes(lines[y : y + h, x : x + w])
        ]
        if len(cells) < 2:  # a framed paragraph (a signature stamp, a note) is text
            continue
        tables.append(((x, y, x + w, y + h), cells))
        outside[y : y + h, x : x + w] = 255
    readings = iter(
        _read_cells(page, text_ink, [c for _, cells in tables for c in cells], min_confidence)
    )
    s = 72 / DPI  # pixels to points
    read = []
    for bbox, cells in tables:
        row = []
        for cx, cy, cw, ch in cells:
            words, conf = next(readings)
            moved = tuple(_moved(w, cx, cy, s) for w in words)
            row.append(Cell(cx * s, cy * s, (cx + cw) * s, (cy + ch) * s, moved, conf))
        read.append((tuple(v * s for v in bbox), row))
    words = [_moved(w, 0, 0, s) for w in _tesseract_words([outside], psm=3)[0]]
    return ScannedPage(angle, read, words)


def _read_cells(page, text_ink, boxes, min_confidence: float) -> list:
    """Each cell's words (in its own pixels) and mean confidence, ([], None) for a blank one.
    Cells read below ``min_confidence`` get a second look, twice the size and as one line, and
    keep whichever reading tesseract is surer of."""
    crops = {
        i: crop for i, box in enumerate(boxes) if (crop := _crop(page, text_ink, box)) is not None
    }
    results = {i: ([], None) for i in range(len(boxes))}
    results.update(zip(crops, _ocr_cells(list(crops.values()), psm=6), strict=True))
    retry = [i for i in crops if results[i][1] < min_confidence]
    again = _ocr_cells([_bigger(crops[i]) for i in retry], psm=7, scale=2)
    for i, (words, conf) in zip(retry, again, strict=True):
        if conf > results[i][1]:
            results[i] = (words, conf)
    return [results[i] for i in range(len(boxes))]


def _clean(gray: np.ndarray, text_ink: np.ndarray) -> np.ndarray:
    """The page as tesseract should see it: the strokes of the text as scanned, on blank paper.
    The scanner's grain makes it misread short cells (a "1" as "đÈ", a "3" as ":"), and stray
    rulings become "|" and "I"."""
    near_ink = cv2.dilate(text_ink, np.ones((5, 5), np.uint8)) > 0
    return np.where(near_ink, cv2.medianBlur(gray, 3), 255).astype(np.uint8)


def skew_angle(gray: np.ndarray, limit: float = 3.0) -> float:
    """The small rotation the page was scanned with (degrees, counter-clockwise positive, up to
    ``limit``): the angle whose undoing makes the profile of ink along the rows sharpest (rows
    of text and rulings horizontal)."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    ink = cv2.threshold(small, 0, 255, cv2.THRESH_BINARY_INV | cv2.THRESH_OTSU)[1]

    def sharpness(angle: float) -> float:
        profile = _rotate(ink, angle, fill=0).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(profile)).sum())

    best = max(np.arange(-limit, limit + 0.01, 0.25), key=sharpness)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=sharpness))


def _rotate(image: np.ndarray, angle: float, fill: int = 255) -> np.ndarray:
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), -angle, 1.0)
    return cv2.warpAffine(
        image,
        matrix,
        (w, h),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=fill,
    )


def _ruling_lines(ink: np.ndarray) -> np.ndarray:
    """Horizontal and vertical strokes much longer than any letter's: the tables' rulings."""
    h, w = ink.shape
    horizontal = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((1, max(w // 30, 20)), np.uint8))
    vertical = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((max(h // 60, 20), 1), np.uint8))
    # Bridge small breaks (toner gaps, noise) so cells close.
    lines = cv2.bitwise_or(horizontal, vertical)
    return cv2.dilate(lines, np.ones((3, 3), np.uint8))


def _table_boxes(lines: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Regions of connected rulings big enough to be a table, top to bottom."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(lines, connectivity=8)
    boxes = []
    for x, y, w, h, _area in stats[1:count]:
        if w > lines.shape[1] * 0.2 and h > DPI * 0.25:  # wider than a fifth, taller than 6 mm
            boxes.append((int(x), int(y), int(w), int(h)))
    return sorted(boxes, key=lambda b: (b[1], b[0]))


def _cell_boxes(lines: np.ndarray) -> list[tuple[int, int, int, int]]:
    """The enclosed blank regions of a table's rulings: its cells, merged ones whole."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.bitwise_not(lines), connectivity=4)
    h, w = lines.shape
    cells = []
    for x, y, cw, ch, _area in stats[1:count]:
        touches_edge = x == 0 or y == 0 or x + cw >= w or y + ch >= h
        if not touches_edge and cw > 10 and ch > 10:
            cells.append((int(x), int(y), int(cw), int(ch)))
    return sorted(cells, key=lambda c: (c[1], c[0]))


def _crop(page: np.ndarray, text_ink: np.ndarray, box: tuple[int, int, int, int]):
    """The cell's image for tesseract (with a white margin), or None for a blank cell."""
    x, y, w, h = box
    if int(np.count_nonzero(text_ink[y : y + h, x : x + w])) < 30:
        return None
    return cv2.copyMakeBorder(
        page[y : y + h, x : x + w], 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=255
    )


def _bigger(crop: np.ndarray) -> np.ndarray:
    return cv2.resize(crop, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)


def _moved(word: Word, x: float, y: float, scale: float) -> Word:
    return Word(
        word.text,
        (word.x0 + x) * scale,
        (word.top + y) * scale,
        (word.x1 + x) * scale,
        (word.bottom + y) * scale,
        word.conf,
    )


def _ocr_cells(crops: list[np.ndarray], psm: int, scale: float = 1) -> list:
    """Each crop's words (in the cell's pixels, margin taken off) and mean confidence; a cell
    with ink that tesseract reads nothing from gets confidence 0: unread, not blank."""
    out = []
    for words in _tesseract_words(crops, psm=psm, dpi=round(DPI * scale)):
        moved = [
            Word(
                w.text,
                w.x0 / scale - 12,
                w.top / scale - 12,
                w.x1 / scale - 12,
                w.bottom / scale - 12,
                w.conf,
            )
            for w in words
        ]
        confs = [w.conf for w in moved if w.conf is not None]
        out.append((moved, round(sum(confs) / len(confs), 1) if confs else 0.0))
    return out


def _tesseract_words(images: list[np.ndarray], psm: int, dpi: int = DPI) -> list[list[Word]]:
    """Words of each image, one tesseract process for all of them."""
    if not images:
        return []
    check_tesseract()
    with tempfile.TemporaryDirectory(prefix="tthc-ocr-") as tmp:
        paths = []
        for i, image in enumerate(images):
            paths.append(str(Path(tmp, f"{i:04d}.png")))
            cv2.imwrite(paths[-1], image)
        listing = Path(tmp, "images.txt")
        listing.write_text("\n".join(paths) + "\n")
        # One thread: OpenMP's threads slow tesseract down on a busy machine (measured on the
        # 2-core one: 2.2 s a page with one, 5 s without the limit).
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        cmd = ["tesseract", str(listing), str(Path(tmp, "out")), "-l", LANGUAGE]
        cmd += ["--psm", str(psm), "--dpi", str(dpi), "tsv"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, env=env)
        except subprocess.TimeoutExpired as exc:
            raise OcrUnavailable(f"tesseract did not finish in {TIMEOUT} s") from exc
        tsv = Path(tmp, "out.tsv")
        if done.returncode != 0 or not tsv.exists():
            raise OcrUnavailable(f"tesseract failed: {done.stderr.strip()[-300:]}")
        lines = tsv.read_text(encoding="utf-8").splitlines()
    words: list[list[Word]] = [[] for _ in images]
    for line in lines[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        left, top, width, height, conf = (float(v) for v in f[6:11])
        text = unicodedata.normalize("NFC", f[11].strip())
        words[int(f[1]) - 1].append(
            Word(text, left, top, left + width, top + height, conf if conf >= 0 else None)
        )
    return words
