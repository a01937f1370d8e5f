"""What the mirror holds, by key and content hash: how an incremental listing tells the rows
that changed at the source from those it already has, without loading either."""

from __future__ import annotations

from sqlalchemy import Connection, Table, func, select


def content_hashes(conn: Connection, table: Table, key: str, values: list[str]) -> dict[str, str]:
    """The content hash of each row of ``table`` whose ``key`` column is in ``values``."""
    if not values:
        return {}
    column = table.c[key]
    query = select(column, table.c.content_hash).where(column.in_(values))
    return dict(conn.execute(query).all())


def rows_held(conn: Connection, table: Table, column: str | None = None, value: str = "") -> int:
    """How many rows ``table`` holds (where ``column`` is ``value``, if given): what a listing
    that suddenly answers empty is measured against."""
    query = select(func.count()).select_from(table)
    if column:
        query = query.where(table.c[column] == value)
    return int(conn.scalar(query) or 0)


def rows_held_by(
    conn: Connection, table: Table, column: str, value: str, by: str
) -> dict[str, int]:
    """``rows_held`` where ``column`` is ``value``, counted by the values of ``by``."""
    query = select(table.c[by], func.count()).where(table.c[column] == value).group_by(table.c[by])
    return {str(key): int(n) for key, n in conn.execute(query)}
