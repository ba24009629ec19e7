"""Crash safety: the real server (uvicorn, several workers, on the test database) is killed with SIGKILL in the
middle of a large import and in the middle of a burst of pool grants, started again, and the database must hold
either all of a write or none of it: the import wholly there or wholly absent, the pool invariant intact, and
every write the client was told about (201/200) still there."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, make_url, text

from app.db import get_engine
from tests.conftest import TEST_DATABASE_URL, is_postgres
from tests.factories import API

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
INTERVENTIONS, LINES = 3_000, 10


# --- the server, started and killed for real ------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    base: str
    log: Path

    def kill(self) -> None:
        """SIGKILL to the whole process group: the uvicorn supervisor and every worker die at once, nothing is
        flushed, closed or rolled back by the server."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)


def start_server(log: Path, workers: int = WORKERS) -> Server:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": TEST_DATABASE_URL, "LOG_LEVEL": "warning"}
    with log.open("ab") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{server.base}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            server.kill()
            pytest.fail(f"the server did not start:\n{log.read_text(errors='replace')}")
        time.sleep(0.1)


@contextmanager
def running_server(log: Path) -> Iterator[Server]:
    server = start_server(log)
    try:
        yield server
    finally:
        server.kill()


# --- watching the database from outside the server -------------------------------------------------------------


@contextmanager
def write_probe() -> Iterator[Callable[[], bool]]:
    """A function that tells whether the server has a write transaction open that has not committed.

    PostgreSQL: a backend of the server has a transaction id, which it gets at its first write. SQLite: the write
    lock is taken (the server's writes begin with BEGIN IMMEDIATE); tested with a zero timeout, released at once."""
    if is_postgres():
        with get_engine().connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            query = text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL"
            )
            yield lambda: conn.execute(query).scalar_one() > 0
        return
    conn = sqlite3.connect(make_url(TEST_DATABASE_URL).database, timeout=0, isolation_level=None)

    def locked() -> bool:
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                return True
            raise
        conn.execute("ROLLBACK")
        return False

    try:
        yield locked
    finally:
        conn.close()


