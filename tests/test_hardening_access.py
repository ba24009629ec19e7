"""Issue 13, "Access and keys" (items 7–10): another department's programme, idempotency keys that belong to
their principal, Idempotency-Key on every creating POST, and the last admin token."""

import json
import threading
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import app
from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention
from tests.test_pool_concurrency import server  # noqa: F401 - the fixture of a real server with several workers


def _as(token: str) -> TestClient:
    return TestClient(app, raise_server_exceptions=False, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture
def bkf() -> TestClient:
    with _as(make_token("editor", "BKF", name="bkf-editor")) as c:
        yield c


@pytest.fixture
def ssf() -> TestClient:
    with _as(make_token("editor", "SSF", name="ssf-editor")) as c:
        yield c


def _history(client: TestClient, intervention_id: int) -> list[dict]:
    response = client.get(f"{API}/interventions/{intervention_id}/history")
    assert response.status_code == 200, response.text
    return response.json()["items"]


def _programme(client: TestClient, department: str, external_id: str) -> dict:
    return create_intervention(
        client, name=f"Programme {department}", kind="programme", department=department, external_id=external_id
    )


# --- 7. another department's programme ----------------------------------------------------------------------


def test_an_editor_cannot_place_an_intervention_under_another_departments_parent(client, bkf):
    ssf_programme = _programme(client, "SSF", "SSF-PROG")
    child = create_intervention(client, department="BKF", external_id="BKF-1")
    before = client.get(f"{API}/interventions/{ssf_programme['id']}").json()

    # PATCH
    assert_problem(
        bkf.patch(f"{API}/interventions/{child['id']}", json={"parent_id": ssf_programme["id"]}),
        403,
        field=["parent_id"],
    )
    # POST
    assert_problem(
        bkf.post(
            f"{API}/interventions",
            json={"name": "Ny del", "kind": "project", "department": "BKF", "parent_id": ssf_programme["id"]},
        ),
        403,
        field=["parent_id"],
    )
    # import
    body = assert_problem(
        bkf.post(
            f"{API}/imports/interventions",
            json=[
                {
                    "external_id": "BKF-1",
                    "name": child["name"],
                    "kind": "project",
                    "department": "BKF",
                    "status": "active",
                }
                | {"parent_external_id": "SSF-PROG"},
                {"external_id": "BKF-2", "name": "Ny", "kind": "project", "department": "BKF"}
                | {"parent_external_id": "SSF-PROG"},
            ],
        ),
        403,
    )
    assert {(e["row"], e["column"]) for e in body["errors"]} == {(1, "parent_external_id"), (2, "parent_external_id")}

    after = client.get(f"{API}/interventions/{ssf_programme['id']}").json()
    assert after["children"] == [] and after["budget_total_with_descendants"] == before["budget_total_with_descendants"]
    assert client.get(f"{API}/interventions", params={"external_id": "BKF-2"}).json()["items"] == []
    assert [r["action"] for r in _history(client, ssf_programme["id"])] == ["create"]


def test_a_move_between_parents_is_audited_on_both_parents(client, bkf):
    first = _programme(client, "BKF", "BKF-PROG-1")
    second = _programme(client, "BKF", "BKF-PROG-2")
    child = create_intervention(client, department="BKF", parent_id=first["id"])
    assert client.get(f"{API}/interventions/{first['id']}").json()["children"] == [child["id"]]
    added = _history(client, first["id"])[0]
    assert added["action"] == "child_added" and added["changes"] == {"child_id": {"before": None, "after": child["id"]}}

    # an editor within the own department
    moved = bkf.patch(f"{API}/interventions/{child['id']}", json={"parent_id": second["id"]})
    assert moved.status_code == 200, moved.text
    removed = _history(client, first["id"])[0]
    assert removed["action"] == "child_removed"
    assert removed["changes"] == {"child_id": {"before": child["id"], "after": None}}
    assert removed["actor"] == "bkf-editor"
    assert _history(client, second["id"])[0]["action"] == "child_added"
    assert _history(client, child["id"])[0]["changes"]["parent_id"] == {"before": first["id"], "after": second["id"]}

    # a PATCH that leaves the parent alone writes nothing on it
    assert (
        bkf.patch(f"{API}/interventions/{child['id']}", json={"parent_id": second["id"], "name": "X"}).status_code
        == 200
    )
    assert [r["action"] for r in _history(client, second["id"])] == ["child_added", "create"]


def test_an_admin_may_place_anywhere_and_the_parent_records_it(client):
    ssf_programme = _programme(client, "SSF", "SSF-PROG")
    child = create_intervention(client, department="BKF")
    response = client.patch(f"{API}/interventions/{child['id']}", json={"parent_id": ssf_programme["id"]})
    assert response.status_code == 200, response.text
    parent = client.get(f"{API}/interventions/{ssf_programme['id']}").json()
    assert parent["children"] == [child["id"]]
    assert Decimal(parent["budget_total_with_descendants"]) == Decimal(child["budget_total"]) + Decimal(
        ssf_programme["budget_total"]
    )
    record = _history(client, ssf_programme["id"])[0]
    assert record["action"] == "child_added" and record["actor"] == "test-admin"


def test_an_editor_cannot_take_an_intervention_from_another_departments_parent(client, bkf):
    ssf_programme = _programme(client, "SSF", "SSF-PROG")
    own_programme = _programme(client, "BKF", "BKF-PROG")
    child = create_intervention(client, department="BKF", external_id="BKF-1", parent_id=ssf_programme["id"])
    for parent_id in (None, own_programme["id"]):
        assert_problem(
            bkf.patch(f"{API}/interventions/{child['id']}", json={"parent_id": parent_id}), 403, field=["parent_id"]
        )
    body = assert_problem(
        bkf.post(
            f"{API}/imports/interventions",
            json=[
                {"external_id": "BKF-1", "name": "Flyttet", "kind": "project", "department": "BKF", "status": "active"}
                | {"parent_external_id": "BKF-PROG"}
            ],
        ),
        403,
    )
    assert body["errors"][0]["column"] == "parent_external_id"
    assert client.get(f"{API}/interventions/{child['id']}").json()["parent_id"] == ssf_programme["id"]
    # other changes to the own intervention stay allowed
    assert bkf.patch(f"{API}/interventions/{child['id']}", json={"status": "completed"}).status_code == 200


def test_an_import_places_under_own_parents_and_audits_the_parents(client, bkf):
    programme = _programme(client, "BKF", "BKF-PROG")
    response = bkf.post(
        f"{API}/imports/interventions",
        json=[
            {"external_id": "BKF-NEW-PROG", "name": "Nyt program", "kind": "programme", "department": "BKF"},
            {"external_id": "BKF-A", "name": "A", "kind": "project", "department": "BKF"}
            | {"parent_external_id": "BKF-PROG"},
            {"external_id": "BKF-B", "name": "B", "kind": "project", "department": "BKF"}
            | {"parent_external_id": "BKF-NEW-PROG"},
        ],
    )
    assert response.status_code == 200, response.text
    ids = {i["external_id"]: i["id"] for i in response.json()["items"]}
    assert _history(client, programme["id"])[0]["changes"] == {"child_id": {"before": None, "after": ids["BKF-A"]}}
    assert _history(client, ids["BKF-NEW-PROG"])[0]["action"] == "child_added"
    # the same import again changes nothing, and records nothing on the parents
    again = bkf.post(
        f"{API}/imports/interventions",
        json=[
            {"external_id": "BKF-A", "name": "A", "kind": "project", "department": "BKF"}
            | {"parent_external_id": "BKF-PROG"},
        ],
    )
    assert again.json()["unchanged"] == 1
    assert len(_history(client, programme["id"])) == 2


# --- 8. idempotency keys belong to their principal -----------------------------------------------------------


def test_another_principal_cannot_replay_an_import_key(client, bkf, ssf):
    key = str(uuid.uuid4())
    records = [{"external_id": "BKF-IMP-1", "name": "Importeret", "kind": "project", "department": "BKF"}]
    first = bkf.post(f"{API}/imports/interventions", json=records, headers={"Idempotency-Key": key})
    assert first.status_code == 200, first.text
    # the SSF editor sends the same key and body: authorised as a first request, so refused
    stolen = ssf.post(f"{API}/imports/interventions", json=records, headers={"Idempotency-Key": key})
    assert_problem(stolen, 403)
    assert "Idempotent-Replayed" not in stolen.headers
    # the BKF editor's own retry is replayed
    retry = bkf.post(f"{API}/imports/interventions", json=records, headers={"Idempotency-Key": key})
    assert retry.headers.get("Idempotent-Replayed") == "true" and retry.json() == first.json()


def test_another_principal_cannot_replay_a_create_key(client, bkf, ssf):
    key = str(uuid.uuid4())
    payload = {"name": "BKF's indsats", "kind": "project", "department": "BKF"}
    first = bkf.post(f"{API}/interventions", json=payload, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert_problem(ssf.post(f"{API}/interventions", json=payload, headers={"Idempotency-Key": key}), 403)
    # the same key is the SSF editor's own key: a first request of theirs
    own = ssf.post(f"{API}/interventions", json=payload | {"department": "SSF"}, headers={"Idempotency-Key": key})
    assert own.status_code == 201 and "Idempotent-Replayed" not in own.headers
    assert own.json()["id"] != first.json()["id"]


def test_a_replay_needs_a_valid_token(client):
    token = make_token("editor", "BKF", name="short-lived")
    key = str(uuid.uuid4())
    payload = {"name": "Indsats", "kind": "project", "department": "BKF"}
    with _as(token) as editor:
        assert editor.post(f"{API}/interventions", json=payload, headers={"Idempotency-Key": key}).status_code == 201
        token_id = next(t["id"] for t in client.get(f"{API}/tokens").json()["items"] if t["name"] == "short-lived")
        assert client.delete(f"{API}/tokens/{token_id}").status_code == 200
        assert_problem(editor.post(f"{API}/interventions", json=payload, headers={"Idempotency-Key": key}), 401)


# --- 9. Idempotency-Key on every POST that creates something ---------------------------------------------------


def _world(client: TestClient) -> dict:
    intervention = create_intervention(client, department="SOB", themes=["T9"])
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000"}).json()
    return {"i": intervention["id"], "pool": pool["id"]}


CREATES = [
    ("/interventions", {"name": "Ny indsats", "kind": "project", "department": "SOB"}, "/interventions"),
    ("/interventions/{i}/budget-lines", budget_line(year=2021, category="Drift"), "/interventions/{i}/budget-lines"),
    ("/interventions/{i}/success-criteria", {"description": "Nyt kriterium"}, "/interventions/{i}/success-criteria"),
    ("/pools", {"name": "Ny pulje", "year": 2027, "amount": "500"}, "/pools"),
    (
        "/pools/{pool}/allocations",
        {"intervention_id": "{i}", "amount": "100", "status": "granted", "reason": "Ok"},
        "/pools/{pool}/allocations",
    ),
    ("/interventions/{i}/evaluations", {"kind": "midway", "date": "2020-12-15"}, "/interventions/{i}/evaluations"),
    (
        "/interventions/{i}/material",
        {"title": "Programdokument", "url": "https://example.dk/p.pdf", "kind": "description"},
        "/interventions/{i}/material",
    ),
    (
        "/indicators/8/observations",
        {"area": "moerkhoej", "year": 2024, "kind": "actual", "value": "12.5"},
        "/indicators/8/observations",
    ),
]


def _fill(value, world: dict):
    if isinstance(value, str):
        return int(value.format(**world)) if value.startswith("{") else value.format(**world)
    if isinstance(value, dict):
        return {k: _fill(v, world) for k, v in value.items()}
    return value


def _count(client: TestClient, path: str) -> int:
    body = client.get(f"{API}{path}", params={"limit": 500} if path in ("/interventions", "/pools") else None).json()
    return len(body["items"] if "items" in body else body)


@pytest.mark.parametrize(("path", "body", "listing"), CREATES, ids=[c[0] for c in CREATES])
def test_a_retried_create_is_applied_once(client, path, body, listing):
    world = _world(client)
    path, body, listing = path.format(**world), _fill(body, world), listing.format(**world)
    count = _count(client, listing)
    key = str(uuid.uuid4())
    first = client.post(f"{API}{path}", json=body, headers={"Idempotency-Key": key})
    assert first.status_code == 201, first.text
    assert "Idempotent-Replayed" not in first.headers
    again = client.post(f"{API}{path}", json=body, headers={"Idempotency-Key": key})
    assert again.status_code == 201, again.text
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json() == first.json()
    for header in ("Location", "ETag"):
        assert again.headers.get(header) == first.headers.get(header)
    assert _count(client, listing) == count + 1
    # without a key, the same body is a new request
    assert client.post(f"{API}{path}", json=_fill(body, world)).status_code in (201, 409)


def test_retried_grants_are_applied_once(client):
    world = _world(client)
    key = str(uuid.uuid4())
    grant = {"intervention_id": world["i"], "amount": "400", "status": "granted", "reason": "Ok"}
    answers = [
        client.post(f"{API}/pools/{world['pool']}/allocations", json=grant, headers={"Idempotency-Key": key})
        for _ in range(2)
    ]
    assert [a.status_code for a in answers] == [201, 201]
    balance = client.get(f"{API}/pools/{world['pool']}/balance").json()
    assert balance["granted"] == "400.00"
    assert len(client.get(f"{API}/pools/{world['pool']}/allocations").json()["items"]) == 1


def test_the_same_key_with_another_request_is_refused(client):
    key = str(uuid.uuid4())
    payload = {"name": "Indsats", "kind": "project", "department": "BKF"}
    assert client.post(f"{API}/interventions", json=payload, headers={"Idempotency-Key": key}).status_code == 201
    body = assert_problem(
        client.post(f"{API}/interventions", json=payload | {"name": "Anden"}, headers={"Idempotency-Key": key}),
        422,
        field=["Idempotency-Key"],
    )
    assert body["type"].endswith("idempotency-key-reused")
    # nor on another operation
    assert_problem(
        client.post(f"{API}/pools", json={"name": "P", "year": 2026, "amount": "1"}, headers={"Idempotency-Key": key}),
        422,
    )
    # the same request spelled differently is the same request
    reordered = {"department": "BKF", "kind": "project", "name": "Indsats"}
    replay = client.post(
        f"{API}/interventions",
        content=json.dumps(reordered, indent=2),
        headers={"Idempotency-Key": key, "Content-Type": "application/json"},
    )
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert len(client.get(f"{API}/interventions").json()["items"]) == 1


def test_a_refused_request_stores_nothing(client):
    key = str(uuid.uuid4())
    bad = {"name": "Indsats", "kind": "project", "department": "BKF", "themes": ["T99"]}
    assert_problem(client.post(f"{API}/interventions", json=bad, headers={"Idempotency-Key": key}), 422)
    fixed = client.post(f"{API}/interventions", json=bad | {"themes": ["T1"]}, headers={"Idempotency-Key": key})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def test_a_keyed_write_is_seen_by_the_cached_list(client):
    assert client.get(f"{API}/interventions").json()["items"] == []  # now in the read cache
    payload = {"name": "Indsats", "kind": "project", "department": "BKF"}
    made = client.post(f"{API}/interventions", json=payload, headers={"Idempotency-Key": "k-1"})
    assert [i["id"] for i in client.get(f"{API}/interventions").json()["items"]] == [made.json()["id"]]


def test_the_openapi_document_names_the_header_on_every_creating_post(client):
    document = client.get("/openapi.json").json()
    for path, _body, _listing in CREATES:
        template = path.replace("{i}", "{intervention_id}").replace("{pool}", "{pool_id}").replace("/8/", "/{number}/")
        operation = document["paths"][f"{API}{template}"]["post"]
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "Idempotency-Key" in headers, template
    assert "Idempotency-Key" in {
        p["name"] for p in document["paths"][f"{API}/imports/interventions"]["post"]["parameters"]
    }


def test_parallel_requests_with_one_key_write_once(server, admin_token):  # noqa: F811 - the fixture
    """Ten requests with one key at the same moment, each from its own connection to a server of several
    workers: one write, nine replays (PostgreSQL: the key's advisory lock; SQLite: the write lock)."""
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60) as api:
        intervention = api.post(f"{API}/interventions", json={"name": "I", "kind": "trial_action", "department": "SOB"})
        pool = api.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000"}).json()
        for path, body in (
            (
                f"/pools/{pool['id']}/allocations",
                {"intervention_id": intervention.json()["id"], "amount": "300", "status": "granted", "reason": "Ok"},
            ),
            ("/interventions", {"name": "Parallel", "kind": "project", "department": "SOB"}),
        ):
            key = str(uuid.uuid4())
            answers = _fire_keyed(f"{server}{API}{path}", body, admin_token, key)
            assert Counter(a.status_code for a in answers) == {201: 10}, [a.text for a in answers]
            assert Counter(a.headers.get("Idempotent-Replayed") for a in answers) == {None: 1, "true": 9}
            assert len({a.json()["id"] for a in answers}) == 1
        allocations = api.get(f"{API}/pools/{pool['id']}/allocations").json()["items"]
        assert len(allocations) == 1
        assert api.get(f"{API}/pools/{pool['id']}/balance").json()["granted"] == "300.00"
        assert len(api.get(f"{API}/interventions", params={"q": "Parallel"}).json()["items"]) == 1


def _fire_keyed(url: str, body: dict, token: str, key: str, n: int = 10) -> list[httpx.Response]:
    """The same keyed POST n times at the same moment, each from its own connection."""
    barrier = threading.Barrier(n)

    def send(_):
        headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
        with httpx.Client(timeout=60, headers=headers) as one:
            barrier.wait()
            return one.post(url, json=body)

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(send, range(n)))


