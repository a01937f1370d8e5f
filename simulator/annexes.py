"""Annex files (.docx and .xlsx) written the ways provinces write them, for the bundled dataset
and the test fixtures.

A document is a list of blocks: a ``str`` is a line (a paragraph in Word, a row merged across the
sheet in Excel) and an ``AnnexTable`` a table. In header rows, equal neighbouring texts are one
merged cell (across and down); a ``str`` among a table's rows is a section row merged across the
table. Output is byte-for-byte the same every time (fixed zip times and document dates).

``python -m simulator.annexes OUT_DIR`` writes the test fixtures (``tests/fixtures/annexes``).
"""

from __future__ import annotations

import io
import re
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

Cell = str | int | None
FIXED_TIME = datetime(2020, 1, 1)


@dataclass
class AnnexTable:
    header: list[list[str]]
    rows: list[list[Cell] | str]
    # Print the header again every N rows, as a header row repeated on each page is when a
    # table is exported or pasted (Word itself repeats it without extra rows).
    repeat_header_every: int | None = None
    # Columns whose equal neighbouring values (down the rows) are merged, e.g. the field.
    merge_down: list[int] = field(default_factory=list)

    @property
    def width(self) -> int:
        return max(len(r) for r in [*self.header, *self.rows] if isinstance(r, list))

    def body(self) -> list[list[Cell] | str]:
        """The rows as written, with the header repeated where asked."""
        if not self.repeat_header_every:
            return list(self.rows)
        out: list[list[Cell] | str] = []
        for i, row in enumerate(self.rows):
            if i and i % self.repeat_header_every == 0:
                out += [list(h) for h in self.header]
            out.append(row)
        return out


Block = str | AnnexTable


def title_lines(number: str, signed: str, heading: str, issuer: str) -> list[str]:
    """The lines above an annex table, as decisions print them."""
    day, month, year = (int(p) for p in signed.split("/"))
    return [
        "PHỤ LỤC",
        heading,
        f"(Ban hành kèm theo Quyết định số {number} ngày {day}/{month}/{year} của {issuer})",
    ]


def docx_bytes(blocks: list[Block]) -> bytes:
    import docx

    document = docx.Document()
    props = document.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIME
    props.author = props.last_modified_by = "tthc-sync"
    props.revision = 1
    for block in blocks:
        if isinstance(block, str):
            document.add_paragraph(block)
            continue
        rows = [list(h) for h in block.header] + block.body()
        table = document.add_table(rows=len(rows), cols=block.width)
        table.style = "Table Grid"
        for r, row in enumerate(rows):
            if isinstance(row, str):
                merged = table.cell(r, 0).merge(table.cell(r, block.width - 1))
                merged.text = row
                continue
            for c, value in enumerate(row):
                if value is not None:
                    table.cell(r, c).text = str(value)
        for top, left, bottom, right in _merges(block, rows):
            text = table.cell(top, left).text
            merged = table.cell(top, left).merge(table.cell(bottom, right))
            merged.text = text
    out = io.BytesIO()
    document.save(out)
    return _fixed_zip(out.getvalue())


