"""Interventions (indsatser): projects, programmes, core operations and trial actions, with their links to
areas, themes and indicators."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict
from pydantic import Field as PydanticField
from pydantic_core import PydanticCustomError
from sqlalchemy import CheckConstraint, Column, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.budget_line import BudgetLineCreate, BudgetLinePublic
from app.models.codes import AreaSlug, DepartmentCode, Indicator, ThemeCode
from app.models.party import (
    InKindCreate,
    InKindPublic,
    OrganisationLinkCreate,
    OrganisationLinkPublic,
    PersonCreate,
    PersonPublic,
    ReachCreate,
    ReachPublic,
)
from app.models.pool import PoolGrant
from app.models.success_criterion import SuccessCriterionCreate, SuccessCriterionPublic
from app.models.types import (
    Email,
    IsoDate,
    MoneySum,
    NotNull,
    RowId,
    Text,
    UTCDateTime,
    sql_in,
)


class Kind(StrEnum):
    project = "project"
    programme = "programme"
    core_operation = "core_operation"
    trial_action = "trial_action"


class Status(StrEnum):
    idea = "idea"
    planned = "planned"
    active = "active"
    completed = "completed"
    anchored = "anchored"
    stopped = "stopped"


class Track(StrEnum):
    social = "social"
    physical = "physical"
    organisational = "organisational"


# The Danish labels, as the users say them (case pages, rollup rows, spreadsheets).
KIND_LABELS = {
    Kind.project: "Projekt",
    Kind.programme: "Program",
    Kind.core_operation: "Kernedrift",
    Kind.trial_action: "Prøvehandling",
}
STATUS_LABELS = {
    Status.idea: "Idé",
    Status.planned: "Planlagt",
    Status.active: "I gang",
    Status.completed: "Afsluttet",
    Status.anchored: "Forankret i kernedriften",
    Status.stopped: "Stoppet",
}
TRACK_LABELS = {
    Track.social: "Det sociale spor",
    Track.physical: "Det fysiske spor",
    Track.organisational: "Det organisatoriske spor",
}


STATUS_DESCRIPTION = (
    "The lifecycle (app/services/lifecycle.py). A new intervention may start in any status. A change: forward "
    "idea → planned → active → completed → anchored, and active → anchored, is free; `completed` and `anchored` "
    "only from `active` (or completed → anchored); stopping (any → `stopped`), going back to an earlier status and "
    "resuming out of `stopped` need a `status_reason`. A refused change is 422 naming `status`."
)


class Intervention(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(Kind)}", name="kind"),
        CheckConstraint(f"status IN {sql_in(Status)}", name="status"),
        CheckConstraint(f"track IS NULL OR track IN {sql_in(Track)}", name="track"),
        CheckConstraint("start_date IS NULL OR end_date IS NULL OR start_date <= end_date", name="period"),
        CheckConstraint("parent_id IS NULL OR parent_id <> id", name="not_own_parent"),
        # The children of a page's interventions (app/services/intervention_public.py): only rows with a parent,
        # so that the planner's statistics describe programmes, not the many interventions without one (migration
        # 0025).
        Index(
            "ix_intervention_children",
            "parent_id",
            sqlite_where=text("parent_id IS NOT NULL"),
            postgresql_where=text("parent_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    external_id: str | None = Field(default=None, sa_column=Column(String(100), unique=True))
    name: str = Field(sa_column=Column(String(300), nullable=False))
    description: str | None = Field(default=None, sa_column=Column(SAText))
    purpose: str | None = Field(default=None, sa_column=Column(SAText))
    kind: str = Field(sa_column=Column(String(20), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(20), nullable=False, index=True))
    track: str | None = Field(default=None, sa_column=Column(String(20), index=True))
    department_code: str = Field(
        sa_column=Column(String(10), ForeignKey("department.code"), nullable=False, index=True)
    )
    parent_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("intervention.id"), index=True))
    target_group: str | None = Field(default=None, sa_column=Column(SAText))
    start_date: date | None = Field(default=None, sa_column=Column(Date))
    end_date: date | None = Field(default=None, sa_column=Column(Date))
    contact_name: str | None = Field(default=None, sa_column=Column(String(200)))
    contact_email: str | None = Field(default=None, sa_column=Column(String(254)))
    # casefolded name + description, so that `q` finds "Mørkhøj" from "MØRKHØJ" on SQLite too
    search_text: str = Field(sa_column=Column(SAText, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    archived_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime, index=True))


class InterventionArea(SQLModel, table=True):
    __tablename__ = "intervention_area"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: stored in key order (migration 0027)

    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), primary_key=True)
    )
    area_slug: str = Field(sa_column=Column(String(40), ForeignKey("area.slug"), primary_key=True, index=True))
    # The code's 0-based rank among the intervention's codes, and how many it has: the rollups split money
    # by them (see services/rollups.py). Denormalised so a rollup needs no window function; the rows are made
    # only by services/intervention_links.py (set_links for one intervention, link_rows for an import).
    rank: int = Field(sa_column=Column(Integer, nullable=False, server_default="0"))
    siblings: int = Field(sa_column=Column(Integer, nullable=False, server_default="1"))


class InterventionTheme(SQLModel, table=True):
    __tablename__ = "intervention_theme"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: stored in key order (migration 0027)

    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), primary_key=True)
    )
    theme_code: str = Field(sa_column=Column(String(5), ForeignKey("theme.code"), primary_key=True, index=True))
    # The code's 0-based rank among the intervention's codes, and how many it has: the rollups split money
    # by them (see services/rollups.py). Denormalised so a rollup needs no window function; the rows are made
    # only by services/intervention_links.py (set_links for one intervention, link_rows for an import).
    rank: int = Field(sa_column=Column(Integer, nullable=False, server_default="0"))
    siblings: int = Field(sa_column=Column(Integer, nullable=False, server_default="1"))


class InterventionIndicator(SQLModel, table=True):
    __tablename__ = "intervention_indicator"
    __table_args__ = {"sqlite_with_rowid": False}  # SQLite: stored in key order (migration 0027)

    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), primary_key=True)
    )
    indicator_number: int = Field(
        sa_column=Column(Integer, ForeignKey("indicator.number"), primary_key=True, index=True)
    )
    # The code's 0-based rank among the intervention's codes, and how many it has: the rollups split money
    # by them (see services/rollups.py). Denormalised so a rollup needs no window function; the rows are made
    # only by services/intervention_links.py (set_links for one intervention, link_rows for an import).
    rank: int = Field(sa_column=Column(Integer, nullable=False, server_default="0"))
    siblings: int = Field(sa_column=Column(Integer, nullable=False, server_default="1"))


# --- API schemas -------------------------------------------------------------------------------------------

_CODE_LIST_MAX = 50


UNIQUE = {"uniqueItems": True}  # documents what _no_duplicates enforces


def _no_duplicates(values: list | None) -> list | None:
    if values is not None and len(set(values)) != len(values):
        raise PydanticCustomError("duplicate_code", "lists a code more than once")
    return values


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


ORGANISATIONS_DESCRIPTION = (
    "Organisations taking part, each with a role (funding, implementing, partner), named by their name "
    "(/organisations); one organisation may have several roles. A funder may be named here without an amount"
)
PEOPLE_DESCRIPTION = (
    "People with a role (programme_owner, programme_leader, contact, evaluator): employees only, name, title and "
    "work e-mail. contact_name/contact_email stay as they were, beside this list"
)
REACH_DESCRIPTION = "Planned and actual participants per year, in a unit; one entry per (year, unit)"
IN_KIND_DESCRIPTION = (
    "In-kind contributions: staff hours and staff per year and who pays them (an organisation). Never money: no "
    "money total counts them"
)


class InterventionBase(_Strict):
    external_id: Text(100) | None = PydanticField(
        default=None, description="Your own key (unique); imports use it to update instead of duplicating."
    )
    name: Text(300, required=True)
    description: Text(20_000) | None = None
    purpose: Text(20_000) | None = PydanticField(default=None, description="Formål")
    kind: Kind
    status: Status = PydanticField(default=Status.planned, description=STATUS_DESCRIPTION)
    track: Track | None = PydanticField(default=None, description="Spor")
    department: DepartmentCode = PydanticField(description="Owning department (forvaltning) code")
    parent_id: RowId | None = PydanticField(default=None, description="The programme this belongs to")
    areas: Annotated[list[AreaSlug], AfterValidator(_no_duplicates)] = PydanticField(
        default_factory=list, max_length=_CODE_LIST_MAX, json_schema_extra=UNIQUE
    )
    themes: Annotated[list[ThemeCode], AfterValidator(_no_duplicates)] = PydanticField(
        default_factory=list, max_length=_CODE_LIST_MAX, json_schema_extra=UNIQUE
    )
    indicators: Annotated[list[Indicator], AfterValidator(_no_duplicates)] = PydanticField(
        default_factory=list, max_length=_CODE_LIST_MAX, json_schema_extra=UNIQUE
    )
    target_group: Text(5_000) | None = PydanticField(default=None, description="Målgruppe")
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    contact_name: Text(200) | None = None
    contact_email: Email | None = PydanticField(default=None, description="Work e-mail of the contact person")


class InterventionParties(_Strict):
    """The parties of an intervention (app/models/party.py): in a create or import record, each list is the
    whole set."""

    organisations: list[OrganisationLinkCreate] = PydanticField(
        default_factory=list, max_length=200, description=ORGANISATIONS_DESCRIPTION
    )
    people: list[PersonCreate] = PydanticField(default_factory=list, max_length=100, description=PEOPLE_DESCRIPTION)
    reach: list[ReachCreate] = PydanticField(default_factory=list, max_length=500, description=REACH_DESCRIPTION)
    in_kind: list[InKindCreate] = PydanticField(default_factory=list, max_length=500, description=IN_KIND_DESCRIPTION)


class InterventionCreate(InterventionBase, InterventionParties):
    budget_lines: list[BudgetLineCreate] = PydanticField(default_factory=list, max_length=2_000)
    success_criteria: list[SuccessCriterionCreate] = PydanticField(default_factory=list, max_length=200)


class InterventionUpdate(_Strict):
    """Every field optional: an omitted field is left alone, an explicit null clears it where the schema allows
    null (name, kind, status, department and the lists may not be null: send [] to empty a list)."""

    external_id: Text(100) | None = None
    name: Text(300, required=True) | None = NotNull()
    description: Text(20_000) | None = None
    purpose: Text(20_000) | None = None
    kind: Kind | None = NotNull()
    status: Status | None = NotNull(description=STATUS_DESCRIPTION)
    status_reason: Text(1_000) | None = PydanticField(
        default=None,
        description="Why the status changes: required when stopping, going back or resuming, optional otherwise. "
        "Only with `status`; not stored on the intervention but in the change's audit record (see its history).",
    )
    track: Track | None = None
    department: DepartmentCode | None = NotNull()
    parent_id: RowId | None = None
    areas: Annotated[list[AreaSlug], AfterValidator(_no_duplicates)] | None = NotNull(
        max_length=_CODE_LIST_MAX, json_schema_extra=UNIQUE
    )
    themes: Annotated[list[ThemeCode], AfterValidator(_no_duplicates)] | None = NotNull(
        max_length=_CODE_LIST_MAX, json_schema_extra=UNIQUE
    )
    indicators: Annotated[list[Indicator], AfterValidator(_no_duplicates)] | None = NotNull(
        max_length=_CODE_LIST_MAX, json_schema_extra=UNIQUE
    )
    target_group: Text(5_000) | None = None
    start_date: IsoDate | None = None
    end_date: IsoDate | None = None
    contact_name: Text(200) | None = None
    contact_email: Email | None = None
    budget_lines: list[BudgetLineCreate] | None = NotNull(
        max_length=2_000, description="When given, replaces all budget lines"
    )
    success_criteria: list[SuccessCriterionCreate] | None = NotNull(
        max_length=200, description="When given, replaces all success criteria"
    )
    organisations: list[OrganisationLinkCreate] | None = NotNull(
        max_length=200, description="When given, replaces all organisation links. " + ORGANISATIONS_DESCRIPTION
    )
    people: list[PersonCreate] | None = NotNull(
        max_length=100, description="When given, replaces all people. " + PEOPLE_DESCRIPTION
    )
    reach: list[ReachCreate] | None = NotNull(
        max_length=500, description="When given, replaces the whole reach. " + REACH_DESCRIPTION
    )
    in_kind: list[InKindCreate] | None = NotNull(
        max_length=500, description="When given, replaces all in-kind contributions. " + IN_KIND_DESCRIPTION
    )


class YearAmount(BaseModel):
    year: int
    amount: MoneySum


class InterventionSummary(BaseModel):
    """One row of the list: the intervention without its nested collections, with its budget totals."""

    id: int
    external_id: str | None
    name: str
    description: str | None
    purpose: str | None
    kind: Kind
    status: Status
    track: Track | None
    department: str
    parent_id: int | None
    areas: list[str]
    themes: list[str]
    indicators: list[int]
    target_group: str | None
    start_date: date | None
    end_date: date | None
    contact_name: str | None
    contact_email: str | None
    budget_total: MoneySum = PydanticField(
        description="The current plan of this intervention's own budget lines: revised lines, plus original lines "
        "that have no revised line of the same year, category and funding source (lines with in_plan true)"
    )
    budget_total_with_descendants: MoneySum = PydanticField(
        description="The current plan of its own lines plus those of every intervention below it (a programme's "
        "whole budget)"
    )
    budget_by_year: list[YearAmount] = PydanticField(
        description="The current plan per year, the same scope as budget_total_with_descendants; years with plan "
        "lines only"
    )
    original_budget_total: MoneySum = PydanticField(
        description="Sum of this intervention's own original budget lines (type budget), revised or not"
    )
    actual_total: MoneySum = PydanticField(
        description="Sum of this intervention's own actual spending lines (type actual); never part of the budget"
    )
    actual_total_with_descendants: MoneySum = PydanticField(
        description="Actual spending of its own lines plus those of every intervention below it"
    )
    actual_by_year: list[YearAmount] = PydanticField(
        description="Actual spending per year, the same scope as actual_total_with_descendants; years with actual "
        "lines only"
    )
    children: list[int] = PydanticField(description="Ids of the direct child interventions (not archived)")
    created_at: datetime
    updated_at: datetime
    archived_at: datetime | None


class InterventionPublic(InterventionSummary):
    budget_lines: list[BudgetLinePublic]
    success_criteria: list[SuccessCriterionPublic]
    pool_grants: list[PoolGrant] = PydanticField(
        description="Money requested from or granted by trial-action pools (see /pools)"
    )
    organisations: list[OrganisationLinkPublic] = PydanticField(description=ORGANISATIONS_DESCRIPTION)
    people: list[PersonPublic] = PydanticField(description=PEOPLE_DESCRIPTION)
    reach: list[ReachPublic] = PydanticField(description=REACH_DESCRIPTION)
    in_kind: list[InKindPublic] = PydanticField(description=IN_KIND_DESCRIPTION)


class InterventionPage(BaseModel):
    items: list[InterventionSummary]
    next_cursor: str | None = PydanticField(description="Pass as `cursor` for the next page; null on the last")
