"""The state of the registry's data, as a version that every committed write changes.

The table has SLOTS rows; a committed write replaces the `version` of one slot, drawn at random, with a new
random value, and the data's version is the sum of all slots (app/core/read_cache.py reads it in one
statement). Readers compare it with the version a cached answer was built from (app/core/read_cache.py), so a
cache in each worker's memory stays correct across workers and containers without any shared memory.

Slots, not one row: each write transaction locks the row it updates until it commits, so with one row every
commit on PostgreSQL waited for the one before it; now two writes wait on each other only when they draw the
same slot. Random values, not counters: a restored backup brings back the version of the state it holds, and
a counter could meet an old number again with other data behind it. Each slot holds SLOT_BITS bits so that the
sum of all of them fits a BIGINT (and SQLite's integer SUM)."""

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer
from sqlmodel import Field, SQLModel

SLOTS = 64
SLOT_BITS = 56


class DataVersion(SQLModel, table=True):
    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint(f"id BETWEEN 1 AND {SLOTS}", name="slot"),)

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))


class ReferenceVersion(SQLModel, table=True):
    """The reference data's version (one row): triggers give it a new random value with every statement that
    changes a reference table (department, area, effect_goal, theme, indicator, funding_source; migration 0026),
    so a worker may keep what it read of them at a version for as long as the version stays
    (app/services/reference.py)."""

    __tablename__ = "reference_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
