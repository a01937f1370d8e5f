"""Annexes in PDF (text and scanned) and legacy .doc (extractors.pdf, extractors.ocr,
simulator.documents): the same annex as .docx, as a text PDF and as a scan of it reads as the
same cells, each page is read the way it was made, OCR keeps its doubts as confidences, and
files that cannot be read say why.

OCR needs Debian's tesseract with its Vietnamese model, .doc needs LibreOffice: without them
these tests skip, unless TTHC_REQUIRE_OCR=1 (CI), where a missing tool fails them.
"""

from __future__ import annotations

import hashlib
import io
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest

from extractors.annex import AnnexFile, AnnexFileError, annex_rows
from extractors.ocr import OcrUnavailable, check_tesseract
from extractors.pdf import doc_to_docx, pdf_rows
from simulator import documents
from simulator.annexes import AnnexTable, docx_bytes
from transforms.annex import parse_annex

REQUIRE = os.environ.get("TTHC_REQUIRE_OCR") == "1"
REAL_SCAN = Path(__file__).parent / "fixtures" / "scans" / "66.9-nq.page1.pdf"
HEADING = f"DANH MỤC {documents.DEMO_TITLE.upper()}"
REFERENCE = (
    f"(Kèm theo Quyết định số {documents.DEMO_NUMBER} ngày {documents.DEMO_DATE} của Chủ tịch "
    "UBND tỉnh Bắc Kạn)"
)


def need_tesseract() -> None:
    try:
        check_tesseract()
    except OcrUnavailable as exc:
        if REQUIRE:
            pytest.fail(f"TTHC_REQUIRE_OCR=1 but {exc}")
        pytest.skip(str(exc))


def need_soffice() -> None:
    if shutil.which("soffice") is None:
        if REQUIRE:
            pytest.fail("TTHC_REQUIRE_OCR=1 but LibreOffice (soffice) is not installed")
        pytest.skip("LibreOffice (soffice) is not installed (Debian: libreoffice-writer-nogui)")


def norm(text: str | None) -> str:
    """What the comparisons ignore: Unicode form (NFC) and whitespace, since a wrapped line in
    a PDF cell is a space, and a line break in a .docx cell a newline. Diacritics are compared
    as they are: at 300 dpi tesseract read every cell of these annexes right (0 errors in 672
    cells over 12 angles and noise seeds), so nothing else needs forgiving."""
    return " ".join(unicodedata.normalize("NFC", text or "").split())


def table_cells(rows: list[dict]) -> list[list[str]]:
    return [[norm(c) for c in r["cells"]] for r in rows if r["sheet"] != "text"]


def texts(rows: list[dict]) -> list[str]:
    return [norm(r["cells"][0]) for r in rows if r["sheet"] == "text"]


def read(name: str, data: bytes, **options) -> list[dict]:
    return pdf_rows(AnnexFile(f"file:///annexes/{name}", name, data), **options)


def parsed(name: str, data: bytes, rows: list[dict]):
    page = {"file": name, "sha256": hashlib.sha256(data).hexdigest(), "rows": rows}
    return parse_annex("annex#1", page, "06")


def demo_docx(closing: tuple[str, ...] = ()) -> bytes:
    """The demo annex as a province's Word file: the same title lines, the same table."""
    return docx_bytes(
        [
            f"Số: {documents.DEMO_NUMBER}",
            "PHỤ LỤC",
            HEADING,
            REFERENCE,
            AnnexTable(documents.DEMO_HEADER, documents.DEMO_ROWS),
            *closing,
        ]
    )


@pytest.fixture(scope="module")
def text_pdf() -> bytes:
    return documents.demo_text_pdf()


@pytest.fixture(scope="module")
def scan_pdf(text_pdf) -> bytes:
    return documents.scanned_pdf(text_pdf, stamp=documents.STAMP)


@pytest.fixture(scope="module")
def scan_rows(scan_pdf) -> list[dict]:
    need_tesseract()
    return read("qd-654-scan.pdf", scan_pdf)


