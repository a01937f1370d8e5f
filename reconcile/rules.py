"""What reconciliation needs to know, and nothing else of the configuration: the provinces
(names and the national agency code of their People's Committee), the reporting calendar, the
deadlines and the matching thresholds. ``tthc.settings.Settings.rules`` builds one."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from reconcile.classify import MatchRules


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
        try:
            return self.provinces[code]
        except KeyError:
            known = ", ".join(sorted(self.provinces)) or "none"
            raise ValueError(f"province {code!r} is not configured (configured: {known})") from None
