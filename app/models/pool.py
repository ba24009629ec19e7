"""Trial-action pools (puljer) and the allocations granted from them.

The invariant "granted (net of releases) never exceeds the pool's amount" lives in the database: the pool row
carries the running `granted_ore`, a CHECK constraint bounds it by `amount_ore`, and every grant is one
conditional UPDATE of that row (see services/pools.py). Every change is also written to an append-only ledger,
from which the balance on any past date is computed."""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema
from pydantic import Field as PydanticField
from sqlalchemy import BigInteger, CheckConstraint, Column, Date, ForeignKey, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.budget_line import Year
from app.models.codes import DepartmentCode, FundingSourceCode, Indicator
from app.models.types import IsoDate, Money, MoneySum, NotNull, RowId, Text, UTCDateTime


class AllocationStatus(StrEnum):
    requested = "requested"
    changes_requested = "changes_requested"  # the pool manager asks the applicant to amend and resubmit
    granted = "granted"
    rejected = "rejected"
    released = "released"  # granted, then wholly released: nothing of it is spent any more


# The decisions a pool manager makes; each records who, the decision body, the meeting date and the reason.
DECISIONS = (AllocationStatus.granted, AllocationStatus.rejected, AllocationStatus.changes_requested)


class LedgerAction(StrEnum):
    pool_created = "pool_created"
    pool_amount_changed = "pool_amount_changed"
    requested = "requested"
    granted = "granted"
    rejected = "rejected"
    released = "released"
    changes_requested = "changes_requested"
    resubmitted = "resubmitted"
    anchored = "anchored"


