"""Every change is on record (who, when, what, before/after, request id); stale writes are refused (If-Match)."""

from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention


def test_every_change_to_an_intervention_is_in_its_history_with_its_actor(client):
    editor = {"Authorization": f"Bearer {make_token('editor', 'BKF', name='Bente (BKF)')}", "X-Request-ID": "req-42"}
    created = client.post(
        f"{API}/interventions",
        headers=editor,
        json={"name": "Lektiecafé i Mørkhøj", "kind": "project", "department": "BKF", "themes": ["T4"]},
    ).json()
    url = f"{API}/interventions/{created['id']}"
    client.patch(url, headers=editor, json={"status": "active", "themes": ["T4", "T6"]})
    client.put(f"{url}/budget-lines", headers=editor, json=[budget_line(year=2024, amount="1000.50")])
    client.post(f"{url}/success-criteria", headers=editor, json={"description": "Flere deltager"})
    client.delete(url)  # the admin archives it
    history = client.get(f"{url}/history").json()["items"]
    assert [h["action"] for h in history] == [
        "archive",
        "success_criteria.add",
        "budget_lines.replace",
        "update",
        "create",
    ]
    assert [h["actor"] for h in history] == ["test-admin"] + ["Bente (BKF)"] * 4
    update = history[3]
    assert update["changes"] == {
        "status": {"before": "planned", "after": "active"},
        "themes": {"before": ["T4"], "after": ["T4", "T6"]},
    }
    assert update["request_id"] == "req-42"
    assert history[2]["changes"]["budget_lines"]["after"][0]["amount"] == "1000.50"
    assert history[0]["changes"]["archived_at"]["before"] is None
    assert history[4]["changes"]["name"] == {"before": None, "after": "Lektiecafé i Mørkhøj"}


def test_a_create_is_recorded_with_every_field_as_its_answer_writes_it_and_nothing_derived(client):
    """The create's record: each field given, as the answer's JSON has it (dates ISO, codes and enums by value,
    money with two decimals, the parts as lists of objects), and none of the derived totals or timestamps."""
    body = {
        "name": "Værebro Rådgivning",
        "kind": "project",
        "status": "active",
        "track": "social",
        "department": "SOB",
        "areas": ["vaerebro-park"],
        "themes": ["T6", "T2"],
        "start_date": "2024-01-01",
        "end_date": "2026-12-31",
        "budget_lines": [budget_line(year=2024, amount="1000.50")],
        "success_criteria": [{"description": "Flere henvendelser", "baseline": "12", "target": "40.5"}],
    }
    created = client.post(f"{API}/interventions", json=body)
    assert created.status_code == 201, created.text
    answer = created.json()
    record = client.get(f"{API}/interventions/{answer['id']}/history").json()["items"][0]
    assert record["action"] == "create"
    after = {name: change["after"] for name, change in record["changes"].items()}
    assert all(change["before"] is None for change in record["changes"].values())
    derived = {"created_at", "updated_at", "budget_total", "budget_by_year", "children", "pool_grants", "actual_total"}
    assert not derived & set(after)
    assert after == {name: value for name, value in answer.items() if name in after}
    assert {"id", "name", "kind", "status", "track", "department", "start_date", "budget_lines"} <= set(after)
    assert after["start_date"] == "2024-01-01" and after["kind"] == "project" and after["themes"] == ["T2", "T6"]
    assert after["budget_lines"][0]["amount"] == "1000.50"
    assert after["success_criteria"][0]["target"] == "40.5"
    assert "archived_at" not in after and "parent_id" not in after  # None on a new one: not a change


def test_refused_changes_leave_no_record(client):
    created = create_intervention(client)
    url = f"{API}/interventions/{created['id']}"
    assert_problem(client.patch(url, json={"themes": ["T99"]}), 422)
    reader = {"Authorization": f"Bearer {make_token('reader')}"}
    assert_problem(client.patch(url, json={"name": "x"}, headers=reader), 403)
    assert [h["action"] for h in client.get(f"{url}/history").json()["items"]] == ["create"]


