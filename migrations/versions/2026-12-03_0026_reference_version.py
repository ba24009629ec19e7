"""the reference data's own version, which changes with every change to the reference tables.

A create or change of an intervention checks its codes (departments, areas, themes, indicators, funding sources)
and orders its areas by the reference tables: one statement of about fifty rows on every write, although they
change only when an indicator is added or a migration changes them. The token check now reads this version in
the same statement as the token and the data version, and each worker keeps the codes it read at that version
(app/services/reference.py CodeChecker.load_all).

Triggers keep it, whatever writes the reference tables (a service, a migration, an operator with psql): every
INSERT, UPDATE, DELETE (or, on PostgreSQL, TRUNCATE) statement on one of them gives it a new random value in the
same transaction. (A restore with the triggers disabled brings back the version its data was saved with.)

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("department", "area", "effect_goal", "theme", "indicator", "funding_source")
# A new random value, not a counter (as data_version): a database restored, or migrated down and up again, never
# meets a version a worker kept with other data behind it.
RANDOM = {"postgresql": "floor(random() * 9007199254740991)::bigint", "sqlite": "random()"}


def _bump(dialect: str) -> str:
    return f"UPDATE reference_version SET version = {RANDOM[dialect]} WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_reference_version_one_row")),
    )
    dialect = op.get_bind().dialect.name
    op.execute(f"INSERT INTO reference_version (id, version) VALUES (1, {RANDOM[dialect]})")
    if dialect == "postgresql":
        op.execute(
            "CREATE FUNCTION bump_reference_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_bump(dialect)}; RETURN NULL; END $$"
        )
        for table in TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_reference_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION bump_reference_version()"
            )
        return
    for table in TABLES:  # SQLite has row triggers only, one per kind of statement (and no TRUNCATE)
        for event in ("INSERT", "UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_reference_version_{event.lower()} AFTER {event} ON {table} "
                f"BEGIN {_bump(dialect)}; END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER {table}_reference_version ON {table}")
        op.execute("DROP FUNCTION bump_reference_version()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER {table}_reference_version_{event}")
    op.drop_table("reference_version")
