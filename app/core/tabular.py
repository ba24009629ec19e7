"""Rows as CSV or XLSX: the same columns and figures as the JSON answer, for spreadsheet users.

No cell the service writes is evaluated by a spreadsheet (OWASP's CSV injection guidance): a text starting with
`=`, `+`, `-`, `@`, a tab or a carriage return is written to CSV with a single quote before it, and to XLSX as a
text cell (string type, quote prefix), never a formula. A text that starts with a quote which the import would
take for that prefix gets one more quote. `unquote` reverses `csv_text`, so an export imports back exactly."""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class OutputFormat(StrEnum):
    json = "json"
    csv = "csv"
    xlsx = "xlsx"


# What a spreadsheet evaluates when a cell starts with it: a formula (=), a sum (+, -), a function (@ in older
# Excel), and tab / carriage return, which some programs strip before looking at the next character.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Characters XML 1.0 cannot hold (control characters other than tab, newline, carriage return).
NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _quoted(text: str) -> bool:
    """A text the import reads as neutralised: a quote, then what needed it (a formula start or another quote)."""
    return text.startswith(QUOTE) and text[1:].startswith((*FORMULA_START, QUOTE))


def csv_text(text: str) -> str:
    """A text as written to a CSV cell: a quote before a formula start (and before a quote the import would
    drop), so no spreadsheet evaluates it; `unquote(csv_text(t)) == t` for every text."""
    return QUOTE + text if text.startswith(FORMULA_START) or _quoted(text) else text


def unquote(text: str) -> str:
    """A cell of an imported CSV or XLSX as the text it stands for: the quote `csv_text` put before it dropped."""
    return text[1:] if _quoted(text) else text


def xlsx_text(sheet: Any, text: str) -> Any:
    """A text for an XLSX row: always a text cell (openpyxl would make "=..." a formula), with Excel's quote
    prefix where it starts like a formula (so editing the cell keeps it text). Only a text the import would take
    for neutralised gets a visible quote, as in CSV."""
    text = NOT_XML.sub("", text)
    if _quoted(text):
        text = QUOTE + text
    if not text.startswith(FORMULA_START):
        return text
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # exact as answered in JSON: money has two decimals, measures keep theirs
    if isinstance(value, str):
        return csv_text(value)
    return "" if value is None else value


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads æ/ø/å right), comma-separated, decimal point."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([csv_text(c) for c in columns])
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# Number formats as Excel codes: Danish Excel shows them with its own separators (1.234.567,50; 31-12-2024).
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "dd-mm-yyyy"
PERCENT_FORMAT = "0.0%"
TOTAL_LABEL = "I alt"
HEADER_FONT = Font(bold=True)


def shown_width(value: Any) -> int:
    """How many characters a value takes as a spreadsheet shows it (money with separators, dates dd-mm-yyyy)."""
    if value is None:
        return 0
    if isinstance(value, Decimal) and value.as_tuple().exponent == -2:
        return len(f"{value:,.2f}") + 1
    if isinstance(value, date):
        return 10
    return max((len(line) for line in str(value).split("\n")), default=0)


def column_widths(headings: Sequence[str], rows: Iterable[Sequence[Any]], *, most: int = 60) -> list[float]:
    """Widths (Excel's units, about one character each) that show every heading and figure; long texts capped."""
    widths = [len(h) + 2 for h in headings]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], shown_width(value) + 2)
    return [min(max(w, 8), most) for w in widths]


def xlsx_cell(worksheet: Any, value: Any, number_format: str | None = None, *, bold: bool = False) -> Any:
    """One cell of a written sheet: text as text (never a formula), money as a number with two decimals and
    thousands separators, dates as dates, other figures as numbers."""
    if isinstance(value, str):
        value = xlsx_text(worksheet, value)
        if not bold:
            return value
    if isinstance(value, Cell):
        cell = value
    else:
        cell = WriteOnlyCell(worksheet, value=value)
    if number_format is not None and isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        cell.number_format = number_format
    elif isinstance(value, Decimal):
        # money (whole øre) shows two decimals; other figures show as entered
        cell.number_format = MONEY_FORMAT if value.as_tuple().exponent == -2 else "General"
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    if bold:
        cell.font = HEADER_FONT
    return cell


def to_xlsx(
    columns: Sequence[str],
    rows: Iterable[dict[str, Any]],
    *,
    sheet: str = "data",
    headings: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    total: dict[str, Any] | None = None,
) -> bytes:
    """One sheet for a person who opens it in Excel: the headings (Danish where `headings` names them) in a bold,
    frozen first row, columns wide enough for their figures, amounts as numbers shown with two decimals and
    thousands separators, dates as dates, and the `total` row (*I alt*) in bold at the end."""
    headings = headings or {}
    formats = formats or {}
    titles = [headings.get(c, c) for c in columns]
    values = [[row.get(c) for c in columns] for row in rows]
    total_values = None
    if total is not None:
        total_values = [total.get(c) for c in columns]
        if total_values and total_values[0] is None:
            total_values[0] = TOTAL_LABEL
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    widths = column_widths(titles, [*values, *([total_values] if total_values else [])])
    for i, width in enumerate(widths, start=1):
        worksheet.column_dimensions[get_column_letter(i)].width = width
    worksheet.freeze_panes = "A2"
    worksheet.append([xlsx_cell(worksheet, t, bold=True) for t in titles])
    for row in values:
        worksheet.append([xlsx_cell(worksheet, v, formats.get(c)) for c, v in zip(columns, row, strict=True)])
    if total_values is not None:
        worksheet.append(
            [xlsx_cell(worksheet, v, formats.get(c), bold=True) for c, v in zip(columns, total_values, strict=True)]
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(
    fmt: OutputFormat,
    columns: Sequence[str],
    rows: list[dict[str, Any]],
    *,
    name: str,
    headings: dict[str, str] | None = None,
    formats: dict[str, str] | None = None,
    total: dict[str, Any] | None = None,
) -> tuple[bytes, str, str]:
    """(body, media type, file name) for a CSV or XLSX answer. CSV keeps the column codes (scripts read it) and
    holds the total row as a last row; XLSX has the Danish headings and the layout of `to_xlsx`."""
    if fmt is OutputFormat.csv:
        return to_csv(columns, [*rows, *([total] if total is not None else [])]), CSV_MEDIA_TYPE, f"{name}.csv"
    xlsx = to_xlsx(columns, rows, sheet=name, headings=headings, formats=formats, total=total)
    return xlsx, XLSX_MEDIA_TYPE, f"{name}.xlsx"
