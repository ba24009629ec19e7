"""Opaque cursors for lists paged by id: "<kind>:<last id>" in URL-safe base64. The kind keeps a cursor of
one list from being replayed against another."""

import base64
import binascii

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
