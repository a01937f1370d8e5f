"""What the ``tthc`` command's arguments accept, checked by argparse before any work starts,
and the examples its ``--help`` shows."""

from __future__ import annotations

import argparse
from datetime import date, datetime

from reconcile.calendar import period_bounds

# What ``--help`` shows, in this order on the bundled data (``make run`` serves it; a test runs
# every line against the simulator, so an example that stops working fails CI).
EXAMPLES = [
    "tthc db upgrade",
    "tthc sync publications --province 06",
    "tthc sync dossier-stats --province 06 --period 2020-Q2",
    "tthc sync national --agency-id 382005 --since 01/04/2020",
    "tthc reconcile --province 06 --period 2020-Q2",
    "tthc report quarterly --province 06 --period 2020-Q2 --as-of 2020-06-30",
    "tthc report quarterly --province 06 --period 2020-Q2 --format html --out q2.html",
    "tthc report validation --html",
    "tthc mirror stats",
    "tthc mirror procedure 2.000432 --province 06 --as-of 01/04/2020",
]
DAY_FORMATS = ("%Y-%m-%d", "%d/%m/%Y")  # ISO, and as Vietnamese documents write dates


def day_arg(text: str) -> date:
    """A date as ``2020-05-01`` or ``01/05/2020`` (day first, as Vietnamese documents write it)."""
    for fmt in DAY_FORMATS:
        try:
            return datetime.strptime(text.strip(), fmt).date()
        except ValueError:
            continue
    raise argparse.ArgumentTypeError(f"not a date: {text!r} (use 2020-05-01 or 01/05/2020)")


def period_arg(text: str) -> str:
    """A reporting period such as ``2020-Q2``, checked before any work starts."""
    try:
        period_bounds(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text


def with_examples(parser: argparse.ArgumentParser, command: str = "") -> None:
    """Show the examples of ``command`` (all of them for the top level) under ``--help``."""
    lines = [e for e in EXAMPLES if e.startswith(f"tthc {command}".rstrip())]
    parser.epilog = "\n".join(
        [
            "examples, on the bundled data served by `tthc simulator serve --data "
            "data/bac-kan-2020-q2`",
            "(with TTHC_NATIONAL_PORTAL_URL=http://127.0.0.1:8765; the feed's default is there):",
            *(f"  {line}" for line in lines),
        ]
    )
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
