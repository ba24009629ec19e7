"""Budget lines: (intervention, year, cost category, funding source, type, amount). Amounts are stored in øre as
integers, because SQLite keeps NUMERIC as binary floating point and would sum 0.10 + 0.20 inexactly.

A line's `type` says what the amount is: `budget` the original budget, `revised` a revised budget, `actual`
the money actually spent (forbrug). The *current plan* is the revised lines plus every original line that has
no revised line with the same (year, category, funding source); `in_plan` marks those lines, so that totals
and rollups sum the plan with a plain filter and never count an original and its revision both. Actual
spending is reported beside the plan, never added to it.

`first_in_year` and `first_in_plan` mark one plan line per (intervention, year) and one per intervention, so
that a rollup counts the interventions of a group by summing a flag in the same pass as the money; on
PostgreSQL COUNT(DISTINCT) sorts every group and cost more than the whole rest of the rollup. Only the service
layer writes the flags (services.budget_lines.line_flags / refresh_plan_flags)."""

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.models.codes import FundingSourceCode
from app.models.types import Money, MoneySum, Text, _int_not_bool, from_ore, public_of

MIN_YEAR, MAX_YEAR = 2000, 2100


class BudgetLineType(StrEnum):
    budget = "budget"  # the original budget
    revised = "revised"  # a revised budget: replaces the original line of the same key in the plan
    actual = "actual"  # realised spending (forbrug), reported beside the plan


# The Danish labels, as the users say them (case pages, spreadsheets).
BUDGET_LINE_TYPE_LABELS = {
    BudgetLineType.budget: "Oprindeligt budget",
    BudgetLineType.revised: "Revideret budget",
    BudgetLineType.actual: "Forbrug",
}


class BudgetLine(SQLModel, table=True):
    __tablename__ = "budget_line"
    __table_args__ = (
        CheckConstraint("amount_ore >= 0", name="amount_not_negative"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_range"),
        CheckConstraint("type IN ('budget', 'revised', 'actual')", name="type"),
        # One line per (year, category, funding source, type): a second one is almost always a double entry.
        UniqueConstraint("intervention_id", "year", "category", "funding_source_code", "type"),
        # Covers the rollups' scan (lines of an intervention by year, with their type, plan flags and amounts).
        Index(
            "ix_budget_line_rollup",
            "intervention_id",
            "year",
            "type",
            "in_plan",
            "first_in_year",
            "first_in_plan",
            "amount_ore",
        ),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    intervention_id: int = Field(
        sa_column=Column(Integer, ForeignKey("intervention.id", ondelete="CASCADE"), nullable=False, index=True)
    )
    year: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    category: str = Field(sa_column=Column(String(200), nullable=False))
    funding_source_code: str = Field(
        sa_column=Column(String(30), ForeignKey("funding_source.code"), nullable=False, index=True)
    )
    type: str = Field(
        default=BudgetLineType.budget.value,
        sa_column=Column(String(10), nullable=False, server_default=BudgetLineType.budget.value),
    )
    # Part of the current plan: every revised line, and each original line without a revised line of its key.
    in_plan: bool = Field(default=True, sa_column=Column(Boolean, nullable=False))
    # The plan line with the lowest id of its intervention in its year, and of its intervention overall.
    first_in_year: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    first_in_plan: bool = Field(default=False, sa_column=Column(Boolean, nullable=False))
    amount_ore: int = Field(sa_column=Column(BigInteger, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(String(500)))
    # Who pays the line, where the funding source alone does not say it (SSF's share from FAGFORVALTNING).
    funding_organisation_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("organisation.id"), index=True)
    )
    # The pool grant this line carries (written only by the pool service: a grant creates or updates its line).
    pool_allocation_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("allocation.id", ondelete="SET NULL"), nullable=True, index=True),
    )


# --- API schemas -------------------------------------------------------------------------------------------

TYPE_DESCRIPTION = (
    "budget (Oprindeligt budget, the default), revised (Revideret budget: replaces the original line with the same "
    "year, category and funding source in the current plan; may also add a new key) or actual (Forbrug: money "
    "actually spent, reported beside the budget and never added to it)"
)

FUNDING_ORGANISATION_DESCRIPTION = (
    "The organisation that pays the line, by name (/organisations), where the funding source alone does not say "
    "it: e.g. SSF's share of a BKF intervention from FAGFORVALTNING"
)

Year = Annotated[int, PydanticField(ge=MIN_YEAR, le=MAX_YEAR), BeforeValidator(_int_not_bool)]


class BudgetLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year
    category: Text(200, required=True) = PydanticField(description="Cost category, e.g. Løn, Aktivitetsudgifter")
    funding_source: FundingSourceCode = PydanticField(description="Funding source code, e.g. SOB-PULJE")
    amount: Money
    note: Text(500) | None = PydanticField(default=None, description="Free text, e.g. which part of a programme")
    type: BudgetLineType = PydanticField(default=BudgetLineType.budget, description=TYPE_DESCRIPTION)
    funding_organisation: Text(200) | None = PydanticField(default=None, description=FUNDING_ORGANISATION_DESCRIPTION)


class BudgetLinePublic(BaseModel):
    id: int
    year: int
    category: str
    funding_source: str
    amount: Money
    note: str | None
    type: BudgetLineType = PydanticField(description=TYPE_DESCRIPTION)
    type_label: str = PydanticField(description="The type in Danish: Oprindeligt budget, Revideret budget, Forbrug")
    funding_organisation: str | None = PydanticField(description=FUNDING_ORGANISATION_DESCRIPTION)
    in_plan: bool = PydanticField(
        description="Part of the current plan: a revised line, or an original line with no revised line of the same "
        "(year, category, funding_source). Totals and rollups sum these; never set by the client"
    )
    pool_allocation_id: int | None = PydanticField(
        default=None,
        description="The pool grant (allocation) this line carries: set by the pool when it grants, never by the "
        "client; kept when the set of lines is replaced with a line of the same key",
    )


def budget_line_public(line: BudgetLine, organisation_names: dict[int, str] | None = None) -> BudgetLinePublic:
    """The public line; `organisation_names` (id → name) names its funding organisation, when it has one."""
    org_id = line.funding_organisation_id
    return public_of(
        BudgetLinePublic,
        line,
        funding_organisation=(organisation_names or {}).get(org_id) if org_id is not None else None,
        funding_source=line.funding_source_code,
        amount=from_ore(line.amount_ore),
        type_label=BUDGET_LINE_TYPE_LABELS[BudgetLineType(line.type)],
    )


class BudgetLineSet(BaseModel):
    """All budget lines of one intervention, with their sums."""

    items: list[BudgetLinePublic]
    total: MoneySum = PydanticField(description="The current plan: sum of the lines with in_plan true")
    original_total: MoneySum = PydanticField(description="Sum of the original budget lines (type budget)")
    actual_total: MoneySum = PydanticField(description="Sum of the actual spending lines (type actual)")
