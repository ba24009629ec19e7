"""ETags, If-Match and If-None-Match: a client that sends the version it read cannot overwrite a change it has
not seen, and a client that has the current version is answered 304 instead of the body again."""

import hashlib
from datetime import datetime

from app.core.context import current
from app.errors import PreconditionFailed


def make_etag(resource_id: int, updated_at: datetime) -> str:
    return f'W/"{resource_id}-{int(updated_at.timestamp() * 1_000_000)}"'


def content_etag(resource_id: int, content: bytes) -> str:
    """A weak ETag from the representation itself: it changes whenever anything in the answer changes."""
    return f'W/"{resource_id}-{hashlib.sha256(content).hexdigest()[:24]}"'


def _opaque(tag: str) -> str:
    return tag.strip().removeprefix("W/")


def check_if_match(current_etag: str) -> None:
    """412 when the request's If-Match names other versions than the current one. Without If-Match the write
    goes ahead (clients may omit it); `*` matches any version."""
    if_match = current().if_match
    if if_match is None or if_match.strip() == "*":
        return
    if _opaque(current_etag) not in {_opaque(t) for t in if_match.split(",")}:
        raise PreconditionFailed(
            "the resource was changed since you read it: read it again and reapply your change",
            errors=[{"loc": ["header", "If-Match"], "msg": "not the current version"}],
            current_etag=current_etag,
        )


def not_modified(if_none_match: str | None, current_etag: str) -> bool:
    """Whether a GET's If-None-Match is false for the current version, so the answer is 304 (RFC 9110 13.1.2):
    `*` matches any current representation; otherwise any listed tag matches by weak comparison (W/ ignored)."""
    if if_none_match is None:
        return False
    if if_none_match.strip() == "*":
        return True
    return _opaque(current_etag) in {_opaque(t) for t in if_none_match.split(",")}
