"""Success criteria (succeskriterier): what an intervention must achieve, ideally tied to an indicator with a
baseline and a target."""

from datetime import date

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import Column, Date, ForeignKey, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.types import DecimalText, IndicatorNumber, Measure, Text


class SuccessCriterion(SQLModel, table=True):
    __tablename__ = "success_criterion"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    position: int = Field(sa_column=Column(Integer, nullable=False))
    description: str = Field(sa_column=Column(SAText, nullable=False))
    indicator_number: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("indicator.number")))
    baseline: str | None = Field(default=None, sa_column=Column(DecimalText))
    target: str | None = Field(default=None, sa_column=Column(DecimalText))
    unit: str | None = Field(default=None, sa_column=Column(String(50)))
    target_date: date | None = Field(default=None, sa_column=Column(Date))


# --- API schemas -------------------------------------------------------------------------------------------


class SuccessCriterionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text(5_000, required=True)
    indicator: IndicatorNumber | None = PydanticField(default=None, description="Indicator number (1–19)")
    baseline: Measure | None = None
    target: Measure | None = None
    unit: Text(50) | None = PydanticField(default=None, description="e.g. pct., antal")
    target_date: date | None = None


class SuccessCriterionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text(5_000, required=True) | None = None
    indicator: IndicatorNumber | None = None
    baseline: Measure | None = None
    target: Measure | None = None
    unit: Text(50) | None = None
    target_date: date | None = None


class SuccessCriterionPublic(BaseModel):
    id: int
    description: str
    indicator: int | None
    baseline: Measure | None
    target: Measure | None
    unit: str | None
    target_date: date | None


class SuccessCriterionSet(BaseModel):
    items: list[SuccessCriterionPublic]