def test_pools_imports_and_tokens_are_audited(client):
    intervention = create_intervention(client)
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "100"}).json()
    allocation = client.post(
        f"{API}/pools/{pool['id']}/allocations", json={"intervention_id": intervention["id"], "amount": "40"}
    ).json()
    client.patch(f"{API}/pools/{pool['id']}/allocations/{allocation['id']}", json={"status": "granted", "reason": "Ok"})
    client.post(
        f"{API}/imports/interventions",
        headers={"Idempotency-Key": "imp-1"},
        json=[{"external_id": "IMP-1", "name": "Importeret", "kind": "project", "department": "SOB"}],
    )
    client.post(f"{API}/tokens", json={"name": "læser", "role": "reader"})
    log = client.get(f"{API}/audit").json()["items"]
    seen = {(r["resource"], r["action"]) for r in log}
    assert {
        ("pool", "create"),
        ("allocation", "create"),
        ("allocation", "granted"),
        ("import", "import"),
        ("intervention", "import.create"),
        ("token", "create"),
    } <= seen
    granted = next(r for r in log if r["action"] == "granted")
    assert granted["changes"]["status"] == {"before": "requested", "after": "granted"}
    assert client.get(f"{API}/audit", params={"resource": "allocation"}).json()["items"][0]["resource"] == "allocation"
    assert all(
        r["actor"] == "test-admin" for r in client.get(f"{API}/audit", params={"actor": "test-admin"}).json()["items"]
    )
    page = client.get(f"{API}/audit", params={"limit": 2}).json()
    rest = client.get(f"{API}/audit", params={"limit": 500, "cursor": page["next_cursor"]}).json()["items"]
    assert len(page["items"]) + len(rest) == len(log) and page["items"][-1]["id"] > rest[0]["id"]


def test_the_audit_log_is_for_admins_and_cannot_be_changed(client):
    for role, department in (("reader", None), ("editor", "BKF"), ("pool_manager", None)):
        headers = {"Authorization": f"Bearer {make_token(role, department)}"}
        assert_problem(client.get(f"{API}/audit", headers=headers), 403)
    for method in ("POST", "PUT", "PATCH", "DELETE"):
        assert client.request(method, f"{API}/audit").status_code == 405


def test_etag_and_if_match(client):
    created = client.post(f"{API}/interventions", json={"name": "Mentorkorps", "kind": "project", "department": "SOB"})
    first = created.headers["etag"]
    url = f"{API}/interventions/{created.json()['id']}"
    assert client.get(url).headers["etag"] == first
    changed = client.patch(url, json={"status": "active"}, headers={"If-Match": first})
    assert changed.status_code == 200 and changed.headers["etag"] != first
    # A second client that still holds the first version is refused, and nothing changes.
    body = assert_problem(client.patch(url, json={"status": "stopped"}, headers={"If-Match": first}), 412)
    assert body["current_etag"] == changed.headers["etag"]
    assert_problem(client.put(f"{url}/budget-lines", json=[], headers={"If-Match": first}), 412)
    assert_problem(client.delete(url, headers={"If-Match": first}), 412)
    assert client.get(url).json()["status"] == "active"
    stop = {"status": "stopped", "status_reason": "Ingen deltagere"}  # stopping needs a reason (the lifecycle)
    assert client.patch(url, json=stop, headers={"If-Match": "*"}).status_code == 200
    resume = {"status": "active", "status_reason": "Genoptaget"}
    assert client.patch(url, json=resume).status_code == 200  # If-Match is optional


def test_request_id_is_echoed_or_made(client):
    assert client.get("/health", headers={"X-Request-ID": "abc-123"}).headers["x-request-id"] == "abc-123"
    made = client.get("/health").headers["x-request-id"]
    assert len(made) == 32
    assert (
        client.get("/health", headers={"X-Request-ID": "bad id with spaces"}).headers["x-request-id"]
        != "bad id with spaces"
    )
