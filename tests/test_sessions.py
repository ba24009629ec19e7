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
