"""The quarterly report as files auditors can open: HTML (printable, everything from sources
escaped), Excel (a summary sheet and one sheet per class) and CSV (the reconciled items)."""

from __future__ import annotations

import io
import json
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from reconcile.classify import UNMATCHED_COLUMNS

HEADLINES = [
    ("publication_decisions", "Publication decisions (Quyết định công bố)"),
    ("procedures_published", "Procedures published (TTHC được công bố)"),
    ("workflow_decisions", "Internal-workflow decisions (Quyết định quy trình nội bộ)"),
    ("workflows_approved", "Internal workflows approved (quy trình nội bộ)"),
    ("procedures_publicized", "Procedures publicized on the national database (công khai)"),
    ("dossiers_received", "Dossiers received (hồ sơ tiếp nhận)"),
    ("dossiers_resolved", "Dossiers resolved (đã giải quyết)"),
    ("dossiers_in_progress", "Dossiers in progress (đang giải quyết)"),
    ("dossiers_online", "Dossiers received online (trực tuyến)"),
]
ITEM_COLUMNS = [
    "province_code",
    "number_norm",
    "decision_title",
    "procedure_code",
    "procedure_name",
    "action",
    "signed_date",
    "deadline",
    "publicized_date",
    "days_late",
    "match_method",
    "match_score",
    "published_in_time",
    "class",
]
FINDING_COLUMNS = ["province", "check", "agency", "detail"]


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, ensure_ascii=False, indent=2)


def to_csv(report: dict[str, Any]) -> str:
    return pd.DataFrame(report["reconciliation"]["items"]).to_csv(index=False)


def to_xlsx(report: dict[str, Any]) -> bytes:
    buffer = io.BytesIO()
    items = pd.DataFrame(report["reconciliation"]["items"])
    summary = pd.DataFrame(
        [(label, report[key]) for key, label in HEADLINES]
        + [(f"class: {name}", n) for name, n in report["reconciliation"]["classes"].items()],
        columns=["figure", "value"],
    )
    with pd.ExcelWriter(buffer, engine="openpyxl") as xlsx:
        summary.to_excel(xlsx, sheet_name="Summary", index=False)
        for name in report["reconciliation"]["classes"]:
            rows = items[items["class"] == name] if not items.empty else items
            rows.reindex(columns=ITEM_COLUMNS).to_excel(xlsx, sheet_name=name[:31], index=False)
        pd.DataFrame(report["reconciliation"]["unmatched_national"]).to_excel(
            xlsx, sheet_name="unmatched_national", index=False
        )
        pd.DataFrame(report["dossier_findings"], columns=FINDING_COLUMNS).to_excel(
            xlsx, sheet_name="dossier_findings", index=False
        )
        _provenance_frame(report).to_excel(xlsx, sheet_name="Sources", index=False)
    return buffer.getvalue()


def _provenance_frame(report: dict[str, Any]) -> pd.DataFrame:
    """For each figure, the runs and the source records (decisions, agencies) behind it."""
    return pd.DataFrame(
        [
            (
                label,
                report[key],
                ", ".join(report["provenance"][key]["runs"]),
                ", ".join(report["provenance"][key]["records"]),
            )
            for key, label in HEADLINES
        ],
        columns=["figure", "value", "runs", "records"],
    )


