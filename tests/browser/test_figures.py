"""The report's data in Chromium: an admin creates a round, downloads its template, uploads figures with a bad
value and reads row and column in Danish, fixes the file, applies it and finds the figure in the report; adds
and retires an indicator; a reader gets no menu item and no form; every new page passes the accessibility check,
also with its errors."""

import io

from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.helpers import table_cells
from tests.conftest import make_token
from tests.factories import API

axe = Axe()
BASELINE = {"code": "bu-2021", "name": "Borgerundersøgelse 2021", "kind": "survey", "year": 2021}


def _violations(page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result.response["violations"]
    ]


def _choose(page, name: str, body: bytes) -> None:
    page.get_by_label("Fil (XLSX eller CSV)").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": body}]
    )
    page.get_by_role("button", name="Kontrollér filen").click()


def _filled(template: bytes, value) -> bytes:
    """The template with a value for indicator 3 in Høje Gladsaxe (its other rows left empty)."""
    book = load_workbook(io.BytesIO(template))
    sheet = book.worksheets[0]
    headings = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        cells = dict(zip(headings, row, strict=True))
        if cells["Indikator"].value == 3 and cells["Område"].value == "hoeje-gladsaxe":
            cells["Værdi"].value = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_admin_creates_a_round_loads_its_figures_and_finds_them_in_the_report(page, client, admin_token):
    client.post(f"{API}/rounds", json=BASELINE)
    client.put(
        f"{API}/indicators/3/observations",
        json=[{"area": "hoeje-gladsaxe", "year": 2021, "kind": "actual", "value": "55", "round": "bu-2021"}],
    )
    sign_in(page, admin_token)
    page.get_by_role("link", name="Rapport til byrådet").click()
    page.get_by_role("navigation", name="Data til rapporten").get_by_role("link", name="Runder").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Runder og registerår")
    assert _violations(page) == [], "the rounds"
    page.get_by_role("link", name="Opret en ny runde").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ny runde")
    assert _violations(page) == [], "the empty round form"

    # A refused form: the message beside the field, everything typed kept
    page.get_by_label("Kode").fill("BU 2024")
    page.get_by_label("År").fill("2024")
    page.get_by_label("Navn").fill("Borgerundersøgelse 2024")
    page.get_by_label("Indsamlet").fill("efterår 2024")
    page.get_by_label("Høje Gladsaxe: befolkningstal").fill("7.300")
    page.get_by_role("button", name="Opret runden").click()
    expect(page.locator("#f-code-fejl")).to_have_text(
        "Fejl: Skriv en kode med små bogstaver, tal og bindestreg, fx bu-2027"
    )
    expect(page.get_by_label("Kode")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Indsamlet")).to_have_value("efterår 2024")
    expect(page.get_by_label("Høje Gladsaxe: befolkningstal")).to_have_value("7.300")
    assert _violations(page) == [], "the round form with its error"
    page.get_by_label("Kode").fill("bu-2024")
    page.get_by_role("button", name="Opret runden").click()
    expect(page.get_by_role("status")).to_have_text("Runden er oprettet.")
    assert client.get(f"{API}/rounds/bu-2024").json()["weights"][0]["population"] == 7300

    page.get_by_role("link", name="Redigér Borgerundersøgelse 2024").click()
    expect(page.get_by_label("Høje Gladsaxe: befolkningstal")).to_have_value("7300")
    assert _violations(page) == [], "the round's edit form"
    page.get_by_role("link", name="Annullér").click()

    # The template of the new round, from the figures page
    page.get_by_role("link", name="Indlæs tal til Borgerundersøgelse 2024").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Indlæs tal til rapporten")
    assert _violations(page) == [], "the figures page"
    expect(page.get_by_label("Runde")).to_have_value("bu-2024")
    with page.expect_download() as info:
        page.get_by_role("button", name="Hent skabelonen").click()
    assert info.value.suggested_filename == "tal-skabelon-bu-2024.xlsx"
    template = open(info.value.path(), "rb").read()

    # A bad value: its row and column in Danish, nothing saved
    _choose(page, "tal.xlsx", _filled(template, "61,5x"))
    expect(page.get_by_role("heading", name="Filen kan ikke importeres")).to_be_visible()
    rows = table_cells(page.locator('table[data-figure="import-problemer"]'))
    assert rows[0] == ["Række", "Kolonne", "Besked"]
    assert len(rows) == 2 and rows[1][1] == "Værdi" and rows[1][2].startswith("skal være et tal")
    assert int(rows[1][0]) >= 2
    assert _violations(page) == [], "the figures page with the file's problems"
    assert client.get(f"{API}/indicators/3/observations", params={"year": 2024}).json()["items"] == []

    # Fixed: the dry run, then Anvend
    _choose(page, "tal.xlsx", _filled(template, 61.5))
    expect(page.get_by_role("heading", level=1)).to_have_text("Prøvekørsel af tallene")
    counts = page.locator('table[data-figure="import-antal"]')
    expect(counts.locator("tbody tr", has_text="Oprettes")).to_contain_text("1")
    assert _violations(page) == [], "the dry run"
    page.get_by_role("button", name="Anvend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tallene er indlæst")
    expect(counts.locator("tbody tr", has_text="Oprettet")).to_contain_text("1")
    assert _violations(page) == [], "the applied import"

    page.get_by_role("link", name="Se rapporten til byrådet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Årlig afrapportering til byrådet")
    row = page.locator('table[data-indicator="3"] tbody tr', has_text="Høje Gladsaxe")
    expect(row).to_contain_text("55")
    expect(row).to_contain_text("61,5")


def test_an_admin_adds_and_retires_an_indicator(page, client, admin_token):
    sign_in(page, admin_token)
    page.goto("/rapport")
    page.get_by_role("navigation", name="Data til rapporten").get_by_role("link", name="Indikatorer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Resultatrammens indikatorer")
    expect(page.get_by_test_id("framework-version")).to_contain_text("version 1")
    assert _violations(page) == [], "the indicators"

    page.get_by_label("Navn").fill("Deltagelse i foreningslivet på tværs af boligområder")
    page.get_by_label("Enhed").fill("pct.")
    page.get_by_role("button", name="Tilføj indikatoren").click()
    expect(page.locator("#f-theme-fejl")).to_be_visible()
    expect(page.locator("#f-higher_is_better-fejl")).to_have_text("Fejl: Skal udfyldes")
    expect(page.get_by_label("Navn")).to_have_value("Deltagelse i foreningslivet på tværs af boligområder")
    assert _violations(page) == [], "the indicator form with its errors"
    page.get_by_label("Tema").select_option("T6")
    page.get_by_label("Højere er bedre").check()
    page.get_by_role("button", name="Tilføj indikatoren").click()
    expect(page.get_by_role("status")).to_have_text("Indikator 20 er tilføjet resultatrammen.")
    expect(page.locator("#indikator-20")).to_contain_text("Deltagelse i foreningslivet")
    expect(page.get_by_test_id("framework-version")).to_contain_text("version 2")

    page.get_by_role("link", name="Redigér indikator 20").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Redigér indikator 20")
    assert _violations(page) == [], "the indicator's edit form"
    page.get_by_label("Kilde").select_option("register")
    page.get_by_role("button", name="Gem ændringer").click()
    expect(page.get_by_role("status")).to_have_text("Indikator 20 er ændret.")
    expect(page.locator("#indikator-20")).to_contain_text("Registerdata")

    page.get_by_role("button", name="Udfas indikator 20").click()
    expect(page.get_by_role("status")).to_contain_text("Indikator 20 er udfaset")
    expect(page.locator("#indikator-20")).to_contain_text("Udfaset")
    expect(page.get_by_test_id("framework-version")).to_contain_text("1 udfasede (20)")
    assert client.get(f"{API}/framework/version").json()["retired"] == [20]
    assert _violations(page) == [], "the indicators with a retired one"
    page.get_by_role("button", name="Genaktivér indikator 20").click()
    expect(page.locator("#indikator-20")).to_contain_text("Aktiv")


def test_a_reader_gets_no_menu_item_and_no_form(page, client):
    client.post(f"{API}/rounds", json=BASELINE)
    sign_in(page, make_token("reader"))
    page.goto("/rapport")
    expect(page.get_by_role("navigation", name="Data til rapporten")).to_have_count(0)
    expect(page.get_by_role("link", name="Importér")).to_have_count(0)
    page.goto("/rapport/runder")
    expect(page.get_by_role("cell", name="bu-2021")).to_be_visible()
    expect(page.get_by_role("link", name="Opret en ny runde")).to_have_count(0)
    page.goto("/rapport/indikatorer")
    expect(page.get_by_role("button", name="Tilføj indikatoren")).to_have_count(0)
    expect(page.get_by_role("button", name="Udfas indikator 3")).to_have_count(0)
    response = page.goto("/importer/tal")
    assert response.status == 403
    expect(page.get_by_role("main")).to_contain_text("Social balance-enheden")
    assert _violations(page) == [], "the refusal"
