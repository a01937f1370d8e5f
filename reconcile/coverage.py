"""Which synced runs a period's report stands on, and what it lacks: a report is not made of
zeros for a period the mirror holds nothing of."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection

from loaders import ledger
from tthc.failures import Permanent


class NothingSynced(ValueError, Permanent):
    """The mirror holds nothing synced for the province and period asked for: no report of
    zeros is made for it."""


def coverage(
    conn: Connection, province: str, period: str, start: date, end: date, as_of: date
) -> dict[str, Any]:
    """Which runs the report's two sides come from: the last successful publications run of
    the province that ended after the period began (an earlier one could not have seen its
    decisions), and the period's last successful statistics run; ``missing`` says what is not
    there, in words."""
    began = datetime.combine(start, time(), tzinfo=UTC)
    runs = {
        "publications_run": ledger.last_success(
            conn, "publications", ledger.scope_of(province), finished_after=began
        ),
        "dossier_stats_run": ledger.last_success(
            conn, "dossier-stats", ledger.scope_of(province, period)
        ),
    }
    missing = []
    if not runs["publications_run"]:
        missing.append(f"no publications sync of province {province} since {period} began")
    if end >= as_of:
        missing.append(f"as of {as_of}, {period} had not ended: Form 06 was not reported yet")
    elif not runs["dossier_stats_run"]:
        missing.append(f"no Form 06 statistics of province {province} for {period} synced")
    return {**runs, "missing": missing}
