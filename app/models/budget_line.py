"""Budget lines: (intervention, year, cost category, funding source, amount). Amounts are stored in øre as
integers, because SQLite keeps NUMERIC as binary floating point and would sum 0.10 + 0.20 inexactly."""

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.models.types import Money, MoneySum, Text, _int_not_bool

MIN_YEAR, MAX_YEAR = 2000, 2100


class BudgetLine(SQLModel, table=True):
    __tablename__ = "budget_line"
    __table_args__ = (
        CheckConstraint("amount_ore >= 0", name="amount_not_negative"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_range"),
        # One line per (year, category, funding source): a second one is almost always a double entry.
        UniqueConstraint("intervention_id", "year", "category", "funding_source_code"),
        # Covers the rollups' scan (lines of an intervention by year, with their amounts).
        Index("ix_budget_line_rollup", "intervention_id", "year", "amount_ore"),
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
    amount_ore: int = Field(sa_column=Column(BigInteger, nullable=False))
    note: str | None = Field(default=None, sa_column=Column(String(500)))


# --- API schemas -------------------------------------------------------------------------------------------

Year = Annotated[int, PydanticField(ge=MIN_YEAR, le=MAX_YEAR), BeforeValidator(_int_not_bool)]


class BudgetLineCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    year: Year
    category: Text(200, required=True) = PydanticField(description="Cost category, e.g. Løn, Aktivitetsudgifter")
    funding_source: Text(30, required=True) = PydanticField(description="Funding source code, e.g. SOB-PULJE")
    amount: Money
    note: Text(500) | None = PydanticField(default=None, description="Free text, e.g. which part of a programme")


class BudgetLinePublic(BaseModel):
    id: int
    year: int
    category: str
    funding_source: str
    amount: Money
    note: str | None


class BudgetLineSet(BaseModel):
    """All budget lines of one intervention, with their sum."""

    items: list[BudgetLinePublic]
    total: MoneySum
