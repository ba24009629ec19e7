"""Trial-action pools (issue 4), over HTTP as a client sees them: pools, allocations and their transitions,
the never-overdrawn invariant, the balance now and on past days, the summary, the intervention's pool grants and
the budget rollup with include_pool_grants. Money is compared as Decimal, exact to the øre."""

import base64
import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import update

from app.db import get_engine
from app.models.pool import PoolLedgerEntry
from tests.factories import API, assert_problem, budget_line, create_intervention

POOLS = f"{API}/pools"


# --- helpers -----------------------------------------------------------------------------------------------


def create_pool(client, **overrides: Any) -> dict[str, Any]:
    payload = {"name": "Prøvehandlingspuljen 2021", "year": 2021, "amount": "100000.00", **overrides}
    response = client.post(POOLS, json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def trial_action(client, **overrides: Any) -> dict[str, Any]:
    fields = {
        "name": "Prøvehandling: lektiecafé i Værebro",
        "kind": "trial_action",
        "budget_lines": [],
        "indicators": [],
        "success_criteria": [],
        **overrides,
    }
    return create_intervention(client, **fields)


DECISIONS = ("granted", "rejected", "changes_requested")


def _with_reason(body: dict[str, Any]) -> dict[str, Any]:
    """Every decision needs a reason; the tests here are about other things."""
    if body.get("status") in DECISIONS and "reason" not in body:
        return {**body, "reason": "Afgjort i test"}
    return body


def allocate(client, pool_id: int, intervention_id: int, amount: Any, **extra: Any) -> dict[str, Any]:
    extra = _with_reason(extra)
    response = client.post(
        f"{POOLS}/{pool_id}/allocations", json={"intervention_id": intervention_id, "amount": amount, **extra}
    )
    assert response.status_code == 201, response.text
    return response.json()


def transition(client, pool_id: int, allocation_id: int, **body: Any):
    return client.patch(f"{POOLS}/{pool_id}/allocations/{allocation_id}", json=_with_reason(body))


def decide(client, pool_id: int, allocation_id: int, **body: Any) -> dict[str, Any]:
    response = transition(client, pool_id, allocation_id, **body)
    assert response.status_code == 200, response.text
    return response.json()


def balance(client, pool_id: int, **params: Any) -> dict[str, Decimal]:
    response = client.get(f"{POOLS}/{pool_id}/balance", params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return {k: Decimal(body[k]) for k in ("amount", "requested", "granted", "remaining")}


def figures(amount: str, requested: str, granted: str, remaining: str) -> dict[str, Decimal]:
    return {
        "amount": Decimal(amount),
        "requested": Decimal(requested),
        "granted": Decimal(granted),
        "remaining": Decimal(remaining),
    }


def allocation(client, pool_id: int, allocation_id: int) -> dict[str, Any]:
    response = client.get(f"{POOLS}/{pool_id}/allocations/{allocation_id}")
    assert response.status_code == 200, response.text
    return response.json()


def allocations(client, pool_id: int, **params: Any) -> list[dict[str, Any]]:
    response = client.get(f"{POOLS}/{pool_id}/allocations", params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def state(client, pool_id: int) -> tuple:
    """Everything a client can read about a pool: compared before and after a refused change."""
    pool = client.get(f"{POOLS}/{pool_id}")
    assert pool.status_code == 200, pool.text
    return pool.json(), client.get(f"{POOLS}/{pool_id}/balance").json(), allocations(client, pool_id)


def money(value: str) -> Decimal:
    assert isinstance(value, str), value
    decimal = Decimal(value)
    assert value == f"{decimal:.2f}", value  # answered with exactly two decimals
    return decimal


# --- pools -------------------------------------------------------------------------------------------------


def test_create_pool_with_defaults_location_and_exact_amount(client):
    response = client.post(
        POOLS, json={"name": "Pulje for prøvehandlinger – Høje Gladsaxe", "year": 2021, "amount": "250000.45"}
    )
    assert response.status_code == 201, response.text
    pool = response.json()
    assert response.headers["Location"] == f"/api/v1/pools/{pool['id']}"
    assert pool["name"] == "Pulje for prøvehandlinger – Høje Gladsaxe"
    assert pool["year"] == 2021
    assert pool["amount"] == "250000.45"
    assert pool["funding_source"] == "SOB-PULJE"
    assert pool["department"] == "SOB"
    assert pool["notes"] is None
    assert pool["balance"]["amount"] == "250000.45"
    assert pool["balance"]["granted"] == "0.00"
    assert pool["balance"]["requested"] == "0.00"
    assert pool["balance"]["remaining"] == "250000.45"
    assert pool["created_at"] and pool["updated_at"]

    fetched = client.get(response.headers["Location"])
    assert fetched.status_code == 200
    assert fetched.json() == pool


def test_create_pool_with_explicit_source_department_and_numeric_amount(client):
    pool = create_pool(
        client, amount=12345.67, funding_source="FAGFORVALTNING", department="BKF", notes="Besluttet i styregruppen"
    )
    assert pool["amount"] == "12345.67"
    assert pool["funding_source"] == "FAGFORVALTNING"
    assert pool["department"] == "BKF"
    assert pool["notes"] == "Besluttet i styregruppen"
    assert balance(client, pool["id"]) == figures("12345.67", "0", "0", "12345.67")
    # one øre and a whole number both come back with two decimals
    assert create_pool(client, amount="0.01")["amount"] == "0.01"
    assert create_pool(client, amount=500)["amount"] == "500.00"


@pytest.mark.parametrize("field, value", [("funding_source", "UKENDT-KILDE"), ("department", "XYZ")])
def test_create_pool_with_unknown_code_is_422_naming_the_field(client, field, value):
    response = client.post(POOLS, json={"name": "Pulje", "year": 2021, "amount": "1000.00", field: value})
    body = assert_problem(response, 422, field=[field])
    assert value in response.text
    assert body["errors"]
    assert client.get(POOLS).json()["items"] == []


@pytest.mark.parametrize(
    "amount", ["-1.00", -0.01, "1.005", 10.125, "NaN", "Infinity", "", "1,50", True, None, "10000000000.01"]
)
def test_create_pool_with_bad_amount_is_422(client, amount):
    response = client.post(POOLS, json={"name": "Pulje", "year": 2021, "amount": amount})
    assert_problem(response, 422, field=["amount"])
    assert client.get(POOLS).json()["items"] == []


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_create_pool_with_non_finite_json_literal_is_422(client, literal):
    response = client.post(
        POOLS,
        content=f'{{"name": "Pulje", "year": 2021, "amount": {literal}}}',
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 422)
    assert client.get(POOLS).json()["items"] == []


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"year": 2021, "amount": "1.00"}, ["name"]),
        ({"name": "   ", "year": 2021, "amount": "1.00"}, ["name"]),
        ({"name": "Pulje", "amount": "1.00"}, ["year"]),
        ({"name": "Pulje", "year": 1850, "amount": "1.00"}, ["year"]),
        ({"name": "Pulje", "year": 2021}, ["amount"]),
        ({"name": "Pulje", "year": 2021, "amount": "1.00", "granted": "0.00"}, ["granted"]),
    ],
)
def test_create_pool_with_missing_or_bad_fields_is_422(client, payload, field):
    assert_problem(client.post(POOLS, json=payload), 422, field=field)


