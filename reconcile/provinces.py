"""Provinces across the 2025 merger (Resolution 202/2025/QH15: 63 provinces became 34). Which
province took over which comes from ``vietnamadminunits``, and current names from
``vietnam-provinces``; nothing here is a hand-written table."""

from __future__ import annotations

from functools import lru_cache

from tthc.settings import Settings


@lru_cache(maxsize=128)
def successor_code(province_name: str) -> str:
    """The 2-digit code of the province that ``province_name`` (before 2025-07-01) is part of
    now, e.g. "Bắc Kạn" -> "19" (Thái Nguyên)."""
    from vietnamadminunits import convert_address

    unit = convert_address(province_name)
    if not unit or not unit.province_code:
        raise ValueError(f"no successor province found for {province_name!r}")
    return f"{int(unit.province_code):02d}"


@lru_cache(maxsize=64)
def current_name(code: str) -> str:
    import vietnam_provinces

    return vietnam_provinces.Province.from_code(int(code)).name


def predecessors(settings: Settings, code: str) -> list[str]:
    """Configured provinces that merged into ``code`` (not ``code`` itself), by code."""
    return sorted(
        p
        for p, province in settings.provinces.items()
        if p != code and successor_code(province.name) == code
    )
