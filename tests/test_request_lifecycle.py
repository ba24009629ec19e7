"""What a request costs in sessions, transactions and thread-pool hops: the cold list (the front end's hottest
read, with the read cache missed on purpose) and a hit each open one session, begin one transaction on it (the
token check, the data version and the page are read in it) and hop to the thread pool once."""

import contextlib
import json
import threading
import time

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
    SQLite the token check's read transaction ends before the write transaction (BEGIN IMMEDIATE) begins, and a
    small write makes no hop at all (it runs in the event loop: app/deps.py _short_write_on_sqlite); on
    PostgreSQL the write goes on in the check's transaction."""
    body = {"name": "Ny indsats", "kind": "project", "status": "planned", "department": "BKF", "themes": ["T1"]}
    with lifecycle(monkeypatch) as counts:
        response = client.post(f"{API}/interventions", json=body)
    assert response.status_code == 201, response.text
    assert response.json()["themes"] == ["T1"]
    sqlite = get_engine().dialect.name == "sqlite"
    assert (counts["hops"], len(counts["sessions"])) == (0 if sqlite else 1, 1)
    assert counts["transactions"] == (2 if sqlite else 1)


def test_a_large_write_hops_to_the_thread_pool_on_sqlite_too(client, monkeypatch):
    """A write whose body is larger than INLINE_WRITE_MAX_BODY (an import, say) may take long: it runs in the
    thread pool on either database, so that the event loop goes on serving others meanwhile."""
    from app.deps import INLINE_WRITE_MAX_BODY

    body = {
        "name": "Stor indsats",
        "kind": "project",
        "status": "planned",
        "department": "BKF",
        "description": "æ" * 20_000,  # at most 20,000 characters each: 80,000 bytes of UTF-8 together
        "purpose": "ø" * 20_000,
    }
    assert len(json.dumps(body, ensure_ascii=False).encode()) > INLINE_WRITE_MAX_BODY
    with lifecycle(monkeypatch) as counts:
        response = client.post(f"{API}/interventions", json=body)
    assert response.status_code == 201, response.text
    assert counts["hops"] == 1
    # A body of unknown length (chunked) may be of any size: it hops too.
    small = json.dumps({**body, "description": None, "purpose": None, "name": "Ukendt længde"}).encode()
    with lifecycle(monkeypatch) as counts:
        response = client.post(
            f"{API}/interventions", content=iter([small]), headers={"Content-Type": "application/json"}
        )
    assert response.status_code == 201, response.text
    assert counts["hops"] == 1


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


_LONG_WRITER = """
import sys
from app.db import WRITE, make_engine
with make_engine(sys.argv[1]).connect().execution_options(**WRITE) as conn:
    conn.begin()
    print("holding", flush=True)
    sys.stdin.readline()
    conn.rollback()
"""


