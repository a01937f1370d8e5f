"""How fast signed documents are read on this machine: pages a second for text PDFs (the
table library) and for scans (OCR), measured on the demo decision (``simulator.documents``),
and what a national first pass of every decision's documents would take from those rates.

``python -m bench.documents [--decisions 23039] [--pages 3] [--scanned 0.6] [--repeat 5]``:
prints a table, then JSON as the last line. The estimate is a product of stated assumptions
(pages a decision's documents have, the share that are scans), not a measurement of the portal.
"""

from __future__ import annotations

import argparse
import json
import time

from extractors.annex import AnnexFile
from extractors.pdf import pdf_rows
from simulator.documents import demo_text_pdf, scanned_pdf


def _pages_per_second(document: AnnexFile, pages: int, repeat: int) -> tuple[float, int]:
    started = time.perf_counter()
    rows = 0
    for _ in range(repeat):
        rows = len(pdf_rows(document))
    return pages * repeat / (time.perf_counter() - started), rows


def run(decisions: int, pages: int, scanned: float, repeat: int) -> dict:
    text = demo_text_pdf()
    scan = scanned_pdf(text)
    text_rate, text_rows = _pages_per_second(AnnexFile("text.pdf", "text.pdf", text), 1, repeat)
    scan_rate, scan_rows = _pages_per_second(
        AnnexFile("scan.pdf", "scan.pdf", scan), 1, max(1, repeat // 2)
    )
    total_pages = decisions * pages
    seconds = total_pages * scanned / scan_rate + total_pages * (1 - scanned) / text_rate
    return {
        "text_pdf_pages_per_s": round(text_rate, 2),
        "scanned_pages_per_s": round(scan_rate, 3),
        "rows_read": {"text": text_rows, "scan": scan_rows},
        "assumed": {"decisions": decisions, "pages_each": pages, "scanned_share": scanned},
        "first_pass_hours_one_process": round(seconds / 3600, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--decisions", type=int, default=23_039)  # the portal's listing total
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--scanned", type=float, default=0.6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    figures = run(args.decisions, args.pages, args.scanned, args.repeat)
    print(f"text PDF pages/s   {figures['text_pdf_pages_per_s']:>10}")
    print(f"scanned pages/s    {figures['scanned_pages_per_s']:>10}")
    print(
        f"first pass, hours  {figures['first_pass_hours_one_process']:>10}  ({figures['assumed']})"
    )
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