# --- 10. the last admin token ---------------------------------------------------------------------------------


def _token_id(client: TestClient, name: str) -> int:
    return next(t["id"] for t in client.get(f"{API}/tokens").json()["items"] if t["name"] == name)


def test_the_last_admin_token_cannot_be_revoked(client):
    own = _token_id(client, "test-admin")
    body = assert_problem(client.delete(f"{API}/tokens/{own}"), 409, field=["token_id"])
    assert body["type"].endswith("last-admin-token")
    assert client.get(f"{API}/tokens").status_code == 200  # still signed in

    second = client.post(f"{API}/tokens", json={"name": "second-admin", "role": "admin"}).json()
    assert client.delete(f"{API}/tokens/{own}").status_code == 200  # another admin remains
    with _as(second["token"]) as other:
        assert_problem(other.delete(f"{API}/tokens/{second['id']}"), 409)
        reader = other.post(f"{API}/tokens", json={"name": "læser", "role": "reader"}).json()
        assert other.delete(f"{API}/tokens/{reader['id']}").status_code == 200  # not an admin: fine
        assert other.get(f"{API}/tokens").status_code == 200


def test_the_cli_refuses_to_revoke_the_last_admin_token(client, capsys):
    from app.cli import main as registry

    assert registry(["token", "revoke", "test-admin"]) == 1
    assert "last active admin token" in capsys.readouterr().err
    assert client.get(f"{API}/tokens").status_code == 200


