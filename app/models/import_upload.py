"""A file uploaded on the web import page, kept between its dry run and its application ("Anvend").

The browser holds only the upload's random id (in the page's address and form); the row belongs to the web
session that uploaded it (deleted with it, by the foreign key) and expires an hour after the upload, so any
worker can apply it and nothing outlives its use."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, ForeignKey, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class ImportUpload(SQLModel, table=True):
    __tablename__ = "import_upload"

    # A random id (secrets.token_urlsafe), only ever usable by the session that made it
    id: str = Field(sa_column=Column(String(64), primary_key=True))
    web_session_id: str = Field(
        sa_column=Column(String(64), ForeignKey("web_session.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    media_type: str = Field(sa_column=Column(String(100), nullable=False))
    strategy: str = Field(sa_column=Column(String(10), nullable=False))
    # What the file holds: "interventions" (POST /api/v1/imports/interventions) or "observations" (the survey and
    # register figures, POST /api/v1/imports/observations)
    kind: str = Field(sa_column=Column(String(20), nullable=False, server_default="interventions"))
    body: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # The dry run's report (ImportReport), and once applied the real import's
    dry_run_report: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    applied_report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
