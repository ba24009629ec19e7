"""The parties of an intervention beside its owning department: the organisations that take part (with a
role, as IATI's participating-org), the people with a role (employees only: name, title, work e-mail), the
reach (planned and actual participants per year, in a unit), and in-kind contributions (staff time paid by an
organisation). In-kind contributions are hours and people, never money: no money total counts them.

Organisations are named by their unique name in every payload (as funding sources are named by their code), so
that an export imports again into another registry that has the same organisations."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.budget_line import MAX_YEAR, MIN_YEAR, Year
from app.models.organisation import OrganisationKind, OrganisationName
from app.models.types import Email, Text, _int_not_bool, sql_in


class OrganisationRole(StrEnum):
    funding = "funding"
    implementing = "implementing"
    partner = "partner"


ORGANISATION_ROLE_LABELS = {
    OrganisationRole.funding: "Medfinansierer",
    OrganisationRole.implementing: "Udførende",
    OrganisationRole.partner: "Samarbejdspartner",
}


class PersonRole(StrEnum):
    programme_owner = "programme_owner"
    programme_leader = "programme_leader"
    contact = "contact"
    evaluator = "evaluator"


PERSON_ROLE_LABELS = {
    PersonRole.programme_owner: "Programejer",
    PersonRole.programme_leader: "Programleder",
    PersonRole.contact: "Kontaktperson",
    PersonRole.evaluator: "Evaluator",
}


class ReachUnit(StrEnum):
    young_people = "young_people"
    children = "children"
    families = "families"
    residents = "residents"
    companies = "companies"
    participants = "participants"


REACH_UNIT_LABELS = {
    ReachUnit.young_people: "unge",
    ReachUnit.children: "børn",
    ReachUnit.families: "familier",
    ReachUnit.residents: "beboere",
    ReachUnit.companies: "virksomheder",
    ReachUnit.participants: "deltagere",
}

MAX_COUNT = 10_000_000  # people, hours: far above anything a municipality's intervention reaches


def _cascade() -> Column:
    return Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), nullable=False, index=True)


class InterventionOrganisation(SQLModel, table=True):
    __tablename__ = "intervention_organisation"
    __table_args__ = (
        CheckConstraint(f"role IN {sql_in(OrganisationRole)}", name="role"),
        UniqueConstraint("intervention_id", "organisation_id", "role"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(sa_column=_cascade())
    organisation_id: int = Field(sa_column=Column(Integer, ForeignKey("organisation.id"), nullable=False, index=True))
    role: str = Field(sa_column=Column(String(20), nullable=False))
    position: int = Field(sa_column=Column(Integer, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(String(500)))


class InterventionPerson(SQLModel, table=True):
    __tablename__ = "intervention_person"
    __table_args__ = (CheckConstraint(f"role IN {sql_in(PersonRole)}", name="role"),)

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(sa_column=_cascade())
    position: int = Field(sa_column=Column(Integer, nullable=False))
    role: str = Field(sa_column=Column(String(20), nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    title: str | None = Field(default=None, sa_column=Column(String(200)))
    email: str | None = Field(default=None, sa_column=Column(String(254)))


class InterventionReach(SQLModel, table=True):
    __tablename__ = "intervention_reach"
    __table_args__ = (
        CheckConstraint(f"unit IN {sql_in(ReachUnit)}", name="unit"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_range"),
        CheckConstraint("planned IS NULL OR planned >= 0", name="planned_not_negative"),
        CheckConstraint("actual IS NULL OR actual >= 0", name="actual_not_negative"),
        UniqueConstraint("intervention_id", "year", "unit"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(sa_column=_cascade())
    year: int = Field(sa_column=Column(Integer, nullable=False))
    unit: str = Field(sa_column=Column(String(20), nullable=False))
    planned: int | None = Field(default=None, sa_column=Column(Integer))
    actual: int | None = Field(default=None, sa_column=Column(Integer))


class InKindContribution(SQLModel, table=True):
    __tablename__ = "in_kind_contribution"
    __table_args__ = (
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_range"),
        CheckConstraint("hours IS NULL OR hours >= 0", name="hours_not_negative"),
        CheckConstraint("staff IS NULL OR staff >= 0", name="staff_not_negative"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(sa_column=_cascade())
    position: int = Field(sa_column=Column(Integer, nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False))
    organisation_id: int = Field(sa_column=Column(Integer, ForeignKey("organisation.id"), nullable=False, index=True))
    hours: int | None = Field(default=None, sa_column=Column(Integer))
    staff: int | None = Field(default=None, sa_column=Column(Integer))
    description: str | None = Field(default=None, sa_column=Column(String(500)))


# --- API schemas -------------------------------------------------------------------------------------------

Count = Annotated[int, PydanticField(ge=0, le=MAX_COUNT), BeforeValidator(_int_not_bool)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _one_of_numbers(*names: str) -> ConfigDict:
    """The schema says what the model's validator enforces: at least one of the numbers is given (not null)."""
    return ConfigDict(
        extra="forbid",
        json_schema_extra={
            "anyOf": [{"required": [name], "properties": {name: {"type": "integer"}}} for name in names]
        },
    )


