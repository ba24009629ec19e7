"""Reference data: departments, areas, funding sources and the results framework (effect goal → theme →
indicator). Seeded by the migrations, read-only through the API."""

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from app.models.types import UTCDateTime


class Department(SQLModel, table=True):
    code: str = Field(sa_column=Column(String(10), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))


class Area(SQLModel, table=True):
    slug: str = Field(sa_column=Column(String(40), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    # focus_area, comparison (rest of the municipality) or municipality (the whole)
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    position: int


class FundingSource(SQLModel, table=True):
    __tablename__ = "funding_source"

    code: str = Field(sa_column=Column(String(30), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))


class EffectGoal(SQLModel, table=True):
    __tablename__ = "effect_goal"

    code: str = Field(sa_column=Column(String(5), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    position: int


class Theme(SQLModel, table=True):
    code: str = Field(sa_column=Column(String(5), primary_key=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    effect_goal_code: str = Field(
        sa_column=Column(String(5), ForeignKey("effect_goal.code"), nullable=False, index=True)
    )
    position: int


class Indicator(SQLModel, table=True):
    number: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    name: str = Field(sa_column=Column(String(200), nullable=False))
    theme_code: str = Field(sa_column=Column(String(5), ForeignKey("theme.code"), nullable=False, index=True))
    # Our reading, not the sources': editable defaults (reference/indicator_semantics.json).
    higher_is_better: bool = True
    likely_source: str = Field(sa_column=Column(String(20), nullable=False))
    # The framework changes without a migration (app/services/framework.py): an indicator may be added, given a
    # unit, or retired (kept for history, left out of new reports); numbers are never reused.
    unit: str | None = Field(default=None, sa_column=Column(String(50)))
    retired_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


T = TypeVar("T")

# --- API schemas -------------------------------------------------------------------------------------------


class DepartmentPublic(SQLModel):
    code: str
    name: str


class AreaPublic(SQLModel):
    slug: str
    name: str
    kind: str


class FundingSourcePublic(SQLModel):
    code: str
    name: str


class IndicatorPublic(SQLModel):
    number: int
    name: str
    theme: str
    effect_goal: str
    higher_is_better: bool
    likely_source: str
    unit: str | None = None
    active: bool = True
    retired_at: datetime | None = None


class ThemePublic(SQLModel):
    code: str
    name: str
    effect_goal: str
    indicators: list[int]


class FrameworkIndicator(SQLModel):
    number: int
    name: str
    active: bool = True


class FrameworkTheme(SQLModel):
    code: str
    name: str
    indicators: list[FrameworkIndicator]


class FrameworkEffectGoal(SQLModel):
    code: str
    name: str
    themes: list[FrameworkTheme]


class Framework(SQLModel):
    effect_goals: list[FrameworkEffectGoal]


class ReferenceList(BaseModel, Generic[T]):
    items: list[T]
