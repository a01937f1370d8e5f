"""Decision annexes in Word and Excel: reading cells, placing rows, and syncing the files."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from extractors.annex import AnnexFile, AnnexFileError, annex_rows, annex_urls
from loaders.db import make_engine, upgrade
from loaders.schema import annex_files, province_decisions, province_items, quarantine
from simulator.annexes import AnnexTable, docx_bytes, fixture_documents, title_lines, xlsx_bytes
from tests import helpers
from tests.helpers import DATASET, make_settings
from transforms.annex import (
    HEADERS,
    AnnexLayoutError,
    annex_decisions,
    annex_items,
    column_for,
    parse_annex,
)

FIXTURES = Path(__file__).parent / "fixtures" / "annexes"
FILES = [
    "qd-101-variants.docx",
    "qd-102-variants.xlsx",
    "qd-103-unknown-header.xlsx",
    "qd-104-unknown-layout.docx",
    "qd-105-corrupt.docx",
]


def page_of(name: str, data: bytes | None = None) -> dict:
    annex = AnnexFile(name, name, data if data is not None else (FIXTURES / name).read_bytes())
    return {
        "file": name,
        "sha256": annex.sha256,
        "size": len(annex.data),
        "rows": annex_rows(annex),
    }


def items_of(name: str, data: bytes | None = None) -> pd.DataFrame:
    return annex_items([("annex#1", page_of(name, data))], "06")


# --- reading and placing -------------------------------------------------------------------------
def test_the_fixture_generator_reproduces_the_fixtures():
    for name, data in fixture_documents().items():
        assert (FIXTURES / name).read_bytes() == data, (
            f"{name} differs: python -m simulator.annexes"
        )
    assert sorted(fixture_documents()) == FILES


@pytest.mark.parametrize(
    "column, variant", [(c, v) for c, variants in HEADERS.items() for v in variants]
)
def test_every_header_variant_names_its_column(column, variant):
    assert column_for(variant) == column
    assert column_for(variant.upper()) == column  # printed in capitals
    assert column_for(f"{variant} (nếu có)") == column  # with a remark after it


def test_headers_that_only_begin_like_a_variant_are_not_taken_for_it():
    assert column_for("Phím tắt") is None and column_for("Tên người nộp") is None
    assert column_for("Số bộ hồ sơ") is None


def test_word_annex_decision_sections_and_sub_tables():
    page = page_of("qd-101-variants.docx")
    (decision,) = annex_decisions([("annex#1", page)], "06").to_dict("records")
    assert decision["decision_id"] == "06-2020-0101" and decision["number_norm"] == "101/QĐ-UBND"
    assert decision["signed_date"] == pd.Timestamp("2020-02-05")
    assert decision["title"].startswith("DANH MỤC THỦ TỤC HÀNH CHÍNH")
    items = items_of("qd-101-variants.docx").set_index("item_no")
    # Nine procedure rows: the blank, "(1)…(10)", section and footnote rows are none of them.
    assert items.index.tolist() == list(range(1, 10))
    assert items["action"].tolist() == ["new"] * 4 + ["amended"] * 3 + ["abolished"] * 2
    # Section rows set the level and field of the rows under them; a field column wins.
    assert items.loc[1, ["level", "field"]].tolist() == ["tỉnh", "Hộ tịch"]
    assert items.loc[3, ["level", "field"]].tolist() == ["tỉnh", "Chứng thực"]
    assert items.loc[4, ["level", "field"]].tolist() == ["huyện", "Hộ tịch"]
    # The fee header is merged over "Phí" and "Lệ phí": both are kept, by name.
    assert items.loc[2, "fees"] == "Phí: 1.500.000 đồng; Lệ phí: Không"
    assert items.loc[1, "fees"] == "Lệ phí: Không"
    assert items.loc[1, "processing_time"] == "15 ngày làm việc"
    assert items.loc[1, "legal_basis"] == "Luật Hộ tịch năm 2014"
    # "Mã TTHC", "Mã số TTHC" and "Mã hồ sơ" headers all give the code.
    assert items.loc[[1, 5, 8], "procedure_code"].tolist() == ["1.001193", "2.000908", "2.001023"]
    # The second table on the next page has no header: it goes on with the one before.
    assert items.loc[7, ["procedure_name", "action"]].tolist() == [
        "Đăng ký thay đổi hộ tịch",
        "amended",
    ]
    assert items.loc[8, "legal_basis"] == "Luật Lý lịch tư pháp"  # "Tên VBQPPL quy định …"
    placed = items["placement_problem"].dropna()
    assert placed.index.tolist() == [9]
    assert placed[9] == "table 4, row 3: a value in column 6, which has no header"
    assert items.loc[6, "procedure_code"] == "1.00758"  # left for the code pattern to hold


def test_excel_annex_repeated_headers_merged_cells_and_sheets():
    items = items_of("qd-102-variants.xlsx").set_index("item_no")
    assert len(items) == 6  # the header printed again on the next page is not a row
    assert items["placement_problem"].isna().all()
    # Field and agency cells merged down the rows they cover.
    assert items["field"].tolist() == ["Hộ tịch"] * 4 + ["Chứng thực", "Hộ tịch"]
    assert items.loc[1:5, "agency"].tolist() == ["UBND cấp xã"] * 5
    assert items.loc[1:5, "level"].tolist() == ["xã"] * 5
    # The second sheet has its own action; its level is not carried over from the first.
    assert items.loc[6, ["action", "procedure_code"]].tolist() == ["abolished", "1.000593"]
    assert pd.isna(items.loc[6, "level"])
    assert items.loc[4, "fees"] == "8.000 đồng"  # "Phí và lệ phí"


def test_a_column_of_an_unknown_header_is_kept_beside_its_rows():
    """Not a reason to hold the rows: the values go to ``extra_columns``, by header, and a
    warning says the table has columns the reader does not know."""
    items = items_of("qd-103-unknown-header.xlsx")
    assert items["placement_problem"].isna().all()
    (extra,) = items["extra_columns"].dropna().map(json.loads)
    assert list(extra) == ["Số bộ hồ sơ"]


def test_quang_binhs_layout_loads_its_procedures_without_codes():
    """3218/QĐ-UBND (Quảng Bình, 2024) as its annex is laid out: "Số TT", no code column, and
    columns the mirror keeps (time limit, fees, legal basis) or passes over (place)."""
    header = [
        "Số TT",
        "Tên TTHC",
        "Thời hạn giải quyết",
        "Địa điểm thực hiện",
        "Phí, lệ phí",
        "Căn cứ pháp lý",
        "Cơ quan thực hiện",
    ]
    rows = [
        "A. THỦ TỤC HÀNH CHÍNH CẤP TỈNH",
        "I. Lĩnh vực Văn hóa",
        [
            1,
            "Cấp giấy phép tổ chức lễ hội cấp tỉnh",
            "15 ngày",
            "Trung tâm Phục vụ hành chính công",
            "Không",
            "Nghị định 110/2018/NĐ-CP",
            "Sở Văn hóa và Thể thao",
        ],
        [
            2,
            "Thủ tục thông báo tổ chức lễ hội cấp tỉnh",
            "05 ngày",
            "Trung tâm Phục vụ hành chính công",
            "Không",
            "Nghị định 110/2018/NĐ-CP",
            "Sở Văn hóa và Thể thao",
        ],
        [
            3,
            "Cấp giấy phép triển lãm mỹ thuật",
            "07 ngày",
            "Trung tâm Phục vụ hành chính công",
            "Không",
            "Nghị định 113/2013/NĐ-CP",
            "Sở Văn hóa và Thể thao",
        ],
    ]
    data = docx_bytes(
        [
            *title_lines(
                "3218/QĐ-UBND",
                "30/10/2024",
                "DANH MỤC THỦ TỤC HÀNH CHÍNH MỚI BAN HÀNH",
                "Chủ tịch UBND tỉnh Quảng Bình",
            ),
            "1. Danh mục thủ tục hành chính mới ban hành",
            AnnexTable([header], rows),
        ]
    )
    items = items_of("qd-3218.docx", data)
    assert len(items) == 3 and items["placement_problem"].isna().all()
    assert items["procedure_code"].isna().all()  # matched to the catalogue by name later
    assert items["item_key"].str.startswith("name:").all()
    assert items.loc[0, ["processing_time", "fees", "action", "level"]].tolist() == [
        "15 ngày",
        "Không",
        "new",
        "tỉnh",
    ]
    assert items["extra_columns"].isna().all()  # every header known (or passed over)


def test_a_file_without_a_procedure_table_fails_saying_why():
    with pytest.raises(AnnexLayoutError, match="no table with a procedure name column"):
        items_of("qd-104-unknown-layout.docx")


def test_a_file_without_the_decision_reference_fails_saying_why():
    data = docx_bytes(
        ["PHỤ LỤC", AnnexTable([["STT", "Tên thủ tục hành chính"]], [[1, "Đăng ký khai sinh"]])]
    )
    with pytest.raises(AnnexLayoutError, match="Quyết định số"):
        items_of("no-reference.docx", data)


def test_a_corrupt_file_fails_naming_the_file():
    with pytest.raises(AnnexFileError, match=r"qd-105-corrupt.docx is not a readable .docx"):
        page_of("qd-105-corrupt.docx")


def test_decision_dates_as_written_in_words():
    data = xlsx_bytes(
        {
            "Sheet1": [
                "Ban hành kèm theo Quyết định số: 88/QĐ-UBND, ngày 07 tháng 4 năm 2020",
                AnnexTable(
                    [["TT", "Tên thủ tục hành chính", "Lĩnh vực"]],
                    [[1, "Đăng ký khai sinh", "Hộ tịch"]],
                ),
            ]
        }
    )
    decision = parse_annex("annex#1", page_of("words.xlsx", data), "06").decision
    assert (decision["number"], decision["signed_date"]) == ("88/QĐ-UBND", "07/04/2020")


def test_a_row_with_only_its_name_is_a_procedure_row_and_text_beside_the_table_is_not():
    data = xlsx_bytes(
        {
            "Sheet1": [
                *title_lines("90/QĐ-UBND", "01/04/2020", "DANH MỤC TTHC MỚI BAN HÀNH", "UBND"),
                AnnexTable(
                    [["STT", "Tên thủ tục hành chính", "Ghi chú"]],
                    [[1, "Đăng ký khai sinh", None], [None, "Đăng ký kết hôn", None]],
                ),
                AnnexTable([["", "", ""]], [[None, None, "CHỦ TỊCH"]]),
            ]
        }
    )
    items = items_of("one-value.xlsx", data)
    assert items["procedure_name"].tolist() == ["Đăng ký khai sinh", "Đăng ký kết hôn"]
    assert items["action"].tolist() == ["new", "new"]


def test_folders_are_searched_and_legacy_formats_refused(tmp_path):
    (tmp_path / "sub").mkdir()
    shutil.copy(FIXTURES / "qd-102-variants.xlsx", tmp_path / "sub" / "b.xlsx")
    shutil.copy(FIXTURES / "qd-101-variants.docx", tmp_path / "a.docx")
    (tmp_path / "decision.pdf").write_bytes(b"%PDF-1.4")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "notes.txt").write_text("not an annex")
    (tmp_path / "~$a.docx").write_bytes(b"owner file of an open document")
    found = [u.rsplit("/", 1)[1] for u in annex_urls([str(tmp_path)])]
    assert found == ["a.docx", "decision.pdf", "old.doc", "b.xlsx"]
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(AnnexFileError, match=r"old.xls: .xls cannot be read"):
        annex_urls([str(tmp_path)])
    with pytest.raises(AnnexFileError, match="does not exist"):
        annex_urls([str(tmp_path / "missing")])


def test_annexes_at_fsspec_and_http_urls_are_read(tmp_path):
    import functools
    import http.server
    import threading

    import fsspec

    from extractors.annex import read_annex
    from extractors.http import HttpClient

    data = (FIXTURES / "qd-102-variants.xlsx").read_bytes()
    fsspec.filesystem("memory").pipe("/drop/06/qd-102.xlsx", data)
    (url,) = annex_urls(["memory://drop/06"])
    assert url == "memory:///drop/06/qd-102.xlsx"
    client = HttpClient(retries=0)
    assert read_annex(url, client).sha256 == AnnexFile(url, "x", data).sha256

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(FIXTURES))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        annex = read_annex(f"{base}/qd-102-variants.xlsx", client)
        assert (annex.name, annex.data) == ("qd-102-variants.xlsx", data)
        with pytest.raises(Exception, match="HTTP 404"):
            read_annex(f"{base}/missing.xlsx", client)
    finally:
        server.shutdown()
        client.close()


# --- syncing the files ---------------------------------------------------------------------------
@pytest.fixture
def annex_only(tmp_path, mirror_url):
    """Settings for a province with no feed, reading annexes from a folder; the portal is a
    simulator of the bundled dataset."""
    from simulator.server import SimulatorServer

    upgrade(make_engine(mirror_url))
    folder = tmp_path / "annexes"
    folder.mkdir()
    with SimulatorServer(helpers.without_documents(tmp_path / "data")) as server:
        settings = make_settings(tmp_path, server.url, mirror_url)
        settings.provinces["06"] = settings.provinces["06"].model_copy(
            update={"feed": False, "annex_sources": [str(folder)]}
        )
        yield settings, folder


def sync(settings, *annex: str) -> dict:
    return helpers.sync(settings, province="06", annex_sources=list(annex), expect=None)


def test_annex_files_sync_with_every_row_accounted_for(annex_only):
    settings, folder = annex_only
    for name in FILES[:3]:
        shutil.copy(FIXTURES / name, folder / name)
    result = sync(settings)
    assert result["status"] == "success", result["error"]
    items = result["datasets"]["province_items"]
    assert items["extracted"] == items["from_files"] == 9 + 6 + 1
    # Held: the bad code, the row past the header (the row under an unknown header loads).
    assert items["quarantined"] == 2 and items["inserted"] == 14
    assert result["datasets"]["province_decisions"]["inserted"] == 3
    engine = make_engine(settings.mirror_url)
    with engine.connect() as conn:
        held = {
            r.row_key: (json.loads(r.reasons_json), json.loads(r.row_json))
            for r in conn.execute(
                select(quarantine).where(quarantine.c.dataset == "province_items")
            )
        }
        loaded = conn.execute(select(annex_files.c.file_name, annex_files.c.size_bytes)).all()
        kept = conn.execute(
            select(province_items.c.fees).where(province_items.c.decision_id == "06-2020-0101")
        ).scalars()
        assert "Phí: 1.500.000 đồng; Lệ phí: Không" in list(kept)
        extra = conn.execute(
            select(province_items.c.extra_columns).where(
                province_items.c.decision_id == "06-2020-0103"
            )
        ).scalars()
        assert [json.loads(e) for e in extra if e] == [{"Số bộ hồ sơ": "01 bộ"}]
    assert sorted(n for n, _ in loaded) == sorted(FILES[:3])
    # Held by the table's key: a row that could not be placed by its place in the annex.
    reasons, raw = held["06-2020-0101|row:9"]
    assert reasons[0]["reason"].endswith("table 4, row 3: a value in column 6, which has no header")
    # The row as received: which file, table and row, and its cells.
    assert (raw["file"], raw["sheet"], raw["row"]) == ("qd-101-variants.docx", "table 4", 3)
    assert raw["cells"][-1] == "tràn cột"
    assert [r["expectation"] for r in held["06-2020-0101|1.00758"][0]] == ["procedure_code_pattern"]
    assert not [key for key in held if key.startswith("06-2020-0103|")]  # it loads


def test_the_same_file_is_never_loaded_twice_and_a_changed_one_is(annex_only):
    settings, folder = annex_only
    shutil.copy(FIXTURES / "qd-102-variants.xlsx", folder / "qd-102.xlsx")
    assert sync(settings)["datasets"]["province_items"]["inserted"] == 6
    # Dropped again, and a copy under another name: nothing is read from either.
    shutil.copy(FIXTURES / "qd-102-variants.xlsx", folder / "qd-102 (copy).xlsx")
    again = sync(settings)
    assert again["status"] == "success", again["error"]
    assert again["datasets"]["province_items"]["extracted"] == 0
    # The province fixes a row and sends the file again: that row, and only it, changes.
    fixed = fixture_documents()["qd-102-variants.xlsx"]
    data = xlsx_bytes(
        {
            "Phụ lục": [
                *title_lines("102/QĐ-UBND", "12/3/2020", "DANH MỤC TTHC MỚI BAN HÀNH", "UBND"),
                AnnexTable(
                    [["TT", "Mã số TTHC", "Tên TTHC", "Lĩnh vực", "Cơ quan giải quyết"]],
                    [
                        "THỦ TỤC HÀNH CHÍNH CẤP XÃ",
                        [1, "1.000894", "Đăng ký khai sinh (sửa)", "Hộ tịch", "UBND cấp xã"],
                    ],
                ),
            ]
        }
    )
    assert data != fixed
    (folder / "qd-102.xlsx").write_bytes(data)
    changed = sync(settings)["datasets"]["province_items"]
    assert (changed["extracted"], changed["updated"], changed["inserted"]) == (1, 1, 0)
    with make_engine(settings.mirror_url).connect() as conn:
        assert conn.scalar(
            select(annex_files.c.sha256).where(annex_files.c.file_name == "qd-102.xlsx")
        )
        name = conn.scalar(
            select(province_items.c.procedure_name).where(
                province_items.c.procedure_code == "1.000894"
            )
        )
    assert name == "Đăng ký khai sinh (sửa)"


def test_an_unreadable_file_fails_the_run_and_loads_nothing(annex_only):
    settings, folder = annex_only
    shutil.copy(FIXTURES / "qd-102-variants.xlsx", folder / "good.xlsx")
    for bad in ("qd-105-corrupt.docx", "qd-104-unknown-layout.docx"):
        shutil.copy(FIXTURES / bad, folder / bad)
        result = sync(settings)
        assert result["status"] == "failed" and bad in result["error"]
        (folder / bad).unlink()
        with make_engine(settings.mirror_url).connect() as conn:
            assert conn.scalar(select(annex_files.c.sha256)) is None  # good.xlsx not marked either
            assert conn.scalar(select(province_decisions.c.decision_id)) is None
    assert sync(settings)["datasets"]["province_items"]["inserted"] == 6


def test_a_scanned_pdf_in_a_folder_loads_its_annex(annex_only):
    """A province's own folder holds its signed decisions as they are: a scan here."""
    from simulator.documents import DEMO_ROWS, demo_text_pdf, scanned_pdf

    settings, folder = annex_only
    (folder / "qd-654.pdf").write_bytes(scanned_pdf(demo_text_pdf()))
    result = sync(settings)
    assert result["status"] == "success", result["error"]
    items = result["datasets"]["province_items"]
    assert (
        items["from_files"] == items["inserted"] == sum(not isinstance(r, str) for r in DEMO_ROWS)
    )


