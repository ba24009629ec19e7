"""The case page shows organisations with their roles, people, reach and in-kind staff time apart from the
money, in Danish, and passes the accessibility check."""

from tests.browser.conftest import sign_in
from tests.browser.test_roles_and_pages import _serious
from tests.factories import API, budget_line, create_intervention


def test_the_case_page_shows_the_parties_apart_from_the_money(page, client, admin_token):
    for org in (
        {"name": "Fællesskabet Værebro", "kind": "association"},
        {"name": "Skolerne i Mørkhøj", "kind": "school", "cvr": "29189854"},
    ):
        assert client.post(f"{API}/organisations", json=org).status_code == 201
    found = create_intervention(
        client,
        name="Cykelværksted i Værebro Park",
        budget_lines=[budget_line(amount="5000.00", funding_organisation="Skolerne i Mørkhøj")],
        organisations=[
            {"organisation": "Fællesskabet Værebro", "role": "partner", "note": "Driver værkstedet"},
            {"organisation": "Skolerne i Mørkhøj", "role": "funding"},
        ],
        people=[{"role": "programme_leader", "name": "Åse Ørsted", "title": "Leder", "email": "aase@gladsaxe.dk"}],
        reach=[{"year": 2020, "unit": "young_people", "planned": 32, "actual": 30}],
        in_kind=[{"year": 2020, "organisation": "Skolerne i Mørkhøj", "hours": 1200, "staff": 160}],
    )
    sign_in(page, admin_token)
    page.goto(f"/indsatser/{found['id']}")
    organisation = page.locator("section[aria-labelledby=organisering]")
    assert "Fællesskabet Værebro (samarbejdspartner): Driver værkstedet" in organisation.inner_text()
    assert "Skolerne i Mørkhøj (Skole), medfinansierer – 5.000,00 kr." in organisation.inner_text()
    assert "Programleder: Åse Ørsted, Leder" in organisation.inner_text()
    in_kind = page.locator("section[aria-labelledby=arbejdstid]").inner_text()
    assert "1.200 timer" in in_kind and "kr." not in in_kind
    assert "32" in page.locator("section[aria-labelledby=deltagere]").inner_text()
    assert _serious(page) == []
