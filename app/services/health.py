"""The health check: the database answers, and its schema is at the migration head this code was written for
(issue 13, item 12). An empty database, or one migrated by another version of the registry, is not healthy."""

from functools import lru_cache

from sqlalchemy import inspect, text
from sqlmodel import Session

from app.errors import AppError


class SchemaNotCurrent(AppError):
    status, slug, title = 503, "schema-not-current", "The database schema is not the one this version expects"


@lru_cache
def _migrations() -> tuple[tuple[str, ...], frozenset[str]]:
    """The head revision(s) of the migration scripts beside the code, and every revision they know; read once per
    process (the scripts do not change while it runs)."""
    from alembic.script import ScriptDirectory

    from app.cli import _alembic_config

    scripts = ScriptDirectory.from_config(_alembic_config())
    return tuple(sorted(scripts.get_heads())), frozenset(r.revision for r in scripts.walk_revisions())


def check_schema(session: Session) -> None:
    """Raise SchemaNotCurrent unless the database's alembic_version is exactly the head of the scripts. Two
    small queries; a database that cannot be reached raises OperationalError (503 database-unavailable)."""
    try:
        heads, known = _migrations()
    except SystemExit as exc:  # app.cli's message: alembic.ini and migrations/ not found
        raise SchemaNotCurrent(f"cannot tell which schema to expect: {exc}", expected_revision=None) from None
    expected = ",".join(heads)
    if inspect(session.connection()).has_table("alembic_version"):
        found = sorted(session.exec(text("SELECT version_num FROM alembic_version")).scalars())
    else:
        found = []
    if tuple(found) == heads:
        return
    if not found:
        raise SchemaNotCurrent(
            f"the database has no schema of the registry (no migration applied); it should be at {expected}: "
            "run `registry migrate`",
            expected_revision=expected,
            database_revision=None,
        )
    at = ",".join(found)
    if set(found) <= known:
        advice = "run `registry migrate`"
    else:
        advice = "it was migrated by a newer version of the registry: serve that version (or restore a backup)"
    raise SchemaNotCurrent(
        f"the database schema is at revision {at}, this version of the registry expects {expected}: {advice}",
        expected_revision=expected,
        database_revision=at,
    )
