"""Dates as sources write them: ``dd-MM-yyyy`` on the portal, ``dd/mm/yyyy`` in annexes.
Unparseable or impossible dates become NaT; the raw text is kept for quarantine."""

from __future__ import annotations

import pandas as pd

PORTAL_FORMAT = "%d-%m-%Y"
ANNEX_FORMAT = "%d/%m/%Y"


def parse_dates(series: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(series.astype("string").str.strip(), format=fmt, errors="coerce")