def test_cli_reads_annex_paths(tmp_path, env_settings, capsys, monkeypatch):
    from simulator.server import SimulatorServer
    from tthc.cli import main

    # A province without a feed; the files come from the command line only.
    monkeypatch.setenv(
        "TTHC_PROVINCES",
        json.dumps(
            {"06": {"code": "06", "name": "Bắc Kạn", "national_agency_code": "H04", "feed": False}}
        ),
    )
    with SimulatorServer(helpers.without_documents(tmp_path / "data")) as simulator:
        env_settings(simulator.url)
        assert main(["db", "upgrade"]) == 0
        args = ["sync", "publications", "--json", "--annex", str(FIXTURES / FILES[1])]
        assert main(args) == 0
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["datasets"]["province_items"]["from_files"] == 6
    assert summary["datasets"]["province_items"]["inserted"] == 6


def test_the_bundled_annex_only_decisions_come_from_their_files(tmp_path):
    from tests.helpers import sync_dataset

    settings = sync_dataset(tmp_path)
    with make_engine(settings.mirror_url).connect() as conn:
        refs = dict(
            conn.execute(
                select(province_decisions.c.decision_id, province_decisions.c.source_ref).where(
                    province_decisions.c.source_ref.like("annex#%")
                )
            ).all()
        )
        files = set(conn.scalars(select(annex_files.c.file_name)))
    assert sorted(refs) == ["06-2020-0654", "06-2020-0675"]
    assert files == {"QD-654-UBND-phu-luc.xlsx", "QD-675-UBND-phu-luc.docx"}