@pytest.mark.skipif(get_engine().dialect.name != "sqlite", reason="SQLite only: PostgreSQL writes always hop")
@pytest.mark.parametrize("where", ["thread", "process", "outside the queue"])
def test_a_small_write_behind_a_long_writer_waits_in_the_thread_pool_and_is_done_once(client, where):
    """A small write runs in the event loop on SQLite, but never waits there for a long writer (such as an
    import, which may hold the writers' lock for seconds) of this process or another worker, nor for a program
    holding SQLite's own lock (there at most IN_EVENT_LOOP_WAIT_S): it is done again in the thread pool, where it
    waits, while the event loop goes on answering others. It is written once, with one audit record."""
    import subprocess
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from app.db import WRITE

    holding, done = threading.Event(), threading.Event()

    def long_writer() -> None:
        if where == "outside the queue":  # another program: SQLite's own lock, not the registry's writers' lock
            import sqlite3

            other = sqlite3.connect(get_engine().url.database, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            holding.set()
            done.wait(30)
            other.execute("ROLLBACK")
            other.close()
            return
        if where == "process":
            url = get_engine().url.render_as_string(hide_password=False)
            with subprocess.Popen(
                [sys.executable, "-c", _LONG_WRITER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
            ) as process:
                assert process.stdout.readline() == "holding\n"
                holding.set()
                done.wait(30)
                process.communicate("\n", timeout=30)
            return
        with get_engine().connect().execution_options(**WRITE) as conn:
            conn.begin()  # BEGIN IMMEDIATE: the writers' lock, held by a thread of this worker
            holding.set()
            done.wait(30)
            conn.rollback()

    body = {"name": "Bag en lang skrivning", "kind": "project", "status": "planned", "department": "BKF"}
    with ThreadPoolExecutor(2) as pool:
        writer = pool.submit(long_writer)
        assert holding.wait(30)
        created = pool.submit(client.post, f"{API}/interventions", json=body)
        try:
            for _ in range(3):  # the event loop is free: other requests are answered while the create waits
                assert client.get("/health").status_code == 200
                assert client.get(f"{API}/interventions").status_code == 200
            time.sleep(0.2)
            assert not created.done(), "the create did not wait for the long writer"
        finally:
            done.set()
        writer.result(10)
        response = created.result(30)
    assert response.status_code == 201, response.text
    items = client.get(f"{API}/interventions").json()["items"]
    assert [i["name"] for i in items] == ["Bag en lang skrivning"]
    records = client.get(f"{API}/audit", params={"resource": "intervention"}).json()["items"]
    assert [(r["action"], r["resource_id"]) for r in records] == [("create", str(response.json()["id"]))]


def test_the_thread_pool_is_sized_by_the_database_unless_told(client, monkeypatch):
    """Blocking endpoints run in 2 threads per worker on SQLite (its driver lets go of the GIL at every row: more
    threads only contend) and 4 on PostgreSQL (which waits for its server); THREADPOOL_SIZE decides when set."""
    from fastapi.testclient import TestClient

    from app.config import get_settings
    from app.main import create_app

    def limit(test_client) -> int:
        return test_client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens)

    expected = 2 if get_engine().dialect.name == "sqlite" else 4
    assert limit(client) == expected
    assert client.get(f"{API}/interventions").status_code == 200
    monkeypatch.setenv("THREADPOOL_SIZE", "3")
    get_settings.cache_clear()
    try:
        with TestClient(create_app()) as told:
            assert limit(told) == 3
    finally:
        monkeypatch.delenv("THREADPOOL_SIZE")
        get_settings.cache_clear()


def test_a_started_worker_freezes_its_start_up_objects_and_collects_less_often(client):
    """After start-up the app's long-lived objects are out of the cyclic collector's passes (gc.freeze) and its
    youngest generation waits for YOUNG_THRESHOLD new containers instead of 700: the collector had cost a cold
    page under load more than a millisecond of CPU. What the requests make is still collected."""
    import gc
    import weakref

    from app.core.collector import YOUNG_THRESHOLD

    assert client.get(f"{API}/interventions").status_code == 200
    assert gc.get_freeze_count() > 10_000
    assert gc.get_threshold()[0] == YOUNG_THRESHOLD

    class Node:
        pass

    cycle = Node()
    cycle.self = cycle
    gone = weakref.ref(cycle)
    del cycle
    gc.collect()
    assert gone() is None


def test_a_started_app_has_built_every_route_before_its_first_request(monkeypatch, admin_token):
    """FastAPI builds an included router's per-route state (the dependency tree, the parameters' validators, the
    response field) when a request first asks that router to match: a worker's first request to each router paid
    36–230 ms of CPU for it, and what it built was made after start-up's objects were frozen out of the collector.
    The app's start-up now has every route built; requests after it build none, whatever they ask for."""
    import fastapi.routing
    from fastapi.testclient import TestClient

    from app.main import create_app

    built = []
    build = fastapi.routing._EffectiveRouteContext.from_api_route

    def counted(**kwargs):
        built.append(kwargs["original_route"])
        return build(**kwargs)

    monkeypatch.setattr(fastapi.routing._EffectiveRouteContext, "from_api_route", counted)

    # Without the start-up (no lifespan), the first request builds routes: what is counted is what FastAPI builds.
    assert TestClient(create_app()).get("/health").status_code == 200
    assert built

    built.clear()
    with TestClient(create_app(), headers={"Authorization": f"Bearer {admin_token}"}) as client:
        at_start = len(built)
        assert at_start > 0
        for path, status in (
            ("/health", 200),
            (f"{API}/interventions?limit=5", 200),
            (f"{API}/rollups/budget?by=theme", 200),
            (f"{API}/pools", 200),
            (f"{API}/audit", 200),
            (f"{API}/no-such-thing", 404),
            ("/login", 200),
            ("/indsatser", 303),
        ):
            assert client.get(path, follow_redirects=False).status_code == status, path
        assert client.post(f"{API}/interventions", json={}).status_code == 422
        assert len(built) == at_start
