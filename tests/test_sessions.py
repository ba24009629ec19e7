"""One session per request on the normal path: the authorization's token check, the endpoint and the read
cache's builds all use the session the request opened."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlmodel import Session

from tests.factories import API, create_intervention


@contextmanager
def sessions_used() -> Iterator[list[Session]]:
    """The sessions that began a transaction meanwhile (held, so that no two can share an id)."""
    seen: list[Session] = []

    def began(session, _transaction, _connection) -> None:
        if not any(s is session for s in seen):
            seen.append(session)

    event.listen(Session, "after_begin", began)
    try:
        yield seen
    finally:
        event.remove(Session, "after_begin", began)


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/interventions", {"Cache-Control": "no-cache"}),
        ("GET", "/interventions", {}),
        ("GET", "/interventions/{id}", {}),
        ("GET", "/rollups/budget?by=theme", {"Cache-Control": "no-cache"}),
        ("GET", "/exports/interventions?format=csv", {}),
        ("PATCH", "/interventions/{id}", {}),
    ],
)
def test_a_request_uses_one_session(client, method, path, headers):
    created = create_intervention(client)
    json = {"name": "Nyt navn"} if method == "PATCH" else None
    with sessions_used() as seen:
        response = client.request(method, API + path.format(id=created["id"]), headers=headers, json=json)
    assert response.status_code == 200, response.text
    assert len(seen) == 1


def test_a_route_without_authorization_opens_and_closes_its_own(client):
    with sessions_used() as seen:
        assert client.get("/health").status_code == 200
    assert len(seen) == 1


def test_a_pooled_connection_the_server_closed_is_replaced_before_use(client, monkeypatch):
    """PostgreSQL: a pooled connection idle past the ping window is pinged at checkout, and one the server has
    closed meanwhile (a restart, an idle timeout) is replaced, so the request does not fail. Within the window the
    ping is skipped (app/db.py); SQLite has no server connection to lose."""
    import time

    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    import app.db
    from app.db import get_engine

    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite opens a file, there is no server to close the connection")
    create_intervention(client, name="Før genstart")
    assert client.get(f"{API}/interventions", headers={"Cache-Control": "no-cache"}).status_code == 200
    outside = create_engine(engine.url, poolclass=NullPool)  # not one of the pool's connections
    with outside.connect() as admin:
        ended = admin.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).scalar_one()
        admin.rollback()
    outside.dispose()
    assert ended >= 1  # the pooled connections of the request above are gone on the server's side
    monkeypatch.setattr(app.db, "PING_AFTER_IDLE_S", 0.05)
    time.sleep(0.1)
    try:
        for _ in range(3):
            response = client.get(f"{API}/interventions", headers={"Cache-Control": "no-cache"})
            assert response.status_code == 200, response.text
            assert [i["name"] for i in response.json()["items"]] == ["Før genstart"]
    finally:
        # Pooled connections these requests did not take are still the dead ones: none is left for the next test
        # (which would use it within the window, as a request right after a restart would).
        engine.dispose()
