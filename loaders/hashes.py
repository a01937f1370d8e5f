"""What the mirror holds, by key and content hash: how an incremental listing tells the rows
that changed at the source from those it already has, without loading either."""

from __future__ import annotations

from sqlalchemy import Connection, Table, select


def content_hashes(conn: Connection, table: Table, key: str, values: list[str]) -> dict[str, str]:
    """The content hash of each row of ``table`` whose ``key`` column is in ``values``."""
    if not values:
        return {}
    column = table.c[key]
    query = select(column, table.c.content_hash).where(column.in_(values))
    return dict(conn.execute(query).all())
