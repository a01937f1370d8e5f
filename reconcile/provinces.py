"""Provinces across the 2025 merger (Resolution 202/2025/QH15: 63 provinces became 34). Which
province took over which comes from ``vietnamadminunits``; nothing here is a hand-written
table."""

from __future__ import annotations

from functools import lru_cache

from reconcile.rules import Rules


@lru_cache(maxsize=128)
def successor_code(province_name: str) -> str:
    """The 2-digit code of the province that ``province_name`` (before 2025-07-01) is part of
    now, e.g. "Bắc Kạn" -> "19" (Thái Nguyên)."""
    from vietnamadminunits import convert_address

    unit = convert_address(province_name)
    if not unit or not unit.province_code:
        raise ValueError(f"no successor province found for {province_name!r}")
    return f"{int(unit.province_code):02d}"


def predecessors(rules: Rules, code: str) -> list[str]:
    """Configured provinces that merged into ``code`` (not ``code`` itself), by code."""
    return sorted(
        p
        for p, province in rules.provinces.items()
        if p != code and successor_code(province.name) == code
    )
