"""The organisations in the browser, over HTTP on both databases: the list with search, an organisation's page
with the interventions it takes part in (role, money it pays, in-kind time, as GET
/api/v1/organisations/{id}/interventions and the organisation rollup count them), and the forms to register and
change one: the API's services and permission rule (admin, editor), the session's form token, Danish messages
beside the fields with what was typed kept, and nothing written by a refused or forbidden post."""

import re

import pytest
from fastapi.testclient import TestClient

from tests.conftest import make_token
from tests.factories import API, assert_problem, budget_line, create_intervention


@pytest.fixture
def web() -> TestClient:
    from app.main import app

    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as test_client:
        yield test_client


def _sign_in(web: TestClient, token: str) -> str:
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', web.get("/login").text).group(1)
    assert web.post("/login", data={"token": token, "csrf_token": csrf, "next": "/"}).status_code == 303
    return re.search(r'name="csrf_token" value="([^"]+)"', web.get("/organisationer").text).group(1)


def _names(client) -> list[str]:
    return [o["name"] for o in client.get(f"{API}/organisations").json()["items"]]


BOLIG = {"name": "Boligselskabet Værebro", "kind": "housing_organisation", "cvr": "12345678"}


def _world(client) -> dict:
    for org in (BOLIG, {"name": "Foreningen Ørnen", "kind": "association"}):
        assert client.post(f"{API}/organisations", json=org).status_code == 201
    with_role = create_intervention(
        client,
        name="Lektiecafé i Værebro",
        organisations=[
            {"organisation": BOLIG["name"], "role": "partner"},
            {"organisation": BOLIG["name"], "role": "funding"},
        ],
        budget_lines=[budget_line(amount="2500.50", funding_organisation=BOLIG["name"])],
        in_kind=[{"year": 2020, "organisation": BOLIG["name"], "hours": 120, "staff": 3}],
    )
    paying_only = create_intervention(
        client, name="Åbne haller", department="BMF", budget_lines=[budget_line(funding_organisation=BOLIG["name"])]
    )
    create_intervention(client, name="Uden boligselskab", budget_lines=[])
    return {"with_role": with_role, "paying_only": paying_only}


def test_an_editor_registers_an_organisation_a_bad_value_is_refused_in_danish_and_then_fixed(web, client):
    csrf = _sign_in(web, make_token("editor", "BKF", name="redaktør"))
    assert "Registrér en organisation" in web.get("/organisationer").text
    assert web.get("/organisationer/ny").status_code == 200
    form = {"name": "Gladsaxe Ungdomsskole", "kind": "school", "cvr": "1234"}
    assert web.post("/organisationer/ny", data=form).status_code == 403  # no form token
    refused = web.post("/organisationer/ny", data={**form, "csrf_token": csrf})
    assert refused.status_code == 422
    assert 'id="f-cvr-fejl"' in refused.text and "Skriv CVR-nummeret som 8 cifre" in refused.text
    assert 'value="Gladsaxe Ungdomsskole"' in refused.text and 'value="school" selected' in refused.text
    assert _names(client) == []
    no_kind = web.post("/organisationer/ny", data={"csrf_token": csrf, "name": "", "kind": "", "cvr": ""})
    assert no_kind.status_code == 422
    assert 'id="f-name-fejl"' in no_kind.text and "Vælg organisationens type" in no_kind.text
    done = web.post("/organisationer/ny", data={**form, "cvr": "87654321", "csrf_token": csrf})
    assert done.status_code == 303, done.text
    [org] = client.get(f"{API}/organisations").json()["items"]
    assert (org["name"], org["kind"], org["cvr"]) == ("Gladsaxe Ungdomsskole", "school", "87654321")
    shown = web.get(done.headers["location"]).text
    assert "Organisationen er registreret" in shown and "Skole" in shown and "87654321" in shown
    # the same name again: refused beside the name
    again = web.post("/organisationer/ny", data={**form, "cvr": "", "csrf_token": csrf})
    assert again.status_code == 409 and "Navnet bruges allerede af en anden organisation" in again.text