def _wait_for(predicate: Callable[[], bool], timeout: float, step: float = 0.005) -> float:
    """Poll until predicate() holds; the moment it first did (time.monotonic())."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not seen within {timeout} s")
        time.sleep(step)
    return time.monotonic()


def scalar(sql: str, **params) -> int:
    with get_engine().connect() as conn:
        return conn.execute(text(sql), params).scalar_one()


# --- sanity: the SQLite settings the crash guarantees rest on --------------------------------------------------


def test_sqlite_runs_in_wal_mode_with_synchronous_normal():
    if is_postgres():
        pytest.skip("SQLite only")
    with get_engine().connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        # 1 = NORMAL: in WAL mode a commit survives a crash of the process (not necessarily a power cut)
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    # WAL is a property of the file itself (header bytes 18-19 = 2), so every process opening it uses WAL.
    with open(make_url(TEST_DATABASE_URL).database, "rb") as f:
        assert f.read(20)[18:20] == b"\x02\x02"


# --- (a) a large import killed in flight -----------------------------------------------------------------------


def import_records(prefix: str, n: int = INTERVENTIONS) -> list[dict]:
    return [
        {
            "external_id": f"{prefix}-{i:05d}",
            "name": f"Prøvehandling {i} – {prefix}",
            "kind": "trial_action",
            "status": "active",
            "track": "physical",
            "department": "SOB",
            "areas": ["vaerebro-park"],
            "themes": ["T9", "T6"],
            "indicators": [18],
            "start_date": "2019-01-01",
            "end_date": "2028-12-31",
            "budget_lines": [
                {"year": 2019 + k, "category": "Aktiviteter", "funding_source": "SOB-PULJE", "amount": f"{i}.{k:02d}"}
                for k in range(LINES)
            ],
            "success_criteria": [{"description": "Flere bruger området", "indicator": 18}],
        }
        for i in range(n)
    ]


def import_state(prefix: str) -> dict[str, int]:
    like = f"{prefix}-%"
    return {
        "interventions": scalar("SELECT count(*) FROM intervention WHERE external_id LIKE :p", p=like),
        "budget_lines": scalar(
            "SELECT count(*) FROM budget_line b JOIN intervention i ON i.id = b.intervention_id "
            "WHERE i.external_id LIKE :p",
            p=like,
        ),
        "themes": scalar(
            "SELECT count(*) FROM intervention_theme t JOIN intervention i ON i.id = t.intervention_id "
            "WHERE i.external_id LIKE :p",
            p=like,
        ),
        "criteria": scalar(
            "SELECT count(*) FROM success_criterion c JOIN intervention i ON i.id = c.intervention_id "
            "WHERE i.external_id LIKE :p",
            p=like,
        ),
        "audit": scalar(
            "SELECT count(*) FROM audit_record WHERE action = 'import.create' AND changes LIKE :p",
            p=f'%"external_id": "{prefix}-%',
        ),
    }


def whole(n: int = INTERVENTIONS) -> dict[str, int]:
    return {"interventions": n, "budget_lines": n * LINES, "themes": 2 * n, "criteria": n, "audit": n}


NOTHING = dict.fromkeys(whole(), 0)


def send_import(base: str, token: str, records: list[dict], key: str) -> httpx.Response:
    with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {token}"}) as http:
        return http.post(f"{API}/imports/interventions", json=records, headers={"Idempotency-Key": key})


def test_import_killed_in_flight_is_all_or_nothing(admin_token, tmp_path):
    log = tmp_path / "server.log"
    calibration, crashing = import_records("CAL"), import_records("CRASH")
    server = start_server(log)
    try:
        with write_probe() as writing, ThreadPoolExecutor(1) as pool:
            # Calibration: how long the server's write transaction stays open for an import of this size.
            sent = time.monotonic()
            future = pool.submit(send_import, server.base, admin_token, calibration, "calibration")
            began = _wait_for(writing, timeout=60)
            answer = future.result()
            ended = time.monotonic()
            assert answer.status_code == 200 and answer.json()["created"] == INTERVENTIONS, answer.text[:500]
            window = ended - began
            assert import_state("CAL") == whole()

            # The same size again, killed halfway through its write transaction.
            future = pool.submit(send_import, server.base, admin_token, crashing, "crash-1")
            began_crash = _wait_for(writing, timeout=60)
            time.sleep(window / 2)
            still_writing = writing()
            server.kill()
            try:
                outcome = future.result(timeout=30)
            except httpx.HTTPError as exc:
                outcome = exc
            killed_after = time.monotonic() - began_crash
    finally:
        server.kill()
    assert not isinstance(outcome, httpx.Response), f"the import answered {outcome.status_code} before the kill"

    server = start_server(log)
    try:
        after_crash = import_state("CRASH")
        assert after_crash in (NOTHING, whole()), f"a partial import survived the crash: {after_crash}"
        assert import_state("CAL") == whole()  # the committed import is untouched
        # A client that did not get an answer sends the same request again: applied once, whatever happened.
        again = send_import(server.base, admin_token, crashing, "crash-1")
        assert again.status_code == 200, again.text[:500]
        assert import_state("CRASH") == whole()
        health = httpx.get(f"{server.base}/health", timeout=5)
        assert health.status_code == 200
    finally:
        server.kill()
    print(
        f"\nimport of {INTERVENTIONS} x {LINES} lines: sent→write {began - sent:.2f} s, write transaction "
        f"{window:.2f} s; SIGKILL {killed_after:.2f} s into the crash import's write "
        f"(transaction still open: {still_writing}); client got {type(outcome).__name__}; after restart "
        f"{'absent' if after_crash == NOTHING else 'whole'} {after_crash}; "
        f"resent → {again.json()['created']} created, "
        f"replayed={again.headers.get('Idempotent-Replayed', 'false')}"
    )


# --- (b) a burst of pool grants killed midway ------------------------------------------------------------------

GRANT = 10_000  # kr.
ORE = GRANT * 100


def _pool_setup(api: httpx.Client) -> tuple[int, int, list[int], list[int]]:
    intervention = api.post(
        f"{API}/interventions",
        json={"name": "Hestefold i Værebro Park", "kind": "trial_action", "department": "SOB", "themes": ["T9"]},
    )
    assert intervention.status_code == 201, intervention.text
    iid = intervention.json()["id"]
    pool = api.post(f"{API}/pools", json={"name": "Puljen 2026", "year": 2026, "amount": f"{100 * GRANT}.00"})
    assert pool.status_code == 201, pool.text
    pool_id = pool.json()["id"]
    allocations = f"{API}/pools/{pool_id}/allocations"
    granted, requested = [], []
    for target, status in ((granted, "granted"), (requested, "requested")):
        for _ in range(20):
            body = {"intervention_id": iid, "amount": f"{GRANT}.00", "status": status}
            made = api.post(allocations, json=body | ({"reason": "Ok"} if status == "granted" else {}))
            assert made.status_code == 201, made.text
            target.append(made.json()["id"])
    return iid, pool_id, granted, requested


def check_pool_invariant(pool_id: int, engine: Engine | None = None) -> dict[str, int]:
    """The pool row, its allocations, its ledger and the audit log agree (in the database `engine` reaches)."""
    with (engine or get_engine()).connect() as conn:
        amount, granted, requested = conn.execute(
            text("SELECT amount_ore, granted_ore, requested_ore FROM pool WHERE id = :p"), {"p": pool_id}
        ).one()
        net, pending, allocations = conn.execute(
            text(
                "SELECT coalesce(sum(granted_ore - released_ore), 0), "
                "coalesce(sum(CASE WHEN status = 'requested' THEN requested_ore ELSE 0 END), 0), count(*) "
                "FROM allocation WHERE pool_id = :p"
            ),
            {"p": pool_id},
        ).one()
        l_amount, l_requested, l_granted = conn.execute(
            text(
                "SELECT sum(amount_delta_ore), sum(requested_delta_ore), sum(granted_delta_ore) "
                "FROM pool_ledger_entry WHERE pool_id = :p"
            ),
            {"p": pool_id},
        ).one()
        per_allocation = conn.execute(
            text(
                "SELECT a.id FROM allocation a LEFT JOIN (SELECT allocation_id, sum(granted_delta_ore) AS g "
                "FROM pool_ledger_entry GROUP BY allocation_id) l ON l.allocation_id = a.id "
                "WHERE a.pool_id = :p AND a.granted_ore - a.released_ore <> coalesce(l.g, 0)"
            ),
            {"p": pool_id},
        ).all()
        audited = conn.execute(
            text(
                "SELECT count(*) FROM audit_record WHERE resource = 'allocation' AND action = 'create' "
                "AND resource_id IN (SELECT CAST(id AS VARCHAR(20)) FROM allocation WHERE pool_id = :p)"
            ),
            {"p": pool_id},
        ).scalar_one()
    assert amount - granted >= 0, "the pool is overdrawn"
    assert granted == net, f"pool says {granted} granted, the allocations {net}"
    assert requested == pending, f"pool says {requested} requested, the allocations {pending}"
    assert (l_amount, l_requested, l_granted) == (amount, requested, granted), "the ledger disagrees with the pool"
    assert per_allocation == [], f"allocations whose ledger disagrees: {per_allocation}"
    assert audited == allocations, f"{allocations} allocations, {audited} audit records of their creation"
    return {"amount": amount, "granted": granted, "requested": requested, "allocations": allocations}


def test_pool_grants_killed_mid_burst_keep_the_invariant(admin_token, tmp_path):
    log = tmp_path / "server.log"
    headers = {"Authorization": f"Bearer {admin_token}"}
    server = start_server(log)
    try:
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as api:
            iid, pool_id, granted, requested = _pool_setup(api)
        allocations = f"{server.base}{API}/pools/{pool_id}/allocations"
        # 100 grants' worth in the pool, 20 of them taken; the burst asks for more than fits (160 > 120).
        tasks = (
            [
                (
                    "POST",
                    allocations,
                    {"intervention_id": iid, "amount": f"{GRANT}.00", "status": "granted", "reason": "Ok"},
                )
            ]
            * 120
            + [("PATCH", f"{allocations}/{a}", {"status": "released"}) for a in granted]
            + [("PATCH", f"{allocations}/{a}", {"status": "granted", "reason": "Ok"}) for a in requested]
            + [("POST", allocations, {"intervention_id": iid, "amount": f"{GRANT}.00"})] * 20
        )
        tasks = [tasks[(i * 37) % len(tasks)] for i in range(len(tasks))]  # interleaved (37 is prime to 180)
        acknowledged: list[tuple[str, str, int, dict]] = []
        cut_off, refused = Counter(), 0
        done = threading.Event()
        lock = threading.Lock()
        limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)

        def send(http: httpx.Client, task) -> None:
            nonlocal refused
            method, url, body = task
            if done.is_set():
                return
            try:
                response = http.request(method, url, json=body)
            except httpx.ConnectError:  # sent after the kill: never reached the server
                with lock:
                    refused += 1
                return
            except httpx.HTTPError as exc:  # in flight when the server died
                with lock:
                    cut_off[type(exc).__name__] += 1
                return
            with lock:
                acknowledged.append((method, url, response.status_code, response.json()))

        with (
            httpx.Client(timeout=30, headers=headers, limits=limits) as http,
            write_probe() as writing,
            ThreadPoolExecutor(max_workers=16) as pool,
        ):
            futures = [pool.submit(send, http, t) for t in tasks]
            _wait_for(lambda: len(acknowledged) >= len(tasks) // 3, timeout=60, step=0.001)
            _wait_for(writing, timeout=10, step=0.001)
            server.kill()
            done.set()
            for f in futures:
                f.result()
    finally:
        server.kill()
    answered = Counter(f"{m} {s}" for m, _u, s, _b in acknowledged)

    server = start_server(log)
    try:
        state = check_pool_invariant(pool_id)
        # Every write the client was told about is there (a commit survives the crash).
        with get_engine().connect() as conn:
            status = dict(
                conn.execute(text("SELECT id, status FROM allocation WHERE pool_id = :p"), {"p": pool_id}).all()
            )
        for method, url, code, body in acknowledged:
            if method == "POST" and code == 201:
                assert status.get(body["id"]) == body["status"], body
            elif method == "PATCH" and code == 200:
                assert status[body["id"]] == body["status"], body
            else:
                assert code == 409, (method, url, code, body)
        # The service works on after the restart: a release and a grant.
        with httpx.Client(base_url=server.base, headers=headers, timeout=30) as api:
            held = next(a for a, s in status.items() if s == "granted")
            released = api.patch(f"{API}/pools/{pool_id}/allocations/{held}", json={"status": "released"})
            assert released.status_code == 200, released.text
            regrant = api.post(
                f"{API}/pools/{pool_id}/allocations",
                json={"intervention_id": iid, "amount": f"{GRANT}.00", "status": "granted", "reason": "Ok"},
            )
            assert regrant.status_code == 201, regrant.text
        check_pool_invariant(pool_id)
    finally:
        server.kill()
    print(
        f"\nburst of {len(tasks)} pool writes, SIGKILL after {len(acknowledged)} answers {dict(answered)}; "
        f"cut off in flight: {dict(cut_off)}, refused after the kill: {refused}; "
        f"after restart: {state['allocations']} allocations, granted {state['granted'] // 100} of "
        f"{state['amount'] // 100} kr., requested {state['requested'] // 100} kr.; "
        f"invariant holds, every acknowledged write present"
    )
