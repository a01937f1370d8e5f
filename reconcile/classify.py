"""Which published items were publicized, when, and why not: pure functions over frames.

Each published item (an annex line of a province decision) lands in exactly one class:

- ``publicized_on_time``: on the national database within the deadline after signing;
- ``publicized_late``: on the national database, after the deadline;
- ``publicized_different_action``: found, but in another list than its action implies
  (e.g. published as new, entered as modified);
- ``pending_within_deadline``: not found yet, and the deadline has not passed (as of the report);
- ``overdue_not_publicized``: not found, and the deadline has passed;
- ``abolished_removed``: abolished, absent from the rescinded lists and from the publicized list
  (the procedure was deleted from the national database rather than rescinded);
- ``abolished_still_listed``: abolished, not rescinded, and still in the publicized list.

National rows matched to no published item are returned apart (``unmatched_national``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pandas as pd

from reconcile.calendar import working_days_between

CLASSES = [
    "publicized_on_time",
    "publicized_late",
    "publicized_different_action",
    "pending_within_deadline",
    "overdue_not_publicized",
    "abolished_removed",
    "abolished_still_listed",
]
# What classification adds to each item, and what is shown of national rows matched to none.
MATCH_COLUMNS = [
    "class",
    "match_method",
    "deadline",
    "national_decision_id",
    "national_procedure_id",
    "publicized_date",
    "days_late",
]
UNMATCHED_COLUMNS = [
    "decision_id",
    "number_norm",
    "list_kind",
    "procedure_id",
    "procedure_name",
    "publishing_date",
]
EXPECTED_LIST = {
    "new": "new",
    "amended": "modified",
    "replaced": "modified",
    "abolished": "rescinded",
}


def classify(
    items: pd.DataFrame,
    national_decisions: pd.DataFrame,
    national_procedures: pd.DataFrame,
    publicized_codes: set[str],
    deadline: Callable[[date], date],
    as_of: date,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``items``: decision_id, item_key, number_norm, signed_date, procedure_code, name_key,
    action. ``national_decisions``: decision_id, number_norm, publishing_date (the province's
    agency only). ``national_procedures``: decision_id, list_kind, procedure_id, name_key.
    Returns (items with their class and match, national rows matched to no item)."""
    rows = national_procedures.merge(
        national_decisions[["decision_id", "number_norm", "publishing_date"]], on="decision_id"
    )
    by_key = {k: g for k, g in rows.groupby(["number_norm", "name_key"], sort=False)}
    used: set[tuple[str, str, str]] = set()
    out = []
    for item in items.itertuples(index=False):
        due = deadline(item.signed_date)
        found = by_key.get((item.number_norm, item.name_key))
        record = {
            "decision_id": item.decision_id,
            "item_key": item.item_key,
            "deadline": due,
            "match_method": None,
            "national_decision_id": None,
            "national_procedure_id": None,
            "publicized_date": None,
            "days_late": None,
        }
        if found is not None:
            expected = EXPECTED_LIST.get(item.action)
            same_kind = found[found["list_kind"] == expected]
            hit = (
                (same_kind if not same_kind.empty else found).sort_values("publishing_date").iloc[0]
            )
            used.add((hit["decision_id"], hit["list_kind"], hit["procedure_id"]))
            publicized = hit["publishing_date"]
            late = working_days_between(due, publicized)
            record.update(
                match_method="decision_number+name",
                national_decision_id=hit["decision_id"],
                national_procedure_id=hit["procedure_id"],
                publicized_date=publicized,
                days_late=late,
                **{
                    "class": "publicized_different_action"
                    if hit["list_kind"] != expected
                    else "publicized_late"
                    if late > 0
                    else "publicized_on_time"
                },
            )
        elif item.action == "abolished":
            listed = item.procedure_code in publicized_codes
            record["class"] = "abolished_still_listed" if listed else "abolished_removed"
        else:
            record["class"] = "overdue_not_publicized" if due < as_of else "pending_within_deadline"
        out.append(record)
    classified = items.merge(
        pd.DataFrame(out, columns=["decision_id", "item_key", *MATCH_COLUMNS]),
        on=["decision_id", "item_key"],
    )
    matched = pd.Series(
        [
            (r.decision_id, r.list_kind, r.procedure_id) in used
            for r in rows.itertuples(index=False)
        ],
        dtype=bool,
        index=rows.index,
    )
    return classified, rows[~matched].reset_index(drop=True)
