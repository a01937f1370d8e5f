"""Form 06/VPCP/KSTT (Circular 01/2020/TT-VPCP): results of handling dossiers (hồ sơ), per agency
and period, with the residuals of the identities an auditor checks (0 when they hold)."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from transforms.frames import records_frame
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
        (f"{ref}:rows/{i}", {**row, "province": page["province"], "period": page["period"]})
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
        # Sent as strings; anything that is not a whole number becomes null and is held back.
        df[name] = pd.to_numeric(raw[source].astype("string").str.strip(), errors="coerce").astype(
            "Int64"
        )
    for residual, (total, parts) in RESIDUALS.items():
        df[residual] = df[total] - df[parts].sum(axis=1, min_count=len(parts))
    df["source_ref"] = raw["source_ref"]
    df["row_key"] = df["province_code"] + "|" + df["period"] + "|" + df["agency_name"]
    return df