def test_an_organisation_is_changed_and_its_cvr_removed(web, client):
    org = client.post(f"{API}/organisations", json=BOLIG).json()
    csrf = _sign_in(web, make_token("admin", name="administrator"))
    url = f"/organisationer/{org['id']}/rediger"
    assert 'value="12345678"' in web.get(url).text
    bad = web.post(url, data={"csrf_token": csrf, "name": "Boligselskabet Værebro Park", "kind": "nej", "cvr": ""})
    assert bad.status_code == 422 and "Vælg organisationens type" in bad.text
    assert 'value="Boligselskabet Værebro Park"' in bad.text
    blank = web.post(url, data={"csrf_token": csrf, "name": " ", "kind": "company", "cvr": "12345678"})
    assert blank.status_code == 422 and 'id="f-name-fejl"' in blank.text
    done = web.post(url, data={"csrf_token": csrf, "name": "Boligselskabet Værebro Park", "kind": "company", "cvr": ""})
    assert done.status_code == 303, done.text
    got = client.get(f"{API}/organisations/{org['id']}").json()
    assert (got["name"], got["kind"], got["cvr"]) == ("Boligselskabet Værebro Park", "company", None)
    assert "Ændringerne er gemt" in web.get(done.headers["location"]).text


def test_the_list_searches_and_the_page_shows_the_interventions_with_role_and_figures(web, client):
    world = _world(client)
    _sign_in(web, make_token("reader", name="læser"))
    listed = web.get("/organisationer", params={"q": "værebro"}).text
    assert "Boligselskabet Værebro" in listed and "Foreningen Ørnen" not in listed
    assert "Foreningen Ørnen" in web.get("/organisationer", params={"kind": "association"}).text
    assert web.get("/organisationer", params={"kind": "nonsense"}).status_code == 422
    assert ">12345678<" in web.get("/organisationer", params={"q": "1234"}).text
    org_id = client.get(f"{API}/organisations", params={"q": "bolig"}).json()["items"][0]["id"]
    api = client.get(f"{API}/organisations/{org_id}/interventions").json()
    assert [(r["name"], r["roles"], r["amount"], r["in_kind_hours"]) for r in api["rows"]] == [
        ("Lektiecafé i Værebro", ["funding", "partner"], "2500.50", 120),
        ("Åbne haller", [], "1000.00", 0),  # Å after L
    ]
    assert api["total"] == {"amount": "3500.50", "actual": "0.00", "in_kind_hours": 120, "in_kind_staff": 3}
    rollup = next(
        r for r in client.get(f"{API}/rollups/organisations").json()["rows"] if r["organisation_id"] == org_id
    )
    assert (rollup["amount"], rollup["interventions"], rollup["in_kind_hours"]) == ("3500.50", 2, 120)
    page = web.get(f"/organisationer/{org_id}").text
    rows = page.split('id="organisationens-indsatser"')[1]
    assert f'href="/indsatser/{world["with_role"]["id"]}"' in rows and "Uden boligselskab" not in rows
    assert "Medfinansierer, Samarbejdspartner" in rows and "2.500,50" in rows and "3.500,50" in rows
    assert ">120<" in rows and "Boligorganisation" in page
    assert "Redigér organisationen" not in page and "Registrér en organisation" not in listed
    assert_problem(client.get(f"{API}/organisations/999999/interventions"), 404)
    assert web.get("/organisationer/999999").status_code == 404


def test_a_reader_gets_no_forms_and_a_403_on_every_post_with_nothing_changed(web, client):
    org = client.post(f"{API}/organisations", json=BOLIG).json()
    csrf = _sign_in(web, make_token("reader", name="læser"))
    assert web.get("/organisationer/ny").status_code == 403
    assert web.get(f"/organisationer/{org['id']}/rediger").status_code == 403
    created = web.post("/organisationer/ny", data={"csrf_token": csrf, "name": "Ny", "kind": "school"})
    assert created.status_code == 403 and "Det har du ikke adgang til" in created.text
    changed = web.post(f"/organisationer/{org['id']}/rediger", data={"csrf_token": csrf, "name": "X", "kind": "school"})
    assert changed.status_code == 403
    assert _names(client) == [BOLIG["name"]]


def test_the_nav_names_the_organisations(web):
    _sign_in(web, make_token("reader", name="læser"))
    assert '<a href="/organisationer" aria-current="page">Organisationer</a>' in web.get("/organisationer").text
