"""In the browser: the pool manager creates a pool and finds it in /puljer, changes it, and anchors a granted trial
action and sees it on the allocation's and the intervention's pages; an editor registers an organisation, is told
in Danish what is wrong, fixes it, and finds it in the list and on its page with its interventions; a reader is
offered no form and refused a post; axe passes on every new page, with its errors too."""

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_token
from tests.factories import API, budget_line, create_intervention

axe = Axe()


def _serious(page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_the_pool_manager_creates_and_changes_a_pool(page, client):
    sign_in(page, make_token("pool_manager", name="puljeforvalter"))
    page.goto("/puljer")
    expect(page.get_by_role("heading", name="Opret en pulje")).to_be_visible()
    assert _serious(page) == [], "the pools page with the new pool's form"
    page.get_by_label("Puljens navn").fill("Puljen til prøvehandlinger 2027")
    page.get_by_label("Budgetår").fill("2027")
    page.get_by_label("Beløb (kr.)").fill("en million")
    page.get_by_label("Noter").fill("Besluttet i styregruppen")
    page.get_by_role("button", name="Opret puljen").click()
    expect(page.locator("#ny-f-amount-fejl")).to_contain_text("Skriv et beløb i kroner")
    expect(page.get_by_label("Puljens navn")).to_have_value("Puljen til prøvehandlinger 2027")
    expect(page.get_by_label("Noter")).to_have_value("Besluttet i styregruppen")
    assert _serious(page) == [], "the new pool's form with its errors"
    page.get_by_label("Beløb (kr.)").fill("1.000.000,00")
    page.get_by_role("button", name="Opret puljen").click()
    expect(page.get_by_role("status")).to_have_text("Puljen er oprettet.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Puljen til prøvehandlinger 2027 (2027)")
    page.goto("/puljer")
    row = page.locator('table[data-figure="puljer"] tbody tr', has_text="Puljen til prøvehandlinger 2027")
    expect(row).to_contain_text("1.000.000,00")

    row.get_by_role("link").click()
    page.get_by_role("link", name="Redigér puljen").click()
    assert _serious(page) == [], "the pool's edit form"
    page.get_by_label("Beløb (kr.)").fill("-5")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.locator("#f-amount-fejl")).to_contain_text("negativt")
    assert _serious(page) == [], "the pool's edit form with its errors"
    page.get_by_label("Beløb (kr.)").fill("1.200.000,00")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("status")).to_have_text("Ændringerne af puljen er gemt.")
    expect(page.locator(".key-figures")).to_contain_text("1.200.000,00 kr.")


def test_the_pool_manager_anchors_a_granted_trial_action(page, client):
    item = create_intervention(
        client,
        name="Hestefold i Høje Gladsaxe Park",
        kind="trial_action",
        start_date="2026-01-01",
        end_date=None,
        budget_lines=[budget_line(year=2027, amount="80000.00")],
    )
    pool = client.post(f"{API}/pools", json={"name": "Prøvehandlinger 2026", "year": 2026, "amount": "500000"}).json()
    allocation = client.post(
        f"{API}/pools/{pool['id']}/allocations",
        json={"intervention_id": item["id"], "amount": "45000", "status": "granted", "reason": "Passer"},
    ).json()
    sign_in(page, make_token("pool_manager", name="puljeforvalter"))
    page.goto(f"/puljer/{pool['id']}")
    page.get_by_role("link", name=f"Ansøgning {allocation['id']}").click()
    expect(page.get_by_role("heading", name="Forankr prøvehandlingen i kernedriften")).to_be_visible()
    assert _serious(page) == [], "the anchoring form"
    form = page.locator('form[action$="/forankring"]')
    form.get_by_label("Ny finansieringskilde").select_option("FAGFORVALTNING")
    expect(form.get_by_label("Fra år")).to_have_value("2027")
    form.get_by_label("Besluttet af (organ)").fill("Styregruppen for Social balance")
    form.get_by_role("button", name="Forankr i kernedriften").click()
    form = page.locator('form[action$="/forankring"]')
    expect(page.locator("#forankr-f-reason-fejl")).to_have_text("Skriv en begrundelse for forankringen.")
    expect(form.get_by_label("Besluttet af (organ)")).to_have_value("Styregruppen for Social balance")
    expect(form.get_by_label("Ny finansieringskilde")).to_have_value("FAGFORVALTNING")
    assert _serious(page) == [], "the anchoring form with its errors"
    form.get_by_label("Mødedato").fill("2026-11-05")
    form.get_by_label("Begrundelse for forankringen").fill("Flere unge i foreningslivet")
    form.get_by_role("button", name="Forankr i kernedriften").click()
    expect(page.get_by_role("status")).to_contain_text("forankret i kernedriften")
    expect(page.locator(".facts")).to_contain_text("betales af FAGFORVALTNING fra 2027")
    expect(page.get_by_role("heading", name="Forankr prøvehandlingen i kernedriften")).to_have_count(0)
    page.get_by_role("link", name="Hestefold i Høje Gladsaxe Park").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hestefold i Høje Gladsaxe Park")
    expect(page.locator("main")).to_contain_text("Forankret")
    expect(page.locator("main")).to_contain_text("FAGFORVALTNING")