def _bar_chart(classes: dict[str, int]) -> str:
    width, bar_h, top = 360, 22, max(classes.values(), default=0) or 1
    bars = []
    for i, (name, n) in enumerate(classes.items()):
        y = i * (bar_h + 6)
        bars.append(
            f'<text x="0" y="{y + 15}" font-size="12">{escape(name)}</text>'
            f'<rect x="220" y="{y}" width="{max(1, round(width * n / top))}" height="{bar_h}" '
            f'class="bar"/><text x="{226 + round(width * n / top)}" y="{y + 15}" '
            f'font-size="12">{n}</text>'
        )
    height = len(classes) * (bar_h + 6)
    return (
        f'<svg role="img" aria-label="Items per class" width="{width + 280}" '
        f'height="{height}">{"".join(bars)}</svg>'
    )


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{escape('' if r.get(c) is None else str(r.get(c)))}</td>" for c in columns)
        + "</tr>"
        for r in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(report: dict[str, Any]) -> str:
    rec = report["reconciliation"]
    title = (
        f"Administrative procedure control — {report['province_name']} "
        f"({report['province']}), {report['period']}"
    )
    figures = "".join(
        f"<tr><th>{escape(label)}</th><td class='num'>{report[key]:,}</td></tr>"
        for key, label in HEADLINES
    )
    sections = []
    for name, n in rec["classes"].items():
        rows = [r for r in rec["items"] if r["class"] == name]
        sections.append(
            f"<details{' open' if n and 'publicized_on_time' != name else ''}>"
            f"<summary>{escape(name)} ({n})</summary>"
            f"{_table(rows, ITEM_COLUMNS)}</details>"
        )
    unmatched = _table(rec["unmatched_national"], ["province_code", *UNMATCHED_COLUMNS])
    sources = _table(
        _provenance_frame(report).to_dict("records"), ["figure", "value", "runs", "records"]
    )
    findings = _table(report["dossier_findings"], FINDING_COLUMNS)
    lead = report["publication_timeliness"]
    late = _table(
        lead["late_decisions"],
        ["province_code", "number_raw", "signed_date", "basis_effective_date", "lead_working_days"],
    )
    included = ", ".join(escape(p) for p in report["provinces_included"])
    missing = "".join(
        f'<p class="warning">Not in this report: {escape(m)}.</p>'
        for c in report["coverage"].values()
        for m in c["missing"]
    )
    return _page(
        title,
        f"""
<p>Period {escape(report["period_start"])} to {escape(report["period_end"])}
(reporting calendar: {escape(report["reporting_calendar"])}); provinces {included};
reconciliation as of {escape(report["as_of"])}; publicizing deadline
{rec["deadline_working_days"]} working days after signing.</p>
{missing}
<h2>Headline figures</h2><table>{figures}</table>
<h2>Published against publicized</h2>{_bar_chart(rec["classes"])}
{"".join(sections)}
<h2>Publicized with no province decision found ({len(rec["unmatched_national"])})</h2>
{unmatched}
<h2>Publication lead time (Decree 63: {lead["lead_working_days"]} working days)</h2>
<p>{lead["on_time"]} decisions in time, {lead["late"]} late, {lead["unknown"]} without the
underlying document's date.</p>{late}
<h2>Dossier statistics findings ({len(report["dossier_findings"])})</h2>
{findings}
<h2>Sources of each figure</h2>{sources}""",
    )


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; }
table { border-collapse: collapse; margin: .5rem 0 1.5rem; font-size: 13px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { fill: #2a6fb0; } summary { cursor: pointer; font-weight: 600; margin: .4rem 0; }
.ok { color: #1b7a2f; } .failed { color: #b3261e; font-weight: 600; } .warning { color: #8a5a00; }
pre { white-space: pre-wrap; margin: 0; font-size: 12px; }
@media print { details { display: block; } details > * { display: block; } }
"""


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html>\n<html lang="vi"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
        f"<h1>{escape(title)}</h1>{body}\n</body></html>\n"
    )


def _reason(reason: dict[str, Any]) -> str:
    return escape(f"{reason['expectation']}: {reason['reason']}")


def validation_html(report: dict[str, Any], data_docs_href: str | None) -> str:
    """The auditors' page for one run: what was checked, what failed, what was held back."""
    suites = []
    for suite in report["suites"]:
        failed = [r for r in suite["results"] if not r["success"]]
        status = "ok" if suite["success"] else "failed"
        rows = "".join(
            f"<tr><td>{escape(r['expectation'])}</td><td>{escape(r['column'] or '')}</td>"
            f"<td class='{'warning' if r['severity'] == 'warning' else ''}'>"
            f"{escape(r['severity'])}</td>"
            f"<td class='{'ok' if r['success'] else 'failed'}'>"
            f"{'passed' if r['success'] else 'failed'}</td>"
            f"<td class='num'>{r['unexpected_count']:,} / {r['element_count']:,}</td>"
            f"<td>{escape(r['reason'] or '')}</td></tr>"
            for r in suite["results"]
        )
        suites.append(
            f"<details{' open' if failed else ''}><summary>{escape(suite['name'])}: "
            f"<span class='{status}'>{status}</span> ({len(suite['results'])} expectations, "
            f"{len(failed)} not met)</summary><table><thead><tr><th>expectation</th>"
            f"<th>column</th><th>severity</th><th>result</th><th>rows failing / checked</th>"
            f"<th>what it checks</th></tr></thead><tbody>{rows}</tbody></table></details>"
        )
    held = []
    for dataset, q in report["quarantined"].items():
        rows = "".join(
            f"<tr><td>{escape(i['row_key'])}</td><td>{escape(i['source_ref'])}</td>"
            f"<td>{'<br>'.join(_reason(r) for r in i['reasons'])}</td>"
            f"<td><pre>{escape(json.dumps(i['row'], ensure_ascii=False, indent=1))}</pre>"
            f"</td></tr>"
            for i in q["items"]
        )
        held.append(
            f"<h3>{escape(dataset)} ({q['rows']})</h3><table><thead><tr><th>row</th>"
            f"<th>source</th><th>expectations failed</th><th>row as received</th></tr></thead>"
            f"<tbody>{rows}</tbody></table>"
        )
    docs = (
        f'<p><a id="data-docs" href="{escape(data_docs_href)}">Great Expectations Data Docs '
        f"for this run</a></p>"
        if data_docs_href
        else "<p>No Data Docs were written.</p>"
    )
    return _page(
        f"Validation of run {report['run_id']}",
        f"""
{docs}
<h2>Suites</h2>{"".join(suites)}
<h2>Rows held back in quarantine</h2>
{"".join(held) or "<p>None.</p>"}""",
    )


WRITERS = {"json": to_json, "html": to_html, "csv": to_csv, "xlsx": to_xlsx}


def write_report(report: dict[str, Any], fmt: str, out: Path) -> Path:
    content = WRITERS[fmt](report)
    out.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        out.write_bytes(content)
    else:
        out.write_text(content, encoding="utf-8")
    return out
