"""Paging driven by the totals the server sends. A page that is short, overlaps another or
disagrees with the total is fetched again once, then fails the run."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from extractors.http import ExtractError, Fetched


@dataclass(frozen=True)
class Page:
    """How to read one kind of page: where the rows are and where the total is."""

    rows: Callable[[Any], list[dict]]
    total: Callable[[Any, list[dict]], int]
    position: Callable[[dict], int | None] = lambda row: None  # 1-based, when the rows carry it
    key: Callable[[dict], object] = lambda row: None  # a row's identity, to catch repeated rows


def rest_jsp_page(total_key: str) -> Page:
    """rest.jsp answers: a JSON array whose rows repeat the total and their ``ROW_STT``."""
    return Page(
        rows=lambda data: data,
        total=lambda data, rows: int(rows[0][total_key]) if rows else 0,
        position=lambda row: int(row["ROW_STT"]) if "ROW_STT" in row else None,
        key=_safe(lambda row: row.get("ID") or row.get("TTHC_MA")),
    )


def feed_page(rows_key: str, key: Callable[[dict], object]) -> Page:
    """Our province feed and statistics: ``{"total": N, <rows_key>: [...]}``; ``key``: a row's
    identity (a decision's ``decision_id``; a Form 06 row's number and agency)."""

    def rows(data: Any) -> list[dict]:
        found = data[rows_key]
        if not isinstance(found, list):
            raise TypeError(f"{rows_key!r} is {type(found).__name__}, not a list")
        return found

    return Page(rows=rows, total=lambda data, rows: int(data["total"]), key=_safe(key))


def _safe(key: Callable[[dict], object]) -> Callable[[dict], object]:
    """``key`` of a row that may not be a record, or may lack the fields (None: no identity;
    the transform holds such rows)."""

    def safe(row: dict) -> object:
        try:
            found = key(row)
        except (KeyError, TypeError, AttributeError):
            return None
        return None if found is None else repr(found)

    return safe


def paginate(
    fetch: Callable[[int], Fetched], page: Page, page_size: int, what: str
) -> Iterator[Fetched]:
    """Yield every page from 1 to the last one the total implies, each one checked."""
    index, total, seen = 1, None, set()
    while True:
        fetched = _checked(fetch, index, page, page_size, total, what, seen)
        seen.update(k for k in map(page.key, page.rows(fetched.data)) if k is not None)
        if total is None:
            total = page.total(fetched.data, page.rows(fetched.data))
        yield fetched
        if index * page_size >= total:
            return
        index += 1


def _checked(fetch, index, page: Page, size, total, what, seen: set) -> Fetched:
    problem = ""
    for _ in range(2):
        fetched = fetch(index)
        try:
            rows = page.rows(fetched.data)
            seen_total = page.total(fetched.data, rows)
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            problem = f"page {index} has no readable rows or total ({exc!r})"
            continue
        expected_total = seen_total if total is None else total
        expected_rows = max(0, min(size, expected_total - (index - 1) * size))
        positions = [page.position(r) for r in rows]
        if rows and seen_total != expected_total:
            problem = f"page {index} says the total is {seen_total}, page 1 said {expected_total}"
        elif len(rows) != expected_rows:
            problem = (
                f"page {index} has {len(rows)} rows, the total {expected_total} "
                f"implies {expected_rows}"
            )
        elif any(
            p is not None and p != (index - 1) * size + i + 1 for i, p in enumerate(positions)
        ):
            problem = f"page {index} rows are not numbered {(index - 1) * size + 1}.. (ROW_STT)"
        elif repeated := [k for k in map(page.key, rows) if k is not None and k in seen]:
            problem = f"page {index} repeats rows of earlier pages ({repeated[:3]})"
        else:
            return fetched
    raise ExtractError(what, fetched.params, problem)
