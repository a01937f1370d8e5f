"""Decision annexes (Phụ lục) as provinces publish them: .docx, .xlsx, PDF (text or scanned:
``extractors.pdf``) and .doc (through LibreOffice) files dropped in a
folder, or at any fsspec URL (``s3://…`` needs s3fs); ``http(s)://`` URLs of single files go
through the project's HTTP client, with its retries.

Each file new to the mirror is landed twice over: its bytes as received, under
``<landing>/annex_files/<sha256><suffix>``, and its cells in document order as one landed page of
the ``annex`` source (title paragraphs are one-cell rows; merged cells repeat their text in every
cell they cover). A file whose hash the mirror already holds is not landed again; a changed file
has a new hash, so it is. Reading cells is all this module does: what they mean is
``transforms.annex``'s business.
"""

from __future__ import annotations

import io
import logging
import shutil
import zipfile
from collections.abc import Callable, Iterable
from pathlib import PurePosixPath

import fsspec

from extractors.files import AnnexFile, AnnexFileError
from extractors.http import Fetched, HttpClient
from extractors.landing import Landing

log = logging.getLogger(__name__)
ANNEX_SOURCE = "annex"  # the landing source of the files' cells
ANNEX_SUFFIXES = (".docx", ".xlsx", ".pdf", ".doc")
# Binary Excel: no reader here, and skipping it would lose decisions silently.
LEGACY_SUFFIXES = (".xls",)


def annex_urls(sources: Iterable[str]) -> list[str]:
    """The annex files at each source: a file, or a folder searched recursively (Office's
    "~$" lock files and hidden files left aside)."""
    found: list[str] = []
    for source in sources:
        if source.startswith(("http://", "https://")):
            found.append(source)
            continue
        fs, path = fsspec.core.url_to_fs(source)
        if not fs.exists(path):
            raise AnnexFileError(f"annex source {source} does not exist")
        paths = sorted(fs.find(path)) if fs.isdir(path) else [path]
        paths = [p for p in paths if not PurePosixPath(p).name.startswith(("~$", "."))]
        legacy = [p for p in paths if p.lower().endswith(LEGACY_SUFFIXES)]
        if legacy:
            raise AnnexFileError(f"{', '.join(legacy)}: .xls cannot be read; save as .xlsx")
        found += [fs.unstrip_protocol(p) for p in paths if p.lower().endswith(ANNEX_SUFFIXES)]
    return found


def read_annex(url: str, client: HttpClient) -> AnnexFile:
    name = PurePosixPath(url.split("?")[0]).name
    if url.startswith(("http://", "https://")):
        return AnnexFile(url, name, client.fetch_bytes(url, what=f"annex file {name}"))
    with fsspec.open(url, "rb") as f:
        return AnnexFile(url, name, f.read())


def annex_rows(annex: AnnexFile) -> list[dict]:
    """The file's rows in document order: ``{"file", "sheet", "row", "cells"}``."""
    try:
        if annex.suffix == ".docx":
            return _docx_rows(annex)
        return _xlsx_rows(annex)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise AnnexFileError(
            f"{annex.name} is not a readable {annex.suffix} file ({type(exc).__name__}: {exc})"
        ) from exc


def read_document(document: AnnexFile) -> tuple[list[dict], str | None]:
    """A file's rows in document order (``annex_rows`` for Office files, ``extractors.pdf``
    for text PDFs and scans, LibreOffice for .doc), and why it could not be read where that
    is no fault of the file (a .doc with no LibreOffice here): the portal's document is then
    held with that reason, a folder's file fails the run. A corrupt file raises
    ``AnnexFileError``, naming it."""
    if document.suffix in (".docx", ".xlsx"):
        return annex_rows(document), None
    if document.suffix == ".pdf":
        from extractors.pdf import pdf_rows

        return pdf_rows(document), None
    if document.suffix == ".doc":
        from extractors.pdf import doc_to_docx

        if not (shutil.which("soffice") or shutil.which("libreoffice")):
            return [], f"{document.name}: a .doc needs LibreOffice (soffice), not installed here"
        converted = doc_to_docx(document.data, document.name)
        return annex_rows(AnnexFile(document.url, f"{document.name}x", converted)), None
    return (
        [],
        f"{document.name}: a {document.suffix or 'suffix-less'} file is not a document read here",
    )


def _docx_rows(annex: AnnexFile) -> list[dict]:
    import docx
    from docx.table import Table

    document = docx.Document(io.BytesIO(annex.data))
    rows, paragraphs, tables = [], 0, 0
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            tables += 1
            for number, row in enumerate(block.rows, start=1):
                rows.append(
                    _row(annex, f"table {tables}", number, [cell.text for cell in row.cells])
                )
        else:
            paragraphs += 1
            if block.text.strip():
                rows.append(_row(annex, "text", paragraphs, [block.text]))
    return rows


def _xlsx_rows(annex: AnnexFile) -> list[dict]:
    import openpyxl

    # Not read-only: merged ranges are only known to the full reader (annexes are small).
    book = openpyxl.load_workbook(io.BytesIO(annex.data), data_only=True)
    rows = []
    for sheet in book.worksheets:
        merged = {}
        for bounds in sheet.merged_cells.ranges:
            top_left = sheet.cell(bounds.min_row, bounds.min_col)
            value = None if top_left.data_type == "e" else top_left.value
            for r, c in bounds.cells:
                merged[(r, c)] = value
        for row in sheet.iter_rows():
            # An error cell ("#REF!", type "e") is a formula that failed, not a value.
            values = [
                merged.get((cell.row, cell.column), None if cell.data_type == "e" else cell.value)
                for cell in row
            ]
            if any(v not in (None, "") for v in values):
                rows.append(_row(annex, sheet.title, row[0].row, values))
    return rows


def _row(annex: AnnexFile, sheet: str, number: int, values: list) -> dict:
    cells = [None if v is None else str(v) for v in values]
    return {"file": annex.name, "sheet": sheet, "row": number, "cells": cells}


def extract_annexes(
    sources: list[str],
    landing: Landing,
    client: HttpClient,
    known: Callable[[list[str]], set[str]],
) -> list[str]:
    """Land the annex files the mirror has not loaded (``known`` answers which hashes it has);
    return the hashes landed. A file seen twice in one run (a copy) is landed once. Files are
    read one at a time, so a large folder does not fill memory."""
    landed: list[str] = []
    for url in annex_urls(sources):
        annex = read_annex(url, client)
        if annex.sha256 in landed or known([annex.sha256]):
            log.info(
                "annex %s (sha256 %s…): loaded before, or a copy", annex.name, annex.sha256[:12]
            )
            continue
        rows, problem = read_document(annex)
        if problem:  # a folder's file the province gave to be read: not read is a failed run
            raise AnnexFileError(problem)
        landing.write_file("annex_files", f"{annex.sha256}{annex.suffix}", annex.data)
        page = {"file": annex.name, "sha256": annex.sha256, "size": len(annex.data), "rows": rows}
        landing.write(ANNEX_SOURCE, Fetched.of(annex.url, {"file": annex.name}, page))
        landed.append(annex.sha256)
    return landed
