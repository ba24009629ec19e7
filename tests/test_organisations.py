"""Organisations and the parties of an intervention: CRUD, CVR, links with roles, people, reach, in-kind
contributions, funding organisations of budget lines; how they flow through the case page, the exports and
imports, the IATI export, the rollups and the audit."""

from tests.factories import API, assert_problem, budget_line, create_intervention
from tests.test_iati import _export as _iati_export

BOLIG = {"name": "Boligorganisationen Værebro", "kind": "housing_organisation", "cvr": "12345678"}
FORENING = {"name": "Fællesskabet Værebro", "kind": "association"}
SSF = {"name": "Social- og Sundhedsforvaltningen", "kind": "administration"}


def _org(client, **payload):
    response = client.post(f"{API}/organisations", json=payload)
    assert response.status_code == 201, response.text
    return response.json()


def _parties():
    return {
        "organisations": [
            {"organisation": BOLIG["name"], "role": "partner", "note": "Koordinationsgruppe"},
            {"organisation": FORENING["name"], "role": "implementing"},
            {"organisation": SSF["name"], "role": "funding"},
        ],
        "people": [
            {"role": "programme_owner", "name": "Anne Ærø", "title": "Direktør, BKF", "email": "anne@gladsaxe.dk"},
            {"role": "programme_leader", "name": "Bo Ø", "title": "Programleder"},
        ],
        "reach": [
            {"year": 2020, "unit": "young_people", "planned": 32, "actual": 30},
            {"year": 2020, "unit": "families", "planned": 70},
        ],
        "in_kind": [{"year": 2020, "organisation": BOLIG["name"], "hours": 400, "staff": 20, "description": "Løn"}],
    }


def _setup(client, **overrides):
    for org in (BOLIG, FORENING, SSF):
        _org(client, **org)
    return create_intervention(client, **_parties(), **overrides)


def test_organisation_crud_and_cvr(client):
    created = _org(client, **BOLIG)
    assert created["kind_label"] == "Boligorganisation" and created["cvr"] == "12345678"
    for bad in ("1234567", "123456789", "1234567a", "12 45678"):
        assert_problem(client.post(f"{API}/organisations", json={**FORENING, "cvr": bad}), 422, field=["cvr"])
    assert_problem(client.post(f"{API}/organisations", json={**FORENING, "cvr": "12345678"}), 409, field=["cvr"])
    assert_problem(client.post(f"{API}/organisations", json={**BOLIG, "cvr": None}), 409, field=["name"])
    assert_problem(client.post(f"{API}/organisations", json={**FORENING, "kind": "nonsense"}), 422, field=["kind"])
    changed = client.patch(f"{API}/organisations/{created['id']}", json={"cvr": None, "name": "Bolig Ø"})
    assert changed.status_code == 200 and changed.json()["cvr"] is None and changed.json()["name"] == "Bolig Ø"
    listed = client.get(f"{API}/organisations", params={"q": "bolig ø"}).json()["items"]
    assert [o["id"] for o in listed] == [created["id"]]
    history = client.get(f"{API}/audit", params={"resource": "organisation"}).json()["items"]
    assert [h["action"] for h in history][:2] == ["update", "create"]
    assert client.delete(f"{API}/organisations/{created['id']}").status_code == 204
    assert_problem(client.get(f"{API}/organisations/{created['id']}"), 404)


def test_parties_on_an_intervention(client):
    found = _setup(client)
    assert [o["role_label"] for o in found["organisations"]] == ["Samarbejdspartner", "Udførende", "Medfinansierer"]
    assert found["people"][0]["role_label"] == "Programejer"
    assert {r["unit"]: r["unit_label"] for r in found["reach"]} == {"young_people": "unge", "families": "familier"}
    assert found["in_kind"][0]["hours"] == 400
    # PATCH replaces a set; the audit names it
    patched = client.patch(f"{API}/interventions/{found['id']}", json={"people": []})
    assert patched.status_code == 200 and patched.json()["people"] == []
    history = client.get(f"{API}/interventions/{found['id']}/history").json()["items"]
    assert "people" in history[0]["changes"]
    # an unknown organisation is a rule violation naming the field; an organisation in use is not deleted
    bad = client.patch(
        f"{API}/interventions/{found['id']}", json={"organisations": [{"organisation": "Ukendt", "role": "partner"}]}
    )
    assert_problem(bad, 422, field=["organisations", 0, "organisation"])
    bolig = found["organisations"][0]["organisation_id"]
    assert_problem(client.delete(f"{API}/organisations/{bolig}"), 409)
    reach = [{"year": 2020, "unit": "families"}]
    assert_problem(client.patch(f"{API}/interventions/{found['id']}", json={"reach": reach}), 422)