def test_list_pools_with_year_filter_and_cursor_paging(client):
    created = [create_pool(client, name=f"Pulje {i}", year=2021 + i % 2) for i in range(7)]
    ids = [p["id"] for p in created]

    everything = client.get(POOLS).json()
    assert [p["id"] for p in everything["items"]] == ids
    assert everything["next_cursor"] is None

    in_2021 = client.get(POOLS, params={"year": 2021}).json()["items"]
    assert [p["id"] for p in in_2021] == [p["id"] for p in created if p["year"] == 2021]
    assert all(p["year"] == 2021 for p in in_2021)
    assert client.get(POOLS, params={"year": 2030}).json() == {"items": [], "next_cursor": None}

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = client.get(POOLS, params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 3
        seen += [p["id"] for p in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
        assert isinstance(cursor, str)
    assert seen == ids
    assert pages == 3

    # paging combined with the year filter
    first = client.get(POOLS, params={"year": 2022, "limit": 2}).json()
    second = client.get(POOLS, params={"year": 2022, "limit": 2, "cursor": first["next_cursor"]}).json()
    assert [p["id"] for p in first["items"] + second["items"]] == [p["id"] for p in created if p["year"] == 2022]
    assert second["next_cursor"] is None


@pytest.mark.parametrize(
    "cursor",
    [
        "not-a-cursor!!",
        base64.urlsafe_b64encode(b"pool:abc").decode().rstrip("="),
        base64.urlsafe_b64encode(b"intervention:3").decode().rstrip("="),
        base64.urlsafe_b64encode(b"pool:-5").decode().rstrip("="),
        base64.urlsafe_b64encode(b"pool:99999999999").decode().rstrip("="),
        "%%%",
    ],
)
def test_list_pools_with_bad_cursor_is_400(client, cursor):
    create_pool(client)
    assert_problem(client.get(POOLS, params={"cursor": cursor}), 400, field=["cursor"])


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 501}, {"limit": "many"}, {"year": "x"}])
def test_list_pools_with_bad_query_is_422(client, params):
    assert_problem(client.get(POOLS, params=params), 422)


def test_get_unknown_pool_is_404(client):
    assert_problem(client.get(f"{POOLS}/999999"), 404)
    assert_problem(client.get(f"{POOLS}/999999/balance"), 404)
    assert_problem(client.get(f"{POOLS}/999999/summary"), 404)
    assert_problem(client.get(f"{POOLS}/999999/allocations"), 404)
    assert_problem(client.patch(f"{POOLS}/999999", json={"name": "x"}), 404)
    assert_problem(client.get(f"{POOLS}/0"), 422)
    assert_problem(client.get(f"{POOLS}/abc"), 422)


def test_patch_pool_name_notes_and_amount(client):
    pool = create_pool(client, amount="1000.00", notes="Første udgave")
    url = f"{POOLS}/{pool['id']}"

    renamed = client.patch(url, json={"name": "Puljen til prøvehandlinger, Mørkhøj"})
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["name"] == "Puljen til prøvehandlinger, Mørkhøj"
    assert renamed.json()["notes"] == "Første udgave"
    assert renamed.json()["amount"] == "1000.00"

    noted = client.patch(url, json={"notes": "Forhøjet efter budgetforlig"}).json()
    assert noted["notes"] == "Forhøjet efter budgetforlig"
    assert noted["name"] == "Puljen til prøvehandlinger, Mørkhøj"

    raised = client.patch(url, json={"amount": "1500.55"}).json()
    assert raised["amount"] == "1500.55"
    assert raised["balance"]["remaining"] == "1500.55"
    assert balance(client, pool["id"]) == figures("1500.55", "0", "0", "1500.55")

    cleared = client.patch(url, json={"notes": None}).json()
    assert cleared["notes"] is None
    assert client.get(url).json() == cleared

    assert_problem(client.patch(url, json={"name": None}), 422, field=["name"])
    assert_problem(client.patch(url, json={"amount": None}), 422, field=["amount"])
    assert_problem(client.patch(url, json={"year": 2022}), 422)
    assert_problem(client.patch(url, json={"amount": "-5"}), 422, field=["amount"])
    assert_problem(client.patch(url, json={"amount": "1.234"}), 422, field=["amount"])
    assert_problem(client.patch(url, json={"amount": "NaN"}), 422, field=["amount"])
    assert client.get(url).json() == cleared


def test_lowering_pool_amount_below_granted_is_409_and_changes_nothing(client):
    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    allocate(client, pool["id"], act["id"], "600.40", status="granted")
    allocate(client, pool["id"], act["id"], "100.00")  # a pending request does not bind the amount
    before = state(client, pool["id"])

    response = client.patch(f"{POOLS}/{pool['id']}", json={"amount": "600.39", "name": "Nyt navn"})
    body = assert_problem(response, 409, field=["amount"])
    assert Decimal(body["amount"]) == Decimal("1000.00")
    assert Decimal(body["granted"]) == Decimal("600.40")
    assert Decimal(body["remaining"]) == Decimal("399.60")
    assert state(client, pool["id"]) == before  # neither the amount nor the name changed

    # exactly what is granted is allowed: nothing remains
    lowered = client.patch(f"{POOLS}/{pool['id']}", json={"amount": "600.40"})
    assert lowered.status_code == 200, lowered.text
    assert lowered.json()["amount"] == "600.40"
    assert balance(client, pool["id"]) == figures("600.40", "100.00", "600.40", "0.00")

    # and then not even one øre more can be granted
    request = allocations(client, pool["id"], status="requested")[0]
    before = state(client, pool["id"])
    refused = transition(client, pool["id"], request["id"], status="granted", amount="0.01")
    body = assert_problem(refused, 409)
    assert body["type"] == "/problems/pool-exhausted"
    assert Decimal(body["remaining"]) == Decimal("0.00")
    assert state(client, pool["id"]) == before


