"""organisations and the parties of an intervention: organisations (name, kind, CVR), their links to
interventions with a role (funding, implementing, partner), people with roles, reach per year and unit,
in-kind contributions (staff hours and staff, paid by an organisation), and the funding organisation of a
budget line.

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORG_KINDS = "('housing_organisation', 'association', 'school', 'institution', 'administration', 'company', 'other')"
ORG_ROLES = "('funding', 'implementing', 'partner')"
PERSON_ROLES = "('programme_owner', 'programme_leader', 'contact', 'evaluator')"
REACH_UNITS = "('young_people', 'children', 'families', 'residents', 'companies', 'participants')"


def _intervention_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["intervention_id"],
        ["intervention.id"],
        name=op.f(f"fk_{table}_intervention_id_intervention"),
        ondelete="CASCADE",
    )


def _organisation_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["organisation_id"], ["organisation.id"], name=op.f(f"fk_{table}_organisation_id_organisation")
    )


def _ids() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
    ]


def _index(table: str, column: str) -> None:
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def upgrade() -> None:
    op.create_table(
        "organisation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("cvr", sa.String(length=8), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(f"kind IN {ORG_KINDS}", name=op.f("ck_organisation_kind")),
        sa.CheckConstraint("cvr IS NULL OR length(cvr) = 8", name=op.f("ck_organisation_cvr_length")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation")),
        sa.UniqueConstraint("name", name=op.f("uq_organisation_name")),
        sa.UniqueConstraint("cvr", name=op.f("uq_organisation_cvr")),
    )
    op.create_table(
        "intervention_organisation",
        *_ids(),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.CheckConstraint(f"role IN {ORG_ROLES}", name=op.f("ck_intervention_organisation_role")),
        _intervention_fk("intervention_organisation"),
        _organisation_fk("intervention_organisation"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_organisation")),
        sa.UniqueConstraint(
            "intervention_id",
            "organisation_id",
            "role",
            name=op.f("uq_intervention_organisation_intervention_id_organisation_id_role"),
        ),
    )
    op.create_table(
        "intervention_person",
        *_ids(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.CheckConstraint(f"role IN {PERSON_ROLES}", name=op.f("ck_intervention_person_role")),
        _intervention_fk("intervention_person"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_person")),
    )
    op.create_table(
        "intervention_reach",
        *_ids(),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("planned", sa.Integer(), nullable=True),
        sa.Column("actual", sa.Integer(), nullable=True),
        sa.CheckConstraint(f"unit IN {REACH_UNITS}", name=op.f("ck_intervention_reach_unit")),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_intervention_reach_year_range")),
        sa.CheckConstraint("planned IS NULL OR planned >= 0", name=op.f("ck_intervention_reach_planned_not_negative")),
        sa.CheckConstraint("actual IS NULL OR actual >= 0", name=op.f("ck_intervention_reach_actual_not_negative")),
        _intervention_fk("intervention_reach"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention_reach")),
        sa.UniqueConstraint(
            "intervention_id", "year", "unit", name=op.f("uq_intervention_reach_intervention_id_year_unit")
        ),
    )
    op.create_table(
        "in_kind_contribution",
        *_ids(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("hours", sa.Integer(), nullable=True),
        sa.Column("staff", sa.Integer(), nullable=True),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.CheckConstraint("year BETWEEN 2000 AND 2100", name=op.f("ck_in_kind_contribution_year_range")),
        sa.CheckConstraint("hours IS NULL OR hours >= 0", name=op.f("ck_in_kind_contribution_hours_not_negative")),
        sa.CheckConstraint("staff IS NULL OR staff >= 0", name=op.f("ck_in_kind_contribution_staff_not_negative")),
        _intervention_fk("in_kind_contribution"),
        _organisation_fk("in_kind_contribution"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_in_kind_contribution")),
    )
    for table in ("intervention_organisation", "intervention_person", "intervention_reach", "in_kind_contribution"):
        _index(table, "intervention_id")
    _index("intervention_organisation", "organisation_id")
    _index("in_kind_contribution", "organisation_id")
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.add_column(sa.Column("funding_organisation_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_budget_line_funding_organisation_id"), ["funding_organisation_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_budget_line_funding_organisation_id_organisation"),
            "organisation",
            ["funding_organisation_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("budget_line", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_budget_line_funding_organisation_id_organisation"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_budget_line_funding_organisation_id"))
        batch_op.drop_column("funding_organisation_id")
    for table in ("in_kind_contribution", "intervention_reach", "intervention_person", "intervention_organisation"):
        op.drop_table(table)
    op.drop_table("organisation")
