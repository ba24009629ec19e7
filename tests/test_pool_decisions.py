"""The pool as the programme runs it (issue 17): editors apply for their own interventions, the pool manager
decides with a body, meeting date and reason, and a grant and the budget tell one story (a grant carries its
budget line; the reconciliation lists every difference)."""

from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention

POOLS = f"{API}/pools"


def _auth(role: str, department: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role, department, name=f'{role}-{department}')}"}


@pytest.fixture
def world(client) -> dict[str, Any]:
    pool = client.post(POOLS, json={"name": "Prøvehandlinger 2026", "year": 2026, "amount": "10000.00"}).json()
    bkf = create_intervention(
        client,
        name="Lektiecafé i Værebro",
        kind="trial_action",
        department="BKF",
        start_date="2026-01-01",
        end_date="2027-12-31",
        budget_lines=[],
    )
    ssf = create_intervention(
        client,
        name="Gåtur for seniorer",
        kind="trial_action",
        department="SSF",
        start_date="2026-01-01",
        end_date="2026-12-31",
        budget_lines=[],
    )
    return {"pool": pool, "bkf": bkf, "ssf": ssf, "editor": _auth("editor", "BKF"), "manager": _auth("pool_manager")}


def _apply(client, world, headers=None, **extra) -> Any:
    body = {
        "intervention_id": world["bkf"]["id"],
        "amount": "2500.00",
        "note": "Lektiehjælp to eftermiddage om ugen",
        "period_start": "2026-02-01",
        "period_end": "2026-12-31",
        "expected_effect": "Flere børn møder forberedte i skole",
        "indicators": [3, 1],
        **extra,
    }
    return client.post(f"{POOLS}/{world['pool']['id']}/allocations", json=body, headers=headers or world["editor"])


def _patch(client, world, allocation_id, headers=None, **body) -> Any:
    url = f"{POOLS}/{world['pool']['id']}/allocations/{allocation_id}"
    return client.patch(url, json=body, headers=headers or world["manager"])


def _reconciliation(client, world) -> dict[str, Any]:
    response = client.get(f"{POOLS}/{world['pool']['id']}/reconciliation")
    assert response.status_code == 200, response.text
    return response.json()


def _lines(client, intervention_id: int) -> list[dict[str, Any]]:
    return client.get(f"{API}/interventions/{intervention_id}/budget-lines").json()["items"]


DECISION = {"reason": "Passer til strategien", "decision_body": "Styregruppen for Social balance"}


def test_an_editor_applies_for_its_own_intervention_and_not_for_another_departments(client, world):
    created = _apply(client, world)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "requested"
    assert body["indicators"] == [1, 3]
    assert body["period_start"] == "2026-02-01" and body["expected_effect"].startswith("Flere børn")
    assert body["requested_by"] == "editor-BKF"
    assert_problem(_apply(client, world, intervention_id=world["ssf"]["id"]), 403)
    # an editor only applies: granting in one step is the pool manager's
    assert_problem(_apply(client, world, status="granted", **DECISION), 403)
    assert_problem(_apply(client, world, indicators=[99]), 422, field=["indicators", 0])
    assert_problem(_apply(client, world, period_start="2026-12-01", period_end="2026-01-01"), 422, field=["period_end"])
    # the editor may not decide, and not create or change pools
    assert_problem(_patch(client, world, body["id"], headers=world["editor"], status="granted", **DECISION), 403)
    assert_problem(client.post(POOLS, json={"name": "X", "year": 2026, "amount": "1"}, headers=world["editor"]), 403)
    balance = client.get(f"{POOLS}/{world['pool']['id']}/balance").json()
    assert (balance["requested"], balance["granted"]) == ("2500.00", "0.00")


def test_a_decision_without_a_reason_is_refused(client, world):
    allocation = _apply(client, world).json()
    for status in ("granted", "rejected", "changes_requested"):
        assert_problem(_patch(client, world, allocation["id"], status=status), 422, field=["body", "reason"])
        assert_problem(_patch(client, world, allocation["id"], status=status, reason=""), 422, field=["reason"])
    one_step = {"intervention_id": world["bkf"]["id"], "amount": "1.00", "status": "granted"}
    assert_problem(client.post(f"{POOLS}/{world['pool']['id']}/allocations", json=one_step), 422, field=["reason"])
    assert client.get(f"{POOLS}/{world['pool']['id']}/allocations/{allocation['id']}").json()["status"] == "requested"


