"""A national-scale synthetic dataset for the simulator: about 23,000 publication decisions of
the 34 provinces (after the 2025 merger) and the ministries, with their procedure lists, for tests
and benchmarks of the national connector. Same folder layout as the bundled dataset.

``python -m simulator.national_dataset OUT --decisions 23000 [--hold-back K]``: with
``--hold-back K`` the K newest decisions are left out, so serving the full set afterwards looks
like K decisions published since the last sync.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import date, timedelta
from pathlib import Path

from simulator.catalogue import DEPARTMENTS, LOCAL_LEVELS

PROVINCES = [
    ("H26", "Thành phố Hà Nội"),
    ("H29", "Thành phố Hồ Chí Minh"),
    ("H24", "Thành phố Hải Phòng"),
    ("H17", "Thành phố Đà Nẵng"),
    ("H13", "Thành phố Cần Thơ"),
    ("H57", "Thành phố Huế"),
    ("H01", "tỉnh An Giang"),
    ("H05", "tỉnh Bắc Ninh"),
    ("H12", "tỉnh Cà Mau"),
    ("H14", "tỉnh Cao Bằng"),
    ("H18", "tỉnh Điện Biên"),
    ("H15", "tỉnh Đắk Lắk"),
    ("H19", "tỉnh Đồng Nai"),
    ("H20", "tỉnh Đồng Tháp"),
    ("H21", "tỉnh Gia Lai"),
    ("H27", "tỉnh Hà Tĩnh"),
    ("H31", "tỉnh Hưng Yên"),
    ("H32", "tỉnh Khánh Hòa"),
    ("H35", "tỉnh Lai Châu"),
    ("H38", "tỉnh Lào Cai"),
    ("H36", "tỉnh Lâm Đồng"),
    ("000.00.00.H37", "tỉnh Lạng Sơn"),
    ("H41", "tỉnh Nghệ An"),
    ("H42", "tỉnh Ninh Bình"),
    ("H44", "tỉnh Phú Thọ"),
    ("H48", "tỉnh Quảng Ngãi"),
    ("H49", "tỉnh Quảng Ninh"),
    ("H50", "tỉnh Quảng Trị"),
    ("H52", "tỉnh Sơn La"),
    ("H53", "tỉnh Tây Ninh"),
    ("H55", "tỉnh Thái Nguyên"),
    ("H56", "tỉnh Thanh Hóa"),
    ("H60", "tỉnh Tuyên Quang"),
    ("H61", "tỉnh Vĩnh Long"),
]
MINISTRIES = [
    ("000.00.00.G01", "Bộ Công an"),
    ("000.00.00.G02", "Bộ Công thương"),
    ("G03", "Bộ Giáo dục và Đào tạo"),
    ("G06", "Bộ Khoa học  và  Công nghệ"),
    ("G09", "Bộ Nội vụ"),
    ("G10", "Bộ Nông nghiệp và Môi trường"),
    ("000.00.00.G12", "Bộ Tài chính"),
    ("000.00.00.G15", "Bộ Tư pháp"),
    ("G16", "Bộ Văn hóa, Thể thao và Du lịch"),
    ("G17", "Bộ Xây dựng"),
    ("000.00.00.G18", "Bộ Y tế"),
    ("G19", "Ngân hàng Nhà nước Việt Nam"),
]
FIRST_DAY, LAST_DAY = date(2021, 1, 4), date(2025, 12, 9)


def _names() -> list[tuple[str, str]]:
    pools = [*DEPARTMENTS, *LOCAL_LEVELS.values()]
    return [
        (field, name) for _, _, fields in pools for field, names in fields.items() for name in names
    ]


def build(n_decisions: int, seed: int = 23039) -> dict[str, object]:
    rng = random.Random(seed)
    agencies = []
    for i, (code, name) in enumerate(PROVINCES):
        agencies.append(
            {
                "ID": str(365000 + 1731 * i),
                "AGENCY_NAME": f"UBND {name}",
                "NAME": f"UBND {name}",
                "CODE": code,
            }
        )
    for i, (code, name) in enumerate(MINISTRIES):
        agencies.append({"ID": str(90 + 517 * i), "AGENCY_NAME": name, "NAME": name, "CODE": code})
    names = _names()
    fields = sorted({field for field, _ in names})
    span = (LAST_DAY - FIRST_DAY).days
    days = sorted(FIRST_DAY + timedelta(days=rng.randrange(span + 1)) for _ in range(n_decisions))
    next_procedure_id = iter(range(100000, 10**9))
    decisions = []
    for i, day in enumerate(days):
        agency = rng.choice(agencies)
        number = f"{rng.randrange(1, 4000)}/QĐ-{'UBND' if agency['CODE'][-3] == 'H' else 'B'}"
        lists = {}
        for kind, weight in (("new", 4), ("modified", 3), ("rescinded", 1)):
            size = max(0, int(rng.expovariate(1 / weight)) - 1)
            lists[kind] = [
                {
                    "ID": str(next(next_procedure_id)),
                    "PROCEDURE_NAME": name,
                    "PUBLISHED_AGENCY": agency["AGENCY_NAME"],
                    "PUBLISHED_AGENCY_ID": agency["ID"],
                }
                for _, name in rng.sample(names, size)
            ]
        decisions.append(
            {
                "row": {
                    "ID": str(60000 + i),
                    "CODE": number,
                    "NAME": f"Về việc công bố Danh mục thủ tục hành chính thuộc phạm vi quản lý "
                    f"của {agency['AGENCY_NAME']}",
                    "PUBLISHING_DATE": day.strftime("%d-%m-%Y"),
                    "AGENCY_NAME": agency["AGENCY_NAME"],
                    "AGENCY_ID": agency["ID"],
                },
                "fields": rng.sample(fields, rng.randint(1, 2)),
                **lists,
            }
        )
    decisions.reverse()  # the portal lists newest first
    publicized = [
        {
            "TTHC_MA": f"{rng.choice('123')}.{i:06d}",
            "TYPE": rng.choice("15"),
            "NAME": name,
            "ISNGANHDOC": "0",
            "WEIGHT": str(rng.randrange(1, 80)),
        }
        for i, (_, name) in enumerate(names)
    ]
    return {
        "national/agencies.json": agencies,
        "national/fields.json": [
            {"ID": str(2000 + i), "FIELD_NAME": f"{f}(Bộ ngành)"} for i, f in enumerate(fields)
        ],
        "national/decisions.json": decisions,
        "national/publicized.json": publicized,
    }


def write(out: Path, n_decisions: int, hold_back: int = 0) -> Path:
    files = build(n_decisions)
    files["national/decisions.json"] = files["national/decisions.json"][hold_back:]
    for rel, payload in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    for folder in ("province_feed", "dossier_stats"):
        (out / folder).mkdir(exist_ok=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--decisions", type=int, default=23039)
    parser.add_argument("--hold-back", type=int, default=0)
    args = parser.parse_args()
    print(write(args.out, args.decisions, args.hold_back))


if __name__ == "__main__":
    main()
