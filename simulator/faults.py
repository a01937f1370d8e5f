"""The simulator's fault switches (``FaultRule``), for tests and demos: what a misbehaving
source does, per service, for the first N requests or every Nth one."""

from __future__ import annotations

import threading
from dataclasses import dataclass


@dataclass
class FaultRule:
    """One misbehaviour, for requests to ``service`` (a rest.jsp service, ``feed``, ``stats`` or
    ``*``). It applies to the first ``first_n`` matching requests, or to every ``every_nth`` one,
    or, with neither set, to all of them."""

    service: str = "*"
    status: int | None = None  # answer this HTTP status instead of the data
    retry_after: int | None = None  # with a status: the Retry-After header, in seconds
    delay_s: float = 0.0  # answer this much later (beyond a client timeout: a timeout)
    drip_s: float = 0.0  # send the body a byte at a time, this long apart
    truncate: bool = False  # cut the body short: not JSON any more
    reset: bool = False  # send half the body, then reset the connection
    charset: str = ""  # encode the body so (e.g. utf-16), and say so in Content-Type
    body: str | None = None  # send this body instead of the data (status 200)
    short_page: bool = False  # drop the last row of a page of two rows or more
    repeat_page: bool = False  # answer page 1 whatever page was asked
    shift_page: bool = False  # answer pages from one row earlier (a row added meanwhile)
    empty: bool = False  # answer no rows, and a total of 0
    rename: str = ""  # "OLD:NEW": every row's field OLD sent as NEW
    drop_field: str = ""  # every row without this field
    null_field: str = ""  # every row with this field null
    first_n: int = 0
    every_nth: int = 0

    def rows(self, rows: list[dict]) -> list[dict]:
        """The page's rows as this rule changes them."""
        if self.empty:
            return []
        if self.rename:
            old, _, new = self.rename.partition(":")
            rows = [{(new if k == old else k): v for k, v in r.items()} for r in rows]
        if self.drop_field:
            rows = [{k: v for k, v in r.items() if k != self.drop_field} for r in rows]
        if self.null_field:
            rows = [{**r, self.null_field: None} for r in rows if isinstance(r, dict)]
        return rows

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``service=get_procedures_by_dp_id_service_v2,status=503,first_n=2`` and the like."""
        kwargs: dict[str, object] = {}
        for part in filter(None, spec.split(",")):
            key, _, value = part.partition("=")
            kind = cls.__dataclass_fields__[key.strip()].type
            value = value.strip()
            if "bool" in kind:
                kwargs[key.strip()] = value.lower() in ("1", "true", "yes", "")
            elif "float" in kind:
                kwargs[key.strip()] = float(value)
            elif "int" in kind:
                kwargs[key.strip()] = int(value)
            else:
                kwargs[key.strip()] = value
        return cls(**kwargs)


class Faults:
    """The fault rules in force, with a request counter per rule."""

    def __init__(self, *rules: FaultRule) -> None:
        self.rules = list(rules)
        self._counts = [0] * len(self.rules)
        self._lock = threading.Lock()

    def active(self, service: str) -> list[FaultRule]:
        active = []
        with self._lock:
            for i, rule in enumerate(self.rules):
                if rule.service not in ("*", service):
                    continue
                self._counts[i] += 1
                n = self._counts[i]
                if rule.first_n:
                    applies = n <= rule.first_n
                elif rule.every_nth:
                    applies = n % rule.every_nth == 0
                else:
                    applies = True
                if applies:
                    active.append(rule)
        return active


def changed_payload(payload, rule: FaultRule):
    """``payload`` with ``rule``'s changes to its rows (and, for an empty page, its total)."""
    if isinstance(payload, list):
        if rule.short_page and len(payload) > 1:
            # A page of one row emptied would look like an empty list, which rest.jsp cannot
            # tell apart (it sends the total on rows only): a short page keeps a row.
            payload = payload[:-1]
        return rule.rows(payload)
    rows_key = "decisions" if "decisions" in payload else "rows"
    changed = {**payload, rows_key: rule.rows(payload.get(rows_key) or [])}
    if rule.short_page and len(changed[rows_key]) > 1:
        changed[rows_key] = changed[rows_key][:-1]
    return {**changed, "total": 0} if rule.empty else changed
