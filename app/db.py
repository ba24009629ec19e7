"""Engine and session: one place that knows the quirks of SQLite and PostgreSQL."""

import fcntl
import logging
import os
import queue
import secrets
import threading
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.exc import DisconnectionError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, sessionmaker
from sqlmodel import Session

from app.config import get_settings
from app.core.direct import Statement
from app.models.data_version import SLOT_BITS, SLOTS, DataVersion

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


BUSY_TIMEOUT_MS = 30_000  # how long a SQLite writer waits for another's lock


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):
            # Let SQLAlchemy, not the driver, decide when a transaction begins (SQLAlchemy's documented recipe).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            if ":memory:" not in url:
                cursor.execute("PRAGMA journal_mode=WAL")
                # NORMAL in WAL mode: a committed transaction survives a process crash; only a power loss
                # can roll back the last few commits, never corrupt the file.
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        queue = _WriterQueue(engine.url.database) if ":memory:" not in url and engine.url.database else None

        @event.listens_for(engine, "begin")
        def _on_begin(conn):
            write = conn.get_execution_options().get("registry_write")
            if not write:
                conn.exec_driver_sql("BEGIN DEFERRED")
                return
            loop = getattr(_LOOP, "run", None)
            if queue is not None:
                queue.enter(conn.connection.info)
            if loop is None or loop.began_a_write:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
                return
            # The first write of a write in an event loop: SQLite's own lock may be held by a writer outside the
            # queue (a DEFERRED write that went on to write, another program); the event loop does not wait for it
            # in SQLite's busy handler (30 s), the work is done again in a thread instead.
            dbapi = conn.connection.dbapi_connection
            dbapi.execute(f"PRAGMA busy_timeout={int(_WriterQueue.IN_EVENT_LOOP_WAIT_S * 1000)}")
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except OperationalError as error:
                if "locked" not in str(error.orig):
                    raise
                if queue is not None:
                    queue.leave(conn.connection.info)
                raise WriterBusy from error
            finally:
                dbapi.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            loop.began_a_write = True  # from here on the work can no longer be done again

        if queue is not None:
            queue.watch(engine)
            _QUEUES[engine] = queue
        return engine
    engine = create_engine(url, pool_size=10, max_overflow=10)
    _ping_after_idle(engine)
    return engine


# A pooled connection idle longer than this is pinged before use (SELECT 1): the server may have closed it
# (restart, failover, idle timeout). One used within the window is not: under load every checkout would otherwise
# cost a round trip. HikariCP's aliveBypassWindowMs does the same (500 ms). A connection found dead is replaced
# (the pool retries the checkout); one lost inside the window fails its request, and the pool then drops every
# connection of the same age.
PING_AFTER_IDLE_S = 1.0
_USED = "registry_used"


def _ping_after_idle(engine: Engine) -> None:
    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection, record) -> None:
        record.info[_USED] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection, record, _proxy) -> None:
        used = record.info.get(_USED)
        if used is not None and time.monotonic() - used < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi_connection.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi_connection.rollback()
        except Exception as error:
            raise DisconnectionError("the pooled connection is gone") from error


def _info(connection) -> dict | None:
    """The pool record's info of a connection (None for a raw DBAPI connection or the first-connect one)."""
    try:
        return connection.info
    except (AttributeError, NotImplementedError):
        return None


class WriterBusy(Exception):
    """A write run in an event loop found the writers' lock held longer than it may wait there: the work (which
    has not written yet) is to be done again in the thread pool (app/deps.py)."""


@dataclass
class _InEventLoop:
    began_a_write: bool = False


_LOOP = threading.local()


@contextmanager
def writes_in_event_loop() -> Iterator[None]:
    """Mark the block as run in an event loop's thread (a small write on SQLite, app/deps.py). Its first write
    transaction waits for the writers' lock (_WriterQueue) only briefly, and raises WriterBusy when another writer
    keeps it longer (it may be an import that takes seconds), and so does its BEGIN IMMEDIATE when SQLite's own
    lock is held that long; once a write transaction has begun, a later one waits like any writer (the work can no
    longer be done again)."""
    _LOOP.run = _InEventLoop()
    try:
        yield
    finally:
        _LOOP.run = None


@dataclass
class _FlockWait:
    fd: int  # the writers' lock file
    taken: bool = False
    abandoned: bool = False
    failed: bool = False

    def __post_init__(self) -> None:
        self.mutex = threading.Lock()
        self.done = threading.Event()


