"""Rows as CSV or XLSX: the same columns and figures as the JSON answer, for spreadsheet users."""

import csv
import io
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


def _cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")  # exact as answered in JSON: money has two decimals, measures keep theirs
    return "" if value is None else value


def to_csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads æ/ø/å right), comma-separated, decimal point."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(columns: Sequence[str], rows: Iterable[dict[str, Any]], *, sheet: str = "data") -> bytes:
    """One sheet, a header row, amounts as numbers formatted with two decimals."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append(list(columns))
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column)
            if isinstance(value, Decimal):
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
