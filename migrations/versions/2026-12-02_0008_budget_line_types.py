"""budget line types: each line is an original budget (`budget`), a revised budget (`revised`) or actual spending
(`actual`); `in_plan` marks the lines of the current plan (revised lines, and original lines without a revision
of their key). The unique key and the rollups' covering index take the new columns.

Existing lines are original budget lines, all in the plan. The downgrade deletes revised and actual lines (the
old schema cannot hold them: a revision and its original share a key) and restores the old key and index.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = "uq_budget_line_intervention_id_year_category_funding_source_code"
NEW_KEY = "uq_budget_line_intervention_id_year_category_funding_source_code_type"
ROLLUP_INDEX = "ix_budget_line_rollup"


def upgrade() -> None:
    op.drop_index(ROLLUP_INDEX, table_name="budget_line")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("type", sa.String(length=10), server_default="budget", nullable=False))
        # Every existing line is an original line with no revision: in the plan.
        batch_op.add_column(sa.Column("in_plan", sa.Boolean(), server_default=sa.true(), nullable=False))
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        # The service layer writes in_plan on every insert; no default, so no writer can forget it silently.
        batch_op.alter_column("in_plan", server_default=None, existing_type=sa.Boolean(), existing_nullable=False)
        batch_op.create_check_constraint("type", "type IN ('budget', 'revised', 'actual')")
        batch_op.drop_constraint(batch_op.f(OLD_KEY), type_="unique")
        # Named by the metadata's convention; PostgreSQL gets the convention's truncated name (63 characters).
        batch_op.create_unique_constraint(
            batch_op.f(NEW_KEY), ["intervention_id", "year", "category", "funding_source_code", "type"]
        )
    op.create_index(ROLLUP_INDEX, "budget_line", ["intervention_id", "year", "type", "in_plan", "amount_ore"])


def downgrade() -> None:
    op.execute("DELETE FROM budget_line WHERE type <> 'budget'")
    op.drop_index(ROLLUP_INDEX, table_name="budget_line")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(NEW_KEY), type_="unique")
        batch_op.drop_constraint(op.f("ck_budget_line_type"), type_="check")
        batch_op.create_unique_constraint(
            batch_op.f(OLD_KEY), ["intervention_id", "year", "category", "funding_source_code"]
        )
        batch_op.drop_column("in_plan")
        batch_op.drop_column("type")
    op.create_index(ROLLUP_INDEX, "budget_line", ["intervention_id", "year", "amount_ore"])
