"""Codes and identifiers in their real, messy formats (README, "Sources"). The suites check
the same patterns (``tests/test_architecture.py`` holds them equal)."""

from __future__ import annotations

import re

import pandas as pd

from transforms.text import clean_text, per_distinct

# Mã TTHC, e.g. 1.000758
PROCEDURE_CODE = r"^\d\.\d{6}$"
# Local service code: <procedure code>.000.00.00.<agency code>, e.g. 1.001612.000.00.00.H01
LOCAL_SERVICE_CODE = r"^\d\.\d{6}\.\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}$"
# Agency codes once normalized: ministries G01…, provinces H01…, courts D01…, sub-units keep
# their ``000.00.01.`` prefix; a few agencies (state companies) carry a tax number.
AGENCY_CODE = r"^(?:[A-Z]\d{2}|\d{3}\.\d{2}\.\d{2}\.[A-Z]\d{2}|\d{10})$"
# Số quyết định once normalized, e.g. 2193/QĐ-UBND, 1635/QĐ-TTPVHCC
DECISION_NUMBER = r"^\d+/[A-ZĐ][A-ZĐ0-9-]*$"

_UNIT_PREFIX = re.compile(r"^000\.00\.00\.")
_DATE_SUFFIX = re.compile(r"\s+ng[aà]y\b.*$", re.IGNORECASE)
_LEADING_ZEROS = re.compile(r"^0+(?=\d)")


def normalize_agency_code(raw: object) -> str | None:
    """``000.00.00.H37`` and ``H37`` are the same province; sub-units (``000.00.01.H22``) stay."""
    text = clean_text(raw)
    return _UNIT_PREFIX.sub("", text).upper() if text else None


def normalize_decision_number(raw: object) -> str | None:
    """For matching only: ``02204/QĐ-UBND.`` and ``2226/QĐ-UBND ngày 04/12/2025`` become
    ``2204/QĐ-UBND`` and ``2226/QĐ-UBND``. The raw text is always kept beside it."""
    text = clean_text(raw)
    if not text:
        return None
    text = _DATE_SUFFIX.sub("", text).rstrip(" .,;:")
    text = _LEADING_ZEROS.sub("", text.replace(" ", ""))
    return text.upper()


def agency_code_column(series: pd.Series) -> pd.Series:
    return per_distinct(series, normalize_agency_code)


def decision_number_column(series: pd.Series) -> pd.Series:
    return per_distinct(series, normalize_decision_number)
