"""The idempotency store: a request sent with an `Idempotency-Key` is applied once; a retry with the same key
and the same request gets the first answer again (`Idempotent-Replayed: true`), never a second write.

Rules, the same for the bulk import and for every POST that creates something:

- A key belongs to the principal that used it: its identity (token id, OIDC subject) and its rights (role and
  department). The same key from another principal is another key, so nobody is answered from someone else's
  request. A replay passes the same authentication and role check as a first request (the router's), and is
  given only to a principal that holds the rights the first request was decided with.
- The same key with another request (another operation, path or body) is refused (422), as is a key reused
  across operations.
- Only a successful answer is stored, in the same transaction as the change it answers for; a refused request
  stores nothing, so it can be corrected and sent again with the same key.
- Concurrent requests with one key are applied once: the write transaction takes a lock on the key (on
  PostgreSQL a transaction-scoped advisory lock; SQLite's write lock serialises writes anyway) before it looks
  the key up, so the others wait, then find the stored answer and replay it.

How a creating service is wrapped (`run`): `begin_write()` (app/db.py) calls the guard as the write transaction
begins, which takes the lock and looks the key up; the service's own `commit()` is held until the answer is
stored beside its change, and then commits both."""

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from app.core.context import Principal, current
from app.db import WRITE_GUARD
from app.errors import Conflict, IdempotencyMismatch
from app.models.idempotency import IdempotencyKey
from app.models.types import utcnow

T = TypeVar("T")
HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
KEPT_HEADERS = ("Location", "ETag")  # the headers of a stored answer that a replay repeats


@dataclass
class Stored:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class KeyedRequest:
    """A request sent with an Idempotency-Key: the key, the operation it was used for, a hash of the request."""

    key: str
    scope: str
    request_hash: str


def principal_key(principal: Principal | None = None) -> str:
    """Whom a key belongs to: the principal's identity and the rights it holds, e.g. `token:17/editor:BKF`."""
    principal = principal or current().principal
    identity = principal.id or f"{principal.source}:{principal.actor}"
    rights = principal.role + (f":{principal.department}" if principal.department else "")
    return f"{identity}/{rights}"[:200]


def request_hash(*parts: str | bytes) -> str:
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return digest.hexdigest()


def canonical_json(body: bytes) -> bytes:
    """A JSON body in one spelling (keys sorted, no spaces), so that a retry that serialises the same request
    differently is the same request; anything else as it is."""
    try:
        return json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return body


def lookup(session: Session, key: str, scope: str, hash_: str) -> Stored | None:
    """The stored answer of the current principal's key; None when it has none; 422 when the key was used for
    another request."""
    row = session.execute(
        select(IdempotencyKey).where(col(IdempotencyKey.principal) == principal_key(), col(IdempotencyKey.key) == key)
    ).scalar_one_or_none()
    if row is None:
        return None
    if row.scope != scope or row.request_hash != hash_:
        raise IdempotencyMismatch(
            "this Idempotency-Key was used for a different request; use a new key for new content",
            errors=[{"loc": ["header", HEADER], "msg": "already used with another request"}],
        )
    headers = json.loads(row.response_headers) if row.response_headers else {}
    return Stored(status=row.status_code, body=json.loads(row.response_body), headers=headers)


def remember(session: Session, key: str, scope: str, hash_: str, answer: Stored) -> None:
    """Store the answer under the current principal's key, in the session's (write) transaction."""
    session.add(
        IdempotencyKey(
            principal=principal_key(),
            key=key,
            scope=scope,
            request_hash=hash_,
            status_code=answer.status,
            response_body=json.dumps(answer.body, ensure_ascii=False),
            response_headers=json.dumps(answer.headers) if answer.headers else None,
            created_at=utcnow(),
        )
    )


def lock(session: Session, key: str) -> None:
    """Hold the current principal's key until the transaction ends (PostgreSQL). On SQLite the write
    transaction (BEGIN IMMEDIATE) already excludes every other writer."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.sha256(f"{principal_key()}\0{key}".encode()).digest()
    session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": int.from_bytes(digest[:8], "big", signed=True)})


class _Replay(Exception):
    def __init__(self, stored: Stored):
        super().__init__("replay")
        self.stored = stored


class _Guard:
    """Lives in `session.info` while an idempotent write runs; `begin_write()` and `commit()` consult it."""

    def __init__(self, request: KeyedRequest):
        self.request = request
        self.active = False  # a write transaction has begun and holds the key
        self.holding = True  # the service's commit() only flushes: the answer is stored first

    def begin(self, session: Session) -> None:
        lock(session, self.request.key)
        stored = lookup(session, self.request.key, self.request.scope, self.request.request_hash)
        if stored is not None:
            raise _Replay(stored)
        self.active = True


def run(session: Session, request: KeyedRequest, write: Callable[[], T], answer: Callable[[T], Stored]) -> tuple:
    """Apply `write` once for this key: (its result, False) the first time, (the stored answer, True) on a retry.

    `write` is a creating service call that begins its transaction with begin_write() and commits;
    `answer` turns its result into what is stored (status, JSON body, headers)."""
    guard = _Guard(request)
    session.info[WRITE_GUARD] = guard
    try:
        try:
            result = write()
        except _Replay as replay:
            session.rollback()
            return replay.stored, True
        if not guard.active:
            raise RuntimeError("an idempotent write must begin its transaction with begin_write()")
        guard.holding = False
        remember(session, request.key, request.scope, request.request_hash, answer(result))
        try:
            session.commit()
        except IntegrityError:
            # Not expected (the key is locked), but if two writers did meet: answer what the other answered.
            session.rollback()
            stored = lookup(session, request.key, request.scope, request.request_hash)
            if stored is None:
                raise Conflict("the request clashed with a change made at the same time; send it again") from None
            return stored, True
        return result, False
    finally:
        session.info.pop(WRITE_GUARD, None)
