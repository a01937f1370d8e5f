"""Reporting periods and working days (weekends and Vietnamese public holidays, lunar ones
included, from the ``holidays`` package)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from functools import lru_cache

import holidays

_PERIOD = re.compile(r"^(\d{4})-Q([1-4])$")


def period_bounds(period: str, calendar: str = "calendar") -> tuple[date, date]:
    """``2020-Q2`` -> (2020-04-01, 2020-06-30) in calendar quarters; with ``calendar="15th"``
    -> (2020-03-15, 2020-06-14), the convention of some provinces' reports."""
    match = _PERIOD.match(period or "")
    if not match:
        raise ValueError(f"period must look like 2020-Q2, got {period!r}")
    year, quarter = int(match[1]), int(match[2])
    start = date(year, 3 * quarter - 2, 1)
    end = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1) - timedelta(days=1)
    if calendar == "15th":
        return (start - timedelta(days=1)).replace(day=15), end.replace(day=14)
    if calendar != "calendar":
        raise ValueError(f"reporting calendar must be 'calendar' or '15th', got {calendar!r}")
    return start, end


@lru_cache(maxsize=64)
def _vn_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("VN", years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _vn_holidays(day.year)


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        days -= is_working_day(current)
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        count += is_working_day(current)
    return count


def period_of(day: date) -> str:
    return f"{day.year}-Q{(day.month - 1) // 3 + 1}"


def period_containing(day: date, calendar: str = "calendar") -> str:
    """The reporting period ``day`` falls in, by the province's reporting calendar (a "15th"
    period starts half a month before its calendar quarter)."""
    period = period_of(day)
    start, end = period_bounds(period, calendar)
    if day > end:
        return period_of(end + timedelta(days=20))
    if day < start:
        return period_of(start - timedelta(days=20))
    return period


def previous_period(day: date) -> str:
    """The last full quarter before ``day``: what a scheduled statistics run reports on."""
    start, _ = period_bounds(period_of(day))
    return period_of(start - timedelta(days=1))


def period_before(period: str) -> str:
    """``2020-Q2`` -> ``2020-Q1``."""
    start, _ = period_bounds(period)
    return previous_period(start)
