"""What reconciliation needs to know, and nothing else of the configuration: the provinces
(names and the national agency code of their People's Committee), the reporting calendar, the
deadlines and the matching thresholds. ``tthc.settings.Settings.rules`` builds one."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal, TypeVar

from reconcile.classify import MatchRules

T = TypeVar("T")


@dataclass(frozen=True)
class ProvinceRules:
    code: str  # 2-digit administrative code
    name: str
    national_agency_code: str  # its People's Committee on the national portal (get_list_agency)


@dataclass(frozen=True)
class Rules:
    provinces: dict[str, ProvinceRules] = field(default_factory=dict)
    # "calendar" quarters, or "15th" (the 15th of the month before to the 14th of the last).
    reporting_calendar: Literal["calendar", "15th"] = "calendar"
    # Working days from signing a decision to publicizing it on the national database.
    publicize_deadline_working_days: int = 5
    # Decree 63/2010 Art. 15: working days a province publishes before the basis takes effect.
    publication_lead_working_days: int = 5
    match: MatchRules = field(default_factory=MatchRules)

    def province(self, code: str) -> ProvinceRules:
        return configured_province(self.provinces, code)


def configured_province(provinces: Mapping[str, T], code: str) -> T:
    """``provinces[code]``, or an error that lists the provinces there are."""
    try:
        return provinces[code]
    except KeyError:
        known = ", ".join(sorted(provinces)) or "none"
        raise ValueError(f"province {code!r} is not configured (configured: {known})") from None
