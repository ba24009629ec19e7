"""trial-action pools: pools with their running granted total (CHECK granted <= amount), allocations, and
the append-only ledger the balance on a past date is computed from.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pool",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("amount_ore", sa.BigInteger(), nullable=False),
        sa.Column("granted_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requested_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("funding_source_code", sa.String(length=30), nullable=False),
        sa.Column("department_code", sa.String(length=10), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_ore >= 0", name=op.f("ck_pool_amount_not_negative")),
        sa.CheckConstraint("granted_ore <= amount_ore", name=op.f("ck_pool_not_overdrawn")),
        sa.CheckConstraint("granted_ore >= 0", name=op.f("ck_pool_granted_not_negative")),
        sa.CheckConstraint("requested_ore >= 0", name=op.f("ck_pool_requested_not_negative")),
        sa.ForeignKeyConstraint(
            ["department_code"], ["department.code"], name=op.f("fk_pool_department_code_department")
        ),
        sa.ForeignKeyConstraint(
            ["funding_source_code"], ["funding_source.code"], name=op.f("fk_pool_funding_source_code_funding_source")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool")),
    )
    with op.batch_alter_table("pool", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_year"), ["year"], unique=False)

    op.create_table(
        "allocation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_ore", sa.BigInteger(), nullable=False),
        sa.Column("granted_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("released_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('requested', 'granted', 'rejected', 'released')", name=op.f("ck_allocation_status")
        ),
        sa.CheckConstraint(
            "granted_ore >= 0 AND released_ore >= 0 AND released_ore <= granted_ore", name=op.f("ck_allocation_amounts")
        ),
        sa.CheckConstraint("requested_ore >= 0", name=op.f("ck_allocation_requested_not_negative")),
        sa.ForeignKeyConstraint(
            ["intervention_id"], ["intervention.id"], name=op.f("fk_allocation_intervention_id_intervention")
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"], name=op.f("fk_allocation_pool_id_pool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_allocation")),
    )
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_allocation_intervention_id"), ["intervention_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_allocation_pool_id"), ["pool_id"], unique=False)

    op.create_table(
        "pool_ledger_entry",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("pool_id", sa.Integer(), nullable=False),
        sa.Column("allocation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("amount_delta_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("requested_delta_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("granted_delta_ore", sa.BigInteger(), server_default="0", nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["allocation_id"], ["allocation.id"], name=op.f("fk_pool_ledger_entry_allocation_id_allocation")
        ),
        sa.ForeignKeyConstraint(["pool_id"], ["pool.id"], name=op.f("fk_pool_ledger_entry_pool_id_pool")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pool_ledger_entry")),
    )
    with op.batch_alter_table("pool_ledger_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_pool_ledger_entry_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_pool_ledger_entry_pool_id"), ["pool_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("pool_ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_ledger_entry_pool_id"))
        batch_op.drop_index(batch_op.f("ix_pool_ledger_entry_occurred_at"))

    op.drop_table("pool_ledger_entry")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_allocation_pool_id"))
        batch_op.drop_index(batch_op.f("ix_allocation_intervention_id"))

    op.drop_table("allocation")
    with op.batch_alter_table("pool", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pool_year"))

    op.drop_table("pool")
