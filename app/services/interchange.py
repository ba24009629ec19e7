"""Reading import files: JSON arrays, and the long CSV/XLSX format of app/models/interchange.py, into
records with the file's row numbers, so that every problem can be reported where the user will look for it."""

import csv
import io
import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.models.interchange import (
    BUDGET_COLUMNS,
    COLUMNS,
    CRITERION_COLUMNS,
    INTERVENTION_COLUMNS,
    LIST_COLUMNS,
)


@dataclass
class RawRecord:
    """One intervention as read from the file, before validation, and where its parts are in the file."""

    row: int  # where it starts: JSON array position from 1, or the spreadsheet row (header = 1)
    data: Any
    line_rows: list[int] = field(default_factory=list)  # the row of each budget line
    criterion_rows: list[int] = field(default_factory=list)
    tabular: bool = False  # CSV/XLSX: problems name columns, not JSON paths

    def where(self, loc: tuple | list) -> tuple[int, str]:
        """(row, column) of a validation error location inside this record."""
        loc = list(loc)
        if (
            self.tabular
            and len(loc) >= 2
            and loc[0] in ("budget_lines", "success_criteria")
            and isinstance(loc[1], int)
        ):
            rows = self.line_rows if loc[0] == "budget_lines" else self.criterion_rows
            row = rows[loc[1]] if loc[1] < len(rows) else self.row
            prefix = "budget_" if loc[0] == "budget_lines" else "criterion_"
            rest = loc[2] if len(loc) > 2 else ""
            return row, f"{prefix}{rest}" if rest else loc[0]
        if self.tabular and loc:
            return self.row, str(loc[0])
        return self.row, ".".join(str(p) for p in loc) or "(record)"


@dataclass
class FileProblem:
    row: int | None
    column: str | None
    msg: str


class UnreadableFile(Exception):
    def __init__(self, problems: list[FileProblem]):
        super().__init__(problems[0].msg if problems else "unreadable file")
        self.problems = problems


# --- JSON --------------------------------------------------------------------------------------------------


def read_json(body: bytes) -> list[RawRecord]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFile([FileProblem(None, None, f"the body is not valid JSON: {exc}")]) from None
    if not isinstance(data, list):
        raise UnreadableFile([FileProblem(None, None, "the body must be a JSON array of interventions")])
    return [RawRecord(row=i + 1, data=item) for i, item in enumerate(data)]


# --- CSV and XLSX ------------------------------------------------------------------------------------------


def read_csv(body: bytes) -> list[RawRecord]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFile([FileProblem(None, None, "the CSV file must be UTF-8 (in Excel: 'CSV UTF-8')")]) from None
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return _records_from_rows(rows, decimal_comma=delimiter == ";")


def read_xlsx(body: bytes) -> list[RawRecord]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(
            [FileProblem(None, None, f"the file is not a readable XLSX workbook ({exc.__class__.__name__})")]
        ) from None
    sheet = workbook["interventions"] if "interventions" in workbook.sheetnames else workbook.worksheets[0]
    rows = [[_xlsx_cell(value) for value in row] for row in sheet.iter_rows(values_only=True)]
    workbook.close()
    return _records_from_rows(rows, decimal_comma=False)


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        # Excel keeps numbers as doubles; the shortest repr is what the user typed (0.1, not 0.1000000000000000055).
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


_SPACES = re.compile(r"[\s\u00a0\u202f]")


def parse_number(text: str, *, decimal_comma: bool) -> str | None:
    """A number as Danish or English spreadsheets write it, as a plain decimal string; None when ambiguous.

    "1.234,50" and "1,234.50" are 1234.50; "12,5" is 12.5; with a semicolon CSV (Danish Excel) "1.234" is one
    thousand two hundred and thirty-four, otherwise 1.234; a lone "1,234" with a comma CSV is ambiguous."""
    text = _SPACES.sub("", text)
    if text.lower().endswith("kr."):
        text = text[:-3]
    has_dot, has_comma = "." in text, "," in text
    if has_dot and has_comma:
        if text.rfind(",") > text.rfind("."):
            text = text.replace(".", "").replace(",", ".")
        else:
            text = text.replace(",", "")
    elif has_comma:
        parts = text.split(",")
        if len(parts) == 2 and (decimal_comma or len(parts[1]) != 3):
            text = f"{parts[0]}.{parts[1]}"
        else:
            return None  # "1,234" in a comma file, or "1,234,567": thousands or decimals? refuse to guess
    elif has_dot and decimal_comma and re.fullmatch(r"\d{1,3}(\.\d{3})+", text):
        text = text.replace(".", "")  # Danish thousands separators
    return text


_DANISH_DATE = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")


def _date_text(text: str) -> str:
    """ISO dates as they are; 31-12-2022 and 31.12.2022 (Danish day-month-year) turned into ISO."""
    match = _DANISH_DATE.match(text)
    if match:
        day, month, year = match.groups()
        return f"{year}-{int(month):02d}-{int(day):02d}"
    return text


def _split_list(text: str) -> list[str]:
    return [part for part in re.split(r"[,;|\s]+", text) if part]