def test_in_kind_is_never_money(client):
    found = _setup(client, budget_lines=[budget_line(amount="1000.00", funding_organisation=SSF["name"])])
    assert found["budget_total"] == "1000.00"
    assert found["budget_lines"][0]["funding_organisation"] == SSF["name"]
    case = client.get(f"{API}/interventions/{found['id']}/case").json()
    assert case["financing"]["total"] == "1000.00"
    assert case["in_kind_total"] == {"hours": 400, "staff": 20}
    html = client.get(f"{API}/interventions/{found['id']}/case", params={"format": "html"}).text
    assert "400 timer" in html and "Fællesskabet Værebro" in html and "Programejer" in html
    rollup = client.get(f"{API}/rollups/organisations").json()
    rows = rollup["rows"]
    assert rollup["total"] == {"amount": "1000.00", "actual": "0.00", "in_kind_hours": 400, "in_kind_staff": 20}
    bolig = next(r for r in rows if r["organisation"] == BOLIG["name"])
    assert bolig["in_kind_hours"] == 400 and bolig["amount"] == "0.00"
    ssf = next(r for r in rows if r["organisation"] == SSF["name"])
    assert ssf["amount"] == "1000.00" and ssf["in_kind_hours"] == 0
    total = client.get(f"{API}/rollups/budget", params={"by": "year"}).json()["total"]
    assert total["amount"] == "1000.00" and total["revised"] == "1000.00"
    csv = client.get(f"{API}/rollups/organisations", params={"format": "csv"}).text
    assert "in_kind_hours" in csv.splitlines()[0]
    exported = client.get(f"{API}/exports/interventions", params={"format": "csv"}).text
    header = exported.splitlines()[0].lstrip("\ufeff").split(",")
    money = [c for c in header if "amount" in c]
    assert money == ["budget_amount"] and "in_kind_hours" in header


def test_funder_without_amount_on_the_case_page(client):
    found = _setup(client, budget_lines=[])
    case = client.get(f"{API}/interventions/{found['id']}/case").json()
    assert [p["name"] for p in case["funders"]] == [SSF["name"]]
    html = client.get(f"{API}/interventions/{found['id']}/case", params={"format": "html"}).text
    section = html.split('id="organisering"')[1].split("</section>")[0]
    assert "Ikke oplyst" not in section and SSF["name"] in section


def test_parties_round_trip_through_export_and_import(client):
    found = _setup(client, external_id="BKF-ORG-1", budget_lines=[budget_line(funding_organisation=SSF["name"])])
    keys = ("organisations", "people", "reach", "in_kind", "budget_lines")
    for fmt in ("json", "csv", "xlsx"):
        exported = client.get(f"{API}/exports/interventions", params={"format": fmt})
        assert exported.status_code == 200
        media = {"json": "application/json", "csv": "text/csv", "xlsx": exported.headers["content-type"]}[fmt]
        # the same file again: nothing changes
        again = client.post(f"{API}/imports/interventions", content=exported.content, headers={"content-type": media})
        assert again.status_code == 200, again.text
        assert again.json()["unchanged"] == 1, (fmt, again.json())
        # emptied, then imported back: exactly as before
        client.patch(f"{API}/interventions/{found['id']}", json={k: [] for k in keys})
        back = client.post(f"{API}/imports/interventions", content=exported.content, headers={"content-type": media})
        assert back.status_code == 200, back.text
        now = client.get(f"{API}/interventions/{found['id']}").json()
        for key in keys:
            strip = [{k: v for k, v in x.items() if k != "id"} for x in now[key]]
            assert strip == [{k: v for k, v in x.items() if k != "id"} for x in found[key]], (fmt, key)


def test_iati_participating_orgs(client):
    _setup(client, budget_lines=[budget_line(funding_organisation=SSF["name"])])
    root = _iati_export(client)  # valid against the IATI 2.03 schema
    orgs = {
        (o.get("role"), o.findtext("narrative"), o.get("ref"), o.get("type")) for o in root.iter("participating-org")
    }
    assert any(role == "2" for role, *_ in orgs)  # the owning department is accountable
    assert ("1", SSF["name"], None, "11") in orgs  # the funding organisation of a line, and linked as funding
    assert ("4", FORENING["name"], None, "22") in orgs  # implementing
    assert ("4", BOLIG["name"], "DK-CVR-12345678", "22") in orgs  # a partner takes part in the work
    assert ("1", BOLIG["name"], "DK-CVR-12345678", "22") in orgs  # it pays staff time in kind
    other = [d for d in root.iter("description") if d.get("type") == "4"]
    assert "400 timer" in other[0].findtext("narrative")
    # the staff time is no money: the only budget is the line's 1000 kr.
    assert [b.findtext("value") for b in root.iter("budget")] == ["1000.00"]


