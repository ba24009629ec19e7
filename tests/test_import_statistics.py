"""After a large import PostgreSQL's planner statistics of the tables it wrote are refreshed at once (app/db.py
analyze_after_bulk_write), so that the next import is not planned for the small registry there was before; an
ANALYZE that cannot run leaves the import as it is."""

import logging

import psycopg
import pytest
from sqlalchemy import text

from app import db
from app.db import get_engine
from tests.factories import API
from tests.test_imports import URL, record

TABLES = "intervention, budget_line, intervention_theme"


@pytest.fixture(autouse=True)
def _postgres_without_autovacuum():
    """PostgreSQL only; autovacuum kept off these tables while a test runs, so that only the import analyses them."""
    if get_engine().dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite's planner uses the indexes without statistics, nothing is analysed")
    with get_engine().begin() as conn:
        for table in TABLES.split(", "):
            conn.execute(text(f"ALTER TABLE {table} SET (autovacuum_enabled = false)"))
    yield
    with get_engine().begin() as conn:
        for table in TABLES.split(", "):
            conn.execute(text(f"ALTER TABLE {table} RESET (autovacuum_enabled)"))


def believed(table: str) -> float:
    """The rows the planner believes `table` holds (pg_class.reltuples: what the last ANALYZE counted)."""
    with get_engine().connect() as conn:
        return conn.execute(text("SELECT reltuples FROM pg_class WHERE relname = :t"), {"t": table}).scalar_one()


def analyse_now() -> None:
    with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f"ANALYZE {TABLES}"))


def records(start: int, n: int) -> list[dict]:
    return [record(i) for i in range(start, start + n)]


def test_an_import_of_many_interventions_has_the_tables_it_wrote_analysed(client, monkeypatch):
    monkeypatch.setattr(db, "ANALYZE_MIN_ROWS", 20)
    analyse_now()  # the planner sees the empty registry
    assert believed("intervention") == 0

    small = client.post(URL, json=records(0, 19))
    assert small.status_code == 200 and small.json()["created"] == 19
    assert believed("intervention") == 0  # under ANALYZE_MIN_ROWS: left to autovacuum

    large = client.post(URL, json=records(100, 20))
    assert large.status_code == 200 and large.json()["created"] == 20
    # Small tables are analysed whole: the counts are exact (3 budget lines and 2 themes per record).
    assert believed("intervention") == 39
    assert believed("budget_line") == 39 * 3
    assert believed("intervention_theme") == 39 * 2


def test_a_write_that_is_small_beside_what_the_planner_knows_analyses_nothing(client, monkeypatch):
    monkeypatch.setattr(db, "ANALYZE_MIN_ROWS", 20)
    analyse_now()  # whatever an earlier test left the planner believing
    assert client.post(URL, json=records(0, 300)).status_code == 200
    assert believed("intervention") == 300
    # 25 of 300 is under a tenth of what the planner believes the table holds: autovacuum's share
    more = client.post(URL, json=records(1000, 25))
    assert more.status_code == 200 and more.json()["created"] == 25
    assert believed("intervention") == 300
    # 40 more is a tenth of 325 and more
    assert client.post(URL, json=records(2000, 40)).json()["created"] == 40
    assert believed("intervention") == 365


def test_an_import_whose_analyze_cannot_take_its_lock_is_kept_and_answered(client, monkeypatch, caplog):
    monkeypatch.setattr(db, "ANALYZE_MIN_ROWS", 20)
    monkeypatch.setattr(db, "ANALYZE_LOCK_TIMEOUT", "200ms")
    analyse_now()
    url = get_engine().url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as other, caplog.at_level(logging.WARNING, logger="app.db"):
        # Should the lock timeout not be applied, the server ends this holder after 10 s: the test fails, not hangs.
        other.execute("SET idle_in_transaction_session_timeout = '10s'")
        # A VACUUM or ANALYZE elsewhere holds this lock; inserts go on beside it, ANALYZE waits for it.
        other.execute("LOCK TABLE budget_line IN SHARE UPDATE EXCLUSIVE MODE")
        answer = client.post(URL, json=records(0, 30))
        other.rollback()
    assert answer.status_code == 200, answer.text[:500]
    assert answer.json()["created"] == 30
    items = client.get(f"{API}/interventions", params={"limit": 50}).json()["items"]
    assert sorted(i["external_id"] for i in items) == [f"SOB-{i:04d}" for i in range(30)]
    assert believed("budget_line") == 0  # not analysed: autovacuum will
    assert believed("intervention") == 30  # the others were, each in a transaction of its own
    assert believed("intervention_theme") == 60
    assert any("ANALYZE of budget_line after a bulk write of 30 rows" in r.getMessage() for r in caplog.records)
