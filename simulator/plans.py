"""The bundled dataset's plan: each Q2 publication decision of Bắc Kạn and the twists it
carries, field by field, as the README's tables of the dataset and of planted defects list them.
``simulator.dataset`` follows the plan; nothing there tests a decision's position."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

# Vietnam's public holidays of 2020 (Labour Code 2019 Art. 112; Tết 23-29 January), written
# out here rather than read from the product's calendar: a test oracle must not share the code
# it checks.
HOLIDAYS_2020 = frozenset(
    [date(2020, 1, 1), *(date(2020, 1, d) for d in range(23, 30)), date(2020, 4, 2)]
    + [date(2020, 4, 30), date(2020, 5, 1), date(2020, 9, 2)]
)


def add_working_days(start: date, days: int) -> date:
    """``days`` working days after ``start`` (weekends and 2020's holidays skipped)."""
    if start.year != 2020:
        raise ValueError("the bundled dataset's calendar knows 2020 only")
    current = start
    while days > 0:
        current += timedelta(days=1)
        days -= current.weekday() < 5 and current not in HOLIDAYS_2020
    return current


@dataclass
class PublicationPlan:
    """One Q2 publication decision, what happens to it on the national portal, and the twists
    it carries (README, "The bundled dataset": each twist is a field here)."""

    size: int
    signed: date
    workflows: int = 0
    publicized_after_days: int | None = 3  # working days; None = never publicized
    forgotten: int = 0  # items the province never entered on the national database
    removed_abolished: int = 0  # abolished items deleted from the database, not rescinded
    # Working days from signing to the underlying legal document taking effect. Decree 63
    # wants 5 at least: 2 is a decision that came too close.
    basis_after_days: int = 12
    # The number as the province typed it on the portal (``n``: the decision's number).
    portal_number: str = "{n}/QĐ-UBND"
    annex_only: str | None = None  # "xlsx" or "docx": only a signed annex, not in the feed
    decomposed_names: bool = False  # the portal sends a name in NFD and one with double spaces
    shortened_name: bool = False  # a name entered shortened on the portal: fuzzy matching
    # A row validation must hold back, added to the annex: "bad_code" (1.00758),
    # "repeated_row" (the 4th row again) or "unknown_action" ("Điều chỉnh tên gọi").
    planted_row: str | None = None
    items: list[dict] = field(default_factory=list)


PLANS = [
    PublicationPlan(24, date(2020, 4, 3), workflows=18, publicized_after_days=2),
    PublicationPlan(18, date(2020, 4, 9), workflows=12, publicized_after_days=4),
    PublicationPlan(
        12,
        date(2020, 4, 16),
        publicized_after_days=7,
        portal_number="0{n}/QĐ-UBND",
        planted_row="bad_code",
    ),
    PublicationPlan(9, date(2020, 4, 22), publicized_after_days=3, basis_after_days=2),
    PublicationPlan(
        30,
        date(2020, 5, 5),
        workflows=9,
        publicized_after_days=5,
        portal_number="{n}/QĐ-UBND.",
        planted_row="repeated_row",
    ),
    PublicationPlan(14, date(2020, 5, 12), publicized_after_days=1, decomposed_names=True),
    PublicationPlan(
        22, date(2020, 5, 15), workflows=14, publicized_after_days=9, removed_abolished=2
    ),
    PublicationPlan(
        21,
        date(2020, 5, 21),
        workflows=10,
        publicized_after_days=3,
        portal_number="{n}/QĐ-UBND ngày {day}/{month}/2020",
        planted_row="unknown_action",
    ),
    PublicationPlan(6, date(2020, 5, 27), publicized_after_days=6, forgotten=2, annex_only="xlsx"),
    PublicationPlan(17, date(2020, 6, 2), publicized_after_days=2, shortened_name=True),
    PublicationPlan(11, date(2020, 6, 5), publicized_after_days=4, basis_after_days=2),
    PublicationPlan(18, date(2020, 6, 9), publicized_after_days=8, annex_only="docx"),
    PublicationPlan(2, date(2020, 6, 12), publicized_after_days=None),
    PublicationPlan(3, date(2020, 6, 25), publicized_after_days=8),  # lands in Q3
]
WORKFLOW_ONLY = [(11, date(2020, 4, 28)), (8, date(2020, 5, 29)), (11, date(2020, 6, 18))]
