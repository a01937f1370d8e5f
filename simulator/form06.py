"""Form 06 (Biểu số 06/VPCP/KSTT) rows of the bundled dataset: one per agency and quarter, the
counts as strings as the one-stop systems send them. Q2's clean rows add up to the figures of the
real report; Q1 and Q3, Q4 follow from it (what one quarter leaves in progress, the next carries
over), but for one agency whose carry-over is planted wrong."""

from __future__ import annotations

import random

from simulator.catalogue import DEPARTMENTS, DISTRICTS

# Figures of the real report; the clean rows must add up to them.
DOSSIERS_RECEIVED, DOSSIERS_RESOLVED, DOSSIERS_IN_PROGRESS, DOSSIERS_ONLINE = (
    58463,
    57064,
    1399,
    6687,
)


def split(total: int, parts: int, rng: random.Random, spread: float = 0.8) -> list[int]:
    """Split ``total`` into ``parts`` non-negative integers that add up exactly."""
    weights = [rng.uniform(1 - spread, 1 + spread) for _ in range(parts)]
    raw = [total * w / sum(weights) for w in weights]
    out = [int(x) for x in raw]
    for i in sorted(range(parts), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def quarter_rows(rng: random.Random) -> list[dict]:
    """Form 06 rows per agency; the clean ones add up to the report's dossier figures."""
    units = [(agency, "tỉnh") for agency, _, _ in DEPARTMENTS]
    units += [(f"UBND {d}", "huyện") for d in DISTRICTS]
    units += [(f"UBND các xã, phường, thị trấn thuộc {d}", "xã") for d in DISTRICTS]
    n = len(units)
    resolved = split(DOSSIERS_RESOLVED, n, rng)
    in_progress = split(DOSSIERS_IN_PROGRESS, n, rng)
    online = split(DOSSIERS_ONLINE, n, rng)
    rows = []
    for i, (agency, level) in enumerate(units):
        received = resolved[i] + in_progress[i]
        online_i = min(online[i], received)
        carried = min(in_progress[i], received - online_i)
        early, on_time, late = split(resolved[i], 3, rng, 0.9) if resolved[i] else (0, 0, 0)
        late, on_time = min(late, resolved[i] // 20), on_time + late - min(late, resolved[i] // 20)
        within, overdue = split(in_progress[i], 2, rng, 0.5) if in_progress[i] else (0, 0)
        within, overdue = within + overdue - overdue // 4, overdue // 4
        rows.append(
            _form06(
                i + 1,
                agency,
                level,
                received,
                online_i,
                carried,
                early,
                on_time,
                late,
                within,
                overdue,
            )
        )
    # Keep the online total exact after capping.
    short = DOSSIERS_ONLINE - sum(int(r["tiepNhanQuaMang"]) for r in rows)
    for r in rows:
        room = int(r["tiepNhanTrucTiepVaBCCI"])
        take = min(room, short)
        r["tiepNhanQuaMang"] = str(int(r["tiepNhanQuaMang"]) + take)
        r["tiepNhanTrucTiepVaBCCI"] = str(room - take)
        short -= take
    # Planted: a row whose totals do not add up, and a count that is not a number
    rows.append(_form06(n + 1, "Sở Ngoại vụ", "tỉnh", 120, 10, 0, 40, 50, 10, 10, 5))
    rows[-1]["dangXuLyVaBoSung"] = "25"
    rows.append(_form06(n + 2, "Sở Khoa học và Công nghệ", "tỉnh", 80, 8, 0, 30, 40, 0, 10, 0))
    rows[-1]["tongSo"] = "8O"
    return rows


def previous_quarter(q2: list[dict], rng: random.Random) -> list[dict]:
    """Q1 rows whose in-progress counts are what Q2 carried over, but for one agency (planted,
    so the carry-over check has something to find); the Q2-only defect rows are left out."""
    return _quarter(
        q2[:-2],
        rng,
        carried=[0] * (len(q2) - 2),
        in_progress=[
            int(row["tiepNhanKyTruoc"]) + (7 if i == 3 else 0) for i, row in enumerate(q2[:-2])
        ],
    )


def next_quarter(before: list[dict], rng: random.Random) -> list[dict]:
    """The following quarter: each agency carries over what it left in progress."""
    return _quarter(
        before,
        rng,
        carried=[int(r["dangXuLyVaBoSung"]) for r in before],
        in_progress=[None] * len(before),
    )


def _quarter(
    agencies: list[dict], rng: random.Random, carried: list[int], in_progress: list[int | None]
) -> list[dict]:
    """Form 06 rows for the same agencies in another quarter; counts not given are drawn."""
    rows = []
    for i, (agency, carried_i, progress) in enumerate(
        zip(agencies, carried, in_progress, strict=True)
    ):
        resolved = rng.randrange(200, 3000)
        progress = rng.randrange(0, 80) if progress is None else progress
        online = rng.randrange(0, (resolved + progress) // 5 + 1)
        early, late = resolved // 10, resolved // 25
        within = progress - progress // 5
        rows.append(
            _form06(
                i + 1,
                agency["donVi"],
                agency["capHanhChinh"],
                resolved + progress,
                online,
                carried_i,
                early,
                resolved - early - late,
                late,
                within,
                progress - within,
            )
        )
    return rows


def _form06(stt, agency, level, received, online, carried, early, on_time, late, within, overdue):
    resolved, in_progress = early + on_time + late, within + overdue
    return {
        "stt": str(stt),
        "donVi": agency,
        "capHanhChinh": level,
        "tongSo": str(received),
        "tiepNhanQuaMang": str(online),
        "tiepNhanTrucTiepVaBCCI": str(received - online - carried),
        "tiepNhanKyTruoc": str(carried),
        "daXuLyVaTraLai": str(resolved),
        "daXuLyTruocHan": str(early),
        "daXuLyDungHanVaTraLai": str(on_time),
        "daXuLyQuaHan": str(late),
        "dangXuLyVaBoSung": str(in_progress),
        "dangXuLyTrongHanVaBoSung": str(within),
        "dangXuLyQuaHan": str(overdue),
    }