@pytest.fixture(scope="module")
def mixed() -> tuple[bytes, str]:
    """The decision typed (page 1, a text layer) with its annex signed and scanned (page 2),
    one procedure code smudged; and that code."""
    two_pages = documents.demo_text_pdf(annex_on_new_page=True)
    with pdfplumber.open(io.BytesIO(two_pages)) as pdf:
        word = next(w for w in pdf.pages[1].extract_words() if w["text"] == "1.000656")
    box = (1, word["x0"] - 2, word["top"] - 2, word["x1"] + 2, word["bottom"] + 2)
    scan = documents.scanned_pdf(two_pages, smudges=[box], stamp=documents.STAMP)
    return documents.spliced_pdf([(two_pages, 0), (scan, 1)]), word["text"]


def test_generated_pdfs_are_reproducible_and_the_scan_has_no_text(text_pdf, scan_pdf):
    assert documents.demo_text_pdf() == text_pdf
    assert documents.scanned_pdf(text_pdf, stamp=documents.STAMP) == scan_pdf
    with pdfplumber.open(io.BytesIO(scan_pdf)) as pdf:
        (page,) = pdf.pages
        assert len(page.images) == 1
        # The signature stamp is the only text, as on the real signed scans.
        assert page.extract_text().startswith("Người ký:")


def test_text_pdf_reads_as_the_docx(text_pdf):
    docx = demo_docx()
    from_docx = annex_rows(AnnexFile("qd-654.docx", "qd-654.docx", docx))
    rows = read("qd-654.pdf", text_pdf)
    assert table_cells(rows) == table_cells(from_docx)
    # Merged cells repeat their text, as in .docx: a section row across the table, the levels
    # over "Tỉnh | Huyện | Xã", "STT" down two header rows.
    assert table_cells(rows)[0][4:] == ["Cấp thực hiện"] * 3
    assert table_cells(rows)[1][0] == "STT" and table_cells(rows)[1][4:] == ["Tỉnh", "Huyện", "Xã"]
    assert set(table_cells(rows)[2]) == {"A. THỦ TỤC HÀNH CHÍNH CẤP TỈNH"}
    # The text outside the table: one row per paragraph, wrapped lines joined, the heading's
    # two columns apart.
    lines = texts(rows)
    for line in [f"Số: {documents.DEMO_NUMBER}", "Bắc Kạn, ngày 27 tháng 5 năm 2020", HEADING]:
        assert line in lines
    assert norm(REFERENCE) in lines
    assert lines.index("PHỤ LỤC") < lines.index(HEADING) < lines.index(norm(REFERENCE))
    assert {r["method"] for r in rows} == {"text"}
    assert not any("confidence" in r for r in rows)
    assert not any("\n" in c for r in rows for c in r["cells"])  # wrapped lines are one text
    # The transform reads both the same way: the same decision, the same items.
    a, b = parsed("qd-654.docx", docx, from_docx), parsed("qd-654.pdf", text_pdf, rows)
    assert {k: a.decision[k] for k in ("number", "signed_date", "title")} == {
        "number": "654/QĐ-UBND",
        "signed_date": "27/05/2020",
        "title": HEADING,
    }
    assert [i.values for i in b.items] == [i.values for i in a.items]
    assert len(b.items) == 5 and not any(i.values["placement_problem"] for i in b.items)


def test_a_table_over_two_pages_keeps_its_repeated_header():
    rows = [
        [str(i), f"1.{i:06d}", f"Thủ tục số {i} về đăng ký hộ tịch có yếu tố nước ngoài", "Hộ tịch"]
        for i in range(1, 41)
    ]
    header = [documents.DEMO_HEADER[1][:4]]
    data = documents.text_pdf(
        "12/QĐ-UBND", "3/1/2021", "thủ tục", header, rows, col_widths=(12, 28, 110, 30)
    )
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 2
    got = [r for r in read("qd-12.pdf", data) if r["sheet"] != "text"]
    # As Word files are read: the table goes on as a second one, its header printed again.
    assert [r["cells"] for r in got if r["row"] == 1 and r["sheet"] == "table 2"] == header
    assert [r["cells"] for r in got if r["cells"] != header[0]] == rows


