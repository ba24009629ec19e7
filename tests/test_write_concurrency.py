"""Creates under real concurrency: the real server with several worker processes, on the test database (SQLite
or PostgreSQL), and many creates fired at the same moment. Every one lands with its audit record, a taken
external id is refused to all but one, and every worker's read cache sees every committed create at once (the
data version, app/models/data_version.py)."""

from collections import Counter

import httpx

from tests.test_pool_concurrency import _fire, api, server  # noqa: F401 - the fixtures

CREATES = 24


def _body(n: int, **extra) -> dict:
    return {
        "name": f"Samtidig indsats {n}",
        "kind": "project",
        "status": "active",
        "department": ["BKF", "SSF", "BMF", "SOB"][n % 4],
        "themes": ["T1", "T2"],
        "budget_lines": [
            {"year": 2026, "category": "Løn", "funding_source": "SOB-BUDGET", "amount": "125000.00"},
            {"year": 2027, "category": "Drift", "funding_source": "LBF", "amount": "20000.50"},
        ],
        **extra,
    }


def test_simultaneous_creates_all_land_with_their_audit_and_show_in_every_worker(server, api, admin_token):  # noqa: F811
    url = f"{server}/api/v1/interventions"
    # Warm every worker's read cache with the list as it is now.
    for _ in range(8):
        assert api.get("/api/v1/interventions", params={"limit": 200}).status_code == 200
    responses = _fire([("POST", url, _body(n)) for n in range(CREATES)], admin_token)
    assert Counter(r.status_code for r in responses) == {201: CREATES}, [r.text for r in responses if r.is_error]
    created = {r.json()["id"]: r.json() for r in responses}
    assert len(created) == CREATES
    for item in created.values():
        assert item["budget_total"] == "145000.50" and item["themes"] == ["T1", "T2"]
        history = api.get(f"/api/v1/interventions/{item['id']}/history").json()["items"]
        assert [h["action"] for h in history] == ["create"]
    # Any worker answers the list with all of them (none serves the page it cached before the creates).
    names = {f"Samtidig indsats {n}" for n in range(CREATES)}
    for _ in range(8):
        page = api.get("/api/v1/interventions", params={"limit": 200})
        assert page.status_code == 200
        assert names <= {i["name"] for i in page.json()["items"]}


def test_simultaneous_creates_with_one_external_id_create_one(server, api, admin_token):  # noqa: F811
    url = f"{server}/api/v1/interventions"
    responses = _fire([("POST", url, _body(100 + n, external_id="SAMTIDIG-1")) for n in range(10)], admin_token)
    outcome = Counter(r.status_code for r in responses)
    assert outcome == {201: 1, 409: 9}, outcome
    winner = next(r.json()["id"] for r in responses if r.status_code == 201)
    # SQLite's write lock queues the checks: each loser is told the winner. On PostgreSQL two checks can pass at
    # once and the unique index refuses the later insert (a 409 that asks for a retry).
    refused = [r.json() for r in responses if r.status_code == 409]
    assert all(p.get("existing_id", winner) == winner for p in refused), refused
    found = httpx.get(
        f"{server}/api/v1/interventions",
        params={"q": "Samtidig indsats 1", "limit": 200},
        headers={"Authorization": f"Bearer {admin_token}"},
    ).json()["items"]
    assert sum(1 for i in found if i["external_id"] == "SAMTIDIG-1") == 1
