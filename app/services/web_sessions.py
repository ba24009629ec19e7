"""Server-side sessions of the web interface: sign in with a personal API token (or, through services.oidc_sign_in,
with the OIDC identity provider), look a session up, sign out.

The principal of a session is the one the API would see for the same token (services.auth.authenticate), so
the web has the same roles and department scope. Session rows are bookkeeping, not registry data: they are
written through the session's connection, below the ORM, so that they do not give the data a new version (which
would empty the read caches on every page view)."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session, col

from app.config import get_settings
from app.core.context import Principal
from app.errors import Unauthorized
from app.models.auth import ApiToken
from app.models.types import utcnow
from app.models.web_session import WebSession
from app.services.auth import authenticate, hash_token

# A session's last use is written at most this often (a page view is then usually a read only).
TOUCH_EVERY = timedelta(seconds=60)


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    csrf_token: str
    last_seen_at: datetime


def key_of(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def idle_limit() -> timedelta:
    return timedelta(minutes=get_settings().web_session_idle_minutes)


def sign_in(session: Session, token: str) -> tuple[str, SignedIn]:
    """A new session for a personal token: (the session id for the cookie, who is signed in). 401 when the token
    is empty, unknown or revoked."""
    token = token.strip()
    principal = authenticate(session, f"Bearer {token}") if token else None
    if principal is None:
        raise Unauthorized("give your personal token")
    token_id = None
    if principal.source == "token":
        token_id = session.execute(
            select(col(ApiToken.id)).where(col(ApiToken.token_hash) == hash_token(token))
        ).scalar_one()
    return start(session, principal, api_token_id=token_id)


def start(session: Session, principal: Principal, *, api_token_id: int | None = None) -> tuple[str, SignedIn]:
    """A new session for somebody already authenticated (by token, or by the identity provider): (the session id
    for the cookie, who is signed in)."""
    session_id, csrf, now = secrets.token_urlsafe(32), secrets.token_urlsafe(32), utcnow()
    connection = session.connection()
    # Sessions idle past the limit are of no use to anybody: cleared whenever somebody signs in.
    connection.execute(delete(WebSession.__table__).where(WebSession.__table__.c.last_seen_at < now - idle_limit()))
    connection.execute(
        insert(WebSession.__table__).values(
            id=key_of(session_id),
            api_token_id=api_token_id,
            actor=principal.actor[:200],
            role=principal.role,
            department_code=principal.department,
            csrf_token=csrf,
            created_at=now,
            last_seen_at=now,
        )
    )
    session.commit()
    return session_id, SignedIn(principal=principal, csrf_token=csrf, last_seen_at=now)


def load(session: Session, session_id: str | None) -> SignedIn | None:
    """Who a session id signs in, and its form token; None when there is no such session, it has been idle too
    long, or its token has been revoked since. Its last use is recorded."""
    if not session_id or len(session_id) > 200:
        return None
    table, tokens = WebSession.__table__, ApiToken.__table__
    row = session.execute(
        select(table, tokens.c.revoked_at)
        .outerjoin(tokens, tokens.c.id == table.c.api_token_id)
        .where(table.c.id == key_of(session_id))
    ).one_or_none()
    if row is None:
        return None
    now = utcnow()
    last_seen = row.last_seen_at
    if row.revoked_at is not None or last_seen < now - idle_limit():
        session.connection().execute(delete(table).where(table.c.id == row.id))
        session.commit()
        return None
    if now - last_seen >= TOUCH_EVERY:
        session.connection().execute(update(table).where(table.c.id == row.id).values(last_seen_at=now))
        session.commit()
        last_seen = now
    principal = Principal(actor=row.actor, role=row.role, department=row.department_code, source="web")
    return SignedIn(principal=principal, csrf_token=row.csrf_token, last_seen_at=last_seen)


def sign_out(session: Session, session_id: str | None) -> None:
    if not session_id:
        return
    table = WebSession.__table__
    session.connection().execute(delete(table).where(table.c.id == key_of(session_id)))
    session.commit()


def csrf_matches(signed_in: SignedIn, sent: str | None) -> bool:
    return bool(sent) and secrets.compare_digest(signed_in.csrf_token.encode(), str(sent).encode())
