"""case record: evaluations (with the case database's two ratings and links to material), material (links to
documents, no files) and the outcome and actual value of each success criterion.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "evaluation",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("evaluated_on", sa.Date(), nullable=False),
        sa.Column("department_code", sa.String(length=10), nullable=False),
        sa.Column("purpose_fulfilled", sa.String(length=20), nullable=True),
        sa.Column("implemented_as_planned", sa.String(length=20), nullable=True),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "decision IS NULL OR decision IN ('continue', 'anchor', 'stop', 'adjust')",
            name=op.f("ck_evaluation_decision"),
        ),
        sa.CheckConstraint(
            "implemented_as_planned IS NULL OR implemented_as_planned IN ('slet_ikke', 'i_mindre_grad', 'i_nogen_grad', 'i_hoej_grad')",
            name=op.f("ck_evaluation_implemented_as_planned"),
        ),
        sa.CheckConstraint("kind IN ('midway', 'final', 'other')", name=op.f("ck_evaluation_kind")),
        sa.CheckConstraint(
            "purpose_fulfilled IS NULL OR purpose_fulfilled IN ('slet_ikke', 'i_mindre_grad', 'i_nogen_grad', 'i_hoej_grad')",
            name=op.f("ck_evaluation_purpose_fulfilled"),
        ),
        sa.ForeignKeyConstraint(
            ["department_code"], ["department.code"], name=op.f("fk_evaluation_department_code_department")
        ),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_evaluation_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluation")),
    )
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_department_code"), ["department_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_evaluation_intervention_id"), ["intervention_id"], unique=False)

    op.create_table(
        "material",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("intervention_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('description', 'budget', 'evaluation', 'results')", name=op.f("ck_material_kind")),
        sa.ForeignKeyConstraint(
            ["intervention_id"],
            ["intervention.id"],
            name=op.f("fk_material_intervention_id_intervention"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_material")),
    )
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_material_intervention_id"), ["intervention_id"], unique=False)

    op.create_table(
        "evaluation_material",
        sa.Column("evaluation_id", sa.Integer(), nullable=False),
        sa.Column("material_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["evaluation_id"],
            ["evaluation.id"],
            name=op.f("fk_evaluation_material_evaluation_id_evaluation"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["material_id"],
            ["material.id"],
            name=op.f("fk_evaluation_material_material_id_material"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("evaluation_id", "material_id", name=op.f("pk_evaluation_material")),
    )
    with op.batch_alter_table("evaluation_material", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evaluation_material_material_id"), ["material_id"], unique=False)

    with op.batch_alter_table("success_criterion", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sa.String(length=20), server_default="not_assessed", nullable=False))
        batch_op.add_column(sa.Column("actual_value", sa.String(length=40), nullable=True))
        batch_op.create_check_constraint("outcome", "outcome IN ('met', 'partly_met', 'not_met', 'not_assessed')")


def downgrade() -> None:
    with op.batch_alter_table("success_criterion", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_success_criterion_outcome"), type_="check")
        batch_op.drop_column("actual_value")
        batch_op.drop_column("outcome")

    with op.batch_alter_table("evaluation_material", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_material_material_id"))

    op.drop_table("evaluation_material")
    with op.batch_alter_table("material", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_material_intervention_id"))

    op.drop_table("material")
    with op.batch_alter_table("evaluation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evaluation_intervention_id"))
        batch_op.drop_index(batch_op.f("ix_evaluation_department_code"))

    op.drop_table("evaluation")
