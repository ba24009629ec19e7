"""Opaque cursors for paged lists, in URL-safe base64.

- Lists paged by id: "<kind>:<last id>". The kind keeps a cursor of one list from being replayed against
  another.
- Lists with a choice of sort (keyset paging): the sort, the last row's sort value and its id, as JSON. The sort
  key is `id`, a text column (`name`) or a timestamp; rows are ordered by it and then by id."""

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_

from app.errors import BadRequest
from app.models.types import MAX_ID


def encode_id_cursor(kind: str, last_id: int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{last_id}".encode()).decode().rstrip("=")


def decode_id_cursor(kind: str, cursor: str) -> int:
    """The last id a cursor of this kind names; 400 naming `cursor` for anything else."""
    try:
        prefix, _, value = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode().partition(":")
        last_id = int(value)
        if prefix != kind or not 0 < last_id <= MAX_ID:
            raise ValueError
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BadRequest(
            "the cursor is not valid; use the next_cursor of a previous page",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
        ) from None


# --- keyset paging -----------------------------------------------------------------------------------------


def keyset_order(stmt, columns: Mapping[str, Any], sort: str, cursor: str | None, *, id_column):
    """`stmt` ordered by `sort` (a key of `columns`, "-" before it for descending) and then by id, starting
    after the row the cursor names. Fetch one row more than the page holds and hand the rows to keyset_page."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    sort_col = columns[key]
    if cursor:
        value, last_id = decode_keyset_cursor(cursor, sort)
        if key == "id":
            stmt = stmt.where(id_column < last_id if descending else id_column > last_id)
        elif descending:
            stmt = stmt.where(or_(sort_col < value, and_(sort_col == value, id_column < last_id)))
        else:
            stmt = stmt.where(or_(sort_col > value, and_(sort_col == value, id_column > last_id)))
    order = [sort_col.desc(), id_column.desc()] if descending else [sort_col.asc(), id_column.asc()]
    if key == "id":
        order = order[:1]
    return stmt.order_by(*order)


def keyset_page(rows: Sequence[Any], sort: str, limit: int) -> tuple[Sequence[Any], str | None]:
    """The page (the first `limit` of the up to limit + 1 rows fetched) and the cursor of the next page, None
    when this is the last."""
    has_more = len(rows) > limit
    rows = rows[:limit]
    if not (has_more and rows):
        return rows, None
    last = rows[-1]
    return rows, encode_keyset_cursor(sort, getattr(last, sort.lstrip("-")), last.id)


def encode_keyset_cursor(sort: str, value: Any, last_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps({"s": sort, "v": value, "id": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_keyset_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    """The sort value and id of the row a cursor names; 400 naming `cursor` for a cursor of another sort or
    anything that is not a cursor."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        value, last_id = data["v"], data["id"]
        if data["s"] != sort:
            raise BadRequest(
                f"the cursor belongs to sort={data['s']!r}, not {sort!r}; start again without a cursor",
                errors=[{"loc": ["query", "cursor"], "msg": "cursor was made for another sort order"}],
            )
        if not isinstance(last_id, int) or isinstance(last_id, bool) or not 1 <= last_id <= MAX_ID:
            raise ValueError
        key = sort.lstrip("-")
        if key == "id":
            value = last_id
        elif key == "name":
            if not isinstance(value, str):
                raise ValueError
        else:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
        return value, last_id
    except BadRequest:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(
            "the cursor is not valid; use the next_cursor of a previous page",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
        ) from None
