"""link ranks: each area/theme/indicator link carries its rank among the intervention's codes and how many
there are, so the budget rollups split money without window functions; a covering index for the rollups.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LINKS = [
    ("intervention_area", "area_slug"),
    ("intervention_theme", "theme_code"),
    ("intervention_indicator", "indicator_number"),
]


def upgrade() -> None:
    for table, code in LINKS:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("rank", sa.Integer(), nullable=False, server_default="0"))
            batch.add_column(sa.Column("siblings", sa.Integer(), nullable=False, server_default="1"))
        # Backfill: rank = how many of the intervention's codes sort before this one.
        op.execute(
            f"UPDATE {table} SET "
            f"rank = (SELECT COUNT(*) FROM {table} x WHERE x.intervention_id = {table}.intervention_id "
            f"AND x.{code} < {table}.{code}), "
            f"siblings = (SELECT COUNT(*) FROM {table} x WHERE x.intervention_id = {table}.intervention_id)"
        )
    op.create_index("ix_budget_line_rollup", "budget_line", ["intervention_id", "year", "amount_ore"])


def downgrade() -> None:
    op.drop_index("ix_budget_line_rollup", table_name="budget_line")
    for table, _code in reversed(LINKS):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("siblings")
            batch.drop_column("rank")