def _records_from_rows(rows: list[list[str]], *, decimal_comma: bool) -> list[RawRecord]:
    """One record per external_id from the rows of a sheet: the intervention's cells may be repeated on each of
    its rows (or left blank after the first), each row may add a budget line and a success criterion."""
    rows = [[unicodedata.normalize("NFC", (cell or "").strip()) for cell in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    index = _column_index(rows)
    problems: list[FileProblem] = []
    groups: dict[str, RawRecord] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # blank rows between blocks are fine
        cells = {name: (row[i] if i < len(row) else "") for name, i in index.items()}
        key = cells.get("external_id", "")
        if not key:
            problems.append(FileProblem(number, "external_id", "every row needs the external_id of its intervention"))
            continue
        record = groups.get(key)
        if record is None:
            record = groups[key] = RawRecord(
                row=number, data={"__cells": {}, "budget_lines": [], "success_criteria": []}, tabular=True
            )
        _merge_intervention_cells(record, cells, number, problems)
        if any(cells.get(c) for c in BUDGET_COLUMNS):
            _add_budget_line(record, cells, number, problems, decimal_comma=decimal_comma)
        if any(cells.get(c) for c in CRITERION_COLUMNS):
            _add_criterion(record, cells, number, decimal_comma=decimal_comma)
    if problems:
        raise UnreadableFile(problems)
    for record in groups.values():
        _finish_record(record)
    return list(groups.values())


def _column_index(rows: list[list[str]]) -> dict[str, int]:
    """Each named column's position, from the header row; UnreadableFile for an empty file, or a header with an
    unknown, repeated or missing required column."""
    if not rows:
        raise UnreadableFile([FileProblem(1, None, "the file is empty: the first row must name the columns")])
    header = [h.lower() for h in rows[0]]
    problems = []
    for i, name in enumerate(header):
        if name and name not in COLUMNS:
            problems.append(FileProblem(1, name, f"unknown column {name!r} (column {i + 1}); see the template"))
        if name and header.count(name) > 1 and header.index(name) == i:
            problems.append(FileProblem(1, name, f"column {name!r} appears more than once"))
    for required in ("external_id", "name", "kind", "department"):
        if required not in header:
            problems.append(FileProblem(1, required, f"the column {required!r} is missing"))
    if problems:
        raise UnreadableFile(problems)
    return {name: i for i, name in enumerate(header) if name}


def _merge_intervention_cells(record: RawRecord, cells: dict[str, str], number: int, problems: list) -> None:
    """The intervention's own cells of one row: a value repeated on a later row must be the same."""
    seen = record.data["__cells"]
    for name in INTERVENTION_COLUMNS:
        value = cells.get(name, "")
        if not value:
            continue
        if name in seen and seen[name][0] != value:
            problems.append(
                FileProblem(
                    number,
                    name,
                    f"differs from row {seen[name][1]} of the same external_id "
                    f"({seen[name][0]!r}); leave it blank or repeat it",
                )
            )
        seen.setdefault(name, (value, number))


def _add_budget_line(
    record: RawRecord, cells: dict[str, str], number: int, problems: list, *, decimal_comma: bool
) -> None:
    amount = cells.get("budget_amount", "")
    parsed = parse_number(amount, decimal_comma=decimal_comma) if amount else amount
    if parsed is None:
        problems.append(
            FileProblem(
                number,
                "budget_amount",
                f"the amount {amount!r} is ambiguous: write 1234.50 (or 1234,50 in a semicolon file)",
            )
        )
        parsed = amount
    record.data["budget_lines"].append(
        _drop_empty(
            {
                "year": cells.get("budget_year", ""),
                "category": cells.get("budget_category", ""),
                "funding_source": cells.get("budget_funding_source", ""),
                "amount": parsed,
                "note": cells.get("budget_note", ""),
                "type": cells.get("budget_type", ""),
            },
            keep=("year", "category", "funding_source", "amount"),
        )
    )
    record.line_rows.append(number)


def _add_criterion(record: RawRecord, cells: dict[str, str], number: int, *, decimal_comma: bool) -> None:
    criterion = {name.removeprefix("criterion_"): cells.get(name, "") for name in CRITERION_COLUMNS}
    for name in ("baseline", "target", "actual_value"):
        if criterion[name]:
            criterion[name] = parse_number(criterion[name], decimal_comma=decimal_comma) or criterion[name]
    if criterion["target_date"]:
        criterion["target_date"] = _date_text(criterion["target_date"])
    record.data["success_criteria"].append(_drop_empty(criterion, keep=("description",)))
    record.criterion_rows.append(number)


def _finish_record(record: RawRecord) -> None:
    """The intervention's cells into the record's data: lists split, Danish dates made ISO."""
    cells = {name: value for name, (value, _row) in record.data.pop("__cells").items()}
    for name in LIST_COLUMNS:
        if name in cells:
            cells[name] = _split_list(cells[name])
    for name in ("start_date", "end_date"):
        if name in cells:
            cells[name] = _date_text(cells[name])
    record.data.update(cells)


def _drop_empty(values: dict[str, Any], *, keep: tuple[str, ...]) -> dict[str, Any]:
    """Blank optional cells are absent, not empty strings; required ones stay so the error names them."""
    return {k: v for k, v in values.items() if v != "" or k in keep}
