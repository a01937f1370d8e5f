"""Which published items were publicized, when, and why not: pure functions over frames.

Matching: a published item (an annex row of a province decision) is looked for among the
national rows of the portal decisions with the same normalized number under the province's
agency. Within those it is matched by procedure code where the publicized list gives one for a
national row's name, then by normalized name, then by fuzzy name (``rapidfuzz``, with a
threshold). Each match records its method and score. Two fuzzy candidates about as good as each
other are never paired silently: the item goes to review.

Each published item lands in exactly one class:

- ``publicized_on_time``: on the national database within the deadline after signing;
- ``publicized_late``: on the national database, after the deadline;
- ``publicized_different_action_or_name``: found, but in another list than its action implies
  (e.g. published as new, entered as modified), or only under a different name (fuzzy match);
- ``needs_review``: candidates found, but none clearly the one: a person decides;
- ``pending_within_deadline``: not found, and the deadline has not passed (as of the report);
- ``overdue_not_publicized``: not found, and the deadline has passed;
- ``abolished_removed``: abolished, absent from the rescinded lists and from the publicized list
  (deleted from the national database rather than rescinded);
- ``abolished_still_listed``: abolished, not rescinded, and still in the publicized list.

National rows matched to no published item are returned apart (``unmatched_national``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pandas as pd
from rapidfuzz import fuzz

from reconcile.calendar import working_days_between

CLASSES = [
    "publicized_on_time",
    "publicized_late",
    "publicized_different_action_or_name",
    "needs_review",
    "pending_within_deadline",
    "overdue_not_publicized",
    "abolished_removed",
    "abolished_still_listed",
]
# What classification adds to each item, and what is shown of national rows matched to none.
MATCH_COLUMNS = [
    "class",
    "match_method",
    "match_score",
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


@dataclass(frozen=True)
class MatchRules:
    fuzzy_threshold: float = 90.0  # rapidfuzz token_sort_ratio of two normalized names, 0-100
    ambiguity_margin: float = 3.0  # a runner-up this close to the best sends the item to review


def _match(item, candidates: pd.DataFrame, code_of_name: dict[str, str], rules: MatchRules):
    """(row, method, score, ambiguous) for one item among one decision number's national rows."""
    if candidates.empty:
        return None, None, None, False
    expected = EXPECTED_LIST.get(item.action)
    preferred = candidates.assign(_other_kind=candidates["list_kind"] != expected).sort_values(
        ["_other_kind", "publishing_date"], kind="stable"
    )
    if isinstance(item.procedure_code, str):
        by_code = preferred[preferred["name_key"].map(code_of_name) == item.procedure_code]
        if not by_code.empty:
            return by_code.iloc[0], "decision_number+code", 100.0, False
    exact = preferred[preferred["name_key"] == item.name_key]
    if not exact.empty:
        return exact.iloc[0], "decision_number+name", 100.0, False
    scores = (
        preferred["name_key"]
        .map(lambda name: fuzz.token_sort_ratio(item.name_key, name))
        .sort_values(ascending=False)
    )
    good = scores[scores >= rules.fuzzy_threshold]
    if good.empty:
        return None, None, None, False
    if len(good) > 1 and good.iloc[0] - good.iloc[1] < rules.ambiguity_margin:
        return None, "decision_number+fuzzy_name", float(good.iloc[0]), True
    return preferred.loc[good.index[0]], "decision_number+fuzzy_name", float(good.iloc[0]), False


def classify(
    items: pd.DataFrame,
    national_decisions: pd.DataFrame,
    national_procedures: pd.DataFrame,
    publicized: pd.DataFrame,
    deadline: Callable[[date], date],
    as_of: date,
    rules: MatchRules = MatchRules(),
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``items``: decision_id, item_key, number_norm, signed_date, procedure_code, name_key,
    action. ``national_decisions``: decision_id, number_norm, publishing_date (the province's
    agency only). ``national_procedures``: decision_id, list_kind, procedure_id, name_key.
    ``publicized``: procedure_code, name_key (the publicized list).
    Returns (items with their class and match, national rows matched to no item)."""
    rows = national_procedures.merge(
        national_decisions[["decision_id", "number_norm", "publishing_date"]], on="decision_id"
    )
    names = publicized.drop_duplicates("name_key", keep=False)  # a name on two codes proves none
    code_of_name = dict(zip(names["name_key"], names["procedure_code"], strict=True))
    listed = set(publicized["procedure_code"])
    by_number = {k: g for k, g in rows.groupby("number_norm", sort=False)}
    used: set[tuple[str, str, str]] = set()
    out = []
    for item in items.itertuples(index=False):
        due = deadline(item.signed_date)
        record = dict.fromkeys(MATCH_COLUMNS) | {
            "decision_id": item.decision_id,
            "item_key": item.item_key,
            "deadline": due,
        }
        candidates = by_number.get(item.number_norm, rows.iloc[0:0])
        free = candidates[
            [
                (r.decision_id, r.list_kind, r.procedure_id) not in used
                for r in candidates.itertuples(index=False)
            ]
        ]
        hit, method, score, ambiguous = _match(item, free, code_of_name, rules)
        record.update(match_method=method, match_score=score)
        if ambiguous:
            record["class"] = "needs_review"
        elif hit is not None:
            used.add((hit["decision_id"], hit["list_kind"], hit["procedure_id"]))
            late = working_days_between(due, hit["publishing_date"])
            different = hit["list_kind"] != EXPECTED_LIST.get(item.action) or score < 100
            record.update(
                national_decision_id=hit["decision_id"],
                national_procedure_id=hit["procedure_id"],
                publicized_date=hit["publishing_date"],
                days_late=late,
                **{
                    "class": "publicized_different_action_or_name"
                    if different
                    else "publicized_late"
                    if late > 0
                    else "publicized_on_time"
                },
            )
        elif item.action == "abolished":
            still = item.procedure_code in listed
            record["class"] = "abolished_still_listed" if still else "abolished_removed"
        else:
            record["class"] = "overdue_not_publicized" if due < as_of else "pending_within_deadline"
        out.append(record)
    matches = pd.DataFrame(out, columns=["decision_id", "item_key", *MATCH_COLUMNS])
    matches["days_late"] = matches["days_late"].astype("Int64")  # whole days, or none
    classified = items.merge(matches, on=["decision_id", "item_key"])
    matched = pd.Series(
        [
            (r.decision_id, r.list_kind, r.procedure_id) in used
            for r in rows.itertuples(index=False)
        ],
        dtype=bool,
        index=rows.index,
    )
    return classified, rows[~matched].reset_index(drop=True)
