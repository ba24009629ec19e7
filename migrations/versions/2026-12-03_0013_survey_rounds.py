"""survey rounds and a changeable framework: measurement rounds (a survey round or a register year) with the
respondents and population per area, observations that belong to a round, the indicator's unit and retirement,
and the framework's revisions (the report names the framework version it used).

Revision ID: 0013
Revises: 0018
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "measurement_round",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("collected", sa.String(length=100), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('survey', 'register')", name=op.f("ck_measurement_round_kind")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_measurement_round_year_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_measurement_round")),
        sa.UniqueConstraint("code", name=op.f("uq_measurement_round_code")),
        sa.UniqueConstraint("kind", "year", name=op.f("uq_measurement_round_kind_year")),
    )
    op.create_table(
        "measurement_round_area",
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("area_slug", sa.String(length=40), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=True),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.CheckConstraint("respondents >= 0", name=op.f("ck_measurement_round_area_respondents")),
        sa.CheckConstraint("population >= 0", name=op.f("ck_measurement_round_area_population")),
        sa.ForeignKeyConstraint(["area_slug"], ["area.slug"], name=op.f("fk_measurement_round_area_area_slug_area")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["measurement_round.id"],
            name=op.f("fk_measurement_round_area_round_id_measurement_round"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("round_id", "area_slug", name=op.f("pk_measurement_round_area")),
    )
    op.create_table(
        "framework_revision",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=500), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_framework_revision")),
    )
    with op.batch_alter_table("indicator", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unit", sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("indicator_observation", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_indicator_observation_round_id_measurement_round"),
            "measurement_round",
            ["round_id"],
            ["id"],
        )
        batch_op.create_index(batch_op.f("ix_indicator_observation_round_id"), ["round_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("indicator_observation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_indicator_observation_round_id"))
        batch_op.drop_constraint(batch_op.f("fk_indicator_observation_round_id_measurement_round"), type_="foreignkey")
        batch_op.drop_column("round_id")
    if op.get_bind().dialect.name == "sqlite":
        # A batch (copy and rename) would drop the table `indicator` that others refer to; SQLite drops columns.
        op.execute("ALTER TABLE indicator DROP COLUMN retired_at")
        op.execute("ALTER TABLE indicator DROP COLUMN unit")
    else:
        op.drop_column("indicator", "retired_at")
        op.drop_column("indicator", "unit")
    op.drop_table("framework_revision")
    op.drop_table("measurement_round_area")
    op.drop_table("measurement_round")
