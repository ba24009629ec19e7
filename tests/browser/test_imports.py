"""Importing in the browser: a file with errors shows every problem by row and column, a good file's dry run its
counts, and "Anvend" imports it; the template downloads from the page; the pages pass the accessibility check."""

import io

from axe_playwright_python.sync_playwright import Axe
from openpyxl import load_workbook
from playwright.sync_api import expect

from app.models.interchange import HEADINGS
from tests.browser.conftest import sign_in
from tests.browser.helpers import table_cells

axe = Axe()

HEADER = (
    "external_id;name;kind;status;department;themes;budget_year;budget_category;budget_funding_source;budget_amount"
)
BAD = (
    HEADER + "\r\n"
    "BR-1;Cykelværksted i Værebro Park;trial_action;planned;SOB;T99;2026;Løn;SOB-PULJE;12x\r\n"
    "BR-2;;project;planned;BKF;T4;2026;Løn;SOB-PULJE;100\r\n"
).encode("utf-8")
GOOD = (
    HEADER + "\r\n"
    "BR-1;Cykelværksted i Værebro Park;trial_action;planned;SOB;T9;2026;Løn;SOB-PULJE;1.234,50\r\n"
    "BR-1;;;;;;2026;Aktiviteter;SOB-PULJE;200\r\n"
    "BR-2;Lektiehjælp i Mørkhøj;project;planned;BKF;T2;2026;Løn;SOB-PULJE;100\r\n"
).encode("utf-8")


def _violations(page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in result.response["violations"]
    ]


def _choose(page, name: str, body: bytes) -> None:
    page.get_by_label("Fil (XLSX eller CSV)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": body}]
    )
    page.get_by_role("button", name="Kontrollér filen").click()


def test_a_file_with_errors_shows_each_problem_by_row_and_column(page, admin_token):
    sign_in(page, admin_token)
    page.get_by_role("link", name="Importér").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importér indsatser")
    assert _violations(page) == []
    _choose(page, "indsatser.csv", BAD)
    expect(page.get_by_role("heading", name="Filen kan ikke importeres")).to_be_visible()
    rows = table_cells(page.locator('table[data-figure="import-problemer"]'))
    assert rows[0] == ["Række", "Kolonne", "Besked"]
    assert ["2", "Temaer", "ukendt temakode: 'T99'"] in rows
    assert any(r[:2] == ["2", "Beløb (kr.)"] and "skal være et tal" in r[2] for r in rows)
    assert ["3", "Navn", "skal udfyldes"] in rows
    assert _violations(page) == []


def test_a_good_file_dry_run_then_apply_creates_the_interventions(page, admin_token):
    sign_in(page, admin_token)
    page.goto("/importer")
    _choose(page, "indsatser.csv", GOOD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Prøvekørsel af importen")
    counts = page.locator('table[data-figure="import-antal"]')
    expect(counts.locator("tbody tr", has_text="Oprettes")).to_contain_text("2")
    expect(counts.locator("tbody tr", has_text="Opdateres")).to_contain_text("0")
    assert _violations(page) == []
    page.goto("/indsatser?q=cykelværksted")
    expect(page.get_by_text("Cykelværksted i Værebro Park")).to_have_count(0)  # a dry run writes nothing
    page.go_back()

    page.get_by_role("button", name="Anvend").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Importen er gennemført")
    expect(counts.locator("tbody tr", has_text="Oprettet")).to_contain_text("2")
    assert _violations(page) == []
    page.get_by_role("link", name="BR-1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cykelværksted i Værebro Park")
    page.goto("/indsatser?q=cykelværksted")
    expect(page.get_by_role("link", name="Cykelværksted i Værebro Park")).to_be_visible()


def test_the_template_downloads_from_the_page(page, admin_token):
    sign_in(page, admin_token)
    page.goto("/importer")
    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    download = info.value
    assert download.suggested_filename == "indsatser-skabelon.xlsx"
    sheet = load_workbook(io.BytesIO(open(download.path(), "rb").read())).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADINGS and sheet.freeze_panes == "B2"
