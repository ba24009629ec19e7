"""Changes to the results framework (indicators added, edited, retired) and the framework version a report
names: version 1 is the 2016 framework as the migrations seed it; every change through the API adds one."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import Column, Integer, String
from sqlmodel import Field, SQLModel

from app.models.codes import ThemeCode
from app.models.observation import LikelySource
from app.models.types import Text, UTCDateTime


class FrameworkRevision(SQLModel, table=True):
    __tablename__ = "framework_revision"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    changed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor: str = Field(sa_column=Column(String(200), nullable=False))
    summary: str = Field(sa_column=Column(String(500), nullable=False))


class IndicatorCreate(BaseModel):
    """A new indicator; its number is assigned (the next after the highest ever used) and never reused."""

    model_config = ConfigDict(extra="forbid")

    theme: ThemeCode = PydanticField(description="Theme code, e.g. T6")
    name: Text(200, required=True)
    higher_is_better: bool = PydanticField(strict=True, description="true when a higher value is better")
    unit: Text(50) | None = PydanticField(default=None, description="e.g. pct., antal, pr. 1.000 indbyggere")
    likely_source: LikelySource = PydanticField(default=LikelySource.survey, description="survey or register")


class FrameworkVersion(BaseModel):
    version: int = PydanticField(description="1 = the 2016 framework as seeded; +1 for every change since")
    changed_at: datetime | None = PydanticField(description="When the framework last changed (null: never)")
    indicators: list[int] = PydanticField(description="The active indicators: the set a new report uses")
    retired: list[int] = PydanticField(description="Retired indicators, kept for history, left out of reports")