def test_an_editor_registers_an_organisation_and_finds_it_with_its_interventions(page, client):
    item = create_intervention(client, name="Lektiecafé i Værebro", department="BKF", budget_lines=[])
    sign_in(page, make_token("editor", "BKF", name="redaktør-bkf"))
    page.get_by_role("navigation", name="Hovedmenu").get_by_role("link", name="Organisationer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisationer")
    assert _serious(page) == [], "the organisations list"
    page.get_by_role("link", name="Registrér en organisation").click()
    assert _serious(page) == [], "the organisation form"
    page.get_by_label("Navn").fill("Boligselskabet Værebro")
    page.get_by_label("Type").select_option(label="Boligorganisation")
    page.get_by_label("CVR-nummer").fill("1234 567")
    page.get_by_role("button", name="Registrér organisationen").click()
    expect(page.locator("#f-cvr-fejl")).to_contain_text("Skriv CVR-nummeret som 8 cifre")
    expect(page.get_by_label("Navn")).to_have_value("Boligselskabet Værebro")
    expect(page.get_by_label("Type")).to_have_value("housing_organisation")
    assert _serious(page) == [], "the organisation form with its errors"
    page.get_by_label("CVR-nummer").fill("12345678")
    page.get_by_role("button", name="Registrér organisationen").click()
    expect(page.get_by_role("status")).to_have_text("Organisationen er registreret.")
    expect(page.get_by_text("Organisationen er ikke med i nogen indsats endnu.")).to_be_visible()

    # the intervention names it (through the API, as its edit page would), and the page shows it with its role
    linked = client.put(
        f"{API}/interventions/{item['id']}/organisations",
        json=[{"organisation": "Boligselskabet Værebro", "role": "partner"}],
    )
    assert linked.status_code == 200, linked.text
    page.goto("/organisationer")
    page.get_by_label("Søg i navn eller CVR-nummer").fill("værebro")
    page.get_by_role("button", name="Søg").click()
    expect(page.locator("#organisationer tbody tr")).to_have_count(1)
    page.get_by_role("link", name="Boligselskabet Værebro").click()
    rows = page.locator("#organisationens-indsatser tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Lektiecafé i Værebro")
    expect(rows).to_contain_text("Samarbejdspartner")
    expect(page.locator(".facts")).to_contain_text("12345678")
    assert _serious(page) == [], "an organisation's page"
    page.get_by_role("link", name="Redigér organisationen").click()
    page.get_by_label("Navn").fill("Boligselskabet Værebro Park")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boligselskabet Værebro Park")


def test_a_reader_gets_no_forms_and_a_403_on_a_post(page, client):
    org = client.post(f"{API}/organisations", json={"name": "Foreningen Ørnen", "kind": "association"}).json()
    pool = client.post(f"{API}/pools", json={"name": "Puljen", "year": 2026, "amount": "1000"}).json()
    sign_in(page, make_token("reader", name="læser"))
    page.goto("/organisationer")
    expect(page.get_by_role("link", name="Registrér en organisation")).to_have_count(0)
    page.goto(f"/organisationer/{org['id']}")
    expect(page.get_by_role("link", name="Redigér organisationen")).to_have_count(0)
    page.goto("/puljer")
    expect(page.get_by_role("heading", name="Opret en pulje")).to_have_count(0)
    page.goto(f"/puljer/{pool['id']}")
    expect(page.get_by_role("link", name="Redigér puljen")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    posts = {
        "/organisationer/ny": {"name": "Ny", "kind": "school"},
        f"/organisationer/{org['id']}/rediger": {"name": "Overtaget", "kind": "school"},
        "/puljer": {"name": "Ny pulje", "year": "2027", "amount": "1"},
        f"/puljer/{pool['id']}/rediger": {"name": "Overtaget", "amount": "1"},
    }
    for path, form in posts.items():
        answer = page.request.post(path, form={"csrf_token": token, **form})
        assert answer.status == 403 and "Det har du ikke adgang til" in answer.text(), path
    page.goto("/organisationer/ny")
    expect(page.get_by_role("heading", level=1)).to_have_text("Det har du ikke adgang til")
    assert _serious(page) == [], "the 403 page"
    assert [o["name"] for o in client.get(f"{API}/organisations").json()["items"]] == ["Foreningen Ørnen"]
    assert [(p["name"], p["amount"]) for p in client.get(f"{API}/pools").json()["items"]] == [("Puljen", "1000.00")]
    assert re.search("Organisationer", page.get_by_role("navigation", name="Hovedmenu").inner_text())
