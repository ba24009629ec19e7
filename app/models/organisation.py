"""Organisations outside the owning department that take part in interventions: housing organisations,
associations, schools and institutions, other administrations, companies. Interventions link them with a role
(app/models/party.py); a budget line may name the organisation that pays it."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import CheckConstraint, Column, Integer, String
from sqlmodel import Field, SQLModel

from app.models.types import NotNull, Text, UTCDateTime, sql_in


class OrganisationKind(StrEnum):
    housing_organisation = "housing_organisation"
    association = "association"
    school = "school"
    institution = "institution"
    administration = "administration"
    company = "company"
    other = "other"


ORGANISATION_KIND_LABELS = {
    OrganisationKind.housing_organisation: "Boligorganisation",
    OrganisationKind.association: "Forening",
    OrganisationKind.school: "Skole",
    OrganisationKind.institution: "Institution",
    OrganisationKind.administration: "Forvaltning",
    OrganisationKind.company: "Virksomhed",
    OrganisationKind.other: "Anden organisation",
}
KIND_DESCRIPTION = (
    "housing_organisation (Boligorganisation), association (Forening), school (Skole), institution (Institution), "
    "administration (Forvaltning: a department of the municipality or another public administration), company "
    "(Virksomhed) or other (Anden organisation)"
)
# The Danish company register number: exactly eight digits.
CVR_PATTERN = r"^[0-9]{8}$"


class Organisation(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(OrganisationKind)}", name="kind"),
        CheckConstraint("cvr IS NULL OR length(cvr) = 8", name="cvr_length"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    name: str = Field(sa_column=Column(String(200), nullable=False, unique=True))
    kind: str = Field(sa_column=Column(String(30), nullable=False))
    cvr: str | None = Field(default=None, sa_column=Column(String(8), unique=True))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# --- API schemas -------------------------------------------------------------------------------------------

OrganisationName = Text(200, required=True)
Cvr = Text(8, pattern=CVR_PATTERN)


class OrganisationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OrganisationName = PydanticField(
        description="Unique; interventions, budget lines and in-kind contributions name the organisation by it"
    )
    kind: OrganisationKind = PydanticField(description=KIND_DESCRIPTION)
    cvr: Cvr | None = PydanticField(default=None, description="CVR-nummer: eight digits, where known (unique)")


class OrganisationUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: OrganisationName | None = NotNull()
    kind: OrganisationKind | None = NotNull(description=KIND_DESCRIPTION)
    cvr: Cvr | None = None


class OrganisationPublic(BaseModel):
    id: int
    name: str
    kind: OrganisationKind
    kind_label: str = PydanticField(description="The kind in Danish, e.g. Boligorganisation")
    cvr: str | None
    created_at: datetime
    updated_at: datetime


def organisation_public(row: Organisation) -> OrganisationPublic:
    return OrganisationPublic(
        id=row.id,
        name=row.name,
        kind=row.kind,
        kind_label=ORGANISATION_KIND_LABELS[OrganisationKind(row.kind)],
        cvr=row.cvr,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class OrganisationPage(BaseModel):
    items: list[OrganisationPublic]
    next_cursor: str | None = PydanticField(description="Pass as `cursor` for the next page; null on the last")


class OrganisationImportReport(BaseModel):
    """What an import of organisations did (or, in a dry run, would do), matched by name."""

    dry_run: bool
    created: int
    updated: int
    unchanged: int
