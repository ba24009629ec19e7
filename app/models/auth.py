"""Who may do what: API tokens (only their hash is stored) and the roles they carry."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from app.models.codes import DepartmentText
from app.models.types import Text, UTCDateTime


class Role(StrEnum):
    admin = "admin"  # everything, including tokens and the audit log
    editor = "editor"  # one department's interventions (and, for SOB, the indicator observations)
    pool_manager = "pool_manager"  # pools and allocations
    reader = "reader"  # reads only


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_token"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'editor', 'pool_manager', 'reader')", name="role"),
        CheckConstraint("role <> 'editor' OR department_code IS NOT NULL", name="editor_has_department"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    name: str = Field(sa_column=Column(String(100), nullable=False, unique=True))
    # SHA-256 of the token: the token itself is shown once, when it is made, and never stored.
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    role: str = Field(sa_column=Column(String(20), nullable=False))
    department_code: str | None = Field(default=None, sa_column=Column(String(10), ForeignKey("department.code")))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text(100, required=True) = PydanticField(description="Unique; shown as the actor in the audit log")
    role: Role
    department: DepartmentText | None = PydanticField(default=None, description="Required for an editor")


class TokenPublic(BaseModel):
    id: int
    name: str
    role: Role
    department: str | None
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenPublic):
    token: str = PydanticField(description="The bearer token. Shown only now: store it safely")


class TokenList(BaseModel):
    items: list[TokenPublic]