def test_changes_requested_then_resubmitted_then_granted_less_records_the_decision(client, world):
    allocation = _apply(client, world).json()
    asked = _patch(
        client,
        world,
        allocation["id"],
        status="changes_requested",
        reason="Beskriv målgruppen",
        meeting_date="2026-03-12",
    )
    assert asked.status_code == 200, asked.text
    assert (asked.json()["status"], asked.json()["reason"]) == ("changes_requested", "Beskriv målgruppen")
    # another department's editor may not resubmit; the applicant's department may, and amend
    other = _auth("editor", "SSF")
    assert_problem(_patch(client, world, allocation["id"], headers=other, status="requested"), 403)
    resubmitted = _patch(
        client, world, allocation["id"], headers=world["editor"], status="requested", amount="3000.00", note="Ny tekst"
    )
    assert resubmitted.status_code == 200, resubmitted.text
    assert (resubmitted.json()["requested"], resubmitted.json()["note"]) == ("3000.00", "Ny tekst")
    assert client.get(f"{POOLS}/{world['pool']['id']}/balance").json()["requested"] == "3000.00"
    granted = _patch(
        client, world, allocation["id"], status="granted", amount="2000.00", meeting_date="2026-03-12", **DECISION
    )
    assert granted.status_code == 200, granted.text
    got = granted.json()
    assert (got["status"], got["granted"], got["decided_by"]) == ("granted", "2000.00", "pool_manager-None")
    assert (got["decision_body"], got["meeting_date"], got["reason"]) == (
        "Styregruppen for Social balance",
        "2026-03-12",
        "Passer til strategien",
    )
    mine = client.get(f"{API}/allocations", params={"mine": "true"}, headers=world["editor"]).json()["items"]
    assert [(a["id"], a["status"], a["pool_name"], a["department"]) for a in mine] == [
        (allocation["id"], "granted", "Prøvehandlinger 2026", "BKF")
    ]
    assert client.get(f"{API}/allocations", params={"mine": "true"}, headers=other).json()["items"] == []
    log = client.get(f"{API}/audit", params={"resource": "allocation"}).json()["items"]
    assert {"changes_requested", "resubmitted", "granted"} <= {r["action"] for r in log}


def _rollup(client, **params) -> Decimal:
    response = client.get(f"{API}/rollups/budget", params={"by": "funding_source", **params})
    assert response.status_code == 200, response.text
    rows = {r["funding_source"]: Decimal(r["amount"]) for r in response.json()["rows"]}
    return rows.get("SOB-PULJE", Decimal(0))


def test_a_grant_carries_its_budget_line_and_nothing_is_counted_twice(client, world):
    pool_id, iid = world["pool"]["id"], world["bkf"]["id"]
    allocation = _apply(client, world, amount="1234.50").json()
    assert _reconciliation(client, world) == {
        "pool_id": pool_id,
        "funding_source": "SOB-PULJE",
        "year": 2026,
        "consistent": True,
        "items": [],
    }
    _patch(client, world, allocation["id"], status="granted", **DECISION)
    [line] = _lines(client, iid)
    assert (line["year"], line["funding_source"], line["amount"], line["pool_allocation_id"]) == (
        2026,
        "SOB-PULJE",
        "1234.50",
        allocation["id"],
    )
    assert _reconciliation(client, world)["items"] == []
    for include in ("true", "false"):
        assert _rollup(client, include_pool_grants=include) == Decimal("1234.50")

    # a partial release lowers the line; the whole release removes it
    _patch(client, world, allocation["id"], status="released", amount="234.50", reason="Mindre forbrug")
    assert [x["amount"] for x in _lines(client, iid)] == ["1000.00"]
    assert _reconciliation(client, world)["items"] == []
    assert _rollup(client, include_pool_grants="true") == _rollup(client) == Decimal("1000.00")

    # the set of lines replaced with the same key keeps the link; another amount is reported
    edited = dict(budget_line(year=2026, category=line["category"], amount="900.00", type="revised"))
    assert client.put(f"{API}/interventions/{iid}/budget-lines", json=[edited]).status_code == 200
    [item] = _reconciliation(client, world)["items"]
    assert (item["kind"], item["granted"], item["budgeted"]) == ("amounts_differ", "1000.00", "900.00")
    assert _rollup(client, include_pool_grants="true") == _rollup(client) == Decimal("900.00")
    edited["amount"] = "1000.00"
    client.put(f"{API}/interventions/{iid}/budget-lines", json=[edited])
    assert _reconciliation(client, world)["items"] == []

    _patch(client, world, allocation["id"], status="released", reason="Stoppet")
    assert _lines(client, iid) == []
    assert _reconciliation(client, world)["consistent"] is True
    assert _rollup(client, include_pool_grants="true") == Decimal(0)


