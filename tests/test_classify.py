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


def run(items, rows, publishing_date, listed=frozenset(), as_of=date(2020, 12, 31)):
    decisions = pd.DataFrame(
        [{"decision_id": "N1", "number_norm": "100/QĐ-UBND", "publishing_date": publishing_date}]
    )
    return classify(
        pd.DataFrame(items),
        decisions,
        pd.DataFrame(rows, columns=["decision_id", "list_kind", "procedure_id", "name_key"]),
        set(listed),
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
        "b": "publicized_different_action",
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
