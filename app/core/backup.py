"""Backup and restore of the whole database, for `registry backup FILE` and `registry restore FILE`.

SQLite goes through its online backup API (`sqlite3.Connection.backup`): the copy is made in one step inside one
read transaction, so it is a consistent snapshot even while the service writes (WAL readers do not block
writers), and the file written is a plain, self-contained SQLite database (rollback journal, no -wal beside it).
Restoring copies the file back through the same API, as one write transaction, and only when no other process
has the database open: the service must be stopped first (`force=True` skips that check; the copy is still one
transaction, but requests in flight then act on data that changes under them).

PostgreSQL goes through `pg_dump --format=custom` and `pg_restore --clean --if-exists --no-owner
--single-transaction --exit-on-error`, with the connection taken from DATABASE_URL (the password, if any, is
passed in PGPASSWORD, not on the command line). Restoring likewise refuses while other sessions are connected to
the database, unless forced.

A backup or restore never leaves half a file or half a database: the backup is written beside its target and
renamed; the restore is one transaction."""

import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.pool import NullPool

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
LOCK_TIMEOUT = 5.0  # seconds to wait for the database to be free before refusing to restore


class BackupError(Exception):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass
class Outcome:
    path: Path
    size: int
    dialect: str
    revision: str | None  # the schema revision (alembic_version) in the copy


# --- URLs --------------------------------------------------------------------------------------------------


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.query.get("mode") == "memory":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(url.database)