def test_party_sub_resources(client):
    found = _setup(client)
    url = f"{API}/interventions/{found['id']}"
    assert client.get(f"{url}/in-kind").json()["total"] == {"hours": 400, "staff": 20}
    people = [{"role": "evaluator", "name": "Åse Ørsted", "email": "aase@gladsaxe.dk"}]
    put = client.put(f"{url}/people", json=people)
    assert put.status_code == 200 and put.json()["items"][0]["role_label"] == "Evaluator"
    assert client.get(url).json()["people"][0]["name"] == "Åse Ørsted"
    bad = client.put(f"{url}/in-kind", json=[{"year": 2020, "organisation": "Ukendt", "hours": 1}])
    assert_problem(bad, 422, field=[0, "organisation"])
    assert_problem(client.put(f"{url}/in-kind", json=[{"year": 2020, "organisation": BOLIG["name"]}]), 422)
    history = client.get(f"{url}/history").json()["items"]
    assert history[0]["action"] == "people.replace"


def test_demo_parties_as_the_sources_state_them(client, capsys):
    from app.cli import main as registry

    assert registry(["demo"]) == 0
    assert registry(["demo"]) == 0  # safe to run twice
    found = client.get(f"{API}/interventions", params={"q": "forældresamarbejde"}).json()["items"]
    indsats3 = client.get(f"{API}/interventions/{found[0]['id']}").json()
    assert [k["staff"] for k in indsats3["in_kind"]] == [100, 160, 20]
    case = client.get(f"{API}/interventions/{indsats3['id']}/case").json()
    # the staff time is no money: the case's money is the intervention's budget lines, as without it
    assert case["in_kind_total"]["staff"] == 280 and case["financing"]["total"] == indsats3["budget_total"]
    bikes = client.get(f"{API}/interventions", params={"q": "genbrugssystem"}).json()["items"][0]
    html = client.get(f"{API}/interventions/{bikes['id']}/case", params={"format": "html"}).text
    assert "Fællesskabet Værebro" in html
    names = [o["name"] for o in client.get(f"{API}/organisations", params={"limit": 500}).json()["items"]]
    assert len(names) == len(set(names)) == 6


def test_organisations_round_trip_through_export_and_import(client):
    found = _setup(client, external_id="BKF-ORG-2", budget_lines=[budget_line(funding_organisation=SSF["name"])])
    orgs = client.get(f"{API}/exports/organisations").json()
    assert orgs == sorted([{"cvr": None, **FORENING}, {"cvr": None, **SSF}, BOLIG], key=lambda o: o["name"])
    for fmt in ("csv", "xlsx"):
        assert client.get(f"{API}/exports/organisations", params={"format": fmt}).status_code == 200
    records = client.get(f"{API}/exports/interventions").json()
    # into an empty registry: the organisations first, then the interventions that name them
    from tests.conftest import make_token, wipe

    wipe()
    client.headers["Authorization"] = f"Bearer {make_token('admin', name='after-wipe')}"
    refused = client.post(f"{API}/imports/interventions", json=records)
    assert refused.status_code == 422 and "organisation" in refused.text
    dry = client.post(f"{API}/imports/organisations", params={"dry_run": True}, json=orgs).json()
    assert dry == {"dry_run": True, "created": 3, "updated": 0, "unchanged": 0}
    assert client.post(f"{API}/imports/organisations", json=orgs).json()["created"] == 3
    assert client.get(f"{API}/exports/organisations").json() == orgs  # exact
    assert client.post(f"{API}/imports/organisations", json=orgs).json()["unchanged"] == 3
    assert client.post(f"{API}/imports/interventions", json=records).status_code == 200
    assert client.get(f"{API}/exports/interventions").json() == records  # exact, parties and funders included
    again = client.get(f"{API}/interventions", params={"external_id": "BKF-ORG-2"}).json()["items"][0]
    assert again["name"] == found["name"]
    # a CVR may not belong to two organisations after an import; nothing is written then
    clash = [{**FORENING, "cvr": BOLIG["cvr"]}]
    assert_problem(client.post(f"{API}/imports/organisations", json=clash), 422, field=["cvr"])
    swap = [{**BOLIG, "cvr": "87654321"}, {**FORENING, "cvr": "12345678"}]
    assert client.post(f"{API}/imports/organisations", json=swap).json()["updated"] == 2