def test_borders_drawn_short_of_each_other_still_make_a_table():
    """Word exports cell borders stroke by stroke; here they stop 5 points short of each other,
    too far for pdfplumber's default tolerances, near enough for the fallback."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt")
    pdf.add_page()
    pdf.add_font("DejaVu", "", documents.FONT)
    pdf.set_font("DejaVu", size=10)
    xs, ys = [40, 80, 180, 420, 520], [100, 130, 160]
    rows = [["STT", "Mã số TTHC", "Tên thủ tục hành chính", "Lĩnh vực"]]
    rows.append(["1", "1.001193", "Đăng ký khai sinh", "Hộ tịch"])
    for y in ys:
        for a, b in zip(xs, xs[1:], strict=False):
            pdf.line(a + 5, y, b - 5, y)
    for x in xs:
        for a, b in zip(ys, ys[1:], strict=False):
            pdf.line(x, a + 5, x, b - 5)
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            pdf.text(xs[c] + 6, ys[r] + 19, text)
    got = read("qd-gaps.pdf", bytes(pdf.output()))
    assert [(r["sheet"], r["cells"]) for r in got] == [("table 1", row) for row in rows]


def test_scan_reads_as_the_text_pdf(text_pdf, scan_rows):
    assert table_cells(scan_rows) == table_cells(read("qd-654.pdf", text_pdf))
    assert norm(REFERENCE) in texts(scan_rows)
    assert f"Số: {documents.DEMO_NUMBER}" in texts(scan_rows)
    assert {r["method"] for r in scan_rows} == {"ocr"}
    assert not any("\n" in c for r in scan_rows for c in r["cells"])
    for row in scan_rows:
        assert len(row["confidence"]) == len(row["cells"])
        for text, confidence in zip(row["cells"], row["confidence"], strict=True):
            # A blank cell has no confidence; every cell read here was read with confidence.
            assert (confidence is None) == (text == ""), row
            assert confidence is None or 60 <= confidence <= 100, row
    docx = demo_docx()
    a = parsed("qd-654.docx", docx, annex_rows(AnnexFile("qd-654.docx", "qd-654.docx", docx)))
    b = parsed("qd-654-scan.pdf", b"scan", scan_rows)
    assert b.decision["number"] == "654/QĐ-UBND" and b.decision["signed_date"] == "27/05/2020"
    assert [i.values["procedure_name"] for i in b.items] == [
        i.values["procedure_name"] for i in a.items
    ]


def test_pages_are_read_as_made_and_a_smudged_cell_keeps_its_low_confidence(text_pdf, mixed):
    need_tesseract()
    data, code = mixed
    rows = read("qd-654-mixed.pdf", data, min_confidence=60)
    typed = [r for r in rows if r["method"] == "text"]
    scanned = [r for r in rows if r["method"] == "ocr"]
    assert rows == typed + scanned  # page 1 from its text layer, page 2 by OCR
    assert f"Số: {documents.DEMO_NUMBER}" in texts(typed)
    assert not any(r["sheet"] != "text" for r in typed)
    assert norm(REFERENCE) in texts(scanned)
    expected = table_cells(read("qd-654.pdf", text_pdf))
    got = [r for r in scanned if r["sheet"] != "text"]
    assert len(got) == len(expected)
    (smudged,) = [r for r, e in zip(got, expected, strict=True) if e[1] == code]
    # Kept as read, with a confidence under the threshold for the transform to hold the row;
    # the rest of the table is read right.
    assert smudged["cells"][1] and smudged["confidence"][1] < 60
    assert smudged["cells"][2] == "Đăng ký khai tử có yếu tố nước ngoài"
    others = [[norm(c) for c in r["cells"]] for r in got if r is not smudged]
    assert others == [e for e in expected if e[1] != code]


def test_a_scan_with_an_invisible_ocr_layer_is_read_as_a_scan(scan_pdf):
    """Scanners and "searchable PDF" tools put the words they read, invisible, over the image:
    that layer has no table, so the page is read from its image."""
    need_tesseract()
    from fpdf import FPDF
    from fpdf.enums import TextMode

    image = pdfium_page_image(scan_pdf)
    pdf = FPDF(unit="pt")
    pdf.add_page(format=(595.28, 841.89))
    pdf.image(image, x=0, y=0, w=595.28, h=841.89)
    pdf.add_font("DejaVu", "", documents.FONT)
    pdf.set_font("DejaVu", "", 9)
    pdf.text_mode = TextMode.INVISIBLE
    pdf.set_xy(40, 340)
    pdf.multi_cell(500, 12, " ".join(" ".join(map(str, r)) for r in documents.DEMO_ROWS))
    rows = read("qd-654-searchable.pdf", bytes(pdf.output()))
    assert {r["method"] for r in rows} == {"ocr"}
    assert "Đăng ký khai tử có yếu tố nước ngoài" in [c for r in rows for c in r["cells"]]


def pdfium_page_image(data: bytes):
    import pypdfium2 as pdfium

    return pdfium.PdfDocument(data)[0].render(scale=200 / 72).to_pil().convert("L")


def test_real_scan_is_ocrd():
    need_tesseract()
    rows = read(REAL_SCAN.name, REAL_SCAN.read_bytes())
    assert rows and {r["method"] for r in rows} == {"ocr"}
    text = " ".join(texts(rows))
    assert "CHÍNH PHỦ" in text or "Nghị quyết" in text
    assert "vi phạm hành chính" in text


def test_a_scan_without_tesseract_says_so(scan_pdf, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AnnexFileError, match=r"qd-654-scan\.pdf: page 1 is a scan.*tesseract"):
        read("qd-654-scan.pdf", scan_pdf)


def test_corrupt_and_encrypted_pdfs_name_the_file(text_pdf):
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    with pytest.raises(AnnexFileError, match=r"qd-cut\.pdf is not a readable PDF"):
        read("qd-cut.pdf", text_pdf[: len(text_pdf) // 2])
    with pytest.raises(AnnexFileError, match=r"qd-html\.pdf is not a readable PDF"):
        read("qd-html.pdf", b"<html>404 Not Found</html>")
    pdf = FPDF()
    pdf.add_page()
    pdf.set_encryption(
        owner_password="o", user_password="u", encryption_method=EncryptionMethod.RC4
    )
    with pytest.raises(AnnexFileError, match=r"qd-secret\.pdf is an encrypted PDF"):
        read("qd-secret.pdf", bytes(pdf.output()))


def test_doc_converts_to_the_same_cells(tmp_path):
    need_soffice()
    # LibreOffice's .doc export drops a table that ends the document (Word files have a
    # paragraph after it).
    docx = demo_docx(closing=("Nơi nhận: như trên.",))
    (tmp_path / "annex.docx").write_bytes(docx)
    profile = (tmp_path / "profile").as_uri()
    cmd = ["soffice", f"-env:UserInstallation={profile}", "--headless", "--convert-to", "doc"]
    subprocess.run([*cmd, "--outdir", str(tmp_path), str(tmp_path / "annex.docx")], timeout=180)
    doc = (tmp_path / "annex.doc").read_bytes()
    converted = doc_to_docx(doc, "qd-654.doc")
    before = annex_rows(AnnexFile("qd-654.docx", "qd-654.docx", docx))
    after = annex_rows(AnnexFile("qd-654.doc", "qd-654.docx", converted))
    assert table_cells(after) == table_cells(before)
    assert texts(after) == texts(before)


def test_doc_without_libreoffice_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    ole = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    with pytest.raises(AnnexFileError, match=r"qd\.doc: a \.doc needs LibreOffice \(soffice\)"):
        doc_to_docx(ole, "qd.doc")
    with pytest.raises(AnnexFileError, match=r"qd\.doc is not a Word 97-2003"):
        doc_to_docx(b"PK\x03\x04 a .docx named .doc", "qd.doc")