class _WriterQueue:
    """Writers of one SQLite file wait for each other here, not in SQLite's busy handler.

    SQLite lets one transaction write at a time. A BEGIN IMMEDIATE that finds another writer sleeps and tries
    again (1, 2, 5, 10 … 100 ms apart), so under a burst of writes the lock often sits free while every waiter
    sleeps, and an unlucky writer waits seconds. Here a writer first takes a lock of this process (the threads
    of a worker) and then an exclusive flock() on a file beside the database (the worker processes): whoever
    waits is woken the moment the writer before it is done. The lock is let go as soon as the transaction ends
    (commit or rollback, including the pool's rollback when a connection is returned) or its connection is
    closed; a process that dies lets go of its flock() with it. SQLite's own lock stays the rule: a writer
    that cannot get this lock within the busy timeout goes on without it, as before."""

    INFO = "registry_writer"
    TIMEOUT_S = 30

    def __init__(self, database: str):
        self.path = f"{database}-writer.lock"
        self._threads = threading.Lock()
        self._owner: int | None = None  # the thread that holds the lock
        self._fd: int | None = None
        self._pid: int | None = None
        self._waits: queue.SimpleQueue[_FlockWait] | None = None  # the flock() helper's (_waiter)

    def _file(self) -> int:
        if self._fd is None or self._pid != os.getpid():  # a forked worker opens its own, and starts its own helper
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._pid = os.getpid()
            self._waits = None
        return self._fd

    def _waiter(self) -> "queue.SimpleQueue[_FlockWait]":
        """The helper thread (one per writers' queue and process) that waits in flock() for an event loop."""
        self._file()
        if self._waits is None:
            self._waits = waits = queue.SimpleQueue()

            def serve() -> None:
                while True:
                    wait = waits.get()
                    try:
                        fcntl.flock(wait.fd, fcntl.LOCK_EX)
                    except OSError:
                        wait.failed = True
                    with wait.mutex:
                        if not wait.abandoned and not wait.failed:
                            wait.taken = True
                            wait.done.set()
                            continue
                        wait.done.set()
                    if not wait.failed:
                        fcntl.flock(wait.fd, fcntl.LOCK_UN)
                    self._threads.release()

            threading.Thread(target=serve, name="sqlite-writers-flock", daemon=True).start()
        return self._waits

    # How long a write in an event loop waits for another worker's write before it is done in the thread pool
    # instead: a few of its writes (about a millisecond each), and never an import's seconds.
    IN_EVENT_LOOP_WAIT_S = 0.02

    def enter(self, info: dict) -> None:
        if info.get(self.INFO) or self._owner == threading.get_ident():
            return  # this connection holds it already, or this thread writes on another connection: SQLite decides
        loop = getattr(_LOOP, "run", None)
        taken = self._take_in_event_loop() if loop is not None and not loop.began_a_write else self._take()
        if taken:
            self._owner = threading.get_ident()
            info[self.INFO] = True

    def _take(self) -> bool:
        if not self._threads.acquire(timeout=self.TIMEOUT_S):
            return False
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except OSError:
            self._threads.release()
            return False
        return True

    def _take_in_event_loop(self) -> bool:
        """Take the lock without blocking the event loop for long: raises WriterBusy when a thread of this worker
        holds it or waits for it (it may wait for an import), or another worker keeps it past
        IN_EVENT_LOOP_WAIT_S. flock() cannot wait for a time: a helper thread waits in it for the event loop, and
        lets go of what it gets too late."""
        deadline = time.monotonic() + self.IN_EVENT_LOOP_WAIT_S
        if not self._threads.acquire(timeout=self.IN_EVENT_LOOP_WAIT_S):
            raise WriterBusy
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        except OSError:
            self._threads.release()
            return False
        waits = self._waiter()
        wait = _FlockWait(self._fd)
        waits.put(wait)
        wait.done.wait(max(deadline - time.monotonic(), 0.001))
        with wait.mutex:
            if wait.taken:
                return True
            # Too late: the helper lets go of the file lock when it gets it, and of the threads' lock after it
            # (until then this worker's writes wait in threads, or are done there).
            wait.abandoned = True
        raise WriterBusy

    def leave(self, info: dict | None) -> None:
        if info is not None and info.pop(self.INFO, False):
            self._owner = None
            try:
                fcntl.flock(self._file(), fcntl.LOCK_UN)
            finally:
                self._threads.release()

    def watch(self, engine: Engine) -> None:
        dialect = engine.dialect
        commit, rollback = dialect.do_commit, dialect.do_rollback

        def do_commit(connection):
            try:
                commit(connection)
            finally:
                self.leave(_info(connection))

        def do_rollback(connection):
            try:
                rollback(connection)
            finally:
                self.leave(_info(connection))

        dialect.do_commit, dialect.do_rollback = do_commit, do_rollback

        @event.listens_for(engine, "close")
        def _closed(_dbapi_connection, record):
            self.leave(record.info)

        @event.listens_for(engine, "invalidate")
        def _invalidated(_dbapi_connection, record, _exception):
            self.leave(record.info)


# Each SQLite file engine's writer queue.
_QUEUES: "weakref.WeakKeyDictionary[Engine, _WriterQueue]" = weakref.WeakKeyDictionary()


