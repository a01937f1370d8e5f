"""Procedure history: the versions of a procedure over the decisions that published it.

A procedure is published new, amended, replaced and finally abolished by successive decisions.
Each decision opens a version from the date it takes effect (its signing date when no effective
date is given) and closes the one before; an abolition opens a last version whose status says
so, so the mirror answers "what did procedure X look like on date D, and which decision said so".
"""

from __future__ import annotations

import pandas as pd

VERSION_COLUMNS = [
    "province_code",
    "procedure_code",
    "version_no",
    "valid_from",
    "valid_to",
    "status",
    "action",
    "decision_id",
    "decision_number",
    "procedure_name",
    "field",
    "level",
    "agency",
]


def procedure_versions(items: pd.DataFrame) -> pd.DataFrame:
    """``items``: province_code, procedure_code, decision_id, number_raw, signed_date,
    effective_date, action, procedure_name, field, level, agency (one row per annex item)."""
    if items.empty:
        return pd.DataFrame(columns=VERSION_COLUMNS)
    df = items.assign(
        valid_from=items["effective_date"].fillna(items["signed_date"]),
        status=items["action"].map(lambda a: "abolished" if a == "abolished" else "in force"),
    ).sort_values(
        ["province_code", "procedure_code", "valid_from", "signed_date", "decision_id"],
        kind="stable",
    )
    group = df.groupby(["province_code", "procedure_code"], sort=False)
    df["version_no"] = group.cumcount() + 1
    df["valid_to"] = group["valid_from"].shift(-1)
    return df.rename(columns={"number_raw": "decision_number"})[VERSION_COLUMNS].reset_index(
        drop=True
    )
