"""``INSERT … ON CONFLICT DO NOTHING`` on both backends, for rows that racing transactions may both create.

A plain INSERT would make the loser's whole transaction fail on the unique index (on PostgreSQL it even
waits for the winner first); ignoring the conflict lets the loser carry on with the winner's row.
"""
from __future__ import annotations

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert


def insert_ignoring_conflict(session, table, values: dict, index_elements: list[str], index_where=None):
    """Insert ``values`` unless a row with the same unique key exists; returns the new id or None."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    stmt = (insert(table).values(**values)
            .on_conflict_do_nothing(index_elements=index_elements, index_where=index_where)
            .returning(table.c.id))
    return session.execute(stmt).scalar()
