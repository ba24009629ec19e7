"""Reading what a page shows: a table's cells as the person sees them, and the same turned into exact numbers to
compare with a download."""

import csv
import io
import re
from decimal import Decimal

from openpyxl import load_workbook
from playwright.sync_api import Locator, Page

_DANISH_NUMBER = re.compile(r"^−?-?[\d.]+(,\d+)?( %)?$")


def table_cells(table: Locator) -> list[list[str]]:
    """Header row, body rows and the total row of a table, as the texts of their cells."""
    rows = []
    for row in table.locator("tr").all():
        rows.append([cell.inner_text().strip() for cell in row.locator("th, td").all()])
    return rows


def plain(text: str) -> str:
    """A cell as a download holds it: "1.234,50" → "1234.50", "95,1 %" → "95.1", "–" → ""."""
    text = text.strip()
    if text == "–":
        return ""
    if _DANISH_NUMBER.match(text):
        text = text.replace(" %", "").replace(".", "").replace(",", ".").replace("−", "-")
    return text


def page_table(page: Page, figure: str) -> list[list[str]]:
    return [[plain(c) for c in row] for row in table_cells(page.locator(f'table[data-figure="{figure}"]'))]


def csv_rows(body: bytes) -> list[list[str]]:
    text = body.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def xlsx_rows(body: bytes) -> list[list[str]]:
    sheet = load_workbook(io.BytesIO(body), read_only=True).active
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = []
        for value in values:
            if value is None:
                cells.append("")
            elif isinstance(value, float | int | Decimal) and not isinstance(value, bool):
                cells.append(value)
            else:
                cells.append(str(value))
        rows.append(cells)
    return rows


def same_numbers(shown: list[list[str]], downloaded: list[list]) -> bool:
    """Row by row and cell by cell: texts equal, numbers equal as numbers."""
    if len(shown) != len(downloaded):
        return False
    for a_row, b_row in zip(shown, downloaded, strict=True):
        if len(a_row) != len(b_row):
            return False
        for a, b in zip(a_row, b_row, strict=True):
            if isinstance(b, float | int | Decimal):
                if Decimal(a) != Decimal(str(b)):
                    return False
            elif str(a) != str(b):
                try:
                    if Decimal(a) != Decimal(b):
                        return False
                except ArithmeticError:
                    return False
    return True
