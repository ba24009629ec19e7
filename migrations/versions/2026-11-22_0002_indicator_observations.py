"""indicator observations: the measured value of an indicator per area, year and kind (baseline, actual,
target), kept as exact decimal text.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "indicator_observation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("indicator_number", sa.Integer(), nullable=False),
        sa.Column("area_slug", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=50), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('baseline', 'actual', 'target')", name=op.f("ck_indicator_observation_kind")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_indicator_observation_year_range")),
        sa.ForeignKeyConstraint(["area_slug"], ["area.slug"], name=op.f("fk_indicator_observation_area_slug_area")),
        sa.ForeignKeyConstraint(
            ["indicator_number"], ["indicator.number"], name=op.f("fk_indicator_observation_indicator_number_indicator")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_indicator_observation")),
        sa.UniqueConstraint(
            "indicator_number",
            "area_slug",
            "year",
            "kind",
            name=op.f("uq_indicator_observation_indicator_number_area_slug_year_kind"),
        ),
    )
    with op.batch_alter_table("indicator_observation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_indicator_observation_area_slug"), ["area_slug"], unique=False)
        batch_op.create_index(batch_op.f("ix_indicator_observation_year"), ["year"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_observation_year"))
        batch_op.drop_index(batch_op.f("ix_indicator_observation_area_slug"))

    op.drop_table("indicator_observation")