def libpq_url(database_url: str | URL) -> tuple[str, dict[str, str]]:
    """The libpq connection URL for pg_dump/pg_restore/psql, and the environment to run them with.

    `postgresql+psycopg://user:secret@host:5432/db?sslmode=require` becomes
    `postgresql://user@host:5432/db?sslmode=require` with PGPASSWORD=secret: libpq reads the same query
    parameters psycopg does, and the password stays off the command line (and out of `ps`)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise BackupError(f"not a PostgreSQL URL: {url.render_as_string(hide_password=True)}")
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    plain = URL.create(
        "postgresql", username=url.username, host=url.host, port=url.port, database=url.database, query=url.query
    )
    return plain.render_as_string(hide_password=False), env


def _revision(engine_url: str | URL) -> str | None:
    engine = create_engine(engine_url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    except Exception:
        return None
    finally:
        engine.dispose()


def _sqlite_revision(conn: sqlite3.Connection) -> str | None:
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.DatabaseError:
        return None
    return row[0] if row else None


# --- backup ------------------------------------------------------------------------------------------------


def backup(database_url: str, target: str | Path) -> Outcome:
    """Write a consistent copy of the database to `target` (replaced if it exists)."""
    url = make_url(database_url)
    target = Path(target)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        if url.get_backend_name() == "sqlite":
            revision = _backup_sqlite(_sqlite_path(url), partial)
        elif url.get_backend_name() == "postgresql":
            revision = _backup_postgres(url, partial)
        else:
            raise BackupError(f"cannot back up a {url.get_backend_name()} database")
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    return Outcome(path=target, size=target.stat().st_size, dialect=url.get_backend_name(), revision=revision)


def _backup_sqlite(source: Path, partial: Path) -> str | None:
    if not source.is_file():
        raise BackupError(f"no database at {source}")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(partial)
    try:
        src.backup(dst)  # pages=-1: every page in one step, one read transaction, one snapshot
        # The copy keeps the source's WAL flag; a backup is one plain file, so it goes back to a rollback journal.
        dst.execute("PRAGMA journal_mode=DELETE")
        check = dst.execute("PRAGMA quick_check").fetchone()[0]
        if check != "ok":
            raise BackupError(f"the copy does not pass SQLite's quick_check: {check}")
        return _sqlite_revision(dst)
    finally:
        dst.close()
        src.close()


def _run(command: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(command[0]) is None:
        raise BackupError(
            f"{command[0]} is not on PATH: install the PostgreSQL client tools "
            f"(the same major version as the server or newer)"
        )
    result = subprocess.run(command, check=False, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{what} failed (exit {result.returncode}): {result.stderr.strip()}")


def _backup_postgres(url: URL, partial: Path) -> str | None:
    conninfo, env = libpq_url(url)
    _run(["pg_dump", "--format=custom", f"--file={partial}", f"--dbname={conninfo}"], env, "pg_dump")
    return _revision(url)


# --- restore -----------------------------------------------------------------------------------------------


def restore(database_url: str, source: str | Path, *, force: bool = False) -> Outcome:
    """Replace the database's content with the backup in `source`. Refuses while other processes use the
    database (stop the service first) unless `force`."""
    url = make_url(database_url)
    source = Path(source)
    try:
        with source.open("rb") as f:
            magic = f.read(16)
    except OSError as exc:
        raise BackupError(f"cannot read {source}: {exc.strerror}") from None
    if url.get_backend_name() == "sqlite":
        if not magic.startswith(SQLITE_MAGIC):
            raise BackupError(
                f"{source} is not a SQLite backup"
                + (" (it is a pg_dump archive)" if magic.startswith(PGDUMP_MAGIC) else "")
            )
        revision = _restore_sqlite(source, _sqlite_path(url), force=force)
    elif url.get_backend_name() == "postgresql":
        if not magic.startswith(PGDUMP_MAGIC):
            raise BackupError(
                f"{source} is not a pg_dump custom-format archive"
                + (" (it is a SQLite backup)" if magic.startswith(SQLITE_MAGIC) else "")
            )
        revision = _restore_postgres(source, url, force=force)
    else:
        raise BackupError(f"cannot restore into a {url.get_backend_name()} database")
    return Outcome(path=source, size=source.stat().st_size, dialect=url.get_backend_name(), revision=revision)


def _restore_sqlite(source: Path, target: Path, *, force: bool) -> str | None:
    src = sqlite3.connect(source)
    try:
        try:
            check = src.execute("PRAGMA quick_check").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{source} is not a usable SQLite database: {exc}") from None
        if check != "ok":
            raise BackupError(f"{source} does not pass SQLite's quick_check: {check}")
        revision = _sqlite_revision(src)
        if revision is None:
            raise BackupError(f"{source} is not a registry backup (no alembic_version)")
        dst = sqlite3.connect(target, timeout=LOCK_TIMEOUT, isolation_level=None)
        try:
            if not force:
                # Every connection to a WAL database holds a shared lock on the file while it is open (that is how
                # SQLite knows who closes last): the exclusive lock is granted only when nobody else has the file
                # open, and then it keeps everybody else out until the restore is done.
                dst.execute("PRAGMA locking_mode=EXCLUSIVE")
                try:
                    dst.execute("BEGIN EXCLUSIVE")
                    dst.execute("COMMIT")
                except sqlite3.OperationalError as exc:
                    raise BackupError(
                        f"{target} is in use by another process ({exc}); stop the service "
                        f"(and anything else using the database) and run the restore again"
                    ) from None
            src.backup(dst)  # one write transaction: readers see the old database or the new one, never a mix
            check = dst.execute("PRAGMA quick_check").fetchone()[0]
            if check != "ok":
                raise BackupError(f"the restored database does not pass quick_check: {check}")
        finally:
            dst.close()
    finally:
        src.close()
    return revision


def _other_sessions(url: URL) -> int:
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
                )
            ).scalar_one()
    finally:
        engine.dispose()


def _restore_postgres(source: Path, url: URL, *, force: bool) -> str | None:
    if not force:
        others = _other_sessions(url)
        if others:
            raise BackupError(
                f"{others} other session(s) are connected to the database; stop the service "
                f"(and anything else using the database) and run the restore again"
            )
    conninfo, env = libpq_url(url)
    _run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            f"--dbname={conninfo}",
            str(source),
        ],
        env,
        "pg_restore",
    )
    return _revision(url)