class OrganisationLinkCreate(_Strict):
    organisation: OrganisationName = PydanticField(description="The organisation's name (see /organisations)")
    role: OrganisationRole = PydanticField(
        description="funding (Medfinansierer: pays part, with or without an amount on a budget line), implementing "
        "(Udførende) or partner (Samarbejdspartner)"
    )
    note: Text(500) | None = PydanticField(default=None, description="e.g. what the organisation contributes")


class OrganisationLinkPublic(OrganisationLinkCreate):
    organisation_id: int
    organisation_kind: OrganisationKind
    role_label: str = PydanticField(description="The role in Danish, e.g. Medfinansierer")


class PersonCreate(_Strict):
    role: PersonRole = PydanticField(description="programme_owner, programme_leader, contact or evaluator")
    name: Text(200, required=True)
    title: Text(200) | None = PydanticField(default=None, description="Stilling, e.g. Direktør for BKF")
    email: Email | None = PydanticField(default=None, description="Work e-mail (employees only; no CPR)")


class PersonPublic(PersonCreate):
    role_label: str = PydanticField(description="The role in Danish, e.g. Programejer")


class ReachCreate(_Strict):
    model_config = _one_of_numbers("planned", "actual")

    year: Year
    unit: ReachUnit = PydanticField(
        description="young_people (unge), children (børn), families (familier), residents (beboere), companies "
        "(virksomheder) or participants (deltagere)"
    )
    planned: Count | None = PydanticField(default=None, description="How many the intervention plans to reach")
    actual: Count | None = PydanticField(default=None, description="How many it reached")

    @model_validator(mode="after")
    def _some_number(self):
        if self.planned is None and self.actual is None:
            raise ValueError("give planned, actual or both")
        return self


class ReachPublic(ReachCreate):
    unit_label: str = PydanticField(description="The unit in Danish, e.g. unge")


class InKindCreate(_Strict):
    model_config = _one_of_numbers("hours", "staff")

    year: Year
    organisation: OrganisationName = PydanticField(description="Who pays the staff time (the organisation's name)")
    hours: Count | None = PydanticField(default=None, description="Staff hours in the year")
    staff: Count | None = PydanticField(default=None, description="How many staff members take part")
    description: Text(500) | None = None

    @model_validator(mode="after")
    def _some_number(self):
        if self.hours is None and self.staff is None:
            raise ValueError("give hours, staff or both")
        return self


class InKindPublic(InKindCreate):
    organisation_id: int


class InKindTotal(BaseModel):
    """In-kind contributions summed: hours and staff, never money."""

    hours: int
    staff: int


class OrganisationLinkSet(BaseModel):
    items: list[OrganisationLinkPublic]


class PersonSet(BaseModel):
    items: list[PersonPublic]


class ReachSet(BaseModel):
    items: list[ReachPublic]


class InKindSet(BaseModel):
    items: list[InKindPublic]
    total: InKindTotal = PydanticField(description="Hours and staff in all: not money, and in no money total")
