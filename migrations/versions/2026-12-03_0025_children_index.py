"""a partial index of the interventions that have a parent, for the children of a page of the list.

A cold page reads its interventions' children with `parent_id IN (…the page's ids…)`. Once SQLite's statistics
exist (ANALYZE, as after a bulk load), they describe the index on `parent_id` by its many NULLs (most
interventions belong to no programme: "20000 20000", every key as common as the whole table), so SQLite scanned
the whole table for every page instead: 2.1 ms of the page at 20,000 interventions, growing with the table
(the cold page grew from 11 to 20 ms between 10,000 and 100,000). An index of the rows with a parent only is
what that lookup needs, whatever the statistics say (0.36 ms at 20,000). The full index stays for the foreign
key and the subtree walk.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_intervention_children"
WHERE = sa.text("parent_id IS NOT NULL")


def upgrade() -> None:
    op.create_index(INDEX, "intervention", ["parent_id"], sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index(INDEX, table_name="intervention")
