"""plan line flags: `first_in_year` and `first_in_plan` mark the plan line with the lowest id of each
(intervention, year) and of each intervention, so that rollups count interventions by summing a flag in the same
pass as the money instead of COUNT(DISTINCT). The covering index of the rollups takes `first_in_year`.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ROLLUP_INDEX = "ix_budget_line_rollup"
# The same rule as services.interventions.first_plan_lines, written out: migrations import nothing of the app.
SET_FLAGS = """
UPDATE budget_line SET
  first_in_year = (in_plan AND id = (SELECT min(o.id) FROM budget_line o WHERE o.intervention_id =
                   budget_line.intervention_id AND o.year = budget_line.year AND o.in_plan)),
  first_in_plan = (in_plan AND id = (SELECT min(o.id) FROM budget_line o WHERE o.intervention_id =
                   budget_line.intervention_id AND o.in_plan))
"""


def upgrade() -> None:
    op.drop_index(ROLLUP_INDEX, table_name="budget_line")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_in_year", sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("first_in_plan", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(SET_FLAGS)
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        # The service layer writes the flags on every insert; no default, so no writer can forget them silently.
        batch_op.alter_column("first_in_year", server_default=None, existing_type=sa.Boolean(), existing_nullable=False)
        batch_op.alter_column("first_in_plan", server_default=None, existing_type=sa.Boolean(), existing_nullable=False)
    op.create_index(
        ROLLUP_INDEX, "budget_line", ["intervention_id", "year", "type", "in_plan", "first_in_year", "amount_ore"]
    )


def downgrade() -> None:
    op.drop_index(ROLLUP_INDEX, table_name="budget_line")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_column("first_in_plan")
        batch_op.drop_column("first_in_year")
    op.create_index(ROLLUP_INDEX, "budget_line", ["intervention_id", "year", "type", "in_plan", "amount_ore"])