def writer_queue(engine: Engine) -> _WriterQueue | None:
    """The writers' queue of a SQLite file's engine (None on PostgreSQL and in memory)."""
    return _QUEUES.get(engine)


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

    Each service write is its own transaction. A read transaction still open in the session (the token check, or
    a caller that looked something up first) holds nothing worth keeping: on SQLite it is ended before the write
    transaction begins; on PostgreSQL (READ COMMITTED: every statement sees what is committed when it starts) the
    write goes on in it, which saves a round trip and a checkout.
    In an idempotent write the guard takes the key as the transaction begins, and the transaction spans every
    begin_write() of the request."""
    guard = session.info.get(WRITE_GUARD)
    if guard is not None and guard.active and session.in_transaction():
        return
    if session.in_transaction():
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("begin_write() called with unsaved changes in the session")
        if session.get_bind().dialect.name == "sqlite":
            session.rollback()
    if not session.in_transaction():
        session.connection(execution_options=WRITE)
    session.info[_WROTE] = True
    if guard is not None:
        guard.begin(session)


# --- the planner's statistics after a bulk write ------------------------------------------------------------

log = logging.getLogger("app.db")

# PostgreSQL's planner knows a table by its statistics, which autovacuum refreshes a minute or more after a bulk
# write. Until then a registry that an import has just grown tenfold is planned as the small one it was: looking up
# the budget lines of 500 interventions scanned all million lines of the table once per 500 (an import of 100,000
# records sent again right after the first took 36.5 s instead of 22.5, growing 15x per 10x the data). As
# autovacuum would, a write of at least a tenth of what the planner believes a table holds, and of at least
# ANALYZE_MIN_ROWS rows, has the tables it wrote analysed at once.
ANALYZE_SHARE = 0.1  # autovacuum_analyze_scale_factor's default
ANALYZE_MIN_ROWS = 1_000
ANALYZE_LOCK_TIMEOUT = "5s"  # a VACUUM holding a table longer leaves the statistics to autovacuum


def analyze_after_bulk_write(engine: Engine, table: str, written: int, tables: Sequence[str]) -> int:
    """On PostgreSQL, after a committed write of `written` rows of `table`: ANALYZE each of `tables` when `written`
    is at least ANALYZE_MIN_ROWS and ANALYZE_SHARE of the rows the planner believes `table` holds
    (pg_class.reltuples, -1 before its first ANALYZE). Answers how many tables it analysed. On connections of its
    own, after the commit, each table in a transaction of its own, so that each lock is held only while its
    table is analysed: a table that cannot be (its lock held past ANALYZE_LOCK_TIMEOUT, say by a VACUUM) is logged
    and left to autovacuum, the write stands either way; tables the database user does not own are skipped by
    PostgreSQL with a warning. SQLite: nothing (its planner uses the indexes without statistics)."""
    if engine.dialect.name != "postgresql" or written < ANALYZE_MIN_ROWS:
        return 0
    try:
        with engine.connect() as conn:
            believed = conn.execute(
                text("SELECT reltuples FROM pg_class WHERE oid = to_regclass(:table)"), {"table": table}
            ).scalar()
    except SQLAlchemyError as error:
        log.warning("ANALYZE after a bulk write of %s rows of %s failed: %s", written, table, error)
        return 0
    if believed is not None and written < ANALYZE_SHARE * believed:
        return 0
    analysed = 0
    for name in tables:
        try:
            with engine.begin() as conn:
                conn.execute(text(f"SET LOCAL lock_timeout = '{ANALYZE_LOCK_TIMEOUT}'"))
                conn.execute(text(f"ANALYZE {name}"))
            analysed += 1
        except SQLAlchemyError as error:
            log.warning("ANALYZE of %s after a bulk write of %s rows of %s failed: %s", name, written, table, error)
    return analysed


# --- the data version: a new one with every committed write ------------------------------------------------

_WROTE = "registry_wrote"


_NEW_VERSION = Statement(f"UPDATE {DataVersion.__tablename__} SET version = {{}} WHERE id = {{}}")


def new_data_version(connection: Connection) -> None:
    """Give the data a new version in the connection's transaction (visible to readers when it commits): one
    slot, drawn at random, gets a new random value, so that concurrent writers seldom lock the same row."""
    _NEW_VERSION(connection, secrets.randbits(SLOT_BITS), 1 + secrets.randbelow(SLOTS))


def note_write(session: Session) -> None:
    """Mark the session's transaction as written, for a write sent on its connection (past the ORM's execution
    events, which mark the writes sent through the session): its commit then gives the data a new version."""
    session.info[_WROTE] = True


def wrote(session: Session) -> bool:
    """Whether the session's transaction has written (and not committed yet)."""
    return bool(session.info.get(_WROTE))


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
