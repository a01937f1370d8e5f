"""Unit tests of the pure transforms: text, codes, dates, duplicates, hashes, Form 06, calendar."""

import unicodedata
from datetime import date

import pandas as pd
import pytest

from reconcile.calendar import (
    add_working_days,
    period_bounds,
    previous_period,
    working_days_between,
)
from transforms.codes import (
    DECISION_NUMBER,
    PROCEDURE_CODE,
    normalize_agency_code,
    normalize_decision_number,
)
from transforms.dates import ANNEX_FORMAT, PORTAL_FORMAT, parse_dates
from transforms.dossier_stats import dossier_stats
from transforms.frames import split_duplicates, with_content_hash
from transforms.publications import province_items
from transforms.text import clean_text, match_key


def test_text_is_nfc_with_single_spaces():
    nfd = unicodedata.normalize("NFD", "Bộ Khoa học  và  Công nghệ")
    assert clean_text(nfd) == "Bộ Khoa học và Công nghệ"
    assert unicodedata.is_normalized("NFC", clean_text(nfd))
    assert match_key("Đăng ký  khai sinh.") == match_key("đăng ký khai sinh")
    assert clean_text(None) is None


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("2193/QĐ-UBND.", "2193/QĐ-UBND"),
        ("2226/QĐ-UBND ngày 04/12/2025", "2226/QĐ-UBND"),
        ("02245/QĐ-UBND", "2245/QĐ-UBND"),
        ("1635/QĐ-TTPVHCC", "1635/QĐ-TTPVHCC"),
        (" 02204/QĐ-UBND. ", "2204/QĐ-UBND"),
        ("QĐ-UBND", "QĐ-UBND"),
    ],
)
def test_decision_numbers_normalize_for_matching(raw, expected):
    assert normalize_decision_number(raw) == expected


def test_decision_number_pattern():
    assert pd.Series(["2193/QĐ-UBND", "1635/QĐ-TTPVHCC"]).str.match(DECISION_NUMBER).all()
    assert not pd.Series(["QĐ-UBND"]).str.match(DECISION_NUMBER).any()


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("000.00.00.H37", "H37"),
        ("H38", "H38"),
        ("000.00.01.H22", "000.00.01.H22"),
        ("000.00.00.G15", "G15"),
        (None, None),
    ],
)
def test_agency_codes_normalize(raw, expected):
    assert normalize_agency_code(raw) == expected


def test_procedure_code_pattern():
    codes = pd.Series(["1.000758", "2.000110", "1.00758", "TS_MN.000.00.00.H22", "1.0007580"])
    assert codes.str.match(PROCEDURE_CODE).tolist() == [True, True, False, False, False]


def test_dates_parse_and_impossible_ones_become_null():
    portal = parse_dates(pd.Series(["09-12-2025", "31-06-2020", None]), PORTAL_FORMAT)
    assert portal[0] == pd.Timestamp("2025-12-09")
    assert portal[1:].isna().all()
    annex = parse_dates(pd.Series(["03/04/2020", "31/04/2020"]), ANNEX_FORMAT)
    assert annex[0] == pd.Timestamp("2020-04-03") and pd.isna(annex[1])


def _feed(*items):
    return [("feed/1.json", {"decisions": [{"decision_id": "D1", "items": list(items)}]})]


def _item(stt, code, action="Mới ban hành", name="Đăng ký khai sinh"):
    return {
        "stt": stt,
        "procedure_code": code,
        "procedure_name": name,
        "field": "Hộ tịch",
        "level": "xã",
        "agency": "UBND cấp xã",
        "action": action,
    }


def test_annex_actions_map_to_canonical_ones_and_unknown_ones_to_null():
    df = province_items(
        _feed(
            _item(1, "1.000001"),
            _item(2, "1.000002", "Sửa đổi, bổ sung"),
            _item(3, "1.000003", "Thay thế"),
            _item(4, "1.000004", "Bãi bỏ"),
            _item(5, "1.000005", "Điều chỉnh tên gọi"),
            _item(6, "1.000006", "Được sửa đổi, bổ sung"),
            _item(7, "1.000007", "Sửa đổi, bổ sung và bãi bỏ"),  # names two: not guessed
        )
    )
    assert df["action"].tolist()[:4] == ["new", "amended", "replaced", "abolished"]
    assert pd.isna(df["action"][4]) and df["action"][5] == "amended" and pd.isna(df["action"][6])


