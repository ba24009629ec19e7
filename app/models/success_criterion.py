"""Success criteria (succeskriterier): what an intervention must achieve, ideally tied to an indicator with a
baseline and a target."""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.codes import Indicator
from app.models.types import DecimalText, IsoDate, Measure, NotNull, Text, public_of


class Outcome(StrEnum):
    """How far a success criterion was met, as an evaluation judged it.

    | value | label (da) |
    | --- | --- |
    | `met` | Opfyldt |
    | `partly_met` | Delvist opfyldt |
    | `not_met` | Ikke opfyldt |
    | `not_assessed` | Ikke vurderet (the default: no evaluation has judged it yet) |
    """

    met = "met"
    partly_met = "partly_met"
    not_met = "not_met"
    not_assessed = "not_assessed"


OUTCOME_LABELS = {
    Outcome.met: "Opfyldt",
    Outcome.partly_met: "Delvist opfyldt",
    Outcome.not_met: "Ikke opfyldt",
    Outcome.not_assessed: "Ikke vurderet",
}


class SuccessCriterion(SQLModel, table=True):
    __tablename__ = "success_criterion"
    __table_args__ = (CheckConstraint("outcome IN ('met', 'partly_met', 'not_met', 'not_assessed')", name="outcome"),)

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
    outcome: str = Field(
        default=Outcome.not_assessed.value,
        sa_column=Column(String(20), nullable=False, server_default=Outcome.not_assessed.value),
    )
    actual_value: str | None = Field(default=None, sa_column=Column(DecimalText))


# --- API schemas -------------------------------------------------------------------------------------------


class SuccessCriterionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text(5_000, required=True)
    indicator: Indicator | None = PydanticField(default=None, description="Indicator number (1–19)")
    baseline: Measure | None = None
    target: Measure | None = None
    unit: Text(50) | None = PydanticField(default=None, description="e.g. pct., antal")
    target_date: IsoDate | None = None
    outcome: Outcome = PydanticField(
        default=Outcome.not_assessed, description="met, partly_met, not_met or not_assessed (see Outcome)"
    )
    actual_value: Measure | None = PydanticField(default=None, description="The value reached, in `unit`")


class SuccessCriterionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: Text(5_000, required=True) | None = NotNull()
    indicator: Indicator | None = None
    baseline: Measure | None = None
    target: Measure | None = None
    unit: Text(50) | None = None
    target_date: IsoDate | None = None
    outcome: Outcome | None = NotNull(description="May not be null")
    actual_value: Measure | None = None


class SuccessCriterionPublic(BaseModel):
    id: int
    description: str
    indicator: int | None
    baseline: Measure | None
    target: Measure | None
    unit: str | None
    target_date: date | None
    outcome: Outcome
    outcome_label: str = PydanticField(description="The outcome in Danish, e.g. Delvist opfyldt")
    actual_value: Measure | None


def success_criterion_public(crit: SuccessCriterion) -> SuccessCriterionPublic:
    return public_of(
        SuccessCriterionPublic,
        crit,
        indicator=crit.indicator_number,
        outcome_label=OUTCOME_LABELS[Outcome(crit.outcome)],
    )


class SuccessCriterionSet(BaseModel):
    items: list[SuccessCriterionPublic]