class Pool(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("amount_ore >= 0", name="amount_not_negative"),
        CheckConstraint("granted_ore >= 0", name="granted_not_negative"),
        # The pool can never be overdrawn, whatever code or race tries.
        CheckConstraint("granted_ore <= amount_ore", name="not_overdrawn"),
        CheckConstraint("requested_ore >= 0", name="requested_not_negative"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    year: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    amount_ore: int = Field(sa_column=Column(BigInteger, nullable=False))
    granted_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    requested_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    funding_source_code: str = Field(sa_column=Column(String(30), ForeignKey("funding_source.code"), nullable=False))
    department_code: str = Field(sa_column=Column(String(10), ForeignKey("department.code"), nullable=False))
    notes: str | None = Field(default=None, sa_column=Column(SAText))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class Allocation(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("requested_ore >= 0", name="requested_not_negative"),
        CheckConstraint("granted_ore >= 0 AND released_ore >= 0 AND released_ore <= granted_ore", name="amounts"),
        CheckConstraint(
            "status IN ('requested', 'changes_requested', 'granted', 'rejected', 'released')", name="status"
        ),
        CheckConstraint("period_start IS NULL OR period_end IS NULL OR period_start <= period_end", name="period"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    pool_id: int = Field(sa_column=Column(Integer, ForeignKey("pool.id"), nullable=False, index=True))
    intervention_id: int = Field(sa_column=Column(Integer, ForeignKey("intervention.id"), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(20), nullable=False))
    requested_ore: int = Field(sa_column=Column(BigInteger, nullable=False))
    granted_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    released_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    note: str | None = Field(default=None, sa_column=Column(SAText))
    decision_note: str | None = Field(default=None, sa_column=Column(SAText))
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    decided_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    released_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # The application: its period, the effect expected and on which indicators (numbers, comma separated).
    period_start: date | None = Field(default=None, sa_column=Column(Date))
    period_end: date | None = Field(default=None, sa_column=Column(Date))
    expected_effect: str | None = Field(default=None, sa_column=Column(SAText))
    indicator_numbers: str | None = Field(default=None, sa_column=Column(String(200)))
    requested_by: str | None = Field(default=None, sa_column=Column(String(200)))
    # The last decision: who made it, in which body, at which meeting, and why.
    decided_by: str | None = Field(default=None, sa_column=Column(String(200)))
    decision_body: str | None = Field(default=None, sa_column=Column(String(200)))
    meeting_date: date | None = Field(default=None, sa_column=Column(Date))
    reason: str | None = Field(default=None, sa_column=Column(SAText))
    # Anchoring in the core operation: the trial action became permanent, paid from another source from a year.
    anchored_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    anchored_funding_source_code: str | None = Field(
        default=None, sa_column=Column(String(30), ForeignKey("funding_source.code"))
    )
    anchored_from_year: int | None = Field(default=None, sa_column=Column(Integer))
    anchored_by: str | None = Field(default=None, sa_column=Column(String(200)))


class PoolLedgerEntry(SQLModel, table=True):
    """Append-only: what each change did to the pool's amount, pending requests and net granted money."""

    __tablename__ = "pool_ledger_entry"

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    pool_id: int = Field(sa_column=Column(Integer, ForeignKey("pool.id"), nullable=False, index=True))
    allocation_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("allocation.id")))
    action: str = Field(sa_column=Column(String(30), nullable=False))
    occurred_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
    amount_delta_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    requested_delta_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    granted_delta_ore: int = Field(sa_column=Column(BigInteger, nullable=False, server_default="0"))
    note: str | None = Field(default=None, sa_column=Column(SAText))


# --- API schemas -------------------------------------------------------------------------------------------


class PoolCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text(200, required=True)
    year: Year = PydanticField(description="The budget year the pool belongs to")
    amount: Money
    funding_source: FundingSourceCode = PydanticField(default="SOB-PULJE")
    department: DepartmentCode = PydanticField(default="SOB", description="Owning department")
    notes: Text(5_000) | None = None


class PoolUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Text(200, required=True) | None = NotNull()
    amount: Money | None = NotNull(description="Lowering it below what is already granted is refused with 409")
    notes: Text(5_000) | None = None


class PoolBalance(BaseModel):
    pool_id: int
    as_of: date | None = PydanticField(description="The day the balance is for (end of day, UTC); null = now")
    amount: MoneySum
    requested: MoneySum = PydanticField(description="Pending requests, not yet decided")
    granted: MoneySum = PydanticField(description="Granted, net of releases")
    remaining: MoneySum = PydanticField(description="amount − granted")


class PoolPublic(BaseModel):
    id: int
    name: str
    year: int
    amount: MoneySum
    funding_source: str
    department: str
    notes: str | None
    balance: PoolBalance
    created_at: datetime
    updated_at: datetime


class PoolPage(BaseModel):
    items: list[PoolPublic]
    next_cursor: str | None = None


REASON_DESCRIPTION = (
    "Why the decision was made. Required for every decision (granted, rejected, changes_requested), also for a "
    "request granted in one step: a decision without a reason is refused with 422 naming `reason`"
)


class DecisionFields(BaseModel):
    """Who decided is the caller (the principal); these say where and why."""

    reason: Text(5_000) | None = PydanticField(default=None, description=REASON_DESCRIPTION)
    decision_body: Text(200) | None = PydanticField(
        default=None, description="The body that decided, e.g. Styregruppen for Social balance"
    )
    meeting_date: IsoDate | None = PydanticField(default=None, description="The date of the meeting that decided")


class ApplicationFields(BaseModel):
    """What an application says besides its amount: optional, as they were absent before."""

    period_start: IsoDate | None = PydanticField(default=None, description="First day the money is for")
    period_end: IsoDate | None = PydanticField(default=None, description="Last day the money is for")
    expected_effect: Text(5_000) | None = PydanticField(default=None, description="The effect expected")
    indicators: list[Indicator] | None = PydanticField(
        default=None, max_length=19, description="The indicators (numbers 1–19) the effect is expected on"
    )


class AllocationCreate(DecisionFields, ApplicationFields):
    model_config = ConfigDict(extra="forbid")

    intervention_id: RowId = PydanticField(
        description="Normally a trial action (prøvehandling). An editor may apply only for its own department's"
    )
    amount: Money = PydanticField(description="The amount asked for")
    note: Text(5_000) | None = PydanticField(default=None, description="The purpose: what the money is for")
    # The schema names the two states a new allocation may start in; the service refuses the others with its rule
    # violation ("a new allocation is requested or granted"), as it did before the schema said so.
    status: Annotated[
        AllocationStatus,
        WithJsonSchema({"type": "string", "enum": [AllocationStatus.requested, AllocationStatus.granted]}),
    ] = PydanticField(
        default=AllocationStatus.requested,
        description="`requested` (default), or `granted` to request and grant in one step (pool manager, admin; "
        "then `reason` is required)",
    )
    decision_note: Text(5_000) | None = None


class AllocationUpdate(DecisionFields, ApplicationFields):
    """A transition. `granted` / `rejected` / `changes_requested` decide a request (pool manager, admin; a grant may
    give less than asked: `amount`; `reason` is required); `requested` resubmits an application the pool manager
    asked to change (the applicant, who may amend `amount`, `note` and the application fields); `released` gives
    granted money back to the pool, wholly or (with `amount`) partly."""

    model_config = ConfigDict(extra="forbid")

    status: AllocationStatus
    amount: Money | None = PydanticField(
        default=None,
        description="With granted: the amount granted (default: as asked). With released: how much. With requested: "
        "the amount asked for now",
    )
    note: Text(5_000) | None = PydanticField(default=None, description="With requested: the amended purpose")
    decision_note: Text(5_000) | None = None


class AllocationPublic(BaseModel):
    id: int
    pool_id: int
    intervention_id: int
    status: AllocationStatus
    requested: MoneySum = PydanticField(description="The amount asked for")
    granted: MoneySum = PydanticField(description="The amount granted (before releases)")
    released: MoneySum
    net: MoneySum = PydanticField(description="granted − released: what the intervention has of the pool")
    note: str | None = PydanticField(description="The purpose: what the money is for")
    decision_note: str | None
    requested_at: datetime
    decided_at: datetime | None
    released_at: datetime | None
    updated_at: datetime
    period_start: date | None = None
    period_end: date | None = None
    expected_effect: str | None = None
    indicators: list[int] = PydanticField(default_factory=list)
    requested_by: str | None = PydanticField(default=None, description="Who applied (the token or person)")
    decided_by: str | None = PydanticField(default=None, description="Who made the last decision")
    decision_body: str | None = None
    meeting_date: date | None = None
    reason: str | None = PydanticField(default=None, description="The reason of the last decision")
    anchored_at: datetime | None = PydanticField(default=None, description="When it was anchored in core operation")
    anchored_funding_source: str | None = None
    anchored_from_year: int | None = None
    anchored_by: str | None = None


class AllocationList(BaseModel):
    items: list[AllocationPublic]


class Application(AllocationPublic):
    """An allocation with the names a list across pools needs."""

    pool_name: str
    intervention_name: str
    department: str = PydanticField(description="The intervention's department")


class ApplicationList(BaseModel):
    items: list[Application]


class AnchoringCreate(DecisionFields):
    """A trial action that made a difference becomes part of the core operation: recorded on the allocation, the
    intervention's status becomes `anchored`, and its budget lines of the pool's funding source from `from_year`
    on (those not backed by a grant) move to `funding_source`."""

    model_config = ConfigDict(extra="forbid")

    funding_source: FundingSourceCode = PydanticField(description="Who pays from now on, e.g. FAGFORVALTNING")
    from_year: Year = PydanticField(description="The first year paid from the new funding source")


class ReconciliationKind(StrEnum):
    grant_without_line = "grant_without_line"
    line_without_grant = "line_without_grant"
    amounts_differ = "amounts_differ"


class ReconciliationItem(BaseModel):
    kind: ReconciliationKind
    intervention_id: int
    allocation_id: int | None
    budget_line_ids: list[int]
    year: int
    granted: MoneySum = PydanticField(description="Net granted (granted − released)")
    budgeted: MoneySum = PydanticField(description="The matching budget lines of the current plan")
    detail: str


class Reconciliation(BaseModel):
    """Every difference between the pool's grants and the budget lines of its funding source in its year."""

    pool_id: int
    funding_source: str
    year: int
    consistent: bool
    items: list[ReconciliationItem]


class PoolGrant(BaseModel):
    """An intervention's money from a pool, as its detail shows it."""

    allocation_id: int
    pool_id: int
    pool_name: str
    year: int
    funding_source: str
    status: AllocationStatus
    requested: MoneySum
    net: MoneySum


class GrantRefusedProblem(BaseModel):
    """The body of a 409 for a grant that does not fit (problem+json with the figures)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    pool_id: int
    amount: MoneySum
    granted: MoneySum
    remaining: MoneySum
    asked: MoneySum
