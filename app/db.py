"""Engine and session: one place that knows the quirks of SQLite and PostgreSQL."""

import secrets
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine, event, update
from sqlalchemy.orm import ORMExecuteState, sessionmaker
from sqlmodel import Session

from app.config import get_settings
from app.models.data_version import DataVersion

# Execution option a write service sets before its first statement: on SQLite the transaction then starts
# with BEGIN IMMEDIATE, taking the write lock up front, so two read-then-write transactions cannot both read
# and then fail (or, worse, interleave) when they try to write.
WRITE = {"registry_write": True}
# session.info key of the guard of an idempotent write (app/services/idempotency.py): begin_write() hands it the
# new write transaction, and the service's commit() waits for it while it `holding`.
WRITE_GUARD = "registry_write_guard"


class RegistrySession(Session):
    def commit(self) -> None:
        guard = self.info.get(WRITE_GUARD)
        if guard is not None and guard.holding:
            self.flush()  # the idempotent write stores its answer first, then commits both
            return
        super().commit()


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            # Let SQLAlchemy, not the driver, decide when a transaction begins (SQLAlchemy's documented recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a committed transaction survives a process crash; only a power loss
                # can roll back the last few commits, never corrupt the file.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            mode = "IMMEDIATE" if conn.get_execution_options().get("registry_write") else "DEFERRED"
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@lru_cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@lru_cache
def _session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, class_=RegistrySession, expire_on_commit=False, autoflush=False)


def open_session(engine: Engine | None = None) -> Session:
    """A new session on the app's database (or on `engine`), the one way to open one: `with open_session() as
    session:`. A request has one, opened by its authorization and handed to the endpoint (app/deps.py)."""
    return _session_factory(engine or get_engine())()


def begin_write(session: Session) -> None:
    """Start the session's transaction as a write (BEGIN IMMEDIATE on SQLite).

    Each service write is its own transaction; a read transaction still open in the session (a caller looked
    something up first) holds nothing worth keeping, so it is ended before the write transaction begins.
    In an idempotent write the guard takes the key as the transaction begins, and the transaction spans every
    begin_write() of the request."""
    guard = session.info.get(WRITE_GUARD)
    if guard is not None and guard.active and session.in_transaction():
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in the session")
        session.rollback()
    session.connection(execution_options=WRITE)
    session.info[_WROTE] = True
    if guard is not None:
        guard.begin(session)


# --- the data version: a new one with every committed write ------------------------------------------------

_WROTE = "registry_wrote"


def new_data_version(connection: Connection) -> None:
    """Give the data a new version in the connection's transaction (visible to readers when it commits)."""
    connection.execute(update(DataVersion.__table__).values(version=secrets.randbits(62)))


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[_WROTE] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state: ORMExecuteState) -> None:
    # Bulk and conditional writes (INSERT … VALUES of many rows, UPDATE pool SET granted = …) skip the flush.
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_WROTE] = True


@event.listens_for(Session, "before_commit")
def _commit_new_version(session: Session) -> None:
    """Every transaction that wrote also replaces the data version, in the same transaction, so that no reader
    can see the new data under the old version once the commit is visible.

    The pending changes are flushed first, so that the version row is the last one the transaction locks: on
    PostgreSQL two commits then never wait on each other's rows in opposite orders. The statement goes through
    the connection, not the session, so that it does not mark the session as written again."""
    session.flush()
    if session.info.pop(_WROTE, False):
        new_data_version(session.connection())


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(_WROTE, None)
    guard = session.info.get(WRITE_GUARD)
    if guard is not None:
        guard.active = False  # the key's lock went with the transaction
