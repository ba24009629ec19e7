"""The pool invariant under real concurrency: the real server with several worker processes, on the test
database (SQLite or PostgreSQL), and grant attempts fired at the same moment from many connections."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_DATABASE_URL

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 4
ATTEMPTS = 25


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": TEST_DATABASE_URL, "LOG_LEVEL": "warning"}
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
            str(WORKERS),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                # a server still starting is stopped first: reading the pipe of a live one would wait for ever
                process.kill()
                output, _ = process.communicate(timeout=20)
                pytest.fail(f"the server did not start within 60 s:\n{output.decode(errors='replace')}")
            time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _fire(requests: list, token: str) -> list[httpx.Response]:
    """Send every request at the same moment, each from its own connection."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        method, url, body = request
        with httpx.Client(timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
            barrier.wait()
            return client.request(method, url, json=body)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


@pytest.fixture
def api(server, admin_token) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60) as client:
        yield client


def _setup(api: httpx.Client, amount: str) -> tuple[int, int]:
    intervention = api.post(
        "/api/v1/interventions",
        json={"name": "Hestefold i Værebro Park", "kind": "trial_action", "department": "SOB", "themes": ["T9"]},
    )
    assert intervention.status_code == 201, intervention.text
    pool = api.post("/api/v1/pools", json={"name": "Puljen 2026", "year": 2026, "amount": amount})
    assert pool.status_code == 201, pool.text
    return intervention.json()["id"], pool.json()["id"]


def _check_invariant(api: httpx.Client, pool_id: int, expected_granted: int, grant: Decimal, amount: Decimal) -> dict:
    balance = api.get(f"/api/v1/pools/{pool_id}/balance").json()
    allocations = api.get(f"/api/v1/pools/{pool_id}/allocations").json()["items"]
    nets = [Decimal(a["net"]) for a in allocations]
    assert Decimal(balance["remaining"]) >= 0
    assert sum(nets, Decimal(0)) == Decimal(balance["granted"]) == amount - Decimal(balance["remaining"])
    assert sum(1 for n in nets if n > 0) == expected_granted
    assert Decimal(balance["granted"]) == grant * expected_granted
    return balance


@pytest.mark.parametrize("round_", range(3))
def test_simultaneous_grants_never_overdraw_the_pool(server, api, admin_token, round_):
    intervention_id, pool_id = _setup(api, "1000000.00")
    url = f"{server}/api/v1/pools/{pool_id}/allocations"
    body = {"intervention_id": intervention_id, "amount": "100000.00", "status": "granted", "reason": "Ok"}
    responses = _fire([("POST", url, body)] * ATTEMPTS, admin_token)
    outcome = Counter(r.status_code for r in responses)
    assert outcome == {201: 10, 409: ATTEMPTS - 10}, outcome
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(p["type"] == "/problems/pool-exhausted" and Decimal(p["remaining"]) < Decimal("100000") for p in refused)
    balance = _check_invariant(api, pool_id, 10, Decimal("100000.00"), Decimal("1000000.00"))
    assert balance["remaining"] == "0.00"
    print(
        f"\nround {round_}: attempts={ATTEMPTS} granted={outcome[201]} refused={outcome[409]} "
        f"remaining={balance['remaining']} overdrafts=0"
    )


def test_simultaneous_decisions_on_requests_never_overdraw(server, api, admin_token):
    intervention_id, pool_id = _setup(api, "250000.00")
    url = f"{server}/api/v1/pools/{pool_id}/allocations"
    ids = []
    for _ in range(ATTEMPTS):
        created = api.post(url, json={"intervention_id": intervention_id, "amount": "30000.00"})
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    responses = _fire([("PATCH", f"{url}/{i}", {"status": "granted", "reason": "Ok"}) for i in ids], admin_token)
    outcome = Counter(r.status_code for r in responses)
    # 250,000 / 30,000: 8 fit, 10,000 kr. stay in the pool
    assert outcome == {200: 8, 409: ATTEMPTS - 8}, outcome
    balance = _check_invariant(api, pool_id, 8, Decimal("30000.00"), Decimal("250000.00"))
    assert balance["remaining"] == "10000.00"
    assert balance["requested"] == str(Decimal("30000.00") * (ATTEMPTS - 8))


def test_simultaneous_decisions_on_one_allocation_apply_once(server, api, admin_token):
    intervention_id, pool_id = _setup(api, "500000.00")
    url = f"{server}/api/v1/pools/{pool_id}/allocations"
    created = api.post(
        url, json={"intervention_id": intervention_id, "amount": "100000.00", "status": "granted", "reason": "Ok"}
    )
    allocation = created.json()["id"]
    # Ten clients release the same 100,000 at once: only one release can happen.
    responses = _fire([("PATCH", f"{url}/{allocation}", {"status": "released"})] * 10, admin_token)
    outcome = Counter(r.status_code for r in responses)
    assert outcome == {200: 1, 409: 9}, outcome
    balance = api.get(f"/api/v1/pools/{pool_id}/balance").json()
    assert balance["granted"] == "0.00" and balance["remaining"] == "500000.00"
