"""the rollups' covering index takes `first_in_plan`: the budget rollup counts the interventions in all with it
(the `total_interventions` of its total), so without it SQLite read every line from the table through the index on
`intervention_id` instead of from the covering index alone (measured at 1,000 interventions: the rollup's
statement 26 → 24 ms on SQLite, 10.0 → 8.6 ms on PostgreSQL).

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUP_INDEX = "ix_budget_line_rollup"
BEFORE = ["intervention_id", "year", "type", "in_plan", "first_in_year", "amount_ore"]
AFTER = ["intervention_id", "year", "type", "in_plan", "first_in_year", "first_in_plan", "amount_ore"]


def upgrade() -> None:
    op.drop_index(ROLLUP_INDEX, table_name="budget_line")
    op.create_index(ROLLUP_INDEX, "budget_line", AFTER)


def downgrade() -> None:
    op.drop_index(ROLLUP_INDEX, table_name="budget_line")
    op.create_index(ROLLUP_INDEX, "budget_line", BEFORE)
