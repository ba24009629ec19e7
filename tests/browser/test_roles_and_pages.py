"""Roles, pools, pages without JavaScript, print, and the accessibility check of every page."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import make_token
from tests.factories import API, budget_line, create_intervention

axe = Axe()


def _data(client) -> dict:
    own = create_intervention(client, name="Læsevenner i Mørkhøj", department="BKF", kind="trial_action")
    other = create_intervention(
        client, name="Grønne gårde", department="BMF", themes=["T9"], budget_lines=[budget_line(year=2021)]
    )
    pool = client.post(f"{API}/pools", json={"name": "Prøvehandlinger 2021", "year": 2021, "amount": "250000"}).json()
    client.post(
        f"{API}/pools/{pool['id']}/allocations",
        json={"intervention_id": own["id"], "amount": "40000", "status": "granted", "reason": "Ok"},
    )
    client.post(f"{API}/pools/{pool['id']}/allocations", json={"intervention_id": other["id"], "amount": "15000"})
    return {"own": own, "other": other, "pool": pool}


def test_a_reader_and_an_editor_see_what_their_role_may(page, client):
    data = _data(client)
    reader = make_token("reader", name="læser")
    editor = make_token("editor", "BKF", name="redaktør-bkf")

    sign_in(page, reader)
    expect(page.locator(".who")).to_contain_text("Læser")
    page.goto(f"/indsatser/{data['own']['id']}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Læsevenner i Mørkhøj")
    expect(page.get_by_text("Du kan ændre denne indsats")).to_have_count(0)
    page.goto(f"/puljer/{data['pool']['id']}")
    expect(page.get_by_text("venter på din afgørelse")).to_have_count(0)
    page.get_by_role("button", name="Log ud").click()

    sign_in(page, editor)
    expect(page.locator(".who")).to_contain_text("Redaktør for BKF")
    page.goto(f"/indsatser/{data['own']['id']}")
    expect(page.get_by_text("Du kan ændre denne indsats")).to_be_visible()
    page.goto(f"/indsatser/{data['other']['id']}")  # another department's: readable, not changeable
    expect(page.get_by_role("heading", level=1)).to_have_text("Grønne gårde")
    expect(page.get_by_text("Du kan ændre denne indsats")).to_have_count(0)
    page.goto(f"/puljer/{data['pool']['id']}")
    expect(page.get_by_text("venter på din afgørelse")).to_have_count(0)
    page.get_by_role("button", name="Log ud").click()

    sign_in(page, make_token("pool_manager", name="puljeforvalter"))
    page.goto(f"/puljer/{data['pool']['id']}")
    expect(page.get_by_text("1 ansøgning venter på din afgørelse")).to_be_visible()


def test_the_pool_page_shows_balance_allocations_and_where_the_money_went(page, client, admin_token):
    data = _data(client)
    sign_in(page, admin_token)
    page.get_by_role("link", name="Puljer", exact=True).click()
    row = page.locator('table[data-figure="puljer"] tbody tr', has_text="Prøvehandlinger 2021")
    expect(row).to_contain_text("250.000,00")
    expect(row).to_contain_text("40.000,00")
    expect(row).to_contain_text("15.000,00")
    expect(row).to_contain_text("210.000,00")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prøvehandlinger 2021 (2021)")
    expect(page.locator('table[data-figure="saldo-pr-maaned"] tbody tr').last).to_contain_text("210.000,00")
    status = page.locator('table[data-figure="pr-status"]')
    expect(status.locator("tbody tr", has_text="Bevilget")).to_contain_text("40.000,00")
    expect(status.locator("tbody tr", has_text="Ansøgt")).to_contain_text("15.000,00")
    where = page.locator('table[data-figure="pr-indsats"]')
    expect(where.locator("tbody tr")).to_have_count(1)
    expect(where.locator("tbody tr")).to_contain_text("Læsevenner i Mørkhøj")
    expect(page.locator('table[data-figure="pr-forvaltning"] tbody tr')).to_contain_text("Børne- og Kultur")
    answer = page.request.get(page.locator("#pr-tema").get_by_role("link", name="CSV").get_attribute("href"))
    assert answer.ok and "Bevilget, netto (kr.)" in answer.text() and "40000.00" in answer.text()
    assert data["pool"]["id"]


def test_pages_read_and_filter_without_javascript(browser, server, admin_token, client):
    create_intervention(client, name="Uden script", budget_lines=[budget_line(year=2020, amount="777.00")])
    ctx = browser.new_context(base_url=server, java_script_enabled=False)
    try:
        page = ctx.new_page()
        sign_in(page, admin_token)
        expect(page.locator('table[data-figure="plan-og-forbrug-pr-aar"]')).to_contain_text("777,00")
        page.get_by_label("Fra år").select_option("2021")
        page.get_by_role("button", name="Vis").click()
        expect(page.locator("#plan-og-forbrug-pr-aar")).to_contain_text("Ingen tal for de valgte filtre")
        page.goto("/indsatser?q=uden")
        expect(page.locator("#indsatser tbody tr")).to_have_count(1)
    finally:
        ctx.close()


def test_print_gives_a_clean_a4_page(page, client, admin_token):
    item = create_intervention(client, name="Udskrevet indsats")
    sign_in(page, admin_token)
    page.emulate_media(media="print")
    for path in ("/", f"/indsatser/{item['id']}"):
        page.goto(path)
        expect(page.locator(".site-header")).to_be_hidden()
        expect(page.locator(".filters")).to_have_count(1 if path == "/" else 0)
        if path == "/":
            expect(page.locator(".filters")).to_be_hidden()
            expect(page.locator(".downloads").first).to_be_hidden()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        pdf = page.pdf(format="A4", prefer_css_page_size=True)
        assert pdf.startswith(b"%PDF")


def _serious(page) -> list[str]:
    result = axe.run(page)
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in result.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_no_serious_or_critical_accessibility_violation_on_any_page(page, client, admin_token):
    data = _data(client)
    page.goto("/login")
    assert _serious(page) == []
    page.get_by_label("Personligt token").fill("forkert")
    page.get_by_role("button", name="Log ind").click()
    assert _serious(page) == [], "the sign-in page with its error"
    sign_in(page, admin_token)
    for path in (
        "/",
        "/?year_from=2020&year_to=2021&department=BKF&area=moerkhoej&track=social",
        "/?year_from=2022&year_to=2019",
        "/indsatser",
        "/indsatser?q=ingen-match",
        f"/indsatser/{data['own']['id']}",
        "/puljer",
        f"/puljer/{data['pool']['id']}",
        "/indsatser/999999",
    ):
        page.goto(path)
        assert _serious(page) == [], path
