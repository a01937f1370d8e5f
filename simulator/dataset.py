"""Deterministic generator of the bundled Bắc Kạn (province 06) 2020-Q2 dataset.

The dataset is synthetic. Its clean rows reproduce the figures of the province's real Q2/2020
report (14 publication decisions, 207 procedures published, 8 workflow decisions approving 93
workflows, 198 procedures publicized, 58,463 dossiers: 57,064 resolved, 1,399 in progress, 6,687
online), and it plants defects that validation must hold back for the figures to come out right.

Run ``python -m simulator.dataset OUT_DIR`` (``make dataset``) to write it again; the output is
byte-for-byte the same every time. What happens to each decision is its plan
(``simulator.plans``); the Form 06 rows are ``simulator.form06``.

Long because it is one story told in order (the catalogue, the plan's decisions, what the portal
got of them, the planted defects, the files): split further, it would be read in several files
at once.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from simulator.annexes import AnnexTable, docx_bytes, title_lines, xlsx_bytes
from simulator.catalogue import DEPARTMENTS, LOCAL_LEVELS
from simulator.form06 import next_quarter, previous_quarter, quarter_rows
from simulator.plans import PLANS, WORKFLOW_ONLY, add_working_days

SEED = 20200630
PROVINCE = "06"
AGENCY = {
    "ID": "382005",
    "AGENCY_NAME": "UBND tỉnh Bắc Kạn",
    "NAME": "UBND tỉnh Bắc Kạn",
    "CODE": "000.00.00.H04",
}
THAI_NGUYEN = {
    "ID": "370865",
    "AGENCY_NAME": "UBND tỉnh Thái Nguyên",
    "NAME": "UBND tỉnh Thái Nguyên",
    "CODE": "H55",
}
OTHER_AGENCIES = [
    {"ID": "4019", "AGENCY_NAME": "Bộ Tư pháp", "NAME": "Bộ Tư pháp", "CODE": "000.00.00.G15"},
    {
        "ID": "734",
        "AGENCY_NAME": "Bộ Khoa học  và  Công nghệ",
        "NAME": "Bộ Khoa học  và  Công nghệ",
        "CODE": "G06",
    },
]
ACTION_LABELS = {
    "new": "Mới ban hành",
    "amended": "Sửa đổi, bổ sung",
    "replaced": "Thay thế",
    "abolished": "Bãi bỏ",
}
ACTIONS_OF = {label: action for action, label in ACTION_LABELS.items()}
ACTION_HEADINGS = {
    "new": "mới ban hành",
    "amended": "được sửa đổi, bổ sung",
    "replaced": "được thay thế",
    "abolished": "bị bãi bỏ",
}
ROMAN = ["", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]
NATIONAL_LIST = {
    "new": "new",
    "amended": "modified",
    "replaced": "modified",
    "abolished": "rescinded",
}


@dataclass
class Procedure:
    code: str
    name: str
    field: str
    ministry: str
    agency: str
    level: str


def catalogue(rng: random.Random) -> list[Procedure]:
    pools = [(agency, ministry, fields, "tỉnh") for agency, ministry, fields in DEPARTMENTS]
    pools += [
        (agency, ministry, fields, level)
        for level, (agency, ministry, fields) in LOCAL_LEVELS.items()
    ]
    codes: set[str] = set()
    procedures = []
    for agency, ministry, fields, level in pools:
        for field_name, names in fields.items():
            for name in names:
                code = ""
                while not code or code in codes:
                    code = f"{rng.choice('12')}.{rng.randrange(1, 12000):06d}"
                codes.add(code)
                procedures.append(Procedure(code, name, field_name, ministry, agency, level))
    return procedures


def vn_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def portal_date(d: date) -> str:
    return d.strftime("%d-%m-%Y")


def item_row(stt: int, p: Procedure, action: str) -> dict:
    return {
        "stt": stt,
        "procedure_code": p.code,
        "procedure_name": p.name,
        "field": p.field,
        "level": p.level,
        "agency": p.agency,
        "action": ACTION_LABELS[action],
    }


def decision_title(kind: str, agency: str) -> str:
    scope = f"thuộc phạm vi chức năng quản lý của {agency} tỉnh Bắc Kạn"
    return {
        "publish": f"Về việc công bố Danh mục thủ tục hành chính mới ban hành, sửa đổi, bổ sung, "
        f"bãi bỏ {scope}",
        "both": "Công bố Danh mục và phê duyệt Quy trình nội bộ giải quyết thủ tục hành chính "
        f"{scope}",
        "workflow": f"Phê duyệt Quy trình nội bộ giải quyết thủ tục hành chính {scope}",
    }[kind]


def build(rng: random.Random) -> dict[str, object]:  # noqa: C901 - one linear story
    procs = catalogue(rng)
    number = iter(range(598, 2000, 7))
    national_ids = iter(range(61230, 70000, 3))
    procedure_ids = rng.sample(range(20000, 400000), 2000)
    feed: list[dict] = []
    national: list[dict] = []
    annexes: dict[str, bytes] = {}
    documents: dict[str, bytes] = {}  # the signed files behind the portal's decision pages

    def national_rows(items: list[tuple[Procedure, str]]) -> dict[str, list[dict]]:
        lists: dict[str, list[dict]] = {"new": [], "modified": [], "rescinded": []}
        for p, action in items:
            lists[NATIONAL_LIST[action]].append(
                {
                    "ID": str(procedure_ids.pop()),
                    "PROCEDURE_NAME": p.name,
                    "PUBLISHED_AGENCY": AGENCY["AGENCY_NAME"],
                    "PUBLISHED_AGENCY_ID": AGENCY["ID"],
                }
            )
        return lists

    # A Q1 decision: outside the period, its procedures are amended in Q2.
    q1_items = [(p, "new") for p in procs[30:35]]
    q1 = {
        "decision_id": "06-2020-0412",
        "number": "412/QĐ-UBND",
        "title": decision_title("publish", procs[30].agency),
        "signed_date": "10/03/2020",
        "effective_date": "10/03/2020",
        "publishes_procedures": True,
        "approves_workflows": False,
        "items": [item_row(i + 1, p, a) for i, (p, a) in enumerate(q1_items)],
        "workflows": [],
    }
    feed.append(q1)
    national.append(
        {
            "row": {
                "ID": str(next(national_ids)),
                "CODE": "412/QĐ-UBND",
                "NAME": q1["title"],
                "PUBLISHING_DATE": "13-03-2020",
                **_agency_cols(AGENCY),
            },
            "fields": [procs[30].field],
            **national_rows(q1_items),
            "attachments": _signed_document(q1, documents),
        }
    )
    q1_codes = {p.code for p, _ in q1_items}

    publicized: list[Procedure] = []
    start = 0
    for plan in PLANS:
        chosen = procs[start : start + plan.size]
        start += plan.size
        actions = []
        for p in chosen:
            if p.code in q1_codes:
                actions.append("amended")
            else:
                actions.append(
                    rng.choices(["new", "amended", "replaced", "abolished"], [55, 27, 6, 12])[0]
                )
        if plan.removed_abolished:
            for i in range(plan.removed_abolished):
                actions[-1 - i] = "abolished"
        decision_number = next(number)
        kind = "both" if plan.workflows else "publish"
        agency = chosen[0].agency
        items = list(zip(chosen, actions, strict=True))
        decision = {
            "decision_id": f"06-2020-{decision_number:04d}",
            "number": f"{decision_number}/QĐ-UBND",
            "title": decision_title(kind, agency),
            "signed_date": vn_date(plan.signed),
            "effective_date": vn_date(plan.signed + timedelta(days=rng.choice([0, 0, 10, 15]))),
            "basis_effective_date": vn_date(add_working_days(plan.signed, plan.basis_after_days)),
            "publishes_procedures": True,
            "approves_workflows": bool(plan.workflows),
            "items": [item_row(i + 1, p, a) for i, (p, a) in enumerate(items)],
            "workflows": [_workflow(i + 1, p, rng) for i, p in enumerate(chosen[: plan.workflows])],
        }
        if plan.planted_row:
            decision["items"].append(_planted_row(plan.planted_row, decision["items"], procs))
        if plan.annex_only:
            name = f"annexes/{PROVINCE}/QD-{decision_number}-UBND-phu-luc.{plan.annex_only}"
            annexes[name] = annex_file(decision, plan.annex_only)
        else:
            feed.append(decision)
        if plan.publicized_after_days is None:
            continue
        entered = items[: len(items) - plan.forgotten]
        if plan.removed_abolished:
            entered = entered[: len(entered) - plan.removed_abolished]
        code = plan.portal_number.format(
            n=decision_number, day=plan.signed.day, month=plan.signed.month
        )
        rows = national_rows(entered)
        if plan.decomposed_names:
            rows["new"][:1] = [
                {**r, "PROCEDURE_NAME": unicodedata.normalize("NFD", r["PROCEDURE_NAME"])}
                for r in rows["new"][:1]
            ]
            rows["modified"][:1] = [
                {**r, "PROCEDURE_NAME": r["PROCEDURE_NAME"].replace(" ", "  ", 2)}
                for r in rows["modified"][:1]
            ]
        if plan.shortened_name and rows["new"]:
            first = rows["new"][0]
            rows["new"][0] = {**first, "PROCEDURE_NAME": first["PROCEDURE_NAME"].rsplit(" ", 1)[0]}
        national.append(
            {
                "row": {
                    "ID": str(next(national_ids)),
                    "CODE": code,
                    "NAME": decision["title"],
                    "PUBLISHING_DATE": portal_date(
                        add_working_days(plan.signed, plan.publicized_after_days)
                    ),
                    **_agency_cols(AGENCY),
                },
                "fields": sorted({p.field for p in chosen}),
                **rows,
                "attachments": _signed_document(decision, documents),
            }
        )
        publicized += [p for p, a in entered if a != "abolished"]

    for size, signed in WORKFLOW_ONLY:
        decision_number = next(number)
        chosen = rng.sample(procs[:207], size)
        feed.append(
            {
                "decision_id": f"06-2020-{decision_number:04d}",
                "number": f"{decision_number}/QĐ-UBND",
                "title": decision_title("workflow", chosen[0].agency),
                "signed_date": vn_date(signed),
                "effective_date": vn_date(signed),
                "publishes_procedures": False,
                "approves_workflows": True,
                "items": [],
                "workflows": [_workflow(i + 1, p, rng) for i, p in enumerate(chosen)],
            }
        )

    _plant_feed_decisions(feed, procs)
    _plant_national_defects(national, procs, national_ids, national_rows)
    # Another province's decisions in the same listing: the agency filter must keep them out.
    for k, p in enumerate(procs[100:102]):
        national.append(
            {
                "row": {
                    "ID": str(next(national_ids)),
                    "CODE": f"{1201 + k}/QĐ-UBND",
                    "NAME": decision_title("publish", p.agency).replace("Bắc Kạn", "Thái Nguyên"),
                    "PUBLISHING_DATE": portal_date(date(2020, 5, 20 + k)),
                    **_agency_cols(THAI_NGUYEN),
                },
                "fields": [p.field],
                **national_rows([(p, "new")]),
            }
        )

    feed.sort(key=lambda d: d["decision_id"])
    national.sort(key=lambda d: (_iso(d["row"]["PUBLISHING_DATE"]), d["row"]["ID"]), reverse=True)
    fields = sorted({(p.field, p.ministry) for p in procs})
    return {
        "province_feed/06.json": {"province": PROVINCE, "name": "Bắc Kạn", "decisions": feed},
        "national/agencies.json": [*OTHER_AGENCIES, AGENCY, THAI_NGUYEN],
        "national/fields.json": [
            {"ID": str(1000 + i), "FIELD_NAME": f"{f}({m})"} for i, (f, m) in enumerate(fields)
        ],
        "national/decisions.json": national,
        "national/publicized.json": [
            {
                "TTHC_MA": p.code,
                "TYPE": "5" if "doanh nghiệp" in p.field else "1",
                "NAME": p.name,
                "ISNGANHDOC": "0",
                "WEIGHT": str(rng.randrange(1, 80)),
            }
            for p in sorted({p.code: p for p in publicized}.values(), key=lambda p: p.code)
        ],
        **annexes,
        **documents,
        "dossier_stats/06-2020-Q2.json": {
            "province": PROVINCE,
            "period": "2020-Q2",
            "rows": (q2 := quarter_rows(rng)),
        },
        "dossier_stats/06-2020-Q1.json": {
            "province": PROVINCE,
            "period": "2020-Q1",
            "rows": previous_quarter(q2, rng),
        },
        # Two more quarters, so a year can be backfilled period by period.
        "dossier_stats/06-2020-Q3.json": {
            "province": PROVINCE,
            "period": "2020-Q3",
            "rows": (q3 := next_quarter(q2[:-2], rng)),
        },
        "dossier_stats/06-2020-Q4.json": {
            "province": PROVINCE,
            "period": "2020-Q4",
            "rows": next_quarter(q3, rng),
        },
    }


def _signed_document(decision: dict, documents: dict[str, bytes]) -> list[dict]:
    """The decision as the portal keeps it: its signed annex, listed on the decision's page
    (``tenTep``, download ``code``, storage path ``tepDinhKemId``, as the real page lists
    them) and served from ``national/documents/``. The code comes from the number, not the
    random draws, so the rest of the dataset stays as it was."""
    number = decision["number"].split("/")[0]
    code = hashlib.sha256(f"bac-kan {decision['number']}".encode()).hexdigest()[:16]
    d, m, y = decision["signed_date"].split("/")
    name = f"{number}{d}.{m}.{y}_signed.docx"
    documents[f"national/documents/{code}.docx"] = annex_file(decision, "docx")
    return [
        {
            "tenTep": name,
            "code": code,
            "tepDinhKemId": f"{y}/{m}/{d}/{code}.docx",
            "path": f"documents/{code}.docx",
        }
    ]


def _agency_cols(agency: dict) -> dict:
    return {"AGENCY_NAME": agency["AGENCY_NAME"], "AGENCY_ID": agency["ID"]}


def _iso(portal: str) -> str:
    d, m, y = portal.split("-")
    return f"{y}-{m}-{d}"


def _workflow(stt: int, p: Procedure, rng: random.Random) -> dict:
    return {
        "stt": stt,
        "procedure_code": p.code,
        "procedure_name": p.name,
        "steps": rng.randrange(3, 9),
        "processing_days": rng.choice([3, 5, 7, 10, 15, 20]),
    }


def _planted_row(kind: str, items: list[dict], procs: list[Procedure]) -> dict:
    """A row validation must hold back (README's table of planted defects)."""
    stt = len(items) + 1
    if kind == "bad_code":  # a malformed procedure code
        return {**item_row(stt, procs[150], "new"), "procedure_code": "1.00758"}
    if kind == "repeated_row":  # the same procedure and action twice in one annex
        return {**items[3], "stt": stt}
    if kind == "unknown_action":
        return {**item_row(stt, procs[160], "amended"), "action": "Điều chỉnh tên gọi"}
    raise ValueError(f"unknown planted row {kind!r}")


def _plant_feed_decisions(feed: list[dict], procs: list[Procedure]) -> None:
    """Whole decisions validation must hold back (README's table of planted defects)."""
    # An impossible date: the whole decision and its annex are held back
    feed.append(
        {
            "decision_id": "06-2020-0745",
            "number": "745/QĐ-UBND",
            "title": decision_title("publish", procs[170].agency),
            "signed_date": "31/04/2020",
            "effective_date": "31/04/2020",
            "publishes_procedures": True,
            "approves_workflows": False,
            "items": [item_row(i + 1, p, "new") for i, p in enumerate(procs[170:174])],
            "workflows": [],
        }
    )
    # A decision number without a number
    feed.append(
        {
            "decision_id": "06-2020-XXXX",
            "number": "QĐ-UBND",
            "title": decision_title("publish", procs[180].agency),
            "signed_date": "15/06/2020",
            "effective_date": "15/06/2020",
            "publishes_procedures": True,
            "approves_workflows": False,
            "items": [item_row(1, procs[180], "new")],
            "workflows": [],
        }
    )


def _plant_national_defects(national, procs, national_ids, national_rows) -> None:
    # An impossible publishing date on the portal: the row and its lists are held back
    national.append(
        {
            "row": {
                "ID": str(next(national_ids)),
                "CODE": "1002/QĐ-UBND",
                "NAME": decision_title("publish", procs[190].agency),
                "PUBLISHING_DATE": "31-06-2020",
                **_agency_cols(AGENCY),
            },
            "fields": [procs[190].field],
            **national_rows([(p, "new") for p in procs[190:192]]),
        }
    )


def annex_file(decision: dict, file_format: str) -> bytes:
    """The decision's annex as the province signs it: sub-tables per action, sections per level
    and field; Word with numbered columns, Excel with the header repeated on every page."""
    signed = decision["signed_date"]
    heading = decision["title"].replace("Về việc công bố ", "").upper()
    blocks: list = title_lines(decision["number"], signed, heading, "Chủ tịch UBND tỉnh Bắc Kạn")
    code = "Mã TTHC" if file_format == "docx" else "Mã số TTHC"
    header = [["STT", code, "Tên thủ tục hành chính", "Cơ quan thực hiện", "Ghi chú"]]
    for number, action in enumerate(["new", "amended", "replaced", "abolished"], start=1):
        items = [i for i in decision["items"] if ACTIONS_OF.get(i["action"]) == action]
        if not items:
            continue
        blocks.append(f"{number}. Danh mục thủ tục hành chính {ACTION_HEADINGS[action]}")
        rows: list = [["(1)", "(2)", "(3)", "(4)", "(5)"]] if file_format == "docx" else []
        for level_no, level in enumerate(["tỉnh", "huyện", "xã"]):
            at_level = [i for i in items if i["level"] == level]
            if not at_level:
                continue
            rows.append(f"{'ABC'[level_no]}. THỦ TỤC HÀNH CHÍNH CẤP {level.upper()}")
            fields = list(dict.fromkeys(i["field"] for i in at_level))
            for field_no, field_name in enumerate(fields, start=1):
                rows.append(f"{ROMAN[field_no]}. Lĩnh vực {field_name}")
                for stt, i in enumerate((i for i in at_level if i["field"] == field_name), 1):
                    row = [stt, i["procedure_code"], i["procedure_name"], i["agency"], None]
                    rows.append(row)
        blocks.append(
            AnnexTable(header, rows, repeat_header_every=None if file_format == "docx" else 4)
        )
    if file_format == "docx":
        return docx_bytes(blocks)
    return xlsx_bytes({"Phụ lục": blocks})


def write(out: Path) -> list[Path]:
    written = []
    for rel, payload in build(random.Random(SEED)).items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(payload, bytes):
            path.write_bytes(payload)
        else:
            text = json.dumps(payload, ensure_ascii=False, indent=1) + "\n"
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write(Path(sys.argv[1] if len(sys.argv) > 1 else "data/bac-kan-2020-q2")):
        print(p)
