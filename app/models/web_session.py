"""Sessions of the web interface: a signed-in person's role and department, kept on the server.

The browser holds only a random session id in an HttpOnly cookie; the table keeps its SHA-256, so a copy of the
database signs nobody in. A session lives while it is used: it ends after WEB_SESSION_IDLE_MINUTES without a
request, at sign-out, and when the API token it was opened with is revoked."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class WebSession(SQLModel, table=True):
    __tablename__ = "web_session"

    # SHA-256 (hex) of the session id the cookie carries
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    # The API token signed in with (its revocation ends the session); null for other sign-ins (OIDC, part 2)
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
