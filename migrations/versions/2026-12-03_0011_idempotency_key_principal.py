"""idempotency key principal: a stored key belongs to the principal that used it (primary key
(principal, key)), and keeps the answer's Location/ETag headers, since every creating POST now honours the key.

Keys stored before this revision were global and name no principal: they are dropped (they only answer
retries of recent imports; a retried import is an upsert and leaves applied records unchanged).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute("DELETE FROM idempotency_key")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.add_column(sa.Column("principal", sa.String(length=200), nullable=False))
        batch_op.add_column(sa.Column("response_headers", sa.Text(), nullable=True))
        batch_op.drop_constraint("pk_idempotency_key", type_="primary")
        batch_op.create_primary_key("pk_idempotency_key", ["principal", "key"])


def downgrade() -> None:
    # The old key was global: keys of different principals could collide, so the stored answers go.
    op.execute("DELETE FROM idempotency_key")
    with op.batch_alter_table("idempotency_key", schema=None) as batch_op:
        batch_op.drop_constraint("pk_idempotency_key", type_="primary")
        batch_op.create_primary_key("pk_idempotency_key", ["key"])
        batch_op.drop_column("response_headers")
        batch_op.drop_column("principal")
