"""Statements sent straight to the driver (app/core/direct.py): what the database receives and answers is what
Core would have sent and answered, its refusals are SQLAlchemy's errors, and the engine's listeners hear them."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, OperationalError

from app.core import direct
from app.db import begin_write, get_engine, open_session
from app.models.audit import AuditRecord
from app.models.intervention import Intervention


def _intervention(name: str, **fields) -> dict:
    now = datetime(2026, 12, 4, 12, 30, 15, 123456, tzinfo=UTC)
    row = {"name": name, "kind": "project", "status": "active", "department_code": "SSF", "search_text": name}
    return {**row, "created_at": now, "updated_at": now, **fields}


def test_rows_written_directly_read_back_as_core_writes_them():
    insert = direct.Insert(Intervention.__table__, returning=["id", "name"])
    rows = [
        _intervention("Første", start_date=date(2026, 1, 1), external_id="D-1"),
        _intervention("Anden — æøå", start_date=None, external_id=None),
    ]
    with open_session() as session:
        begin_write(session)
        answered = insert(session.connection(), rows)
        session.commit()
    ids = {name: new_id for new_id, name in answered}
    assert set(ids) == {"Første", "Anden — æøå"}
    with open_session() as session:
        first = session.get(Intervention, ids["Første"])
        second = session.get(Intervention, ids["Anden — æøå"])
        # The timestamp's zone and the date went through their columns' types (text without a zone on SQLite).
        assert first.created_at == rows[0]["created_at"]
        assert first.start_date == date(2026, 1, 1)
        assert first.external_id == "D-1"
        assert second.start_date is None
        assert second.name == "Anden — æøå"


def test_a_refused_row_raises_sqlalchemys_error_and_nothing_of_its_transaction_is_kept():
    insert = direct.Insert(Intervention.__table__, returning=["id"])
    with open_session() as session:
        begin_write(session)
        insert(session.connection(), [_intervention("Først", external_id="SAMME")])
        session.commit()
    with open_session() as session:
        begin_write(session)
        insert(session.connection(), [_intervention("Før fejlen")])
        with pytest.raises(IntegrityError):  # the unique external_id, refused by the database
            insert(session.connection(), [_intervention("Dublet", external_id="SAMME")])
        session.rollback()
    with open_session() as session:
        names = set(session.exec(select(Intervention.name)).scalars())
    assert names == {"Først"}


def test_an_insert_of_more_parameters_than_one_statement_takes_sends_several(monkeypatch):
    monkeypatch.setattr(direct, "MAX_PARAMETERS", 2 * 7)  # two audit records (7 columns) per statement
    insert = direct.Insert(AuditRecord.__table__, returning=["id", "resource_id"])
    now = datetime.now(UTC)
    rows = [
        {
            "occurred_at": now,
            "actor": "test",
            "action": "create",
            "resource": "intervention",
            "resource_id": str(k),
            "changes": "{}",
            "request_id": None,
        }
        for k in range(5)
    ]
    sent = []

    def note(_conn, _cursor, statement, *_args):
        sent.append(statement)

    event.listen(get_engine(), "before_cursor_execute", note)
    try:
        with open_session() as session:
            begin_write(session)
            answered = insert(session.connection(), rows)
            session.commit()
    finally:
        event.remove(get_engine(), "before_cursor_execute", note)
    assert sorted(resource_id for _id, resource_id in answered) == ["0", "1", "2", "3", "4"]
    assert len({new_id for new_id, _ in answered}) == 5
    assert len([s for s in sent if s.startswith("INSERT INTO audit_record")]) == 3  # 2 + 2 + 1 rows
    with open_session() as session:
        stored = session.exec(select(AuditRecord).where(AuditRecord.actor == "test")).scalars().all()
    assert sorted(r.resource_id for r in stored) == ["0", "1", "2", "3", "4"]
    assert {r.occurred_at for r in stored} == {now}


def test_a_statement_takes_its_parameters_in_any_dialect():
    statement = direct.Statement("SELECT {} + {}, {}")
    with open_session() as session:
        assert statement(session.connection(), 2, 3, "æøå") == [(5, "æøå")]
        session.rollback()


def test_a_direct_statement_outside_a_transaction_is_refused():
    with get_engine().connect() as conn:
        conn.rollback()
        with pytest.raises(RuntimeError):
            direct.execute(conn, "SELECT 1", ())


def test_a_lost_connection_fails_one_statement_and_the_pool_replaces_the_others_of_its_age():
    import psycopg

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite opens a file, there is no server to end the connection")
    statement = direct.Statement("SELECT {}")
    engine.dispose()
    sessions = [open_session() for _ in range(3)]
    pids = [s.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar_one() for s in sessions]
    for s in sessions:
        s.close()  # back to the pool, used just now: no ping before the next checkout
    url = engine.url.set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    outcomes = []
    try:
        for _ in range(3):
            with open_session() as session:
                try:
                    outcomes.append(statement(session.connection(), 1))
                except OperationalError as error:
                    assert error.connection_invalidated
                    outcomes.append("lost")
    finally:
        engine.dispose()
    assert outcomes == ["lost", [(1,)], [(1,)]]  # as through Core: one request fails, the pool renews the rest