# --- allocations -------------------------------------------------------------------------------------------


def test_request_raises_requested_and_grant_in_one_step_raises_granted(client):
    pool = create_pool(client, amount="50000.00")
    act = trial_action(client)

    requested = client.post(
        f"{POOLS}/{pool['id']}/allocations",
        json={"intervention_id": act["id"], "amount": "12500.50", "note": "Materialer og løn"},
    )
    assert requested.status_code == 201, requested.text
    row = requested.json()
    assert row["status"] == "requested"
    assert row["pool_id"] == pool["id"]
    assert row["intervention_id"] == act["id"]
    assert row["requested"] == "12500.50"
    assert row["granted"] == "0.00"
    assert row["released"] == "0.00"
    assert row["net"] == "0.00"
    assert row["note"] == "Materialer og løn"
    assert row["requested_at"]
    assert row["decided_at"] is None
    assert row["released_at"] is None
    assert balance(client, pool["id"]) == figures("50000.00", "12500.50", "0", "50000.00")

    granted = allocate(client, pool["id"], act["id"], 7000.25, status="granted", decision_note="Bevilget på møde")
    assert granted["status"] == "granted"
    assert granted["requested"] == "7000.25"
    assert granted["granted"] == "7000.25"
    assert granted["net"] == "7000.25"
    assert granted["decision_note"] == "Bevilget på møde"
    assert granted["decided_at"] is not None
    assert granted["released_at"] is None
    assert balance(client, pool["id"]) == figures("50000.00", "12500.50", "7000.25", "42999.75")

    listed = allocations(client, pool["id"])
    assert [a["id"] for a in listed] == [row["id"], granted["id"]]
    assert allocation(client, pool["id"], row["id"]) == row
    assert [a["id"] for a in allocations(client, pool["id"], status="granted")] == [granted["id"]]
    assert [a["id"] for a in allocations(client, pool["id"], status=["granted", "requested"])] == [
        row["id"],
        granted["id"],
    ]
    assert_problem(client.get(f"{POOLS}/{pool['id']}/allocations", params={"status": "approved"}), 422)

    pool_view = client.get(f"{POOLS}/{pool['id']}").json()
    assert pool_view["balance"]["requested"] == "12500.50"
    assert pool_view["balance"]["granted"] == "7000.25"
    assert pool_view["balance"]["remaining"] == "42999.75"


@pytest.mark.parametrize("status", ["rejected", "released", "approved"])
def test_new_allocation_in_a_decided_status_is_422(client, status):
    pool = create_pool(client)
    act = trial_action(client)
    before = state(client, pool["id"])
    response = client.post(
        f"{POOLS}/{pool['id']}/allocations",
        json={"intervention_id": act["id"], "amount": "100.00", "status": status, "reason": "Ok"},
    )
    assert_problem(response, 422, field=["status"])
    assert state(client, pool["id"]) == before


@pytest.mark.parametrize("amount", [0, "0.00", "-1.00", "1.001", "NaN", "", True])
def test_new_allocation_with_bad_amount_is_422(client, amount):
    pool = create_pool(client)
    act = trial_action(client)
    before = state(client, pool["id"])
    for status in ("requested", "granted"):
        response = client.post(
            f"{POOLS}/{pool['id']}/allocations",
            json={"intervention_id": act["id"], "amount": amount, "status": status, "reason": "Ok"},
        )
        assert_problem(response, 422, field=["amount"])
    assert state(client, pool["id"]) == before


def test_new_allocation_for_unknown_or_archived_intervention_is_422(client):
    pool = create_pool(client)
    act = trial_action(client)
    assert client.delete(f"{API}/interventions/{act['id']}").status_code == 204
    before = state(client, pool["id"])
    for intervention_id in (act["id"], 987654):
        for status in ("requested", "granted"):
            response = client.post(
                f"{POOLS}/{pool['id']}/allocations",
                json={"intervention_id": intervention_id, "amount": "10.00", "status": status, "reason": "Ok"},
            )
            assert_problem(response, 422, field=["intervention_id"])
    for bad in (0, -1, "x", True, 2**31):
        response = client.post(f"{POOLS}/{pool['id']}/allocations", json={"intervention_id": bad, "amount": "10"})
        assert_problem(response, 422, field=["intervention_id"])
    assert state(client, pool["id"]) == before


def test_allocation_in_unknown_pool_is_404(client):
    act = trial_action(client)
    for status in ("requested", "granted"):
        response = client.post(
            f"{POOLS}/424242/allocations",
            json={"intervention_id": act["id"], "amount": "10.00", "status": status, "reason": "Ok"},
        )
        assert_problem(response, 404)
    assert_problem(client.patch(f"{POOLS}/424242/allocations/1", json={"status": "granted", "reason": "Ok"}), 404)


def test_allocation_of_another_pool_is_404(client):
    pool_a, pool_b = create_pool(client, name="A"), create_pool(client, name="B")
    act = trial_action(client)
    row = allocate(client, pool_a["id"], act["id"], "10.00")
    before = state(client, pool_a["id"]), state(client, pool_b["id"])
    assert_problem(client.get(f"{POOLS}/{pool_b['id']}/allocations/{row['id']}"), 404)
    assert_problem(transition(client, pool_b["id"], row["id"], status="granted"), 404)
    assert_problem(transition(client, pool_a["id"], 999999, status="granted"), 404)
    assert (state(client, pool_a["id"]), state(client, pool_b["id"])) == before


# --- transitions -------------------------------------------------------------------------------------------


def test_grant_a_request_in_full(client):
    pool = create_pool(client, amount="1000.00")
    row = allocate(client, pool["id"], trial_action(client)["id"], "400.10")
    granted = decide(client, pool["id"], row["id"], status="granted", decision_note="Godkendt")
    assert granted["status"] == "granted"
    assert granted["requested"] == "400.10"
    assert granted["granted"] == "400.10"
    assert granted["net"] == "400.10"
    assert granted["decision_note"] == "Godkendt"
    assert granted["decided_at"] is not None
    assert granted["released_at"] is None
    assert allocation(client, pool["id"], row["id"]) == granted
    assert balance(client, pool["id"]) == figures("1000.00", "0", "400.10", "599.90")


