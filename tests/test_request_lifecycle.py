"""What a request costs in sessions, transactions and thread-pool hops: the cold list (the front end's hottest
read, with the read cache missed on purpose) and a hit each open one session, begin one transaction on it (the
token check, the data version and the page are read in it) and hop to the thread pool once."""

import contextlib

import anyio.to_thread
import pytest
from sqlalchemy import event
from sqlmodel import Session

from app.db import get_engine
from tests.factories import API, create_intervention


@contextlib.contextmanager
def lifecycle(monkeypatch):
    """Counts thread-pool hops, sessions that began a transaction, and transactions begun."""
    counts = {"hops": 0, "sessions": set(), "transactions": 0}
    run_sync = anyio.to_thread.run_sync

    async def counted_run_sync(func, *args, **kwargs):
        counts["hops"] += 1
        return await run_sync(func, *args, **kwargs)

    def begun(session, _transaction, _connection):
        counts["sessions"].add(id(session))
        counts["transactions"] += 1

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted_run_sync)
    event.listen(Session, "after_begin", begun)
    try:
        yield counts
    finally:
        event.remove(Session, "after_begin", begun)


@pytest.mark.parametrize("fresh", [True, False], ids=["cold", "cached"])
def test_a_page_of_the_list_opens_one_session_and_hops_once(client, monkeypatch, fresh):
    for k in range(3):
        create_intervention(client, name=f"Indsats {k}")
    headers = {"Cache-Control": "no-cache"} if fresh else {}
    assert client.get(f"{API}/interventions", params={"limit": 2}).status_code == 200  # the cache is warm
    with lifecycle(monkeypatch) as counts:
        response = client.get(f"{API}/interventions", params={"limit": 2}, headers=headers)
    assert response.status_code == 200
    assert len(response.json()["items"]) == 2
    assert (counts["hops"], len(counts["sessions"]), counts["transactions"]) == (1, 1, 1)


def test_the_list_checks_the_token_before_it_answers_anything(anonymous, client):
    """The list checks the token in its own hop; a request refused there, or with parameters that never reach
    the endpoint, is answered 401 all the same, and a valid token's bad parameter 422."""
    bad = {"Authorization": "Bearer sbr_unknown"}
    for params in ({}, {"limit": 0}, {"theme": "T99"}):
        assert anonymous.get(f"{API}/interventions", params=params).status_code == 401
        response = anonymous.get(f"{API}/interventions", params=params, headers=bad)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert client.get(f"{API}/interventions", params={"limit": 0}).status_code == 422
    assert client.get(f"{API}/interventions", params={"theme": "T99"}).status_code == 422
    assert client.get(f"{API}/interventions").status_code == 200


def test_a_create_checks_the_token_and_writes_in_one_hop(client, monkeypatch):
    """A blocking endpoint (here the create) applies the access rule in its own hop: one hop, one session; on
    SQLite the token check's read transaction ends before the write transaction (BEGIN IMMEDIATE) begins, on
    PostgreSQL the write goes on in it."""
    body = {"name": "Ny indsats", "kind": "project", "status": "planned", "department": "BKF", "themes": ["T1"]}
    with lifecycle(monkeypatch) as counts:
        response = client.post(f"{API}/interventions", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["themes"] == ["T1"]
    assert (counts["hops"], len(counts["sessions"])) == (1, 1)
    assert counts["transactions"] == (2 if get_engine().dialect.name == "sqlite" else 1)


@pytest.mark.parametrize(
    "path", ["/interventions/{id}", "/interventions/{id}/case", "/rollups/budget?by=theme", "/pools"]
)
def test_a_blocking_read_hops_once_in_one_transaction(client, monkeypatch, path):
    """Any blocking endpoint: the token check, its reads and the validation of its answer (in the event loop)
    cost one hop and one transaction."""
    created = create_intervention(client, name="Læsning")
    with lifecycle(monkeypatch) as counts:
        response = client.get(API + path.format(id=created["id"]), headers={"Cache-Control": "no-cache"})
    assert response.status_code == 200, response.text
    assert (counts["hops"], len(counts["sessions"]), counts["transactions"]) == (1, 1, 1)


def test_a_blocking_endpoint_refuses_a_bad_token_and_a_wrong_role_before_it_runs(anonymous, client):
    body = {"name": "Ny indsats", "kind": "project", "status": "planned", "department": "BKF"}
    bad = {"Authorization": "Bearer sbr_unknown"}
    assert anonymous.post(f"{API}/interventions", json=body, headers=bad).status_code == 401
    assert anonymous.post(f"{API}/interventions", json={"name": 1}, headers=bad).status_code == 401
    reader = client.post(f"{API}/tokens", json={"name": "læser", "role": "reader"}).json()["token"]
    refused = anonymous.post(f"{API}/interventions", json=body, headers={"Authorization": f"Bearer {reader}"})
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    listed = client.get(f"{API}/interventions").json()["items"]
    assert [i["name"] for i in listed] == []