def test_quarantine_knows_a_row_by_the_table_key():
    """Two rows of one decision with the same number are two rows: the row key is the table's
    key (decision and procedure), not the annex's row number."""
    from tthc.datasets import DATASETS

    items = DATASETS["province_items"]
    df = items.keyed(province_items(_feed(_item(1, "1.000001"), _item(1, "1.000002"))))
    assert df["row_key"].tolist() == ["D1|1.000001", "D1|1.000002"]
    df = items.keyed(province_items(_feed(_item(1, "1.000001"), _item(2, None, name=None))))
    assert pd.isna(df["row_key"][1])  # no key: quarantine knows it by its source_ref


def test_items_without_code_are_keyed_by_name():
    df = province_items(_feed(_item(1, None, name="Cấp  bản sao trích lục")))
    assert df["item_key"][0] == "name:cấp bản sao trích lục"


def test_duplicates_are_counted_and_the_first_kept():
    df = pd.DataFrame({"k": [1, 2, 1, 1], "v": ["a", "b", "c", "d"]})
    unique, duplicates = split_duplicates(df, ["k"])
    assert unique["v"].tolist() == ["a", "b"] and duplicates == 2


def test_content_hash_is_stable_and_sees_changes():
    df = pd.DataFrame({"a": ["x", "y"], "b": pd.array([1, None], dtype="Int64")})
    first = with_content_hash(df, ["a", "b"])["content_hash"]
    assert first.tolist() == with_content_hash(df.copy(), ["a", "b"])["content_hash"].tolist()
    changed = with_content_hash(df.assign(b=pd.array([1, 2], dtype="Int64")), ["a", "b"])[
        "content_hash"
    ]
    assert first[0] == changed[0] and first[1] != changed[1]


def _form06(**overrides):
    row = {
        "stt": "1",
        "donVi": "Sở Tư pháp",
        "capHanhChinh": "tỉnh",
        "tongSo": "100",
        "tiepNhanQuaMang": "20",
        "tiepNhanTrucTiepVaBCCI": "75",
        "tiepNhanKyTruoc": "5",
        "daXuLyVaTraLai": "90",
        "daXuLyTruocHan": "10",
        "daXuLyDungHanVaTraLai": "78",
        "daXuLyQuaHan": "2",
        "dangXuLyVaBoSung": "10",
        "dangXuLyTrongHanVaBoSung": "9",
        "dangXuLyQuaHan": "1",
    }
    return {**row, **overrides}


def test_form06_identities_hold_as_zero_residuals():
    df = dossier_stats(
        [
            (
                "s/1.json",
                {
                    "province": "06",
                    "period": "2020-Q2",
                    "rows": [
                        _form06(),
                        _form06(donVi="B", tongSo="101"),
                        _form06(donVi="C", daXuLyQuaHan="x"),
                    ],
                },
            )
        ]
    )
    assert df.loc[
        0, ["received_residual", "resolved_residual", "in_progress_residual", "channel_residual"]
    ].tolist() == [0, 0, 0, 0]
    assert df.loc[1, "received_residual"] == 1
    assert pd.isna(df.loc[2, "resolved_late"]) and pd.isna(df.loc[2, "resolved_residual"])


def test_periods_and_working_days():
    assert period_bounds("2020-Q2") == (date(2020, 4, 1), date(2020, 6, 30))
    assert period_bounds("2020-Q4") == (date(2020, 10, 1), date(2020, 12, 31))
    with pytest.raises(ValueError):
        period_bounds("2020-Q5")
    assert previous_period(date(2020, 7, 15)) == "2020-Q2"
    assert previous_period(date(2021, 1, 15)) == "2020-Q4"
    # Hùng Kings' day (2 Apr 2020) and the weekend are not working days.
    assert add_working_days(date(2020, 4, 1), 1) == date(2020, 4, 3)
    assert add_working_days(date(2020, 4, 3), 1) == date(2020, 4, 6)
    # Lunar new year 2020: 23-29 January off.
    assert add_working_days(date(2020, 1, 22), 1) > date(2020, 1, 29)
    assert working_days_between(date(2020, 4, 3), date(2020, 4, 10)) == 5
    assert working_days_between(date(2020, 4, 10), date(2020, 4, 3)) == 0


def test_local_service_codes_give_the_procedure_code_and_are_kept():
    df = province_items(_feed(_item(1, "1.001612.000.00.00.H01"), _item(2, "TS_MN.000.00.00.H22")))
    assert df["procedure_code"].tolist() == ["1.001612", "TS_MN.000.00.00.H22"]
    assert df["local_service_code"][0] == "1.001612.000.00.00.H01"
    assert pd.isna(df["local_service_code"][1])