def test_grant_less_than_asked(client):
    pool = create_pool(client, amount="1000.00")
    row = allocate(client, pool["id"], trial_action(client)["id"], "400.00")
    granted = decide(client, pool["id"], row["id"], status="granted", amount="250.75")
    assert granted["status"] == "granted"
    assert granted["requested"] == "400.00"
    assert granted["granted"] == "250.75"
    assert granted["net"] == "250.75"
    # the request is decided: all of it leaves `requested`, only the granted part enters `granted`
    assert balance(client, pool["id"]) == figures("1000.00", "0", "250.75", "749.25")


@pytest.mark.parametrize("amount", ["400.01", "0", "0.00", "-1", "1.001"])
def test_grant_more_than_asked_or_nothing_is_422_and_changes_nothing(client, amount):
    pool = create_pool(client, amount="1000.00")
    row = allocate(client, pool["id"], trial_action(client)["id"], "400.00")
    before = state(client, pool["id"])
    assert_problem(transition(client, pool["id"], row["id"], status="granted", amount=amount), 422, field=["amount"])
    assert state(client, pool["id"]) == before


def test_reject_a_request(client):
    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    keep = allocate(client, pool["id"], act["id"], "100.00")
    row = allocate(client, pool["id"], act["id"], "333.33")
    assert balance(client, pool["id"]) == figures("1000.00", "433.33", "0", "1000.00")
    rejected = decide(client, pool["id"], row["id"], status="rejected", decision_note="Uden for formålet")
    assert rejected["status"] == "rejected"
    assert rejected["granted"] == "0.00"
    assert rejected["net"] == "0.00"
    assert rejected["decision_note"] == "Uden for formålet"
    assert rejected["decided_at"] is not None
    assert rejected["released_at"] is None
    assert balance(client, pool["id"]) == figures("1000.00", "100.00", "0", "1000.00")
    assert allocation(client, pool["id"], keep["id"])["status"] == "requested"

    # a rejection takes no amount
    other = allocate(client, pool["id"], act["id"], "50.00")
    before = state(client, pool["id"])
    assert_problem(
        transition(client, pool["id"], other["id"], status="rejected", amount="50.00"), 422, field=["amount"]
    )
    assert state(client, pool["id"]) == before


def test_release_partly_then_wholly(client):
    pool = create_pool(client, amount="1000.00")
    row = allocate(client, pool["id"], trial_action(client)["id"], "600.00", status="granted")
    assert balance(client, pool["id"]) == figures("1000.00", "0", "600.00", "400.00")

    partly = decide(client, pool["id"], row["id"], status="released", amount="150.25")
    assert partly["status"] == "granted"  # still holds money
    assert partly["granted"] == "600.00"
    assert partly["released"] == "150.25"
    assert partly["net"] == "449.75"
    assert partly["released_at"] is not None
    assert partly["decided_at"] == row["decided_at"]
    assert balance(client, pool["id"]) == figures("1000.00", "0", "449.75", "550.25")

    again = decide(client, pool["id"], row["id"], status="released", amount="49.75")
    assert again["status"] == "granted"
    assert again["released"] == "200.00"
    assert again["net"] == "400.00"
    assert balance(client, pool["id"]) == figures("1000.00", "0", "400.00", "600.00")

    # more than is held is refused
    before = state(client, pool["id"])
    assert_problem(transition(client, pool["id"], row["id"], status="released", amount="400.01"), 422, field=["amount"])
    assert_problem(transition(client, pool["id"], row["id"], status="released", amount="0"), 422, field=["amount"])
    assert state(client, pool["id"]) == before

    # the rest, without an amount: nothing is left, so the allocation is released
    wholly = decide(client, pool["id"], row["id"], status="released")
    assert wholly["status"] == "released"
    assert wholly["granted"] == "600.00"
    assert wholly["released"] == "600.00"
    assert wholly["net"] == "0.00"
    assert wholly["released_at"] is not None
    assert balance(client, pool["id"]) == figures("1000.00", "0", "0", "1000.00")


def test_release_exactly_what_is_held_by_amount_makes_it_released(client):
    pool = create_pool(client, amount="1000.00")
    row = allocate(client, pool["id"], trial_action(client)["id"], "321.09", status="granted")
    released = decide(client, pool["id"], row["id"], status="released", amount="321.09")
    assert released["status"] == "released"
    assert released["net"] == "0.00"
    assert balance(client, pool["id"]) == figures("1000.00", "0", "0", "1000.00")


def test_released_money_can_be_granted_again(client):
    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    first = allocate(client, pool["id"], act["id"], "1000.00", status="granted")
    assert balance(client, pool["id"])["remaining"] == Decimal("0.00")
    assert_problem(
        client.post(
            f"{POOLS}/{pool['id']}/allocations",
            json={"intervention_id": act["id"], "amount": "0.01", "status": "granted", "reason": "Ok"},
        ),
        409,
    )
    decide(client, pool["id"], first["id"], status="released", amount="300.00")
    second = allocate(client, pool["id"], act["id"], "300.00", status="granted")
    assert second["status"] == "granted"
    assert balance(client, pool["id"]) == figures("1000.00", "0", "1000.00", "0.00")


def _in_status(client, pool_id: int, intervention_id: int, status: str) -> dict[str, Any]:
    """An allocation brought to a status (partly_released: granted with some money given back)."""
    if status == "requested":
        return allocate(client, pool_id, intervention_id, "100.00")
    row = allocate(client, pool_id, intervention_id, "100.00", status="granted")
    if status == "rejected":
        row = allocate(client, pool_id, intervention_id, "100.00")
        return decide(client, pool_id, row["id"], status="rejected")
    if status == "released":
        return decide(client, pool_id, row["id"], status="released")
    if status == "partly_released":
        return decide(client, pool_id, row["id"], status="released", amount="40.00")
    return row


FORBIDDEN = [
    ("requested", "requested"),
    ("requested", "released"),
    ("granted", "granted"),
    ("granted", "rejected"),
    ("granted", "requested"),
    ("partly_released", "granted"),
    ("partly_released", "rejected"),
    ("rejected", "granted"),
    ("rejected", "rejected"),
    ("rejected", "released"),
    ("rejected", "requested"),
    ("released", "released"),
    ("released", "granted"),
    ("released", "rejected"),
    ("released", "requested"),
]


