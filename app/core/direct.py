"""Statements sent straight to the database driver, in a SQLAlchemy connection's transaction.

Through SQLAlchemy Core a statement costs 80-150 µs of CPU beyond the driver's own work (an execution context,
its parameters, a result object, the events): on the hottest paths, every request's token check and a create's
five writes and new data version, that was the largest part of what a request cost beyond its SQL. These paths
send their statements on the driver's cursor instead:

- `Statement`: a fixed statement written once with `{}` where its positional parameters go;
- `Insert`: one table's rows in one multi-row `INSERT … VALUES (…), (…) [RETURNING …]`, built from the table's
  metadata, each value passed through its column type's own bind processor, so that the database receives what
  Core would have sent (a UTC timestamp without its zone on SQLite, a date as text there).

They run on the connection's driver connection inside the transaction SQLAlchemy began (a session's
`connection()`), which SQLAlchemy commits or rolls back as before. The engine's `before_cursor_execute` and
`after_cursor_execute` listeners still hear each statement (the statement counts of the tests and of
bench/cpu.py), and a driver error is raised as SQLAlchemy's (IntegrityError, DataError, OperationalError …), so
the error handlers answer it as before."""

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError

# The most parameters one statement carries: SQLite allows 32,766 (since 3.32), PostgreSQL 65,535. An Insert of
# more sends several statements.
MAX_PARAMETERS = 30_000
# The statements of up to this many rows are kept once built (a create's lines, links, criteria); a bulk
# import's are built for each statement.
KEEP_TEXTS_UP_TO = 100


def _placeholder(dialect: Dialect) -> str:
    # psycopg (pyformat) also takes positional %s; sqlite3 (qmark) takes ?.
    return "%s" if dialect.paramstyle in {"format", "pyformat"} else "?"


def execute(conn: Connection, statement: str, parameters: Sequence[Any]) -> list[tuple] | None:
    """Run `statement` with positional `parameters` on the driver connection of `conn`, in its transaction: the
    rows it answers (None for a statement that answers none)."""
    if not conn.in_transaction():
        raise RuntimeError("a direct statement runs inside the transaction of its SQLAlchemy connection")
    dbapi_connection = conn.connection.dbapi_connection
    cursor = dbapi_connection.cursor()
    dispatch = conn.dispatch
    try:
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(conn, cursor, statement, parameters, None, False)
        cursor.execute(statement, parameters)
        if dispatch.after_cursor_execute:
            dispatch.after_cursor_execute(conn, cursor, statement, parameters, None, False)
        return None if cursor.description is None else cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as error:
        dialect = conn.dialect
        invalidated = dialect.is_disconnect(error, dbapi_connection, cursor)
        if invalidated:
            # As Core does: the pool replaces every connection as old as this one at its next checkout (a server
            # restart ends them all), and this one is closed now.
            conn.engine.pool._invalidate(conn.connection, error)
            conn.invalidate(error)
        raise DBAPIError.instance(
            statement,
            parameters,
            error,
            dialect.loaded_dbapi.Error,
            connection_invalidated=invalidated,
            dialect=dialect,
        ) from error
    finally:
        cursor.close()


class Statement:
    """A statement written once, with `{}` for each positional parameter, for any dialect."""

    def __init__(self, template: str) -> None:
        self.template = template
        self._text: dict[str, str] = {}

    def __call__(self, conn: Connection, *parameters: Any) -> list[tuple] | None:
        dialect = conn.dialect
        text = self._text.get(dialect.name)
        if text is None:
            text = self._text[dialect.name] = self.template.replace("{}", _placeholder(dialect))
        return execute(conn, text, parameters)


class _Plan:
    """An Insert's statements for one dialect and one set of columns."""

    def __init__(self, table: Table, dialect: Dialect, columns: tuple[str, ...], returning: tuple[str, ...]) -> None:
        quote = dialect.identifier_preparer.quote
        types = [table.c[name].type.dialect_impl(dialect) for name in columns]
        processors = [t.bind_processor(dialect) for t in types]
        self.processed = [(k, p) for k, p in enumerate(processors) if p is not None]
        mark = _placeholder(dialect)
        self.row = "(" + ", ".join(mark for _ in columns) + ")"
        self.head = f"INSERT INTO {quote(table.name)} ({', '.join(quote(c) for c in columns)}) VALUES "
        self.tail = f" RETURNING {', '.join(quote(c) for c in returning)}" if returning else ""
        self.per_statement = max(1, MAX_PARAMETERS // len(columns))
        self._texts: dict[int, str] = {}

    def text(self, n: int) -> str:
        text = self._texts.get(n)
        if text is None:
            text = self.head + ", ".join(self.row for _ in range(n)) + self.tail
            if n <= KEEP_TEXTS_UP_TO:
                self._texts[n] = text
        return text


class Insert:
    """One table's rows (mappings with the same keys, each key a column) in one multi-row INSERT, answering the
    `returning` columns of the rows written, in no promised order (match them by a key)."""

    def __init__(self, table: Table, returning: Sequence[str] = ()) -> None:
        defaults = [c.name for c in table.columns if c.default is not None or c.onupdate is not None]
        if defaults:  # Core would fill these in when a row leaves them out; this does not.
            raise ValueError(f"{table.name} has Python-side defaults: {defaults}")
        self.table = table
        self.returning = tuple(returning)
        self._plans: dict[tuple[str, tuple[str, ...]], _Plan] = {}

    def __call__(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> list[tuple]:
        if not rows:
            return []
        columns = tuple(rows[0])
        dialect = conn.dialect
        plan = self._plans.get((dialect.name, columns))
        if plan is None:
            plan = self._plans[(dialect.name, columns)] = _Plan(self.table, dialect, columns, self.returning)
        answered: list[tuple] = []
        for start in range(0, len(rows), plan.per_statement):
            chunk = rows[start : start + plan.per_statement]
            parameters: list[Any] = []
            for row in chunk:
                values = [row[c] for c in columns]
                for k, process in plan.processed:
                    values[k] = process(values[k])
                parameters += values
            answered += execute(conn, plan.text(len(chunk)), parameters) or []
        return answered
