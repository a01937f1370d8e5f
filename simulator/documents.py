"""Publication decisions as PDF files, the ways provinces publish them, for tests and demos: a
text PDF as Word exports it (the decision's heading, a paragraph, then the annex table), and a
"scanned" PDF of it (its pages printed, scanned a little askew with some noise, one image per
page and no text layer).

Tables follow ``simulator.annexes``' conventions, so the same annex can be written as .docx and
compared: in header rows, equal neighbouring texts are one merged cell (across and down), and a
``str`` among the rows is a section row merged across the table. Output is byte-for-byte the
same every time (a fixed date in the metadata, fixed noise seeds).

``python -m simulator.documents OUT_DIR`` writes the demo decision's PDFs.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

Cell = str | int | None
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"  # Debian's fonts-dejavu-core
BOLD_FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
FIXED_TIME = datetime(2020, 1, 1, tzinfo=UTC)
PROVINCE = "Bắc Kạn"


def text_pdf(
    number: str,
    date: str,
    title: str,
    header: Sequence[Sequence[str]],
    rows: Sequence[Sequence[Cell] | str],
    *,
    col_widths: Sequence[float] | None = None,
    annex_on_new_page: bool = False,
    landscape: bool = False,
) -> bytes:
    """A decision ``number`` signed on ``date`` (d/m/yyyy) publishing ``title`` ("thủ tục hành
    chính … của Sở Tư pháp"), with its annex table of ``header`` rows and ``rows``."""
    from fpdf import FPDF

    day, month, year = (int(p) for p in date.split("/"))
    pdf = FPDF(orientation="L" if landscape else "P", format="A4")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_producer("tthc-sync simulator")
    pdf.set_auto_page_break(True, margin=15)
    pdf.set_margins(15, 15, 15)
    pdf.add_font("DejaVu", "", FONT)
    pdf.add_font("DejaVu", "B", BOLD_FONT)
    pdf.add_page()
    half = pdf.epw / 2
    # The two-column heading of every decision: the issuer and number on the left, the
    # national motto and the place and date on the right, on the same lines.
    left = ["ỦY BAN NHÂN DÂN", f"TỈNH {PROVINCE.upper()}", f"Số: {number}"]
    right = [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        f"{PROVINCE}, ngày {day} tháng {month} năm {year}",
    ]
    for i, (a, b) in enumerate(zip(left, right, strict=True)):
        pdf.set_font("DejaVu", "B" if i < 2 else "", 10)
        pdf.cell(half, 6, a, align="C")
        pdf.cell(half, 6, b, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    _centered(pdf, "QUYẾT ĐỊNH", bold=True, size=12)
    _centered(pdf, f"Về việc công bố danh mục {title}", bold=True, size=11)
    pdf.ln(3)
    pdf.set_font("DejaVu", "", 10)
    pdf.multi_cell(
        0,
        5.5,
        "Căn cứ Nghị định số 63/2010/NĐ-CP ngày 08 tháng 6 năm 2010 của Chính phủ về kiểm soát "
        f"thủ tục hành chính; xét đề nghị của Giám đốc Sở Tư pháp, Chủ tịch Ủy ban nhân dân tỉnh "
        f"{PROVINCE} công bố kèm theo Quyết định này danh mục {title}.",
        align="J",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    if annex_on_new_page:
        pdf.add_page()
    else:
        pdf.ln(5)
    _centered(pdf, "PHỤ LỤC", bold=True, size=11)
    _centered(pdf, f"DANH MỤC {title.upper()}", bold=True, size=10)
    _centered(
        pdf,
        f"(Kèm theo Quyết định số {number} ngày {day}/{month}/{year} của Chủ tịch UBND tỉnh "
        f"{PROVINCE})",
        size=10,
    )
    pdf.ln(3)
    _table(pdf, [list(h) for h in header], list(rows), col_widths)
    return bytes(pdf.output())


def _centered(pdf, text: str, *, bold: bool = False, size: float = 10) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.multi_cell(0, size * 0.55, text, align="C", new_x="LMARGIN", new_y="NEXT")


def _table(pdf, header: list[list[str]], rows: list, col_widths: Sequence[float] | None) -> None:
    from fpdf.fonts import FontFace

    width = max(len(r) for r in [*header, *rows] if not isinstance(r, str))
    pdf.set_font("DejaVu", "", 9)
    with pdf.table(
        col_widths=tuple(col_widths) if col_widths else None,
        num_heading_rows=len(header),
        headings_style=FontFace(emphasis="BOLD"),
        line_height=5,
        padding=1.5,
        text_align="LEFT",
        v_align="MIDDLE",
    ) as table:
        for spans in _header_spans(header, width):
            row = table.row()
            for text, colspan, rowspan in spans:
                row.cell(text, colspan=colspan, rowspan=rowspan, align="CENTER")
        for values in rows:
            row = table.row()
            if isinstance(values, str):  # a section row, merged across the table
                row.cell(values, colspan=width, style=FontFace(emphasis="BOLD"))
                continue
            for value in [*values, *[None] * (width - len(values))]:
                row.cell("" if value is None else str(value))


def _header_spans(header: list[list[str]], width: int) -> list[list[tuple[str, int, int]]]:
    """Each header row's cells as (text, colspan, rowspan), covered cells left out: equal
    neighbouring texts are one cell, across first, then down."""
    grid = [[r[c] if c < len(r) else "" for c in range(width)] for r in header]
    taken: set[tuple[int, int]] = set()
    out: list[list[tuple[str, int, int]]] = [[] for _ in grid]
    for r, row in enumerate(grid):
        for c, text in enumerate(row):
            if (r, c) in taken:
                continue
            right = c
            while text and right + 1 < width and row[right + 1] == text:
                right += 1
            bottom = r
            while (
                text
                and bottom + 1 < len(grid)
                and all(grid[bottom + 1][k] == text for k in range(c, right + 1))
            ):
                bottom += 1
            taken |= {(rr, cc) for rr in range(r, bottom + 1) for cc in range(c, right + 1)}
            out[r].append((text, right - c + 1, bottom - r + 1))
    return out


Box = tuple[int, float, float, float, float]  # page index, then x0, top, x1, bottom in points


STAMP = (
    "Người ký: Ủy ban Nhân dân tỉnh Bắc Kạn\nEmail: ubnd@backan.gov.vn\nCơ quan: Tỉnh Bắc Kạn\n"
    "Thời gian ký: 27.05.2020 16:05:12 +07:00"
)


def scanned_pdf(
    text_pdf_bytes: bytes,
    angle: float = 0.8,
    seed: int = 20200527,
    *,
    dpi: int = 300,
    smudges: Sequence[Box] = (),
    pages: Sequence[int] | None = None,
    stamp: str | None = None,
) -> bytes:
    """``text_pdf_bytes`` printed and scanned: each page (or the given ``pages``) rendered at
    ``dpi``, turned by ``angle`` degrees, with light noise, one JPEG per page as scanners save
    them. A ``smudges`` box (in the text PDF's points) is blurred and faded, like a wet or rubbed
    cell. ``stamp`` is text over the last page's corner, as a digital signature adds it: then
    the signer's stamp is the only text layer, as on the real signed scans."""
    import numpy as np
    import pypdfium2 as pdfium
    from fpdf import FPDF
    from PIL import Image, ImageFilter

    document = pdfium.PdfDocument(text_pdf_bytes)
    rng = np.random.default_rng(seed)
    scale = dpi / 72
    pdf = FPDF(unit="pt")
    pdf.set_creation_date(FIXED_TIME)
    pdf.set_producer("tthc-sync simulator")
    pdf.set_auto_page_break(False)
    indexes = list(pages if pages is not None else range(len(document)))
    for index in indexes:
        width, height = document[index].get_size()
        image = document[index].render(scale=scale).to_pil().convert("L")
        for page, x0, top, x1, bottom in smudges:
            if page == index:
                box = tuple(round(v * scale) for v in (x0, top, x1, bottom))
                region = image.crop(box).filter(ImageFilter.GaussianBlur(dpi / 100))
                # Fade the ink towards the paper, as a rubbed or wet cell looks.
                region = region.point(lambda v: 255 - (255 - v) * 0.45)
                image.paste(region, box[:2])
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
        pixels = np.asarray(image, dtype=np.float32)
        pixels = pixels + rng.normal(0, 10, pixels.shape)  # sensor noise
        specks = rng.random(pixels.shape) < 0.0004  # dust
        pixels[specks] = rng.uniform(0, 120, int(specks.sum()))
        jpeg = io.BytesIO()
        Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(jpeg, "JPEG", quality=80)
        pdf.add_page(format=(width, height))
        pdf.image(jpeg, x=0, y=0, w=width, h=height)
        if stamp and index == indexes[-1]:
            pdf.add_font("DejaVu", "", FONT)
            pdf.set_font("DejaVu", "", 7)
            pdf.set_xy(width - 215, height - 62)
            pdf.multi_cell(200, 9, stamp, border=1)
    document.close()
    return bytes(pdf.output())


def spliced_pdf(parts: Sequence[tuple[bytes, int]]) -> bytes:
    """A PDF of the given pages (each a PDF's bytes and a page index) in order: a decision typed
    and exported, with its annex printed, signed and scanned in, say."""
    import pypdfium2 as pdfium

    target = pdfium.PdfDocument.new()
    sources = []
    for data, index in parts:
        source = pdfium.PdfDocument(data)
        target.import_pages(source, [index])
        sources.append(source)
    out = io.BytesIO()
    target.save(out)
    for source in sources:
        source.close()
    # PDFium dates the file now and gives it a random /ID. The same number of digits in place
    # (so no offset moves) keeps the output reproducible: the fixed date, an /ID from the parts.
    data = re.sub(
        rb"(?<=/CreationDate\(D:)\d{14}|(?<=/ModDate\(D:)\d{14}",
        FIXED_TIME.strftime("%Y%m%d%H%M%S").encode(),
        out.getvalue(),
    )
    at = data.rindex(b"/ID")
    key = repr([(hashlib.sha256(d).hexdigest(), i) for d, i in parts]).encode()
    fixed = hashlib.sha256(key).hexdigest()[:32].upper().encode()
    trailer = re.sub(rb"<[0-9A-Fa-f]{32}>", b"<" + fixed + b">", data[at : at + 80])
    return data[:at] + trailer + data[at + 80 :]


# --- the demo decision ---------------------------------------------------------------------------
DEMO_NUMBER = "654/QĐ-UBND"
DEMO_DATE = "27/5/2020"
DEMO_TITLE = "thủ tục hành chính mới ban hành thuộc phạm vi quản lý của Sở Tư pháp"
_LEVELS = ["Cấp thực hiện"] * 3
DEMO_HEADER = [
    ["STT", "Mã số TTHC", "Tên thủ tục hành chính", "Lĩnh vực", *_LEVELS],
    ["STT", "Mã số TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Tỉnh", "Huyện", "Xã"],
]
DEMO_ROWS: list[list[Cell] | str] = [
    "A. THỦ TỤC HÀNH CHÍNH CẤP TỈNH",
    ["1", "1.001193", "Đăng ký khai sinh có yếu tố nước ngoài", "Hộ tịch", "X", "", ""],
    [
        "2",
        "1.001695",
        "Đăng ký khai sinh kết hợp nhận cha, mẹ, con có yếu tố nước ngoài",
        "Hộ tịch",
        "X",
        "",
        "",
    ],
    ["3", "2.000815", "Chứng thực bản sao từ bản chính", "Chứng thực", "X", "X", "X"],
    "B. THỦ TỤC HÀNH CHÍNH CẤP HUYỆN",
    ["1", "1.000656", "Đăng ký khai tử có yếu tố nước ngoài", "Hộ tịch", "", "X", ""],
    ["2", "2.000908", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", "", "X", "X"],
]
DEMO_COL_WIDTHS = (11, 24, 66, 27, 17, 18, 17)


def demo_text_pdf(**options) -> bytes:
    """The demo decision 654/QĐ-UBND of Bắc Kạn, its annex on the first page."""
    return text_pdf(
        DEMO_NUMBER,
        DEMO_DATE,
        DEMO_TITLE,
        DEMO_HEADER,
        DEMO_ROWS,
        col_widths=DEMO_COL_WIDTHS,
        **options,
    )


def write_demo(out: Path) -> list[Path]:
    """The demo decision as a text PDF, a signed scan of it, and both in one file (typed
    decision, scanned annex)."""
    text = demo_text_pdf()
    on_two_pages = demo_text_pdf(annex_on_new_page=True)
    files = {
        "qd-654-text.pdf": text,
        "qd-654-scan.pdf": scanned_pdf(text, stamp=STAMP),
        "qd-654-mixed.pdf": spliced_pdf([(on_two_pages, 0), (scanned_pdf(on_two_pages), 1)]),
    }
    out.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]


if __name__ == "__main__":
    for p in write_demo(Path(sys.argv[1] if len(sys.argv) > 1 else "var/demo-documents")):
        print(p)
