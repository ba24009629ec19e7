"""The report to the Byråd in a real browser: reached from the menu, the verdicts and a chart per theme shown,
no serious accessibility violation, and a clean printed page."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from app.cli import main as registry
from tests.browser.conftest import sign_in

axe = Axe()


def test_report_page_renders_passes_axe_and_prints(page, admin_token):
    registry(["demo"])
    sign_in(page, admin_token)
    page.get_by_role("link", name="Rapport til byrådet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Årlig afrapportering til byrådet")
    expect(page.get_by_test_id("overall")).to_contain_text("Samlet vurdering")
    expect(page.locator("section.theme")).to_have_count(9)
    expect(page.locator("figure.line-chart svg[role=img]")).to_have_count(9)
    expect(page.locator("#tema-t6 table.indicator")).to_have_count(1)
    expect(page.locator("#tema-t3")).to_contain_text("overhalet kommunen")

    page.get_by_label("Udgangspunkt").select_option("register-2021")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**/rapport?baseline=register-2021&latest=bu-2024")
    expect(page.locator("section.theme")).to_have_count(9)

    result = axe.run(page)
    serious = [v["id"] for v in result.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []

    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".filters")).to_be_hidden()
    assert page.pdf(format="A4", prefer_css_page_size=True).startswith(b"%PDF")
