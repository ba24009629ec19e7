"""data version in slots: 64 rows, each committed write replaces the version of one slot chosen at random, and
the data's version is their sum. With one row every write transaction updated that same row as its last
statement, so on PostgreSQL each commit waited for the one before it to finish (its WAL flush included): writers
queued on that row (pgbench, 16 clients, the W2 rows: 248-300 tx/s with the update of one row against 595-612
without it and 476-723 with slots). Two writes now wait on each other only when they draw the same slot.

The table is made anew (its one version is replaced by 64 new ones, so every worker's read cache starts over,
as after any write).

Revision ID: 0023
Revises: 0020
Create Date: 2026-12-03
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLOTS = 64
SLOT_BITS = 56  # the sum of 64 slots stays below 2**62: a BIGINT on PostgreSQL, no overflow in SQLite's SUM


def _create(check: str) -> sa.Table:
    return op.create_table(
        "data_version",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint(check, name=op.f(f"ck_data_version_{'slot' if 'BETWEEN' in check else 'single_row'}")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_version")),
    )


def upgrade() -> None:
    op.drop_table("data_version")
    table = _create(f"id BETWEEN 1 AND {SLOTS}")
    op.bulk_insert(table, [{"id": n, "version": secrets.randbits(SLOT_BITS)} for n in range(1, SLOTS + 1)])


def downgrade() -> None:
    op.drop_table("data_version")
    table = _create("id = 1")
    op.bulk_insert(table, [{"id": 1, "version": secrets.randbits(62)}])