@pytest.mark.parametrize("current, target", FORBIDDEN)
@pytest.mark.parametrize("with_amount", [False, True])
def test_forbidden_transition_is_409_and_changes_nothing(client, current, target, with_amount):
    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    row = _in_status(client, pool["id"], act["id"], current)
    before = state(client, pool["id"])
    body = {"status": target, **({"amount": "10.00"} if with_amount else {})}
    response = transition(client, pool["id"], row["id"], **body)
    problem = assert_problem(response, 409, field=["status"])
    assert problem["type"] != "/problems/pool-exhausted"
    assert state(client, pool["id"]) == before
    assert allocation(client, pool["id"], row["id"]) == row


@pytest.mark.parametrize(
    "body, field",
    [
        ({}, ["status"]),
        ({"status": "approved"}, ["status"]),
        ({"status": "granted", "reason": "Ok", "amount": "NaN"}, ["amount"]),
        ({"status": "granted", "reason": "Ok", "intervention_id": 5}, ["intervention_id"]),
        ({"status": "granted", "reason": "Ok", "requested": "5.00"}, ["requested"]),
    ],
)
def test_malformed_transition_is_422_and_changes_nothing(client, body, field):
    pool = create_pool(client)
    row = allocate(client, pool["id"], trial_action(client)["id"], "100.00")
    before = state(client, pool["id"])
    assert_problem(transition(client, pool["id"], row["id"], **body), 422, field=field)
    assert state(client, pool["id"]) == before


def test_decision_and_release_times_are_set_when_they_happen(client):
    pool = create_pool(client)
    act = trial_action(client)
    row = allocate(client, pool["id"], act["id"], "100.00")
    assert row["decided_at"] is None and row["released_at"] is None
    granted = decide(client, pool["id"], row["id"], status="granted")
    decided_at = datetime.fromisoformat(granted["decided_at"])
    assert decided_at.tzinfo is not None
    assert decided_at >= datetime.fromisoformat(row["requested_at"])
    assert abs(datetime.now(UTC) - decided_at) < timedelta(minutes=5)
    assert granted["released_at"] is None
    released = decide(client, pool["id"], row["id"], status="released", amount="1.00")
    released_at = datetime.fromisoformat(released["released_at"])
    assert released_at >= decided_at
    assert released["decided_at"] == granted["decided_at"]
    assert datetime.fromisoformat(released["updated_at"]) >= released_at


# --- the invariant: a pool is never overdrawn ---------------------------------------------------------------


def test_grant_that_does_not_fit_in_one_step_is_refused_with_the_real_remaining(client):
    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    allocate(client, pool["id"], act["id"], "700.01", status="granted")
    allocate(client, pool["id"], act["id"], "5000.00")  # pending requests do not count against it
    before = state(client, pool["id"])

    response = client.post(
        f"{POOLS}/{pool['id']}/allocations",
        json={"intervention_id": act["id"], "amount": "300.00", "status": "granted", "reason": "Ok"},
    )
    body = assert_problem(response, 409, field=["amount"])
    assert body["type"] == "/problems/pool-exhausted"
    assert Decimal(body["remaining"]) == Decimal("299.99")
    assert Decimal(body["remaining"]) == balance(client, pool["id"])["remaining"]
    assert Decimal(body["amount"]) == Decimal("1000.00")
    assert Decimal(body["granted"]) == Decimal("700.01")
    assert Decimal(body["asked"]) == Decimal("300.00")
    assert body["pool_id"] == pool["id"]
    assert state(client, pool["id"]) == before  # no allocation created, balance unchanged

    # exactly what remains fits
    allocate(client, pool["id"], act["id"], "299.99", status="granted")
    assert balance(client, pool["id"]) == figures("1000.00", "5000.00", "1000.00", "0.00")


def test_deciding_a_request_that_does_not_fit_is_refused_and_changes_nothing(client):
    pool = create_pool(client, amount="500.00")
    act = trial_action(client)
    big = allocate(client, pool["id"], act["id"], "450.00")
    allocate(client, pool["id"], act["id"], "100.00", status="granted")
    before = state(client, pool["id"])

    for amount in (None, "400.01"):
        body = {"status": "granted", "reason": "Ok", **({"amount": amount} if amount else {})}
        problem = assert_problem(transition(client, pool["id"], big["id"], **body), 409)
        assert problem["type"] == "/problems/pool-exhausted"
        assert Decimal(problem["remaining"]) == Decimal("400.00")
        assert state(client, pool["id"]) == before
        assert allocation(client, pool["id"], big["id"]) == big

    # a smaller grant that fits works
    granted = decide(client, pool["id"], big["id"], status="granted", amount="400.00")
    assert granted["net"] == "400.00"
    assert balance(client, pool["id"]) == figures("500.00", "0", "500.00", "0.00")


