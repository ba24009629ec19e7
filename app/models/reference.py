"""Reference data: departments, areas, funding sources and the results framework (effect goal → theme →
indicator). Seeded by the migrations, read-only through the API."""

from typing import Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel


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


class ThemePublic(SQLModel):
    code: str
    name: str
    effect_goal: str
    indicators: list[int]


class FrameworkIndicator(SQLModel):
    number: int
    name: str


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
