"""Rows as CSV or XLSX: the same columns and figures as the JSON answer, for spreadsheet users.

No cell the service writes is evaluated by a spreadsheet (OWASP's CSV injection guidance): a text starting with
`=`, `+`, `-`, `@`, a tab or a carriage return is written to CSV with a single quote before it, and to XLSX as a
text cell (string type, quote prefix), never a formula. A text that starts with a quote which the import would
take for that prefix gets one more quote. `unquote` reverses `csv_text`, so an export imports back exactly."""

import csv
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
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


def to_xlsx(columns: Sequence[str], rows: Iterable[dict[str, Any]], *, sheet: str = "data") -> bytes:
    """One sheet, a header row, amounts as numbers formatted with two decimals."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append([xlsx_text(worksheet, c) for c in columns])
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, str):
                value = xlsx_text(worksheet, value)
            elif isinstance(value, Decimal):
                cell = WriteOnlyCell(worksheet, value=value)
                # money (whole øre) shows two decimals; other figures show as entered
                cell.number_format = "#,##0.00" if value.as_tuple().exponent == -2 else "General"
                value = cell
            values.append(value)
        worksheet.append(values)
    for i in range(len(columns)):
        worksheet.column_dimensions[get_column_letter(i + 1)].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render(
    fmt: OutputFormat, columns: Sequence[str], rows: list[dict[str, Any]], *, name: str
) -> tuple[bytes, str, str]:
    """(body, media type, file name) for a CSV or XLSX answer."""
    if fmt is OutputFormat.csv:
        return to_csv(columns, rows), CSV_MEDIA_TYPE, f"{name}.csv"
    return to_xlsx(columns, rows, sheet=name), XLSX_MEDIA_TYPE, f"{name}.xlsx"
