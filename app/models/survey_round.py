"""Measurement rounds: a survey round (Borgerundersøgelse 2021, collected autumn 2021) or a register year
(Registerdata 2021). Each has, per area, its respondents and/or the area's population, the weights with which the
municipality as a whole is derived from the areas and the rest where it is not measured."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.codes import AreaCode
from app.models.observation import MAX_YEAR, MIN_YEAR, Year
from app.models.types import Text, UTCDateTime, _int_not_bool, sql_in

ROUND_CODE = r"^[a-z0-9][a-z0-9-]{0,39}$"
# A number of people: a whole number, never a boolean (pydantic's lax mode would take true as 1).
Count = Annotated[int, PydanticField(ge=0, le=10_000_000), BeforeValidator(_int_not_bool)]


class RoundKind(StrEnum):
    survey = "survey"
    register = "register"


ROUND_KIND_LABELS = {"survey": "Borgerundersøgelse", "register": "Registerdata"}


class MeasurementRound(SQLModel, table=True):
    __tablename__ = "measurement_round"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(RoundKind)}", name="kind"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_range"),
        UniqueConstraint("code"),
        UniqueConstraint("kind", "year"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    code: str = Field(sa_column=Column(String(40), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    collected: str | None = Field(default=None, sa_column=Column(String(100)))
    source: str | None = Field(default=None, sa_column=Column(String(200)))
    note: str | None = Field(default=None, sa_column=Column(String(1000)))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class RoundArea(SQLModel, table=True):
    __tablename__ = "measurement_round_area"
    __table_args__ = (
        CheckConstraint("respondents >= 0", name="respondents"),
        CheckConstraint("population >= 0", name="population"),
    )

    round_id: int = Field(
        sa_column=Column(Integer, ForeignKey("measurement_round.id", ondelete="CASCADE"), primary_key=True)
    )
    area_slug: str = Field(sa_column=Column(String(40), ForeignKey("area.slug"), primary_key=True))
    respondents: int | None = Field(default=None, sa_column=Column(Integer))
    population: int | None = Field(default=None, sa_column=Column(Integer))


# --- API schemas -------------------------------------------------------------------------------------------


class RoundAreaWeights(BaseModel):
    model_config = ConfigDict(extra="forbid")

    area: AreaCode
    respondents: Count | None = PydanticField(default=None, description="Answers in the area")
    population: Count | None = PydanticField(
        default=None, description="Residents in the area (the survey's population)"
    )


class RoundCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Text(40, required=True, pattern=ROUND_CODE) = PydanticField(
        description="Short code used in imports and report links, e.g. bu-2021 or register-2021"
    )
    name: Text(200, required=True) = PydanticField(description="e.g. Borgerundersøgelse 2021")
    kind: RoundKind = PydanticField(description="survey (a survey round) or register (a register year)")
    year: Year = PydanticField(description="The year the round was collected, or the register year")
    collected: Text(100) | None = PydanticField(default=None, description="When, in words, e.g. efterår 2021")
    source: Text(200) | None = None
    note: Text(1000) | None = None
    weights: list[RoundAreaWeights] = PydanticField(
        default=[],
        max_length=20,
        description="Respondents and/or population per area: the weights of the derived municipality figure",
    )


class RoundUpdate(BaseModel):
    """Omitted fields stay; `weights`, when sent, replaces the weights."""

    model_config = ConfigDict(extra="forbid")

    name: Text(200, required=True) | None = None
    collected: Text(100) | None = None
    source: Text(200) | None = None
    note: Text(1000) | None = None
    weights: list[RoundAreaWeights] | None = PydanticField(default=None, max_length=20)


class RoundPublic(BaseModel):
    id: int
    code: str
    name: str
    kind: RoundKind
    kind_label: str
    year: int
    collected: str | None
    source: str | None
    note: str | None
    weights: list[RoundAreaWeights]
    observations: int = PydanticField(description="How many observations belong to the round")
    created_at: datetime
    updated_at: datetime


class RoundList(BaseModel):
    """Every round, ordered by year and kind (survey first). Bounded (a few per year), so not paged."""

    items: list[RoundPublic]
