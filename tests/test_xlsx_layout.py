"""Spreadsheets a finance person opens: every XLSX the service writes has Danish headings in a frozen, bold first
row, columns wide enough for their figures, amounts as numbers in the format Danish Excel shows as 1.234.567,50,
dates as dates, and a total row (I alt) equal to the sum of the rows where they add up. The intervention export
still imports as it is: the import reads the Danish headings (and the old column codes) and skips the total rows,
but not an intervention whose key is "I alt"."""

import io
from datetime import datetime
from decimal import Decimal

from openpyxl import Workbook, load_workbook

from app.models.interchange import COLUMN_HEADINGS, COLUMNS, HEADINGS
from app.models.rollup import ROLLUP_HEADINGS
from tests.factories import API, budget_line, create_intervention

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXPORT = f"{API}/exports/interventions"
IMPORT = f"{API}/imports/interventions"
MONEY = "#,##0.00"


def _sheet(content: bytes):
    return load_workbook(io.BytesIO(content)).worksheets[0]


def _registry(client) -> None:
    create_intervention(
        client,
        external_id="BKF-2024-ØKONOMI",
        name="Økonomiens indsats i Høje Gladsaxe",
        start_date="2024-01-01",
        end_date="2025-12-31",
        budget_lines=[
            budget_line(year=2024, category="Løn", amount="1234567.50"),
            budget_line(year=2024, category="Løn", amount="1300000.01", type="revised"),
            budget_line(year=2024, category="Løn", amount="999999.99", type="actual"),
            budget_line(year=2025, category="Aktiviteter", amount="0.01"),
        ],
    )
    create_intervention(
        client,
        external_id="SSF-2025-ØRE",
        name="Ørebøssen",
        start_date="2025-03-01",
        end_date=None,
        budget_lines=[budget_line(year=2025, category="Løn", amount="10000000000.00")],
    )


def _column(sheet, name: str) -> int:
    return COLUMNS.index(name) + 1


def test_the_export_is_laid_out_for_a_finance_person(client):
    _registry(client)
    sheet = _sheet(client.get(EXPORT, params={"format": "xlsx"}).content)
    assert sheet.title == "Indsatser"
    assert [c.value for c in sheet[1]] == HEADINGS and all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "B2"  # the heading row, and the key column beside the figures

    amount, start = _column(sheet, "budget_amount"), _column(sheet, "start_date")
    rows = [r for r in sheet.iter_rows(min_row=2) if not str(r[0].value).startswith("I alt")]
    assert len(rows) == 5
    for row in rows:
        cell = row[amount - 1]
        assert isinstance(cell.value, float | int) and cell.number_format == MONEY
        assert row[start - 1].is_date and row[start - 1].number_format == "dd-mm-yyyy"
    assert rows[0][start - 1].value == datetime(2024, 1, 1)

    # Wide enough for the widest figure as shown (10.000.000.000,00) and for every heading
    letter = sheet.cell(row=1, column=amount).column_letter
    assert sheet.column_dimensions[letter].width >= len("10.000.000.000,00")
    for i, heading in enumerate(HEADINGS, start=1):
        assert sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width >= len(heading), heading

    # One total row per type of line: each is the sum of that type's rows, to the øre
    type_at = _column(sheet, "budget_type") - 1
    sums: dict[str, Decimal] = {}
    for row in rows:
        sums[row[type_at].value] = sums.get(row[type_at].value, Decimal(0)) + Decimal(str(row[amount - 1].value))
    totals = {
        r[0].value: Decimal(str(r[amount - 1].value))
        for r in sheet.iter_rows(min_row=2)
        if str(r[0].value).startswith("I alt")
    }
    assert totals == {
        "I alt, oprindeligt budget": sums["budget"],
        "I alt, revideret budget": sums["revised"],
        "I alt, forbrug": sums["actual"],
    }
    assert sums["budget"] == Decimal("10001234567.51")
    total_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "I alt, forbrug")
    assert total_row[0].font.bold and total_row[amount - 1].number_format == MONEY
    assert [c.value for c in total_row if c.value is not None] == ["I alt, forbrug", 999999.99]


def test_the_export_imports_again_unchanged_to_the_ore(client):
    _registry(client)
    before = client.get(EXPORT).json()
    content = client.get(EXPORT, params={"format": "xlsx"}).content
    answer = client.post(IMPORT, content=content, headers={"Content-Type": XLSX})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 2)
    assert client.get(EXPORT).json() == before
    amounts = sorted(line["amount"] for record in before for line in record["budget_lines"])
    assert amounts == ["0.01", "10000000000.00", "1234567.50", "1300000.01", "999999.99"]


