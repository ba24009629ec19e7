"""One row that names the state of the registry's data: every committed write sets a new random `version`.

Readers compare it with the version a cached answer was built from (app/core/read_cache.py), so a cache
in each worker's memory stays correct across workers and containers without any shared memory. A random
value, not a counter: a restored backup brings back the version of the state it holds, and a counter could
meet an old number again with other data behind it."""

from sqlalchemy import BigInteger, CheckConstraint, Column, Integer
from sqlmodel import Field, SQLModel

SINGLETON_ID = 1


class DataVersion(SQLModel, table=True):
    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint(f"id = {SINGLETON_ID}", name="single_row"),)

    id: int = Field(default=SINGLETON_ID, sa_column=Column(Integer, primary_key=True, autoincrement=False))
    version: int = Field(sa_column=Column(BigInteger, nullable=False))
