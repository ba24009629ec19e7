"""import uploads: a file uploaded on the web import page, kept between its dry run and its application, owned
by the web session that uploaded it and expiring an hour later.

Revision ID: 0016
Revises: 0013
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_upload",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("web_session_id", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("strategy", sa.String(length=10), nullable=False),
        sa.Column("body", sa.LargeBinary(), nullable=False),
        sa.Column("dry_run_report", sa.JSON(), nullable=False),
        sa.Column("applied_report", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["web_session_id"],
            ["web_session.id"],
            name=op.f("fk_import_upload_web_session_id_web_session"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_upload")),
    )
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_import_upload_web_session_id"), ["web_session_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_import_upload_expires_at"), ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("import_upload", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_upload_expires_at"))
        batch_op.drop_index(batch_op.f("ix_import_upload_web_session_id"))
    op.drop_table("import_upload")
