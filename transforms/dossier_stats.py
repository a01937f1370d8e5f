"""Form 06/VPCP/KSTT (Circular 01/2020/TT-VPCP): results of handling dossiers (hồ sơ), per agency
and period, with the residuals of the identities an auditor checks (0 when they hold)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from transforms.frames import records_frame
from transforms.numbers import whole_number_column
from transforms.text import clean_column

# Field names one real system exports -> ours.
COUNTS = {
    "tongSo": "received",
    "tiepNhanQuaMang": "received_online",
    "tiepNhanTrucTiepVaBCCI": "received_in_person",  # in person + public postal service
    "tiepNhanKyTruoc": "carried_over",
    "daXuLyVaTraLai": "resolved",
    "daXuLyTruocHan": "resolved_early",
    "daXuLyDungHanVaTraLai": "resolved_on_time",
    "daXuLyQuaHan": "resolved_late",
    "dangXuLyVaBoSung": "in_progress",
    "dangXuLyTrongHanVaBoSung": "in_progress_within_time",
    "dangXuLyQuaHan": "in_progress_overdue",
}
RESIDUALS = {
    "received_residual": ("received", ["resolved", "in_progress"]),
    "resolved_residual": ("resolved", ["resolved_early", "resolved_on_time", "resolved_late"]),
    "in_progress_residual": ("in_progress", ["in_progress_within_time", "in_progress_overdue"]),
    "channel_residual": ("received", ["received_online", "received_in_person", "carried_over"]),
}


def dossier_stats(pages: Iterable[tuple[str, dict]]) -> pd.DataFrame:
    records = (
        (
            f"{ref}:rows/{i}",
            {
                **(row if isinstance(row, dict) else {}),  # not a record: held as received
                "province": page["province"],
                "period": page["period"],
            },
        )
        for ref, page in pages
        for i, row in enumerate(page["rows"])
    )
    raw = records_frame(records, ["province", "period", "stt", "donVi", "capHanhChinh", *COUNTS])
    df = pd.DataFrame(
        {
            "province_code": raw["province"].astype("string"),
            "period": raw["period"].astype("string"),
            "agency_name": clean_column(raw["donVi"]),
            "level": clean_column(raw["capHanhChinh"]),
        }
    )
    for source, name in COUNTS.items():
        # Sent as strings ("1.011" is 1011); anything not a whole number is null, and held.
        df[name] = whole_number_column(raw[source])
    for residual, (total, parts) in RESIDUALS.items():
        df[residual] = df[total] - df[parts].sum(axis=1, min_count=len(parts))
    df["source_ref"] = raw["source_ref"]
    return df
