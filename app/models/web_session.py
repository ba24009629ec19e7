"""Sessions of the web interface: a signed-in person's role and department, kept on the server.

The browser holds only a random session id in an HttpOnly cookie; the table keeps its SHA-256, so a copy of the
database signs nobody in. A session lives while it is used: it ends after WEB_SESSION_IDLE_MINUTES without a
request, at sign-out, and when the API token it was opened with is revoked.

A sign-in with Microsoft (OIDC) in progress is a row of its own between the redirect to the identity provider and
its answer: the values the answer must match (state, nonce) and the PKCE verifier, found again through a random
id in a short-lived cookie, so that only the browser that started the sign-in can finish it, and only once."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    # SHA-256 (hex) of the session id the cookie carries
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    # The API token signed in with (its revocation ends the session); null for a sign-in with OIDC
    api_token_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("api_token.id"), nullable=True, index=True)
    )
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    role: str = Field(sa_column=Column(String(20), nullable=False))
    department_code: str | None = Field(default=None, sa_column=Column(String(10), nullable=True))
    # Per-session token every form carries back in a hidden field (checked on each POST)
    csrf_token: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))


class OidcSignIn(SQLModel, table=True):
    __tablename__ = "oidc_sign_in"

    # SHA-256 (hex) of the random id the sign-in cookie carries
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    # Sent to the identity provider, which sends it back with the code
    state: str = Field(sa_column=Column(String(64), nullable=False))
    # Sent to the identity provider, which puts it in the ID token
    nonce: str = Field(sa_column=Column(String(64), nullable=False))
    # PKCE: its S256 hash went with the authorization request; it goes itself only with the code to the token endpoint
    code_verifier: str = Field(sa_column=Column(String(128), nullable=False))
    redirect_uri: str = Field(sa_column=Column(String(2000), nullable=False))
    # The page of this site to show after signing in
    next_path: str = Field(sa_column=Column(String(2000), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
