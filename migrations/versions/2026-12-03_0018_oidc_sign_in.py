"""oidc sign-in: a web sign-in with Microsoft (OIDC) in progress, between the redirect to the identity provider and
its answer (state, nonce, PKCE verifier, redirect URI and the page to return to, found by the SHA-256 of a random
id the browser holds in a short-lived cookie).

Revision ID: 0018
Revises: 0012
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "oidc_sign_in",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("nonce", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=128), nullable=False),
        sa.Column("redirect_uri", sa.String(length=2000), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oidc_sign_in")),
    )
    with op.batch_alter_table("oidc_sign_in", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oidc_sign_in_created_at"), ["created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("oidc_sign_in", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_oidc_sign_in_created_at"))
    op.drop_table("oidc_sign_in")