def test_a_first_annex_sync_with_a_repeated_row_and_an_error_cell(annex_only, tmp_path):
    """An annex-only province's first sync: a row given twice is a duplicate (the row-count
    floor counts the listings, never a file's rows), and an Excel error cell is not a name."""
    import openpyxl

    settings, folder = annex_only
    book = openpyxl.load_workbook(DATASET / "annexes" / "06" / "QD-654-UBND-phu-luc.xlsx")
    sheet = book.worksheets[0]
    repeated = [c.value for c in sheet[8]]
    assert repeated[1] == "1.008245"
    sheet.insert_rows(9)
    for column, value in enumerate(repeated, 1):
        sheet.cell(9, column, value)
    failed = sheet.cell(10, 3)  # the name of 1.007765
    failed.value, failed.data_type = "#REF!", "e"
    book.save(folder / "QD-654-UBND-phu-luc.xlsx")
    result = sync(settings)
    assert result["status"] == "success", result["error"]
    items = result["datasets"]["province_items"]
    assert (items["duplicates"], items["quarantined"]) == (1, 1)
    with make_engine(settings.mirror_url).connect() as conn:
        (reasons,) = conn.scalars(
            select(quarantine.c.reasons_json).where(quarantine.c.dataset == "province_items")
        ).all()
    assert "procedure's name" in reasons
