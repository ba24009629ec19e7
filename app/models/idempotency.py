"""Stored answers of requests sent with an Idempotency-Key, so that a retried request is answered, not applied
twice. Written in the same transaction as the change it answers for."""

from datetime import datetime

from sqlalchemy import Column, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_key"

    # A key belongs to the principal that sent it (app/services/idempotency.py: its identity and rights, e.g.
    # "token:17/editor:BKF"): the same key from anyone else is another key.
    principal: str = Field(sa_column=Column(String(200), primary_key=True))
    key: str = Field(sa_column=Column(String(200), primary_key=True))
    # The operation the key was used for (e.g. "import:interventions") and a hash of the request it carried.
    scope: str = Field(sa_column=Column(String(100), nullable=False))
    request_hash: str = Field(sa_column=Column(String(64), nullable=False))
    status_code: int = Field(sa_column=Column(Integer, nullable=False))
    response_body: str = Field(sa_column=Column(SAText, nullable=False))
    # The answer's headers worth repeating (Location, ETag), as a JSON object; None: none.
    response_headers: str | None = Field(default=None, sa_column=Column(SAText))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
