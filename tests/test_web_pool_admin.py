"""Creating and changing a pool and anchoring a granted trial action through the browser's forms, over HTTP on both
databases: the same services and permission rule as the API (admin, pool manager), the session's form token,
Danish messages beside the fields with what was typed kept, and nothing written by a refused or forbidden post."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_token
from tests.factories import API, budget_line, create_intervention


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _sign_in(web: TestClient, token: str) -> str:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
    assert web.post("/login", data={"token": token, "csrf_token": csrf, "next": "/"}).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', web.get("/puljer").text).group(1)


def _pools(client) -> list[dict]:
    return client.get(f"{API}/pools").json()["items"]


NEW = {"name": "Puljen til prøvehandlinger 2027", "year": "2027", "amount": "1.000.000,00", "notes": "Styregruppen"}


def test_the_pool_manager_creates_a_pool_on_the_pools_page(web, client):
    csrf = _sign_in(web, make_token("pool_manager", name="puljeforvalter"))
    page = web.get("/puljer")
    assert "Opret en pulje" in page.text and 'action="/puljer"' in page.text
    assert web.post("/puljer", data=NEW).status_code == 403  # no form token
    refused = web.post("/puljer", data={**NEW, "csrf_token": csrf, "amount": "en million", "year": ""})
    assert refused.status_code == 422
    assert 'id="ny-f-amount-fejl"' in refused.text and "Skriv et beløb i kroner" in refused.text
    assert 'id="ny-f-year-fejl"' in refused.text and "Skal udfyldes" in refused.text
    assert 'value="Puljen til prøvehandlinger 2027"' in refused.text and ">Styregruppen</textarea>" in refused.text
    assert _pools(client) == []
    done = web.post("/puljer", data={**NEW, "csrf_token": csrf, "funding_source": "SOB-PULJE", "department": "SOB"})
    assert done.status_code == 303, done.text
    [pool] = _pools(client)
    assert (pool["name"], pool["year"], pool["amount"], pool["notes"]) == (
        "Puljen til prøvehandlinger 2027",
        2027,
        "1000000.00",
        "Styregruppen",
    )
    assert done.headers["location"] == f"/puljer/{pool['id']}?besked=oprettet"
    shown = web.get(done.headers["location"]).text
    assert "Puljen er oprettet" in shown and "Redigér puljen" in shown
    assert "Puljen til prøvehandlinger 2027" in web.get("/puljer").text
    unknown = web.post("/puljer", data={**NEW, "csrf_token": csrf, "funding_source": "UKENDT"})
    assert unknown.status_code == 422 and 'id="ny-f-funding_source-fejl"' in unknown.text


def test_the_pool_manager_changes_a_pool_but_not_below_what_is_granted(web, client):
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000.00"}).json()
    item = create_intervention(client, kind="trial_action", budget_lines=[])
    url = f"{API}/pools/{pool['id']}/allocations"
    client.post(url, json={"intervention_id": item["id"], "amount": "600", "status": "granted", "reason": "God"})
    csrf = _sign_in(web, make_token("pool_manager", name="puljeforvalter"))
    form = web.get(f"/puljer/{pool['id']}/rediger")
    assert form.status_code == 200 and 'value="1.000,00"' in form.text
    edit = f"/puljer/{pool['id']}/rediger"
    low = web.post(edit, data={"csrf_token": csrf, "name": "Puljen 2026", "amount": "500,00", "notes": "Ny note"})
    assert low.status_code == 409
    assert "Der er bevilget 600,00 kr. af puljen" in low.text and 'value="500,00"' in low.text
    assert 'value="Puljen 2026"' in low.text
    blank = web.post(edit, data={"csrf_token": csrf, "name": "Puljen 2026", "amount": "", "notes": ""})
    assert blank.status_code == 422 and 'id="f-amount-fejl"' in blank.text and "Skriv et beløb" in blank.text
    assert client.get(f"{API}/pools/{pool['id']}").json()["name"] == "Puljen"
    done = web.post(edit, data={"csrf_token": csrf, "name": "Puljen 2026", "amount": "2.000,00", "notes": ""})
    assert done.status_code == 303, done.text
    got = client.get(f"{API}/pools/{pool['id']}").json()
    assert (got["name"], got["amount"], got["notes"]) == ("Puljen 2026", "2000.00", None)
    assert "Ændringerne af puljen er gemt" in web.get(done.headers["location"]).text


def test_a_reader_and_an_editor_get_no_pool_forms_and_a_403_with_nothing_changed(web, client):
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000.00"}).json()
    for role, department in (("reader", None), ("editor", "BKF")):
        with TestClient(web.app, raise_server_exceptions=False, follow_redirects=False) as other:
            csrf = _sign_in(other, make_token(role, department, name=f"{role}-x"))
            page = other.get("/puljer").text
            assert "Opret en pulje" not in page
            assert "Redigér puljen" not in other.get(f"/puljer/{pool['id']}").text
            assert other.get(f"/puljer/{pool['id']}/rediger").status_code == 403
            assert other.post("/puljer", data={**NEW, "csrf_token": csrf}).status_code == 403
            changed = other.post(f"/puljer/{pool['id']}/rediger", data={"csrf_token": csrf, "name": "X", "amount": "1"})
            assert changed.status_code == 403
    assert [(p["name"], p["amount"]) for p in _pools(client)] == [("Puljen", "1000.00")]


def _granted(client) -> dict:
    item = create_intervention(
        client,
        name="Hestefold i Høje Gladsaxe Park",
        kind="trial_action",
        start_date="2026-01-01",
        end_date=None,
        budget_lines=[budget_line(year=2027, amount="800.00")],
    )
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000.00"}).json()
    allocation = client.post(
        f"{API}/pools/{pool['id']}/allocations",
        json={"intervention_id": item["id"], "amount": "300.00", "status": "granted", "reason": "God idé"},
    ).json()
    return {"item": item, "pool": pool, "allocation": allocation}


def test_the_pool_manager_anchors_a_granted_trial_action(web, client):
    world = _granted(client)
    page_url = f"/puljer/{world['pool']['id']}/bevillinger/{world['allocation']['id']}"
    csrf = _sign_in(web, make_token("pool_manager", name="puljeforvalter"))
    page = web.get(page_url).text
    assert "Forankr prøvehandlingen i kernedriften" in page and 'id="forankr-f-from_year"' in page
    form = {
        "csrf_token": csrf,
        "funding_source": "FAGFORVALTNING",
        "from_year": "2027",
        "decision_body": "Styregruppen",
    }
    assert web.post(f"{page_url}/forankring", data={**form, "csrf_token": "forkert"}).status_code == 403
    no_reason = web.post(f"{page_url}/forankring", data=form)
    assert no_reason.status_code == 422
    assert 'id="forankr-f-reason-fejl"' in no_reason.text and "Skriv en begrundelse for forankringen" in no_reason.text
    assert 'value="Styregruppen"' in no_reason.text and 'value="FAGFORVALTNING" selected' in no_reason.text
    bad_year = web.post(f"{page_url}/forankring", data={**form, "from_year": "næste år", "reason": "Virker"})
    assert bad_year.status_code == 422 and 'id="forankr-f-from_year-fejl"' in bad_year.text
    assert client.get(f"{API}/interventions/{world['item']['id']}").json()["status"] == "active"
    done = web.post(f"{page_url}/forankring", data={**form, "reason": "Virker", "meeting_date": "2026-11-05"})
    assert done.status_code == 303, done.text
    shown = web.get(done.headers["location"]).text
    assert "Prøvehandlingen er forankret i kernedriften" in shown
    assert "betales af FAGFORVALTNING fra 2027" in shown and "Forankr prøvehandlingen" not in shown
    got = client.get(f"{API}/interventions/{world['item']['id']}").json()
    assert got["status"] == "anchored"
    assert {(x["year"], x["funding_source"]) for x in got["budget_lines"]} == {
        (2026, "SOB-PULJE"),
        (2027, "FAGFORVALTNING"),
    }
    assert "Forankret" in web.get(f"/indsatser/{world['item']['id']}").text
    again = web.post(f"{page_url}/forankring", data={**form, "reason": "Virker"})
    assert again.status_code == 409 and "kun én gang" in again.text


def test_an_editor_gets_no_anchoring_form_and_a_403(web, client):
    world = _granted(client)
    page_url = f"/puljer/{world['pool']['id']}/bevillinger/{world['allocation']['id']}"
    csrf = _sign_in(web, make_token("editor", "BKF", name="redaktør"))
    assert "Forankr prøvehandlingen" not in web.get(page_url).text
    form = {"csrf_token": csrf, "funding_source": "FAGFORVALTNING", "from_year": "2027", "reason": "Virker"}
    refused = web.post(f"{page_url}/forankring", data=form)
    assert refused.status_code == 403 and "Det har du ikke adgang til" in refused.text
    assert client.get(f"{API}/interventions/{world['item']['id']}").json()["status"] == "active"