def test_lines_without_a_grant_and_grants_without_a_line_are_reported(client, world):
    pool_id, iid = world["pool"]["id"], world["bkf"]["id"]
    allocation = _apply(client, world, amount="500.00").json()
    _patch(client, world, allocation["id"], status="granted", **DECISION)
    # a line of the pool's funding source in its year that no grant backs
    extra = client.post(
        f"{API}/interventions/{world['ssf']['id']}/budget-lines",
        json=budget_line(year=2026, amount="77.00"),
    )
    assert extra.status_code == 201, extra.text
    # the grant's line removed by replacing the set without it
    assert client.put(f"{API}/interventions/{iid}/budget-lines", json=[]).status_code == 200
    items = {
        (i["kind"], i["intervention_id"], i["granted"], i["budgeted"]) for i in _reconciliation(client, world)["items"]
    }
    assert items == {
        ("grant_without_line", iid, "500.00", "0.00"),
        ("line_without_grant", world["ssf"]["id"], "0.00", "77.00"),
    }
    # with include_pool_grants the grant without a line is counted once, from the pool
    assert _rollup(client, include_pool_grants="true") == Decimal("577.00")
    assert client.get(f"{POOLS}/{pool_id}/reconciliation").json()["consistent"] is False


def test_an_import_keeps_the_grant_line_and_an_imported_difference_is_reported(client, world):
    allocation = _apply(client, world, amount="400.00").json()
    _patch(client, world, allocation["id"], status="granted", **DECISION)
    [line] = _lines(client, world["bkf"]["id"])
    record = {
        "external_id": "BKF-PROEVE-1",
        "name": world["bkf"]["name"],
        "kind": "trial_action",
        "status": "active",
        "department": "BKF",
        "start_date": "2026-01-01",
        "end_date": "2027-12-31",
        "budget_lines": [budget_line(year=2026, category=line["category"], amount="400.00", type="revised")],
    }
    assert (
        client.patch(f"{API}/interventions/{world['bkf']['id']}", json={"external_id": "BKF-PROEVE-1"}).status_code
        == 200
    )
    imported = client.post(f"{API}/imports/interventions", json=[record])
    assert imported.status_code == 200, imported.text
    [again] = _lines(client, world["bkf"]["id"])
    assert again["pool_allocation_id"] == allocation["id"]
    assert _reconciliation(client, world)["items"] == []
    record["budget_lines"][0]["amount"] = "450.00"
    assert client.post(f"{API}/imports/interventions", json=[record]).status_code == 200
    [item] = _reconciliation(client, world)["items"]
    assert (item["kind"], item["budgeted"]) == ("amounts_differ", "450.00")


def test_anchoring_moves_later_lines_to_another_funding_source_and_is_audited(client, world):
    iid = world["bkf"]["id"]
    client.post(f"{API}/interventions/{iid}/budget-lines", json=budget_line(year=2027, amount="800.00"))
    allocation = _apply(client, world, amount="300.00").json()
    body = {"funding_source": "FAGFORVALTNING", "from_year": 2027, "reason": "Virker", "meeting_date": "2026-11-05"}
    url = f"{POOLS}/{world['pool']['id']}/allocations/{allocation['id']}/anchoring"
    assert_problem(client.post(url, json=body, headers=world["manager"]), 409)  # not granted yet
    _patch(client, world, allocation["id"], status="granted", **DECISION)
    assert_problem(client.post(url, json=body, headers=world["editor"]), 403)
    assert_problem(client.post(url, json={**body, "reason": None}, headers=world["manager"]), 422, field=["reason"])
    anchored = client.post(url, json=body, headers=world["manager"])
    assert anchored.status_code == 200, anchored.text
    got = anchored.json()
    assert (got["anchored_funding_source"], got["anchored_from_year"]) == ("FAGFORVALTNING", 2027)
    lines = {(x["year"], x["funding_source"], x["amount"]) for x in _lines(client, iid)}
    assert lines == {(2026, "SOB-PULJE", "300.00"), (2027, "FAGFORVALTNING", "800.00")}
    assert client.get(f"{API}/interventions/{iid}").json()["status"] == "anchored"
    assert _reconciliation(client, world)["items"] == []
    actions = {(r["resource"], r["action"]) for r in client.get(f"{API}/audit").json()["items"]}
    assert {("allocation", "anchored"), ("intervention", "anchored")} <= actions
    assert_problem(client.post(url, json=body, headers=world["manager"]), 409)  # once


def test_my_applications_refuse_an_unknown_department(client, world):
    assert_problem(client.get(f"{API}/allocations", params={"department": "AAA"}), 422, field=["department"])
    _apply(client, world)
    listed = client.get(f"{API}/allocations", params={"department": "BKF", "status": "requested"}).json()["items"]
    assert [a["intervention_name"] for a in listed] == ["Lektiecafé i Værebro"]
    assert client.get(f"{API}/allocations", params={"department": "SSF"}).json()["items"] == []
