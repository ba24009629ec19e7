"""Registering and changing interventions in Chromium: a refused amount explained beside its field, rows added
and removed without JavaScript, two editors at once, archive after a confirmation, another department's editor
refused, and the accessibility check of every form page."""

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


def _line(page, index: int, year: str, category: str, source: str, amount: str) -> None:
    row = page.locator(f"#f-budget_lines-{index}")
    row.get_by_label("År").fill(year)
    row.get_by_label("Udgiftsart").fill(category)
    row.get_by_label("Finansiering").select_option(source)
    row.get_by_label("Beløb (kr.)").fill(amount)


def test_an_editor_registers_an_intervention_and_finds_the_money_in_the_list(page, client):
    sign_in(page, make_token("editor", "BKF", name="redaktør-bkf"))
    page.goto("/indsatser")
    page.get_by_role("link", name="Registrér en ny indsats").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny indsats")
    assert _serious(page) == [], "the empty form"
    page.get_by_label("Navn").fill("Lektiecafé på biblioteket i Mørkhøj")
    page.get_by_label("Mørkhøj").check()
    page.get_by_label("Startdato").fill("2024-01-01")
    _line(page, 0, "2024", "Løn", "SOB-PULJE", "12.500,50")
    page.get_by_role("button", name="Tilføj budgetlinje").click()
    _line(page, 1, "2025", "Aktiviteter", "LBF", "12,5x")
    page.get_by_role("button", name="Opret indsats").click()

    amount = page.locator("#f-budget_lines-1-amount")
    expect(amount).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-budget_lines-1-amount-fejl")).to_have_text(
        "Fejl: Skriv et beløb i kroner med højst to decimaler, fx 12.500,50"
    )
    expect(amount).to_have_value("12,5x")
    expect(page.get_by_label("Navn")).to_have_value("Lektiecafé på biblioteket i Mørkhøj")
    expect(page.locator("#f-budget_lines-0-amount")).to_have_value("12.500,50")
    expect(page.get_by_label("Mørkhøj")).to_be_checked()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("Budgetlinje 2, Beløb (kr.)")
    assert _serious(page) == [], "the form with its errors"
    summary.get_by_role("link").first.click()
    expect(amount).to_be_focused()

    amount.fill("-5")
    page.get_by_role("button", name="Opret indsats").click()
    expect(page.locator("#f-budget_lines-1-amount-fejl")).to_contain_text("Beløbet må ikke være negativt")
    page.locator("#f-budget_lines-1-amount").fill("7.500,25")
    page.get_by_role("button", name="Opret indsats").click()

    expect(page.get_by_text("Indsatsen er oprettet")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lektiecafé på biblioteket i Mørkhøj")
    page.goto("/indsatser?q=lektiecaf")
    row = page.locator("#indsatser tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("20.000,75")
    saved = client.get(f"{API}/interventions", params={"q": "lektiecafé"}).json()["items"][0]
    assert saved["budget_total"] == "20000.75" and saved["department"] == "BKF"


def test_another_departments_editor_is_offered_nothing_and_refused_anyway(page, client):
    item = create_intervention(client, name="Børnenes bibliotek", department="BKF")
    sign_in(page, make_token("editor", "SSF", name="redaktør-ssf"))
    page.goto(f"/indsatser/{item['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Børnenes bibliotek")
    expect(page.get_by_role("link", name="Redigér indsatsen")).to_have_count(0)
    expect(page.get_by_role("link", name="Arkivér …")).to_have_count(0)
    token = page.locator('input[name="csrf_token"]').first.get_attribute("value")
    for path in (f"/indsatser/{item['id']}/rediger", f"/indsatser/{item['id']}/arkiver"):
        answer = page.request.post(path, form={"csrf_token": token, "name": "Overtaget", "kind": "project"})
        assert answer.status == 403 and "Det har du ikke adgang til" in answer.text()
    page.goto(f"/indsatser/{item['id']}/rediger")
    expect(page.get_by_role("heading", level=1)).to_have_text("Det har du ikke adgang til")
    saved = client.get(f"{API}/interventions/{item['id']}").json()
    assert saved["name"] == "Børnenes bibliotek" and saved["archived_at"] is None


def test_two_editors_at_once_the_second_is_told_what_changed(browser, server, client):
    item = create_intervention(client, name="Fælles fodbold", target_group="Børn", description="Træning.\nKampe.")
    contexts = [browser.new_context(base_url=server, locale="da-DK") for _ in range(2)]
    try:
        first, second = (ctx.new_page() for ctx in contexts)
        sign_in(first, make_token("editor", "BKF", name="Anna"))
        sign_in(second, make_token("editor", "BKF", name="Bo"))
        for page in (first, second):
            page.goto(f"/indsatser/{item['id']}/rediger")
        first.get_by_label("Navn").fill("Fælles fodbold og futsal")
        first.get_by_role("button", name="Gem ændringer").click()
        expect(first.get_by_text("Ændringerne er gemt")).to_be_visible()

        second.get_by_label("Målgruppe").fill("Piger 10-14 år")
        second.get_by_role("button", name="Gem ændringer").click()
        conflict = second.locator(".conflict")
        expect(conflict).to_contain_text("En anden har gemt ændringer, mens du redigerede")
        expect(conflict).to_contain_text("Gemt af: Anna")
        differences = conflict.locator("table tbody tr")
        expect(differences.filter(has_text="Navn")).to_contain_text("Fælles fodbold og futsal")
        expect(differences.filter(has_text="Målgruppe")).to_contain_text("Piger 10-14 år")
        expect(differences).to_have_count(2)  # the multi-line description is the same (CRLF from the browser)
        expect(second.get_by_label("Målgruppe")).to_have_value("Piger 10-14 år")
        assert _serious(second) == [], "the conflict page"
        saved = client.get(f"{API}/interventions/{item['id']}").json()
        assert saved["name"] == "Fælles fodbold og futsal" and saved["target_group"] == "Børn"

        second.get_by_label("Navn").fill("Fælles fodbold og futsal")  # takes the other's name, keeps their own
        second.get_by_role("button", name="Gem ændringer").click()
        expect(second.get_by_text("Ændringerne er gemt")).to_be_visible()
        saved = client.get(f"{API}/interventions/{item['id']}").json()
        assert saved["name"] == "Fælles fodbold og futsal" and saved["target_group"] == "Piger 10-14 år"
        assert saved["description"] == "Træning.\nKampe."
    finally:
        for ctx in contexts:
            ctx.close()


def test_rows_are_added_and_removed_and_the_intervention_archived_without_javascript(browser, server, client):
    item = create_intervention(client, name="Uden script", budget_lines=[budget_line(year=2020, amount="100.00")])
    ctx = browser.new_context(base_url=server, locale="da-DK", java_script_enabled=False)
    try:
        page = ctx.new_page()
        sign_in(page, make_token("editor", "BKF"))
        page.goto(f"/indsatser/{item['id']}")
        page.get_by_role("link", name="Redigér indsatsen").click()
        page.get_by_label("Målgruppe").fill("Skrevet før tilføj")
        page.get_by_role("button", name="Tilføj budgetlinje").click()
        expect(page.locator("fieldset.row", has_text="Budgetlinje")).to_have_count(2)
        expect(page.get_by_label("Målgruppe")).to_have_value("Skrevet før tilføj")
        _line(page, 1, "2021", "Materialer", "LBF", "250,50")
        page.get_by_role("button", name="Fjern budgetlinje 1").click()
        expect(page.locator("fieldset.row", has_text="Budgetlinje")).to_have_count(1)
        expect(page.locator("#f-budget_lines-0-amount")).to_have_value("250,50")
        page.get_by_role("button", name="Tilføj succeskriterium").click()
        page.locator("#f-success_criteria-1-description").fill("Tyve børn kommer hver uge")
        page.get_by_role("button", name="Fjern succeskriterium 1").click()
        page.get_by_role("button", name="Gem ændringer").click()
        expect(page.get_by_text("Ændringerne er gemt")).to_be_visible()
        saved = client.get(f"{API}/interventions/{item['id']}").json()
        assert [(line["year"], line["amount"]) for line in saved["budget_lines"]] == [(2021, "250.50")]
        assert [c["description"] for c in saved["success_criteria"]] == ["Tyve børn kommer hver uge"]
        assert saved["target_group"] == "Skrevet før tilføj"

        page.get_by_role("link", name="Arkivér …").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Arkivér «Uden script»?")
        page.get_by_role("link", name="Nej, tilbage til indsatsen").click()
        assert client.get(f"{API}/interventions/{item['id']}").status_code == 200
        page.get_by_role("link", name="Arkivér …").click()
        page.get_by_role("button", name="Ja, arkivér indsatsen").click()
        expect(page.get_by_text("Indsatsen er arkiveret")).to_be_visible()
        expect(page.locator("#indsatser", has_text="Uden script")).to_have_count(0)
        assert client.get(f"{API}/interventions/{item['id']}").status_code == 404
    finally:
        ctx.close()


def test_no_serious_accessibility_violation_on_the_edit_and_archive_pages(page, client):
    item = create_intervention(client, name="Tilgængelig indsats")
    client.post(
        f"{API}/interventions/{item['id']}/material",
        json={"title": "Projektbeskrivelse", "url": "https://gladsaxe.dk/p.pdf", "kind": "description"},
    )
    sign_in(page, make_token("editor", "BKF"))
    page.goto(f"/indsatser/{item['id']}/rediger")
    assert _serious(page) == [], "the edit form"
    page.locator("#f-mat-url").fill("ikke en adresse")
    page.get_by_role("button", name="Tilføj materiale").click()
    expect(page.locator("#f-mat-url-fejl")).to_contain_text("Skriv en webadresse")
    assert _serious(page) == [], "the edit form with a refused material"
    existing = page.locator("li", has_text="Projektbeskrivelse")
    existing.get_by_text("Ret").click()
    existing.get_by_label("Titel").fill("")
    existing.get_by_role("button", name="Gem materialet").click()
    expect(page.locator("details[open]").get_by_label("Titel")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("details[open]")).to_contain_text("Skal udfyldes")
    assert _serious(page) == [], "the edit form with a refused change of material"
    page.goto(f"/indsatser/{item['id']}/arkiver")
    assert _serious(page) == [], "the archive confirmation"
