"""Each reconciliation class, from small frames (pure function, no database)."""

from datetime import date

import pandas as pd

from reconcile.calendar import add_working_days
from reconcile.classify import classify

SIGNED = date(2020, 6, 1)  # Monday; 5 working days later is 8 June


def item(key, action="new", name=None, code=None):
    return {
        "decision_id": "D1",
        "item_key": key,
        "number_norm": "100/QĐ-UBND",
        "signed_date": SIGNED,
        "procedure_code": code or key,
        "name_key": name or key,
        "action": action,
    }


def national_row(name, kind, pid):
    return {"decision_id": "N1", "list_kind": kind, "procedure_id": pid, "name_key": name}


def run(items, rows, publishing_date, listed=frozenset(), as_of=date(2020, 12, 31), names=None):
    decisions = pd.DataFrame(
        [{"decision_id": "N1", "number_norm": "100/QĐ-UBND", "publishing_date": publishing_date}]
    )
    publicized = pd.DataFrame(
        [(code, (names or {}).get(code, f"name of {code}")) for code in listed],
        columns=["procedure_code", "name_key"],
    )
    return classify(
        pd.DataFrame(items),
        decisions,
        pd.DataFrame(rows, columns=["decision_id", "list_kind", "procedure_id", "name_key"]),
        publicized,
        lambda d: add_working_days(d, 5),
        as_of,
    )


def classes(result):
    classified, _ = result
    return dict(zip(classified["item_key"], classified["class"], strict=True))


def test_on_time_late_and_different_action():
    items = [item("a"), item("b", "amended")]
    rows = [national_row("a", "new", "1"), national_row("b", "new", "2")]
    assert classes(run(items, rows, date(2020, 6, 8))) == {
        "a": "publicized_on_time",
        "b": "publicized_different_action_or_name",
    }
    late, _ = run(items[:1], rows[:1], date(2020, 6, 10))
    assert late.loc[0, "class"] == "publicized_late" and late.loc[0, "days_late"] == 2


def test_not_found_pending_or_overdue_by_the_report_date():
    assert classes(run([item("a")], [], date(2020, 6, 2), as_of=date(2020, 6, 5))) == {
        "a": "pending_within_deadline"
    }
    assert classes(run([item("a")], [], date(2020, 6, 2), as_of=date(2020, 6, 9))) == {
        "a": "overdue_not_publicized"
    }


def test_abolished_removed_still_listed_or_rescinded():
    items = [
        item("a", "abolished", code="1.000001"),
        item("b", "abolished", code="1.000002"),
        item("c", "abolished"),
    ]
    rows = [national_row("c", "rescinded", "3")]
    assert classes(run(items, rows, date(2020, 6, 3), listed={"1.000002"})) == {
        "a": "abolished_removed",
        "b": "abolished_still_listed",
        "c": "publicized_on_time",
    }


def test_national_rows_matched_to_no_item_are_returned_apart():
    _, unmatched = run(
        [item("a")],
        [national_row("a", "new", "1"), national_row("zzz", "new", "9")],
        date(2020, 6, 3),
    )
    assert unmatched["procedure_id"].tolist() == ["9"]


LONG = "cấp giấy phép kinh doanh bán buôn sản phẩm rượu trên địa bàn tỉnh"


def test_a_different_name_is_found_by_fuzzy_matching_with_its_score():
    classified, _ = run(
        [item("a", name=LONG)], [national_row(LONG.rsplit(" ", 1)[0], "new", "1")], date(2020, 6, 3)
    )
    row = classified.iloc[0]
    assert row["class"] == "publicized_different_action_or_name"
    assert row["match_method"] == "decision_number+fuzzy_name" and 90 <= row["match_score"] < 100


def test_two_equally_good_candidates_go_to_review_not_paired():
    rows = [national_row(LONG + " a", "new", "1"), national_row(LONG + " b", "new", "2")]
    classified, unmatched = run([item("a", name=LONG)], rows, date(2020, 6, 3))
    assert classified.iloc[0]["class"] == "needs_review"
    assert sorted(unmatched["procedure_id"]) == ["1", "2"]  # neither was used


def test_a_code_from_the_publicized_list_matches_whatever_the_name():
    items = [item("a", code="1.000009", name="đăng ký khai sinh")]
    rows = [national_row("đăng ký khai sinh (bản cũ)", "new", "7")]
    classified, _ = run(
        items,
        rows,
        date(2020, 6, 3),
        listed={"1.000009"},
        names={"1.000009": "đăng ký khai sinh (bản cũ)"},
    )
    assert classified.iloc[0]["match_method"] == "decision_number+code"
    assert classified.iloc[0]["class"] == "publicized_on_time"