def test_a_sequence_of_grants_and_releases_keeps_the_books_exact(client):
    rng = random.Random(4)
    pool_amount = Decimal("10000.03")
    pool = create_pool(client, amount=str(pool_amount))
    actions = [trial_action(client, name=f"Prøvehandling {i}")["id"] for i in range(3)]
    expected_granted = Decimal(0)
    refusals = 0

    def check() -> None:
        rows = allocations(client, pool["id"])
        figures_now = balance(client, pool["id"])
        net = sum((Decimal(r["net"]) for r in rows), Decimal(0))
        pending = sum((Decimal(r["requested"]) for r in rows if r["status"] == "requested"), Decimal(0))
        for r in rows:
            assert Decimal(r["net"]) == Decimal(r["granted"]) - Decimal(r["released"])
            assert (r["status"] == "released") == (r["granted"] != "0.00" and r["net"] == "0.00")
        assert figures_now["amount"] == pool_amount
        assert figures_now["granted"] == net == expected_granted
        assert figures_now["requested"] == pending
        assert figures_now["remaining"] == pool_amount - net
        assert figures_now["remaining"] >= 0
        pool_view = client.get(f"{POOLS}/{pool['id']}").json()
        assert Decimal(pool_view["balance"]["remaining"]) == figures_now["remaining"]

    for _ in range(60):
        rows = allocations(client, pool["id"])
        held = [r for r in rows if r["status"] == "granted"]
        pending = [r for r in rows if r["status"] == "requested"]
        step = rng.choice(["grant", "grant", "request", "decide", "release", "release_all"])
        amount = Decimal(rng.randint(1, 350_000)) / 100
        remaining = pool_amount - expected_granted
        if step == "grant":
            response = client.post(
                f"{POOLS}/{pool['id']}/allocations",
                json={
                    "intervention_id": rng.choice(actions),
                    "amount": str(amount),
                    "status": "granted",
                    "reason": "Ok",
                },
            )
            if amount <= remaining:
                assert response.status_code == 201, response.text
                expected_granted += amount
            else:
                body = assert_problem(response, 409)
                assert Decimal(body["remaining"]) == remaining
                refusals += 1
        elif step == "request":
            allocate(client, pool["id"], rng.choice(actions), str(amount))
        elif step == "decide" and pending:
            row = rng.choice(pending)
            asked = Decimal(row["requested"])
            give = min(asked, Decimal(rng.randint(1, int(asked * 100))) / 100)
            response = transition(client, pool["id"], row["id"], status="granted", amount=str(give))
            if give <= remaining:
                assert response.status_code == 200, response.text
                expected_granted += give
            else:
                assert assert_problem(response, 409)["type"] == "/problems/pool-exhausted"
                decide(client, pool["id"], row["id"], status="rejected")
                refusals += 1
        elif step == "release" and held:
            row = rng.choice(held)
            net = Decimal(row["net"])
            part = Decimal(rng.randint(1, int(net * 100))) / 100
            after = decide(client, pool["id"], row["id"], status="released", amount=str(part))
            assert after["status"] == ("released" if part == net else "granted")
            expected_granted -= part
        elif step == "release_all" and held:
            row = rng.choice(held)
            after = decide(client, pool["id"], row["id"], status="released")
            assert after["status"] == "released"
            expected_granted -= Decimal(row["net"])
        check()
    assert refusals > 0  # the sequence did press against the ceiling


def test_concurrent_grants_never_overdraw_the_pool(client):
    from concurrent.futures import ThreadPoolExecutor

    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    requests = [allocate(client, pool["id"], act["id"], "150.00") for _ in range(6)]

    def grant_new(_):
        return client.post(
            f"{POOLS}/{pool['id']}/allocations",
            json={"intervention_id": act["id"], "amount": "150.00", "status": "granted", "reason": "Ok"},
        ).status_code

    def grant_request(row):
        return transition(client, pool["id"], row["id"], status="granted").status_code

    with ThreadPoolExecutor(max_workers=8) as executor:
        new = list(executor.map(grant_new, range(6)))
        decided = list(executor.map(grant_request, requests))
    codes = new + decided
    assert set(codes) <= {200, 201, 409}, codes
    assert sum(code in (200, 201) for code in codes) == 6  # 6 × 150 fit in 1000, the seventh does not
    rows = allocations(client, pool["id"])
    net = sum((Decimal(r["net"]) for r in rows), Decimal(0))
    assert balance(client, pool["id"]) == figures(
        "1000.00", str(150 * sum(c == 409 for c in decided)), "900.00", "100.00"
    )
    assert net == Decimal("900.00")


# --- balance -----------------------------------------------------------------------------------------------


def _backdate(pool_id: int, action: str, when: datetime) -> None:
    """Test setup only: move the pool's ledger entries of one action to a moment in the past."""
    with get_engine().begin() as conn:
        result = conn.execute(
            update(PoolLedgerEntry)
            .where(PoolLedgerEntry.pool_id == pool_id, PoolLedgerEntry.action == action)
            .values(occurred_at=when)
        )
        assert result.rowcount >= 1, action


def test_balance_now(client):
    pool = create_pool(client, amount="2000.00")
    act = trial_action(client)
    allocate(client, pool["id"], act["id"], "123.45")
    row = allocate(client, pool["id"], act["id"], "500.00", status="granted")
    decide(client, pool["id"], row["id"], status="released", amount="0.55")
    response = client.get(f"{POOLS}/{pool['id']}/balance")
    assert response.status_code == 200
    body = response.json()
    assert body["pool_id"] == pool["id"]
    assert body["as_of"] is None
    for key in ("amount", "requested", "granted", "remaining"):
        money(body[key])
    assert balance(client, pool["id"]) == figures("2000.00", "123.45", "499.45", "1500.55")


def test_balance_as_of_past_days_from_the_ledger(client):
    pool = create_pool(client, amount="1000.00")
    act = trial_action(client)
    request = allocate(client, pool["id"], act["id"], "300.00")
    decide(client, pool["id"], request["id"], status="granted", amount="200.00")
    client.patch(f"{POOLS}/{pool['id']}", json={"amount": "1500.00"}).raise_for_status()
    decide(client, pool["id"], request["id"], status="released", amount="50.00")
    other = allocate(client, pool["id"], act["id"], "80.00")
    decide(client, pool["id"], other["id"], status="rejected")

    _backdate(pool["id"], "pool_created", datetime(2024, 1, 10, 8, 0, tzinfo=UTC))
    _backdate(pool["id"], "requested", datetime(2024, 1, 12, 12, 0, tzinfo=UTC))
    _backdate(pool["id"], "granted", datetime(2024, 1, 15, 23, 59, 59, tzinfo=UTC))  # still that day
    _backdate(pool["id"], "pool_amount_changed", datetime(2024, 1, 20, 0, 0, 0, tzinfo=UTC))  # first moment
    _backdate(pool["id"], "released", datetime(2024, 1, 25, 9, 30, tzinfo=UTC))
    _backdate(pool["id"], "rejected", datetime(2024, 1, 27, 9, 30, tzinfo=UTC))

    expected = {
        date(2023, 12, 31): figures("0", "0", "0", "0"),
        date(2024, 1, 9): figures("0", "0", "0", "0"),
        date(2024, 1, 10): figures("1000.00", "0", "0", "1000.00"),
        date(2024, 1, 11): figures("1000.00", "0", "0", "1000.00"),
        # both requests were made that day (the ledger rows of action "requested")
        date(2024, 1, 12): figures("1000.00", "380.00", "0", "1000.00"),
        date(2024, 1, 15): figures("1000.00", "80.00", "200.00", "800.00"),
        date(2024, 1, 19): figures("1000.00", "80.00", "200.00", "800.00"),
        date(2024, 1, 20): figures("1500.00", "80.00", "200.00", "1300.00"),
        date(2024, 1, 25): figures("1500.00", "80.00", "150.00", "1350.00"),
        date(2024, 1, 27): figures("1500.00", "0", "150.00", "1350.00"),
        date.today(): figures("1500.00", "0", "150.00", "1350.00"),
    }
    for day, want in expected.items():
        response = client.get(f"{POOLS}/{pool['id']}/balance", params={"as_of": day.isoformat()})
        assert response.status_code == 200, response.text
        assert response.json()["as_of"] == day.isoformat()
        assert balance(client, pool["id"], as_of=day.isoformat()) == want, day
    # the balance today from the ledger is the balance now
    assert balance(client, pool["id"]) == expected[date.today()]


