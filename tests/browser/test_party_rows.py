"""The parties as rows of the intervention form, in Chromium: an editor adds an organisation with its role, a
person, reach and in-kind hours, sees a bad value refused in Danish beside its field with the form still filled,
fixes it, saves, and finds them on the case page; the same without JavaScript; the accessibility check of the form
with these rows and with their errors."""

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import sign_in
from tests.browser.test_forms import _serious
from tests.conftest import make_token
from tests.factories import API, create_intervention

ORGANISATIONS = (
    {"name": "Fællesskabet Værebro", "kind": "association"},
    {"name": "Skolerne i Mørkhøj", "kind": "school"},
)


def _organisations(client) -> None:
    for org in ORGANISATIONS:
        assert client.post(f"{API}/organisations", json=org).status_code == 201


def _add_parties(page: Page, hours: str, planned: str = "32") -> None:
    """Every kind of row added with its "Tilføj …" button and filled in (the form posts back for each)."""
    page.get_by_role("button", name="Tilføj organisation").click()
    row = page.locator("#f-organisations-0")
    row.get_by_label("Organisation", exact=True).select_option("Fællesskabet Værebro")
    row.get_by_label("Rolle").select_option(label="Udførende")
    row.get_by_label("Note").fill("Driver værkstedet")
    page.get_by_role("button", name="Tilføj person").click()
    row = page.locator("#f-people-0")
    row.get_by_label("Rolle").select_option(label="Programleder")
    row.get_by_label("Navn").fill("Åse Ørsted")
    row.get_by_label("E-mail").fill("aase@gladsaxe.dk")
    page.get_by_role("button", name="Tilføj deltagertal").click()
    row = page.locator("#f-reach-0")
    row.get_by_label("År").fill("2020")
    row.get_by_label("Enhed").select_option(label="unge")
    row.get_by_label("Planlagt antal").fill(planned)
    page.get_by_role("button", name="Tilføj arbejdstid").click()
    row = page.locator("#f-in_kind-0")
    row.get_by_label("År").fill("2020")
    row.get_by_label("Betales af").select_option("Skolerne i Mørkhøj")
    row.get_by_label("Timer").fill(hours)


def _expect_still_filled(page: Page) -> None:
    expect(page.locator("#f-organisations-0-organisation")).to_have_value("Fællesskabet Værebro")
    expect(page.locator("#f-organisations-0-role")).to_have_value("implementing")
    expect(page.locator("#f-organisations-0-note")).to_have_value("Driver værkstedet")
    expect(page.locator("#f-people-0-name")).to_have_value("Åse Ørsted")
    expect(page.locator("#f-people-0-role")).to_have_value("programme_leader")
    expect(page.locator("#f-reach-0-planned")).to_have_value("32")
    expect(page.locator("#f-reach-0-unit")).to_have_value("young_people")
    expect(page.locator("#f-in_kind-0-organisation")).to_have_value("Skolerne i Mørkhøj")


def _expect_on_the_case_page(page: Page) -> None:
    organisation = page.locator("section[aria-labelledby=organisering]")
    expect(organisation).to_contain_text("Fællesskabet Værebro (udførende): Driver værkstedet")
    expect(organisation).to_contain_text("Programleder: Åse Ørsted")
    expect(page.locator("section[aria-labelledby=deltagere]")).to_contain_text("unge")
    expect(page.locator("section[aria-labelledby=arbejdstid]")).to_contain_text("1.200 timer")


def test_an_editor_adds_parties_a_bad_value_is_explained_and_the_case_page_shows_them(page, client):
    _organisations(client)
    item = create_intervention(client, name="Cykelværksted i Værebro Park")
    sign_in(page, make_token("editor", "BKF", name="redaktør-bkf"))
    page.goto(f"/indsatser/{item['id']}")
    page.get_by_role("link", name="Redigér indsatsen").click()
    _add_parties(page, "12,5", planned="")
    assert _serious(page) == [], "the form with a row of each party"
    page.get_by_role("button", name="Gem ændringer").click()

    expect(page.locator("#f-reach-0-fejl")).to_have_text("Fejl: Udfyld planlagt antal, faktisk antal eller begge")
    expect(page.locator("#f-reach-0")).to_have_attribute("aria-describedby", "f-reach-0-fejl")
    page.locator("#f-reach-0-planned").fill("32")

    hours = page.locator("#f-in_kind-0-hours")
    expect(hours).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-in_kind-0-hours-fejl")).to_have_text("Fejl: Skriv et helt tal, fx 1.200")
    expect(hours).to_have_value("12,5")
    _expect_still_filled(page)
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Arbejdstid 1, Timer")
    assert _serious(page) == [], "the form with a refused party"
    summary.get_by_role("link", name=re.compile("^Arbejdstid 1, Timer")).click()
    expect(hours).to_be_focused()
    assert client.get(f"{API}/interventions/{item['id']}").json()["in_kind"] == []

    hours.fill("1.200")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_text("Ændringerne er gemt")).to_be_visible()
    _expect_on_the_case_page(page)
    saved = client.get(f"{API}/interventions/{item['id']}").json()
    assert saved["in_kind"][0]["hours"] == 1200 and saved["organisations"][0]["role"] == "implementing"
    assert saved["reach"][0]["planned"] == 32 and saved["people"][0]["email"] == "aase@gladsaxe.dk"


def test_the_party_rows_work_without_javascript(browser, server, client):
    _organisations(client)
    ctx = browser.new_context(base_url=server, locale="da-DK", java_script_enabled=False)
    try:
        page = ctx.new_page()
        sign_in(page, make_token("editor", "BKF"))
        page.goto("/indsatser/ny")
        page.locator("#f-name").fill("Lektiecafé uden script")
        _add_parties(page, "-5")
        expect(page.locator("#f-name")).to_have_value("Lektiecafé uden script")
        page.get_by_role("button", name="Tilføj person").click()
        expect(page).to_have_url(re.compile(r"/indsatser/ny#f-people-1$"))  # the page opens at the new row
        page.locator("#f-people-1-name").fill("Bo Berg")
        page.get_by_role("button", name="Fjern person 2").click()
        expect(page).to_have_url(re.compile(r"/indsatser/ny#personer-overskrift$"))
        expect(page.locator("#f-people-1-name")).to_have_count(0)
        page.get_by_role("button", name="Opret indsats").click()

        expect(page.locator("#f-in_kind-0-hours-fejl")).to_have_text("Fejl: Må ikke være negativt")
        expect(page.locator("#f-in_kind-0-hours")).to_have_value("-5")
        _expect_still_filled(page)
        page.locator("#f-in_kind-0-hours").fill("1200")
        page.get_by_role("button", name="Opret indsats").click()
        expect(page.get_by_text("Indsatsen er oprettet")).to_be_visible()
        _expect_on_the_case_page(page)
        saved = client.get(f"{API}/interventions", params={"q": "uden script"}).json()["items"]
        assert len(saved) == 1
        full = client.get(f"{API}/interventions/{saved[0]['id']}").json()
        assert [p["name"] for p in full["people"]] == ["Åse Ørsted"]
    finally:
        ctx.close()
