"""Cursor pagination: ``?limit=`` (1..200, default 50) and an opaque ``?cursor=`` over a descending id."""
from __future__ import annotations

import base64
import json

from marshmallow import Schema, fields, validate
from sqlalchemy import Select

from saas.errors import ValidationFailed


class PageArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None)


def page_of(item: type[Schema], name: str) -> type[Schema]:
    """The body of a cursor-paginated list, ``{"items": [...], "next_cursor": "..." | null}``; ``name`` becomes
    the schema's name in the OpenAPI document."""
    return type(name, (Schema,), {"items": fields.List(fields.Nested(item)),
                                  "next_cursor": fields.String(allow_none=True)})


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"id": last_id}).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded))["id"]
        if not isinstance(value, int):
            raise ValueError
        return value
    except Exception:
        raise ValidationFailed("The cursor is not valid.", errors={"cursor": ["Not a cursor from this API."]})


def paginate(session, stmt: Select, id_column, limit: int, cursor: str | None) -> tuple[list, str | None]:
    """Newest first; returns (rows, next_cursor)."""
    if cursor:
        stmt = stmt.where(id_column < decode_cursor(cursor))
    rows = list(session.scalars(stmt.order_by(id_column.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1].id) if more and rows else None)
