"""The pool forms through HTTP on both databases: the session's form token is required, an editor's application
and the pool manager's decision go through the same services as the API, a grant that does not fit is explained
beside the amount with the form still filled, and nothing is written by a refused form."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_token
from tests.factories import API, create_intervention


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _form_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _sign_in(web: TestClient, token: str) -> str:
    csrf = _form_token(web.get("/login").text)
    assert web.post("/login", data={"token": token, "csrf_token": csrf, "next": "/"}).status_code == 303
    return _form_token(web.get("/puljer").text)


def _world(client) -> dict:
    own = create_intervention(client, name="Læsevenner", department="BKF", kind="trial_action", budget_lines=[])
    other = create_intervention(client, name="Grønne gårde", department="BMF", kind="trial_action", budget_lines=[])
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000.00"}).json()
    return {"own": own, "other": other, "pool": pool}


def test_an_editor_applies_through_the_form_and_only_with_the_sessions_form_token(web, client):
    world = _world(client)
    csrf = _sign_in(web, make_token("editor", "BKF", name="redaktør"))
    url = f"/puljer/{world['pool']['id']}/ansoeg"
    form = {"intervention_id": str(world["own"]["id"]), "amount": "1.234,50", "note": "Bøger"}
    assert web.post(url, data=form).status_code == 403
    assert web.post(url, data={**form, "csrf_token": "forkert"}).status_code == 403
    # another department's intervention is refused as the API refuses it
    assert (
        web.post(url, data={**form, "csrf_token": csrf, "intervention_id": str(world["other"]["id"])}).status_code
        == 403
    )
    assert client.get(f"{API}/pools/{world['pool']['id']}/allocations").json()["items"] == []
    done = web.post(url, data={**form, "csrf_token": csrf})
    assert done.status_code == 303, done.text
    [allocation] = client.get(f"{API}/pools/{world['pool']['id']}/allocations").json()["items"]
    assert (allocation["requested"], allocation["note"], allocation["requested_by"]) == ("1234.50", "Bøger", "redaktør")
    page = web.get(done.headers["location"])
    assert "Ansøgningen er sendt" in page.text and "1.234,50 kr." in page.text
    assert "Afgør ansøgningen" not in page.text


def test_a_decision_without_reason_or_that_does_not_fit_is_explained_beside_the_field(web, client):
    world = _world(client)
    pool_id = world["pool"]["id"]
    row = client.post(
        f"{API}/pools/{pool_id}/allocations", json={"intervention_id": world["own"]["id"], "amount": "1500.00"}
    ).json()
    csrf = _sign_in(web, make_token("pool_manager", name="puljeforvalter"))
    url = f"/puljer/{pool_id}/bevillinger/{row['id']}/afgoerelse"
    form = {"csrf_token": csrf, "status": "granted", "amount": "1.500,00", "decision_body": "Styregruppen"}
    no_reason = web.post(url, data=form)
    assert no_reason.status_code == 422
    assert 'id="f-reason-fejl"' in no_reason.text and 'value="Styregruppen"' in no_reason.text
    too_much = web.post(url, data={**form, "reason": "Vigtig"})
    assert too_much.status_code == 409
    assert re.search(r"Der er kun 1\.000,00 kr\. tilbage", too_much.text)
    assert 'value="1.500,00"' in too_much.text and ">Vigtig</textarea>" in too_much.text
    assert client.get(f"{API}/pools/{pool_id}/balance").json()["granted"] == "0.00"
    granted = web.post(url, data={**form, "amount": "800", "reason": "Vigtig", "meeting_date": "2026-03-12"})
    assert granted.status_code == 303, granted.text
    page = web.get(granted.headers["location"])
    assert "Bevillingen er registreret" in page.text and "200,00 kr." in page.text
    got = client.get(f"{API}/pools/{pool_id}/allocations/{row['id']}").json()
    assert (got["granted"], got["decided_by"], got["meeting_date"]) == ("800.00", "puljeforvalter", "2026-03-12")
    assert client.get(f"{API}/pools/{pool_id}/reconciliation").json()["consistent"] is True
