"""The overview in a real browser: money registered through the API appears in the charts, the tables and the
list; the filters change every figure together; each download holds exactly what its table shows."""

from decimal import Decimal

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.helpers import csv_rows, page_table, same_numbers, xlsx_rows
from tests.factories import API, budget_line, create_intervention

FIGURES = [
    "plan-og-forbrug-pr-aar",
    "budget-pr-effektmaal",
    "budget-pr-tema",
    "daekning-pr-tema",
    "daekning-pr-indikator",
    "puljer",
]


def test_money_registered_through_the_api_appears_in_chart_table_and_list(page, client, admin_token):
    create_intervention(
        client,
        name="Lektiecafé i Værebro Park",
        themes=["T1"],
        areas=["vaerebro-park"],
        budget_lines=[
            budget_line(year=2021, amount="123456.78"),
            budget_line(year=2021, amount="100000.00", type="actual"),
        ],
    )
    sign_in(page, admin_token)

    rows = page_table(page, "plan-og-forbrug-pr-aar")
    assert rows[0][:3] == ["År", "Gældende budget (kr.)", "Forbrug (kr.)"]
    assert ["2021", "123456.78", "100000.00"] == rows[1][:3]
    assert rows[-1][:3] == ["I alt", "123456.78", "100000.00"]
    # the chart beside it draws the same figures (whole kroner on the bars)
    chart = page.locator("#plan-og-forbrug-pr-aar svg[role=img]")
    expect(chart.locator("text", has_text="2021")).to_have_count(1)
    expect(chart.locator("text", has_text="123.457")).to_have_count(1)
    expect(chart.locator("text", has_text="100.000")).to_have_count(1)
    theme_rows = page_table(page, "budget-pr-tema")
    assert any(r[0] == "T1 Selvforsørgelse" and r[1] == "123456.78" for r in theme_rows), theme_rows
    # coverage: T1 is covered now, the themes without an active or planned intervention are named
    uncovered = page.get_by_test_id("uncovered-daekning-pr-tema")
    expect(uncovered).to_contain_text("Ikke dækket")
    expect(uncovered).not_to_contain_text("T1 Selvforsørgelse")
    expect(uncovered).to_contain_text("T2")

    page.get_by_role("link", name="Indsatser", exact=True).click()
    row = page.locator("#indsatser tbody tr", has_text="Lektiecafé i Værebro Park")
    expect(row).to_contain_text("123.456,78")
    expect(row).to_contain_text("100.000,00")
    expect(row).to_contain_text("Projekt")  # Danish labels for kind, status and track
    expect(row).to_contain_text("I gang")
    expect(row).to_contain_text("Det sociale spor")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lektiecafé i Værebro Park")
    expect(page.locator("#historik")).to_be_visible()
    expect(page.locator(".history tbody tr").first).to_contain_text("Oprettet")
    expect(page.locator(".history tbody tr").first).to_contain_text("test-admin")


def _figures(page) -> dict[str, list[list[str]]]:
    found = {}
    for figure in FIGURES:
        table = page.locator(f'table[data-figure="{figure}"]')
        found[figure] = page_table(page, figure) if table.count() else []
    return found


def test_filters_change_every_figure_and_downloads_hold_what_is_shown(page, client, admin_token):
    ours = create_intervention(
        client,
        name="Fritidsjob i Mørkhøj",
        department="BKF",
        areas=["moerkhoej"],
        themes=["T1"],
        indicators=[2],
        track="social",
        budget_lines=[budget_line(year=2020, amount="50000.00"), budget_line(year=2020, amount="20000", type="actual")],
    )
    theirs = create_intervention(
        client,
        name="Trygge stier i Høje Gladsaxe",
        department="BMF",
        areas=["hoeje-gladsaxe"],
        themes=["T7"],
        indicators=[7],
        track="physical",
        budget_lines=[budget_line(year=2021, amount="80000.00")],
    )
    pool = client.post(f"{API}/pools", json={"name": "Prøvehandlinger 2020", "year": 2020, "amount": "100000"}).json()
    for item, amount in ((ours, "10000"), (theirs, "30000")):
        answer = client.post(
            f"{API}/pools/{pool['id']}/allocations",
            json={"intervention_id": item["id"], "amount": amount, "status": "granted", "reason": "Ok"},
        )
        assert answer.status_code == 201, answer.text

    sign_in(page, admin_token)
    before = _figures(page)
    assert all(before[f] for f in FIGURES)

    page.get_by_label("Forvaltning").select_option("BKF")
    page.get_by_role("button", name="Vis").click()
    page.wait_for_url("**/?*department=BKF*")
    after = _figures(page)
    for figure in FIGURES:
        assert after[figure] != before[figure], f"{figure} did not change with the department filter"
    # the plan: the 50,000 kr. line and the 10,000 kr. pool grant's own line (a grant carries its budget line)
    assert [r[:3] for r in after["plan-og-forbrug-pr-aar"][1:]] == [["2020", "60000.00", "20000.00"]] * 1 + [
        ["I alt", "60000.00", "20000.00"]
    ]
    covered = {r[0]: r[3] for r in after["daekning-pr-tema"][1:]}
    assert covered["T1 Selvforsørgelse"] == "1" and covered["T7 Image"] == "0"
    assert after["puljer"][0][-1] == "Heraf bevilget til de valgte indsatser (kr.)"
    assert after["puljer"][1][-1] == "10000.00"

    # every figure's CSV and XLSX download: exactly the rows and columns its table shows, same filters
    for figure in FIGURES:
        section = page.locator(f"#{figure}")
        csv_link = section.get_by_role("link", name="CSV")
        assert "department=BKF" in csv_link.get_attribute("href")
        shown = after[figure]
        csv_answer = page.request.get(csv_link.get_attribute("href"))
        assert csv_answer.ok and csv_answer.headers["content-type"].startswith("text/csv")
        assert same_numbers(shown, csv_rows(csv_answer.body())), (figure, shown, csv_rows(csv_answer.body()))
        xlsx_answer = page.request.get(section.get_by_role("link", name="Excel (XLSX)").get_attribute("href"))
        assert xlsx_answer.ok
        assert same_numbers(shown, xlsx_rows(xlsx_answer.body())), figure

    # the year range too changes every figure (the pools: only those of the years chosen)
    page.goto("/?year_from=2021&year_to=2021")
    years = _figures(page)
    for figure in FIGURES:
        assert years[figure] != before[figure], f"{figure} did not change with the year range"
    assert years["puljer"] == []
    expect(page.locator("#puljer")).to_contain_text("Ingen tal for de valgte filtre")
    assert Decimal(years["plan-og-forbrug-pr-aar"][-1][1]) == Decimal("80000.00")


def test_a_wrong_filter_is_named_beside_its_field(page, admin_token):
    sign_in(page, admin_token)
    page.goto("/?year_from=2022&year_to=2019")
    expect(page.get_by_role("alert")).to_contain_text("Til-året ligger før fra-året")
    expect(page.locator("#f-year_to")).to_have_attribute("aria-invalid", "true")
    page.goto("/?department=XYZ")
    expect(page.locator("#f-department-fejl")).to_be_visible()