def test_balance_as_of_before_the_pool_existed_is_zero(client):
    pool = create_pool(client, amount="750.00")
    allocate(client, pool["id"], trial_action(client)["id"], "100.00", status="granted")
    yesterday = (datetime.now(UTC).date() - timedelta(days=1)).isoformat()
    response = client.get(f"{POOLS}/{pool['id']}/balance", params={"as_of": yesterday})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "pool_id": pool["id"],
        "as_of": yesterday,
        "amount": "0.00",
        "requested": "0.00",
        "granted": "0.00",
        "remaining": "0.00",
    }
    assert balance(client, pool["id"], as_of="2000-01-01") == figures("0", "0", "0", "0")


@pytest.mark.parametrize("as_of", ["2024-13-01", "2024-02-30", "yesterday", "01-02-2024", "2024/01/02", ""])
def test_balance_with_bad_as_of_is_422(client, as_of):
    pool = create_pool(client)
    assert_problem(client.get(f"{POOLS}/{pool['id']}/balance", params={"as_of": as_of}), 422, field=["as_of"])


# --- summary -----------------------------------------------------------------------------------------------


def _summary(client, pool_id: int, by: str) -> dict[str, Any]:
    response = client.get(f"{POOLS}/{pool_id}/summary", params={"by": by})
    assert response.status_code == 200, response.text
    return response.json()


def _pool_with_spread_grants(client) -> tuple[dict, dict, dict, dict]:
    pool = create_pool(client, amount="10000.00")
    three = trial_action(client, name="Tre temaer", themes=["T1", "T2", "T3"], areas=["moerkhoej"], department="BKF")
    two_areas = trial_action(
        client, name="To områder", themes=["T5"], areas=["hoeje-gladsaxe", "vaerebro-park"], department="SSF"
    )
    bare = trial_action(client, name="Uden temaer", themes=[], areas=[], department="BKF")
    allocate(client, pool["id"], three["id"], "100.00", status="granted")
    row = allocate(client, pool["id"], two_areas["id"], "250.01", status="granted")
    decide(client, pool["id"], row["id"], status="released", amount="0.02")  # net 249.99
    allocate(client, pool["id"], bare["id"], "40.00", status="granted")
    allocate(client, pool["id"], bare["id"], "999.00")  # requested only: not in the summary
    gone = allocate(client, pool["id"], three["id"], "500.00", status="granted")
    decide(client, pool["id"], gone["id"], status="released")  # released wholly: not in the summary
    return pool, three, two_areas, bare


@pytest.mark.parametrize("by", ["intervention", "theme", "area", "department"])
def test_summary_rows_add_up_to_net_granted(client, by):
    pool, *_ = _pool_with_spread_grants(client)
    summary = _summary(client, pool["id"], by)
    assert summary["pool_id"] == pool["id"]
    assert summary["by"] == by
    assert Decimal(summary["granted"]) == Decimal("389.99")
    assert Decimal(summary["granted"]) == balance(client, pool["id"])["granted"]
    assert sum((money(r["amount"]) for r in summary["rows"]), Decimal(0)) == Decimal("389.99")
    for row in summary["rows"]:
        assert by in row and f"{by}_name" in row


def test_summary_splits_over_themes_areas_and_departments_to_the_ore(client):
    pool, three, two_areas, bare = _pool_with_spread_grants(client)

    by_theme = {r["theme"]: r for r in _summary(client, pool["id"], "theme")["rows"]}
    assert {k: r["amount"] for k, r in by_theme.items()} == {
        "T1": "33.34",
        "T2": "33.33",
        "T3": "33.33",
        "T5": "249.99",
        None: "40.00",
    }
    assert by_theme["T1"]["gross"] == "100.00"
    assert by_theme[None]["theme_name"]

    by_area = {r["area"]: r["amount"] for r in _summary(client, pool["id"], "area")["rows"]}
    assert by_area == {"moerkhoej": "100.00", "hoeje-gladsaxe": "125.00", "vaerebro-park": "124.99", None: "40.00"}

    by_department = {r["department"]: r["amount"] for r in _summary(client, pool["id"], "department")["rows"]}
    assert by_department == {"BKF": "140.00", "SSF": "249.99"}

    by_intervention = _summary(client, pool["id"], "intervention")["rows"]
    assert {r["intervention"]: r["amount"] for r in by_intervention} == {
        three["id"]: "100.00",
        two_areas["id"]: "249.99",
        bare["id"]: "40.00",
    }
    assert {r["intervention"]: r["intervention_name"] for r in by_intervention} == {
        three["id"]: "Tre temaer",
        two_areas["id"]: "To områder",
        bare["id"]: "Uden temaer",
    }


def test_summary_still_adds_up_when_an_intervention_is_archived(client):
    pool, three, *_ = _pool_with_spread_grants(client)
    assert client.delete(f"{API}/interventions/{three['id']}").status_code == 204
    for by in ("intervention", "theme", "area", "department"):
        summary = _summary(client, pool["id"], by)
        assert sum((Decimal(r["amount"]) for r in summary["rows"]), Decimal(0)) == Decimal(summary["granted"])
        assert Decimal(summary["granted"]) == balance(client, pool["id"])["granted"] == Decimal("389.99")


def test_summary_of_an_empty_pool_and_default_by(client):
    pool = create_pool(client)
    summary = client.get(f"{POOLS}/{pool['id']}/summary")
    assert summary.status_code == 200, summary.text
    assert summary.json()["by"] == "intervention"
    assert summary.json()["rows"] == []
    assert summary.json()["granted"] == "0.00"


@pytest.mark.parametrize("by", ["year", "funding_source", "nonsense", ""])
def test_summary_with_unknown_by_is_422(client, by):
    pool = create_pool(client)
    assert_problem(client.get(f"{POOLS}/{pool['id']}/summary", params={"by": by}), 422, field=["by"])


# --- the intervention's pool grants -----------------------------------------------------------------------


