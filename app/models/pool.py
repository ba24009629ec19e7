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
from sqlalchemy import BigInteger, CheckConstraint, Column, ForeignKey, Integer, String
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

from app.models.budget_line import Year
from app.models.codes import DepartmentCode, FundingSourceCode
from app.models.types import Money, MoneySum, NotNull, RowId, Text, UTCDateTime


class AllocationStatus(StrEnum):
    requested = "requested"
    granted = "granted"
    rejected = "rejected"
    released = "released"  # granted, then wholly released: nothing of it is spent any more


class LedgerAction(StrEnum):
    pool_created = "pool_created"
    pool_amount_changed = "pool_amount_changed"
    requested = "requested"
    granted = "granted"
    rejected = "rejected"
    released = "released"


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
        CheckConstraint("status IN ('requested', 'granted', 'rejected', 'released')", name="status"),
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


class AllocationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intervention_id: RowId = PydanticField(description="Normally a trial action (prøvehandling)")
    amount: Money = PydanticField(description="The amount asked for")
    note: Text(5_000) | None = PydanticField(default=None, description="What the money is for")
    # The schema names the two states a new allocation may start in; the service refuses the others with its rule
    # violation ("a new allocation is requested or granted"), as it did before the schema said so.
    status: Annotated[
        AllocationStatus,
        WithJsonSchema({"type": "string", "enum": [AllocationStatus.requested, AllocationStatus.granted]}),
    ] = PydanticField(
        default=AllocationStatus.requested,
        description="`requested` (default), or `granted` to request and grant in one step",
    )
    decision_note: Text(5_000) | None = None


class AllocationUpdate(BaseModel):
    """A transition. `granted` / `rejected` decide a request (a grant may give less than asked: `amount`);
    `released` gives granted money back to the pool, wholly or (with `amount`) partly. Nothing else changes."""

    model_config = ConfigDict(extra="forbid")

    status: AllocationStatus
    amount: Money | None = PydanticField(
        default=None, description="With granted: the amount granted (default: as asked). With released: how much"
    )
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
    note: str | None
    decision_note: str | None
    requested_at: datetime
    decided_at: datetime | None
    released_at: datetime | None
    updated_at: datetime


class AllocationList(BaseModel):
    items: list[AllocationPublic]


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