def test_a_demo_restart_replaces_the_only_admin_token():
    from app.cli import demo_admin_token

    first = demo_admin_token()  # the only admin token (no other token exists)
    second = demo_admin_token()
    with _as(second) as admin:
        tokens = admin.get(f"{API}/tokens").json()["items"]
        assert [(t["name"], t["revoked_at"] is None) for t in tokens] == [
            (f"demo-admin-{tokens[0]['id']}", False),
            ("demo-admin", True),
        ]
    with _as(first) as old:
        assert_problem(old.get(f"{API}/tokens"), 401)


def test_two_admins_revoking_each_other_at_once_leave_one(server, admin_token):  # noqa: F811 - the fixture
    """The active admin tokens are locked before they are counted: of two crossed revocations sent at the same
    moment one wins; the other is refused (409), or finds its own token already revoked (401)."""
    with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {admin_token}"}, timeout=60) as api:
        other = api.post(f"{API}/tokens", json={"name": "other-admin", "role": "admin"}).json()
        mine = _token_id_http(api, "test-admin")
        barrier = threading.Barrier(2)

        def revoke(args):
            token, target = args
            with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60) as one:
                barrier.wait()
                return one.delete(f"{API}/tokens/{target}").status_code

        with ThreadPoolExecutor(max_workers=2) as pool:
            statuses = sorted(pool.map(revoke, [(admin_token, other["id"]), (other["token"], mine)]))
    assert statuses[0] == 200 and statuses[1] in (401, 409), statuses
    survivors = []
    for token in (admin_token, other["token"]):
        with httpx.Client(base_url=server, headers={"Authorization": f"Bearer {token}"}, timeout=60) as one:
            listed = one.get(f"{API}/tokens")
            if listed.status_code == 200:
                survivors.append(token)
                active = [t for t in listed.json()["items"] if t["role"] == "admin" and t["revoked_at"] is None]
                assert len(active) == 1
    assert len(survivors) == 1


def _token_id_http(api: httpx.Client, name: str) -> int:
    return next(t["id"] for t in api.get(f"{API}/tokens").json()["items"] if t["name"] == name)
