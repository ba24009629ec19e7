"""pool decisions: applications (period, expected effect, indicators, applicant), decisions (who, body, meeting
date, reason), the state changes_requested, anchoring in the core operation, and the budget line a grant carries.

Revision ID: 0014
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUS = "status IN ('requested', 'granted', 'rejected', 'released')"
NEW_STATUS = "status IN ('requested', 'changes_requested', 'granted', 'rejected', 'released')"


def upgrade() -> None:
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("period_start", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("period_end", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("expected_effect", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("indicator_numbers", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("requested_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("decided_by", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("decision_body", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("meeting_date", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("reason", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("anchored_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("anchored_funding_source_code", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("anchored_from_year", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("anchored_by", sa.String(length=200), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_allocation_anchored_funding_source_code_funding_source"),
            "funding_source",
            ["anchored_funding_source_code"],
            ["code"],
        )
        batch_op.drop_constraint(batch_op.f("ck_allocation_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_allocation_status"), NEW_STATUS)
        batch_op.create_check_constraint(
            batch_op.f("ck_allocation_period"),
            "period_start IS NULL OR period_end IS NULL OR period_start <= period_end",
        )
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pool_allocation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_budget_line_pool_allocation_id_allocation"),
            "allocation",
            ["pool_allocation_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_index(batch_op.f("ix_budget_line_pool_allocation_id"), ["pool_allocation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_budget_line_pool_allocation_id"))
        batch_op.drop_constraint(batch_op.f("fk_budget_line_pool_allocation_id_allocation"), type_="foreignkey")
        batch_op.drop_column("pool_allocation_id")
    op.execute("UPDATE allocation SET status = 'requested' WHERE status = 'changes_requested'")
    with op.batch_alter_table("allocation", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_allocation_period"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_allocation_status"), type_="check")
        batch_op.create_check_constraint(batch_op.f("ck_allocation_status"), OLD_STATUS)
        batch_op.drop_constraint(
            batch_op.f("fk_allocation_anchored_funding_source_code_funding_source"), type_="foreignkey"
        )
        for column in (
            "anchored_by",
            "anchored_from_year",
            "anchored_funding_source_code",
            "anchored_at",
            "reason",
            "meeting_date",
            "decision_body",
            "decided_by",
            "requested_by",
            "indicator_numbers",
            "expected_effect",
            "period_end",
            "period_start",
        ):
            batch_op.drop_column(column)