def test_intervention_detail_lists_its_pool_grants(client):
    pool = create_pool(client, name="Puljen 2021", year=2021, amount="5000.00")
    act = trial_action(client)
    other = trial_action(client, name="En anden prøvehandling")
    granted = allocate(client, pool["id"], act["id"], "1200.00", status="granted")
    decide(client, pool["id"], granted["id"], status="released", amount="200.50")
    requested = allocate(client, pool["id"], act["id"], "300.00")
    allocate(client, pool["id"], other["id"], "77.00", status="granted")

    detail = client.get(f"{API}/interventions/{act['id']}")
    assert detail.status_code == 200, detail.text
    grants = {g["allocation_id"]: g for g in detail.json()["pool_grants"]}
    assert set(grants) == {granted["id"], requested["id"]}
    assert grants[granted["id"]] == {
        "allocation_id": granted["id"],
        "pool_id": pool["id"],
        "pool_name": "Puljen 2021",
        "year": 2021,
        "funding_source": "SOB-PULJE",
        "status": "granted",
        "requested": "1200.00",
        "net": "999.50",
    }
    assert grants[requested["id"]]["status"] == "requested"
    assert grants[requested["id"]]["net"] == "0.00"
    assert grants[requested["id"]]["requested"] == "300.00"

    assert (
        client.get(f"{API}/interventions/{trial_action(client, name='Ingen penge')['id']}").json()["pool_grants"] == []
    )


# --- budget rollup with include_pool_grants --------------------------------------------------------------


def _by_funding_source(client, **params) -> tuple[dict[str, str], dict[str, Any]]:
    response = client.get(f"{API}/rollups/budget", params={"by": "funding_source", **params})
    assert response.status_code == 200, response.text
    body = response.json()
    return {r["funding_source"]: r["amount"] for r in body["rows"]}, body["total"]


def test_budget_rollup_counts_pool_grants_only_when_asked_and_never_twice(client):
    pool = create_pool(client, year=2021, amount="100000.00")  # SOB-PULJE
    other_pool = create_pool(
        client,
        name="Fagforvaltningens pulje",
        year=2022,
        amount="100000.00",
        funding_source="FAGFORVALTNING",
        department="BKF",
    )

    # no budget lines: the grant is only in the pool
    plain = trial_action(client, name="Kun puljepenge")
    # already entered: a 2021 SOB-PULJE budget line → the grant must not be counted again
    entered = trial_action(
        client,
        name="Allerede budgetteret",
        budget_lines=[budget_line(year=2021, funding_source="SOB-PULJE", amount="1000.00")],
    )
    # lines of another source, and of the pool's source in another year: the grant still counts
    other_source = trial_action(
        client,
        name="Anden kilde",
        budget_lines=[budget_line(year=2021, funding_source="FAGFORVALTNING", amount="200.00")],
    )
    other_year = trial_action(
        client, name="Andet år", budget_lines=[budget_line(year=2020, funding_source="SOB-PULJE", amount="100.00")]
    )

    allocate(client, pool["id"], plain["id"], "500.00", status="granted")
    partly = allocate(client, pool["id"], plain["id"], "60.00", status="granted")
    decide(client, pool["id"], partly["id"], status="released", amount="10.01")  # net 49.99
    gone = allocate(client, pool["id"], plain["id"], "70.00", status="granted")
    decide(client, pool["id"], gone["id"], status="released")  # nothing left
    allocate(client, pool["id"], plain["id"], "9000.00")  # requested only
    rejected = allocate(client, pool["id"], plain["id"], "8000.00")
    decide(client, pool["id"], rejected["id"], status="rejected")
    allocate(client, pool["id"], entered["id"], "300.00", status="granted")
    allocate(client, pool["id"], other_source["id"], "400.00", status="granted")
    allocate(client, pool["id"], other_year["id"], "50.00", status="granted")
    allocate(client, other_pool["id"], entered["id"], "25.00", status="granted")  # 2022 FAGFORVALTNING: counts

    # One story: every grant carries its own budget line (type revised, "Bevilling fra pulje"), so the rollup
    # counts it with or without include_pool_grants, and never twice.
    without, total = _by_funding_source(client)
    # SOB-PULJE: lines 1000 + 100, grant lines 500 + 49.99 (plain) + 300 + 400 + 50; FAGFORVALTNING: 200 + 25
    assert without == {"SOB-PULJE": "2399.99", "FAGFORVALTNING": "225.00"}
    assert total["amount"] == "2624.99"
    explicit_false, _ = _by_funding_source(client, include_pool_grants="false")
    assert explicit_false == without
    with_pools, total = _by_funding_source(client, include_pool_grants="true")
    assert with_pools == without
    assert Decimal(total["amount"]) == Decimal("2624.99")

    # counted in the pool's year
    response = client.get(
        f"{API}/rollups/budget", params={"by": ["year", "funding_source"], "include_pool_grants": "true"}
    )
    assert response.status_code == 200, response.text
    cells = {(r["year"], r["funding_source"]): Decimal(r["amount"]) for r in response.json()["rows"]}
    assert cells == {
        (2020, "SOB-PULJE"): Decimal("100.00"),
        (2021, "SOB-PULJE"): Decimal("2299.99"),
        (2021, "FAGFORVALTNING"): Decimal("200.00"),
        (2022, "FAGFORVALTNING"): Decimal("25.00"),
    }
    # The 1000 kr. line of the pool's source in its year that no grant backs is reported, nothing else.
    report = client.get(f"{POOLS}/{pool['id']}/reconciliation").json()
    assert [(i["kind"], i["intervention_id"], i["budgeted"]) for i in report["items"]] == [
        ("line_without_grant", entered["id"], "1000.00")
    ]
    assert client.get(f"{POOLS}/{other_pool['id']}/reconciliation").json()["items"] == []


def test_budget_rollup_pool_grants_follow_releases(client):
    pool = create_pool(client, year=2021, amount="1000.00")
    act = trial_action(client)
    row = allocate(client, pool["id"], act["id"], "800.00", status="granted")
    assert _by_funding_source(client, include_pool_grants="true")[0] == {"SOB-PULJE": "800.00"}
    decide(client, pool["id"], row["id"], status="released", amount="300.33")
    assert _by_funding_source(client, include_pool_grants="true")[0] == {"SOB-PULJE": "499.67"}
    decide(client, pool["id"], row["id"], status="released")
    assert _by_funding_source(client, include_pool_grants="true")[0] == {}
    assert _by_funding_source(client)[0] == {}