def test_an_intervention_keyed_i_alt_is_data_and_old_headings_still_import(client):
    """A row keyed "I alt" with a name is an intervention, not a total row; the column codes of files written
    before the headings were Danish are read as before."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "interventions"
    columns = ["external_id", "name", "kind", "department", "budget_year", "budget_category"]
    columns += ["budget_funding_source", "budget_amount"]
    sheet.append(columns)
    sheet.append(["I alt", "Indsatsen der hedder I alt", "project", "BKF", 2024, "Løn", "SOB-PULJE", 100.5])
    sheet.append(["I alt", None, None, None, None, None, None, 100.5])  # the total row under it: skipped
    out = io.BytesIO()
    workbook.save(out)
    answer = client.post(IMPORT, content=out.getvalue(), headers={"Content-Type": XLSX})
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 1
    [record] = client.get(EXPORT).json()
    assert record["external_id"] == "I alt" and [line["amount"] for line in record["budget_lines"]] == ["100.50"]

    # ... and its own export, with its total row, imports again unchanged
    content = client.get(EXPORT, params={"format": "xlsx"}).content
    assert [r[0] for r in _sheet(content).iter_rows(min_row=2, values_only=True)] == ["I alt", "I alt"]
    again = client.post(IMPORT, content=content, headers={"Content-Type": XLSX}).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)


def test_a_total_row_in_the_middle_is_not_skipped(client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([COLUMN_HEADINGS[c] for c in ("external_id", "name", "kind", "department", "budget_amount")])
    sheet.append(["A-1", "Første", "project", "BKF", None])
    sheet.append(["I alt", None, None, None, 5])
    sheet.append(["A-2", "Anden", "project", "BKF", None])
    out = io.BytesIO()
    workbook.save(out)
    answer = client.post(IMPORT, content=out.getvalue(), headers={"Content-Type": XLSX})
    assert answer.status_code == 422
    assert any(e["row"] == 3 for e in answer.json()["errors"])


def test_the_budget_rollup_has_danish_headings_and_its_total_row(client):
    _registry(client)
    answer = client.get(f"{API}/rollups/budget", params={"by": ["theme", "year"], "format": "xlsx"})
    sheet = _sheet(answer.content)
    rollup = client.get(f"{API}/rollups/budget", params={"by": ["theme", "year"]}).json()
    headings = [c.value for c in sheet[1]]
    assert headings[:3] == ["Tema", "Temaets navn", "År"] and "Beløb (kr.)" in headings
    assert set(headings) <= set(ROLLUP_HEADINGS.values())
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])
    rows = list(sheet.iter_rows(min_row=2))
    body, total = rows[:-1], rows[-1]
    assert len(body) == len(rollup["rows"]) and total[0].value == "I alt" and total[0].font.bold
    for name in ("amount", "budget", "revised", "actual", "difference"):
        at = headings.index(ROLLUP_HEADINGS[name])
        column_sum = sum(Decimal(str(r[at].value)) for r in body)
        assert Decimal(str(total[at].value)) == column_sum == Decimal(rollup["total"][name]), name
        assert all(r[at].number_format == MONEY for r in [*body, total]), name
    share = headings.index(ROLLUP_HEADINGS["share_spent"])
    assert total[share].number_format == "0.0%"
    assert Decimal(str(total[share].value)) == Decimal(rollup["total"]["share_spent"])
    assert total[headings.index(ROLLUP_HEADINGS["gross"])].value is None  # double counted: no sum
    amount_letter = total[headings.index("Beløb (kr.)")].column_letter
    assert sheet.column_dimensions[amount_letter].width >= len("10.001.234.567,51")

    # CSV stays as scripts read it: codes, no total row
    csv_text = client.get(f"{API}/rollups/budget", params={"by": ["theme", "year"], "format": "csv"}).text
    assert csv_text.lstrip("\ufeff").startswith("theme,theme_name,year,amount") and "I alt" not in csv_text


def test_the_coverage_rollup_sums_its_amounts(client):
    _registry(client)
    sheet = _sheet(client.get(f"{API}/rollups/coverage", params={"by": "theme", "format": "xlsx"}).content)
    headings = [c.value for c in sheet[1]]
    assert headings[:2] == ["Tema", "Temaets navn"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    at = headings.index("Beløb (kr.)")
    assert rows[-1][0] == "I alt"
    assert Decimal(str(rows[-1][at])) == sum(Decimal(str(r[at] or 0)) for r in rows[:-1])


def test_the_template_has_danish_headings_widths_and_a_frozen_header(client):
    sheet = _sheet(client.get(f"{API}/imports/interventions/template").content)
    assert [c.value for c in sheet[1]] == HEADINGS and sheet.freeze_panes == "B2"
    for i, heading in enumerate(HEADINGS, start=1):
        assert sheet.column_dimensions[sheet.cell(row=1, column=i).column_letter].width >= len(heading)