def xlsx_bytes(sheets: dict[str, list[Block]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    book.properties.creator = "tthc-sync"
    book.properties.created = book.properties.modified = FIXED_TIME
    for title, blocks in sheets.items():
        sheet = book.create_sheet(title)
        width = max((b.width for b in blocks if isinstance(b, AnnexTable)), default=1)
        r = 1
        for block in blocks:
            if isinstance(block, str):
                sheet.cell(r, 1, block)
                sheet.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
                r += 1
                continue
            rows = [list(h) for h in block.header] + block.body()
            for offset, row in enumerate(rows):
                if isinstance(row, str):
                    sheet.cell(r + offset, 1, row)
                    sheet.merge_cells(
                        start_row=r + offset,
                        start_column=1,
                        end_row=r + offset,
                        end_column=block.width,
                    )
                    continue
                for c, value in enumerate(row, start=1):
                    sheet.cell(r + offset, c, value)
            for top, left, bottom, right in _merges(block, rows):
                for rr in range(top, bottom + 1):
                    for cc in range(left, right + 1):
                        if (rr, cc) != (top, left):
                            sheet.cell(r + rr, cc + 1).value = None
                sheet.merge_cells(
                    start_row=r + top,
                    start_column=left + 1,
                    end_row=r + bottom,
                    end_column=right + 1,
                )
            r += len(rows)
    out = io.BytesIO()
    book.save(out)
    return _fixed_zip(out.getvalue())


def _merges(table: AnnexTable, rows: list) -> list[tuple[int, int, int, int]]:
    """Rectangles (top, left, bottom, right; 0-based in ``rows``) of equal header texts, and of
    equal values down the ``merge_down`` columns."""
    merges = []
    height = len(table.header)
    taken: set[tuple[int, int]] = set()
    for r in range(height):
        for c in range(table.width):
            text = table.header[r][c] if c < len(table.header[r]) else None
            if (r, c) in taken or not text:
                continue
            right = c
            while right + 1 < len(table.header[r]) and table.header[r][right + 1] == text:
                right += 1
            bottom = r
            while bottom + 1 < height and all(
                table.header[bottom + 1][k] == text for k in range(c, right + 1)
            ):
                bottom += 1
            taken |= {(rr, cc) for rr in range(r, bottom + 1) for cc in range(c, right + 1)}
            if (bottom, right) != (r, c):
                merges.append((r, c, bottom, right))
    for c in table.merge_down:
        r = height
        while r < len(rows):
            end = r
            while (
                isinstance(rows[r], list)
                and end + 1 < len(rows)
                and isinstance(rows[end + 1], list)
                and rows[end + 1][c] == rows[r][c]
                and rows[r][c] is not None
            ):
                end += 1
            if end > r:
                merges.append((r, c, end, c))
            r = end + 1
    return merges


def _fixed_zip(data: bytes) -> bytes:
    """The same zip with fixed entry times and document dates, so output is reproducible."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in sorted(source.infolist(), key=lambda i: i.filename):
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2020-01-01T00:00:00Z", body)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, body)
    return out.getvalue()


# --- test fixtures -------------------------------------------------------------------------------
ISSUER = "Chủ tịch UBND tỉnh Bắc Kạn"
HEADING = (
    "DANH MỤC THỦ TỤC HÀNH CHÍNH MỚI BAN HÀNH, SỬA ĐỔI, BỔ SUNG, BÃI BỎ THUỘC PHẠM VI CHỨC "
    "NĂNG QUẢN LÝ CỦA SỞ TƯ PHÁP TỈNH BẮC KẠN"
)
# The full header: its other cells merged down two rows, "Phí, lệ phí" merged across two
# sub-columns; the columns' numbers come underneath.
_BEFORE_FEES = ["STT", "Mã TTHC", "Tên thủ tục hành chính", "Lĩnh vực", "Cơ quan thực hiện"]
_BEFORE_FEES += ["Thời hạn giải quyết"]
_AFTER_FEES = ["Căn cứ pháp lý", "Ghi chú"]
FULL_HEADER = [
    [*_BEFORE_FEES, "Phí, lệ phí", "Phí, lệ phí", *_AFTER_FEES],
    [*_BEFORE_FEES, "Phí", "Lệ phí", *_AFTER_FEES],
]
NUMBERS = [f"({i})" for i in range(1, 11)]


def _full_row(stt, code, name, field_name, days, fee) -> list[Cell]:
    return [
        stt,
        code,
        name,
        field_name,
        "Sở Tư pháp",
        f"{days} ngày làm việc",
        fee,
        "Không",
        "Luật Hộ tịch năm 2014",
        None,
    ]


def fixture_documents() -> dict[str, bytes]:
    """The annex fixtures the tests read, by file name."""
    number_code = [["Mã số TTHC" if c == "Mã TTHC" else c for c in r] for r in FULL_HEADER]
    docx_blocks: list[Block] = [
        *title_lines("101/QĐ-UBND", "05/02/2020", HEADING, ISSUER),
        "1. Danh mục thủ tục hành chính mới ban hành",
        AnnexTable(
            FULL_HEADER,
            [
                NUMBERS,
                "A. THỦ TỤC HÀNH CHÍNH CẤP TỈNH",
                "I. Lĩnh vực Hộ tịch",
                _full_row(1, "1.001193", "Đăng ký khai sinh có yếu tố nước ngoài", None, 15, None),
                _full_row(
                    2,
                    "1.001695",
                    "Đăng ký kết hôn có yếu tố nước ngoài",
                    None,
                    15,
                    "1.500.000 đồng",
                ),
                [None] * 10,  # a blank row
                "II. Lĩnh vực Chứng thực",
                _full_row(
                    1, "2.000815", "Chứng thực bản sao từ bản chính", None, 1, "2.000 đồng/trang"
                ),
                "B. THỦ TỤC HÀNH CHÍNH CẤP HUYỆN",
                _full_row(
                    1, "1.000656", "Đăng ký khai tử có yếu tố nước ngoài", "Hộ tịch", 3, None
                ),
            ],
        ),
        "2. Danh mục thủ tục hành chính được sửa đổi, bổ sung",
        AnnexTable(
            number_code,
            [
                _full_row(
                    1, "2.000908", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", 1, "8.000 đồng"
                ),
                _full_row(2, "1.00758", "Đăng ký lại khai sinh", "Hộ tịch", 5, None),  # bad code
            ],
        ),
        # The same sub-table goes on after a page break, as a second table without a header.
        _Headerless([_full_row(3, "1.004873", "Đăng ký thay đổi hộ tịch", "Hộ tịch", 3, None)]),
        "3. Danh mục thủ tục hành chính bị bãi bỏ",
        AnnexTable(
            [["STT", "Mã hồ sơ", "Tên TTHC", "Lĩnh vực", "Tên VBQPPL quy định việc bãi bỏ"]],
            [
                [
                    1,
                    "2.001023",
                    "Cấp Phiếu lý lịch tư pháp cho cơ quan",
                    "Lý lịch tư pháp",
                    "Luật Lý lịch tư pháp",
                ],
                [2, None, "Xác nhận tình trạng hôn nhân (cũ)", "Hộ tịch", None, "tràn cột"],
            ],
        ),
        "Ghi chú: (*) thủ tục được thực hiện qua dịch vụ bưu chính công ích.",
    ]

    xlsx_sheets: dict[str, list[Block]] = {
        "Phụ lục": [
            *title_lines("102/QĐ-UBND", "12/3/2020", HEADING, ISSUER),
            "I. DANH MỤC THỦ TỤC HÀNH CHÍNH MỚI BAN HÀNH",
            AnnexTable(
                [
                    [
                        "TT",
                        "Mã số TTHC",
                        "Tên TTHC",
                        "Lĩnh vực",
                        "Cơ quan giải quyết",
                        "Phí và lệ phí",
                    ],
                ],
                [
                    "THỦ TỤC HÀNH CHÍNH CẤP XÃ",
                    [1, "1.000894", "Đăng ký khai sinh", "Hộ tịch", "UBND cấp xã", "Miễn"],
                    [2, "1.001022", "Đăng ký kết hôn", "Hộ tịch", "UBND cấp xã", "Miễn"],
                    [3, "1.000689", "Đăng ký khai tử", "Hộ tịch", "UBND cấp xã", "Miễn"],
                    [
                        4,
                        "2.000635",
                        "Cấp bản sao trích lục hộ tịch",
                        "Hộ tịch",
                        "UBND cấp xã",
                        "8.000 đồng",
                    ],
                    [
                        5,
                        "1.003583",
                        "Chứng thực chữ ký",
                        "Chứng thực",
                        "UBND cấp xã",
                        "10.000 đồng",
                    ],
                ],
                repeat_header_every=3,
                merge_down=[3, 4],
            ),
            "Tổng số: 05 thủ tục",
        ],
        "Bãi bỏ": [
            "II. DANH MỤC THỦ TỤC HÀNH CHÍNH BỊ BÃI BỎ",
            AnnexTable(
                [["STT", "Mã hồ sơ", "Tên thủ tục hành chính", "Lĩnh vực", "Cách thức thực hiện"]],
                [[1, "1.000593", "Đăng ký giám hộ", "Hộ tịch", "Trực tiếp"]],
            ),
        ],
    }
    unknown_header = {
        "Sheet1": [
            *title_lines("103/QĐ-UBND", "20/3/2020", HEADING, ISSUER),
            "Danh mục thủ tục hành chính mới ban hành",
            AnnexTable(
                [["STT", "Mã TTHC", "Tên thủ tục hành chính", "Số bộ hồ sơ"]],
                [[1, "1.000894", "Đăng ký khai sinh", "01 bộ"]],
            ),
        ]
    }
    no_name_column = [
        *title_lines("104/QĐ-UBND", "25/3/2020", HEADING, ISSUER),
        AnnexTable([["STT", "Mã TTHC", "Nội dung"]], [[1, "1.000894", "Đăng ký khai sinh"]]),
    ]
    return {
        "qd-101-variants.docx": docx_bytes(docx_blocks),
        "qd-102-variants.xlsx": xlsx_bytes(xlsx_sheets),
        "qd-103-unknown-header.xlsx": xlsx_bytes(unknown_header),
        "qd-104-unknown-layout.docx": docx_bytes(no_name_column),
        # A Word file cut short in transfer.
        "qd-105-corrupt.docx": docx_bytes(no_name_column)[:2000],
    }


class _Headerless(AnnexTable):
    """A table of rows only: the continuation of the table before it on a new page."""

    def __init__(self, rows: list[list[Cell]]) -> None:
        super().__init__([], rows)


def write_fixtures(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, data in fixture_documents().items():
        (out / name).write_bytes(data)
        written.append(out / name)
    return written


if __name__ == "__main__":
    for p in write_fixtures(Path(sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/annexes")):
        print(p)
