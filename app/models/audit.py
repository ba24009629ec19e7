"""The audit log: append-only, one record per change, written in the change's own transaction."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel
from pydantic import Field as PydanticField
from sqlalchemy import Column, Index, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class AuditRecord(SQLModel, table=True):
    __tablename__ = "audit_record"
    __table_args__ = (Index("ix_audit_record_resource", "resource", "resource_id"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor: str = Field(sa_column=Column(String(200), nullable=False, index=True))
    action: str = Field(sa_column=Column(String(50), nullable=False))
    resource: str = Field(sa_column=Column(String(50), nullable=False))
    resource_id: str | None = Field(default=None, sa_column=Column(String(100)))
    # JSON: {"field": {"before": ..., "after": ...}} for the fields that changed, or a summary for bulk actions
    changes: str = Field(sa_column=Column(SAText, nullable=False))
    request_id: str | None = Field(default=None, sa_column=Column(String(100)))


class AuditRecordPublic(BaseModel):
    id: int
    occurred_at: datetime
    actor: str = PydanticField(description="Token name, or the OIDC subject")
    action: str = PydanticField(description="e.g. create, update, archive, budget_lines.replace, import, grant")
    resource: str
    resource_id: str | None
    changes: dict[str, Any]
    request_id: str | None


class AuditPage(BaseModel):
    items: list[AuditRecordPublic]
    next_cursor: str | None
