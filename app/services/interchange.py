"""Reading import files: JSON arrays, and the long CSV/XLSX format of app/models/interchange.py, into
records with the file's row numbers, so that every problem can be reported where the user will look for it."""

import codecs
import csv
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from app.core.tabular import unquote
from app.models.interchange import (
    BUDGET_COLUMNS,
    COLUMN_OF,
    COLUMNS,
    CRITERION_COLUMNS,
    INTERVENTION_COLUMNS,
    LIST_COLUMNS,
    PARTY_COLUMNS,
    PARTY_REQUIRED,
    SHEET_NAMES,
    is_total_row,
)


@dataclass
class RawRecord:
    """One intervention as read from the file, before validation, and where its parts are in the file."""

    row: int  # where it starts: JSON array position from 1, or the spreadsheet row (header = 1)
    data: Any
    line_rows: list[int] = field(default_factory=list)  # the row of each budget line
    criterion_rows: list[int] = field(default_factory=list)
    party_rows: dict[str, list[int]] = field(default_factory=dict)  # the row of each party item, per set
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
        if self.tabular and len(loc) >= 2 and loc[0] in PARTY_COLUMNS and isinstance(loc[1], int):
            rows = self.party_rows.get(loc[0], [])
            row = rows[loc[1]] if loc[1] < len(rows) else self.row
            columns = {name: column for column, name in PARTY_COLUMNS[loc[0]].items()}
            return row, columns.get(loc[2], loc[0]) if len(loc) > 2 else loc[0]
        if self.tabular and loc:
            return self.row, str(loc[0])
        return self.row, ".".join(str(p) for p in loc) or "(record)"


@dataclass
class FileProblem:
    row: int | None
    column: str | None
    msg: str
    type: str = "file"  # what kind of problem (the key of its translations), e.g. "unknown_column"
    ctx: dict[str, Any] | None = None  # the values the message names


@dataclass
class ReadFile:
    """What could be read of a file: its records, the problems of its shape (the file is read on past them, so
    that one answer reports them with every other problem), and how it was read."""

    records: list[RawRecord]
    problems: list[FileProblem] = field(default_factory=list)
    encoding: str | None = None  # the character encoding a text file was read in
    missing_columns: set[str] = field(default_factory=set)


class UnreadableFile(Exception):
    """The file cannot be read any further: these problems are all it can say."""

    def __init__(self, problems: list[FileProblem], **extra: Any):
        super().__init__(problems[0].msg if problems else "unreadable file")
        self.problems = problems
        self.extra = extra


class FileTooLarge(UnreadableFile):
    """The file would unpack to more than the import reads (413): refused before it is parsed."""


# Limits of what an import reads (the body itself is bounded by MAX_IMPORT_BYTES in the settings).
MAX_COLUMNS = 200  # cells per row (the template has about 30); wider rows are refused, not read
MAX_LINE_CHARS = 1_000_000  # one physical CSV line; the longest valid row is about 60,000 characters
MAX_CELL_CHARS = 131_072  # one CSV cell (the csv module's limit; the longest text field takes 20,000)
MAX_XLSX_UNPACKED_BYTES = 300 * 1024 * 1024  # all parts of a workbook together, unpacked
MAX_XLSX_RATIO = 250  # unpacked / packed size of a part larger than XLSX_RATIO_FLOOR
XLSX_RATIO_FLOOR = 10 * 1024 * 1024
MAX_XLSX_CELLS = 5_000_000  # rows × columns of a sheet (100,000 budget lines of 31 columns is 3.1 million)
MAX_XLSX_PARTS = 10_000
TOO_DEEP = "the JSON nests arrays and objects too deeply (a record is an object of lists of objects)"


# --- JSON --------------------------------------------------------------------------------------------------


def read_json(body: bytes) -> ReadFile:
    try:
        data = json.loads(body)
    except RecursionError:
        raise UnreadableFile([FileProblem(None, None, TOO_DEEP, "json_too_deep")]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise UnreadableFile(
            [FileProblem(None, None, f"the body is not valid JSON: {exc}", "json_invalid", {"error": str(exc)})]
        ) from None
    if not isinstance(data, list):
        raise UnreadableFile(
            [FileProblem(None, None, "the body must be a JSON array of interventions", "json_not_array")]
        )
    encoding = json.detect_encoding(body).removesuffix("-sig")
    return ReadFile([RawRecord(row=i + 1, data=item) for i, item in enumerate(data)], encoding=encoding)


# --- CSV and XLSX ------------------------------------------------------------------------------------------

UTF8, WINDOWS_1252 = "utf-8", "windows-1252"


def decode_csv(body: bytes) -> tuple[str, str]:
    """(text, encoding): UTF-8 with or without a byte-order mark (Excel's 'CSV UTF-8'), else Windows-1252 (what
    Danish Excel's 'CSV (semikolonsepareret)' writes). A file that is valid UTF-8 is read as UTF-8: text in
    Windows-1252 with æ, ø or å is practically never valid UTF-8, so the strict attempt decides reliably."""
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(
            [
                FileProblem(
                    None,
                    None,
                    "the CSV file is UTF-16 ('Unicode text'); save it as 'CSV UTF-8' or 'CSV (semikolonsepareret)'",
                    "csv_utf16",
                )
            ]
        )
    bom = body.startswith(codecs.BOM_UTF8)
    try:
        return body.decode("utf-8-sig"), UTF8
    except UnicodeDecodeError as exc:
        if bom:
            raise UnreadableFile(
                [
                    FileProblem(
                        None,
                        None,
                        f"the CSV file starts like UTF-8 but byte {exc.start + 1} is not UTF-8 text",
                        "csv_bad_utf8",
                        {"byte": exc.start + 1},
                    )
                ]
            ) from None
    try:
        return body.decode("cp1252"), WINDOWS_1252
    except UnicodeDecodeError as exc:
        raise UnreadableFile(
            [
                FileProblem(
                    None,
                    None,
                    f"the CSV file is neither UTF-8 nor Windows-1252 (byte {exc.start + 1}); "
                    "in Excel save it as 'CSV UTF-8' or 'CSV (semikolonsepareret)'",
                    "csv_encoding",
                    {"byte": exc.start + 1},
                )
            ]
        ) from None


def _bounded_lines(text: str):
    for number, line in enumerate(io.StringIO(text, newline=""), start=1):
        if len(line) > MAX_LINE_CHARS:
            raise UnreadableFile(
                [
                    FileProblem(
                        None,
                        None,
                        f"line {number} is longer than {MAX_LINE_CHARS:,} characters; not read",
                        "line_too_long",
                        {"line": number, "max": MAX_LINE_CHARS},
                    )
                ]
            )
        yield line


def csv_rows(body: bytes) -> tuple[list[list[str]], str, bool]:
    """(rows, encoding, decimal_comma) of a CSV file: a semicolon file (Danish Excel) may use decimal commas."""
    text, encoding = decode_csv(body)
    first_line = text[: MAX_LINE_CHARS + 1].split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(_bounded_lines(text), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(_within_columns(row, len(rows) + 1))  # rows as a spreadsheet counts them
    except csv.Error as exc:
        problem = (
            FileProblem(
                len(rows) + 1,
                None,
                f"a cell is longer than {MAX_CELL_CHARS:,} characters (the longest text the registry takes is 20,000)",
                "cell_too_long",
                {"max": MAX_CELL_CHARS},
            )
            if "field limit" in str(exc)
            else FileProblem(
                len(rows) + 1, None, f"the CSV cannot be read: {exc}", "csv_unreadable", {"error": str(exc)}
            )
        )
        raise UnreadableFile([problem], encoding=encoding) from None
    return rows, encoding, delimiter == ";"


def read_csv(body: bytes) -> ReadFile:
    rows, encoding, decimal_comma = csv_rows(body)
    read = _records_from_rows(rows, decimal_comma=decimal_comma)
    read.encoding = encoding
    return read


def _too_wide(row: int, width: int) -> UnreadableFile:
    return UnreadableFile(
        [
            FileProblem(
                row,
                None,
                f"row {row} has {width:,} columns; an import reads at most {MAX_COLUMNS} "
                f"(the template has {len(COLUMNS)})",
                "too_many_columns",
                {"columns": width, "max": MAX_COLUMNS},
            )
        ]
    )


def _within_columns(row: list, number: int) -> list:
    """The row without its trailing blank cells; refused when it is still wider than MAX_COLUMNS."""
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    if end > MAX_COLUMNS:
        raise _too_wide(number, end)
    return row[:end] if end < len(row) else row


_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"([A-Z]{1,3})?(\d+)?:?([A-Z]{1,3})?(\d+)?\"")


def check_xlsx_archive(body: bytes) -> None:
    """Refuse a workbook that would unpack to more than the import reads, from its zip directory and the sheets'
    declared dimensions, before anything is decompressed (a zip bomb costs nothing then)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # not a zip at all: openpyxl says so in its own words
    with archive:
        parts = archive.infolist()
        if len(parts) > MAX_XLSX_PARTS:
            raise FileTooLarge(
                [
                    FileProblem(
                        None,
                        None,
                        f"the workbook has {len(parts):,} parts; at most {MAX_XLSX_PARTS:,}",
                        "xlsx_too_large",
                    )
                ]
            )
        unpacked = sum(p.file_size for p in parts)
        if unpacked > MAX_XLSX_UNPACKED_BYTES:
            raise FileTooLarge(
                [
                    FileProblem(
                        None,
                        None,
                        f"the workbook unpacks to {unpacked:,} bytes; an import reads at most "
                        f"{MAX_XLSX_UNPACKED_BYTES:,} (split the file)",
                        "xlsx_too_large",
                    )
                ],
                limit_bytes=MAX_XLSX_UNPACKED_BYTES,
            )
        for part in parts:
            ratio = part.file_size // max(part.compress_size, 1)
            if part.file_size > XLSX_RATIO_FLOOR and ratio > MAX_XLSX_RATIO:
                raise FileTooLarge(
                    [
                        FileProblem(
                            None,
                            None,
                            f"the workbook part {part.filename!r} unpacks to {ratio:,} times its packed size "
                            f"(at most {MAX_XLSX_RATIO} for a part over "
                            f"{XLSX_RATIO_FLOOR // (1024 * 1024)} MB): refused as a zip bomb",
                            "xlsx_too_large",
                        )
                    ]
                )
        _check_dimensions(archive, parts)


def _check_dimensions(archive: zipfile.ZipFile, parts: list[zipfile.ZipInfo]) -> None:
    """Refuse a sheet that declares more cells than the import reads (read from the head of its XML)."""
    for part in parts:
        if part.filename.startswith("xl/worksheets/") and part.filename.endswith(".xml"):
            with archive.open(part) as stream:
                head = stream.read(4096)
            match = _DIMENSION.search(head)
            if match:
                cells = _dimension_cells(*match.groups())
                if cells > MAX_XLSX_CELLS:
                    raise FileTooLarge(
                        [
                            FileProblem(
                                None,
                                None,
                                f"the sheet {part.filename.rsplit('/', 1)[-1]!r} declares {cells:,} cells "
                                f"({match.group(0).decode(errors='replace')[16:-1]}); an import reads at most "
                                f"{MAX_XLSX_CELLS:,}",
                                "xlsx_too_large",
                            )
                        ]
                    )


def _dimension_cells(
    first_col: bytes | None, first_row: bytes | None, last_col: bytes | None, last_row: bytes | None
) -> int:
    from openpyxl.utils import column_index_from_string

    if last_col is None and last_row is None:
        return 1
    cols = column_index_from_string((last_col or first_col or b"A").decode()) - column_index_from_string(
        (first_col or b"A").decode()
    )
    rows = int(last_row or first_row or 1) - int(first_row or 1)
    return (abs(cols) + 1) * (abs(rows) + 1)


def xlsx_rows(body: bytes, sheet_name: str | tuple[str, ...]) -> list[list[str]]:
    """The cells of the sheet `sheet_name` (else the first sheet) as text, checked for size before parsing."""
    from openpyxl import load_workbook

    check_xlsx_archive(body)
    try:
        workbook = load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(
            [
                FileProblem(
                    None,
                    None,
                    f"the file is not a readable XLSX workbook ({exc.__class__.__name__})",
                    "xlsx_unreadable",
                )
            ]
        ) from None
    try:
        wanted = (sheet_name,) if isinstance(sheet_name, str) else sheet_name
        named = [name for name in wanted if name in workbook.sheetnames]
        sheet = workbook[named[0]] if named else workbook.worksheets[0]
        rows, cells = [], 0
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            row = _within_columns(list(row), number)
            cells += len(row) or 1
            if cells > MAX_XLSX_CELLS:
                raise FileTooLarge(
                    [
                        FileProblem(
                            number,
                            None,
                            f"the sheet has more than {MAX_XLSX_CELLS:,} cells; split the file",
                            "xlsx_too_large",
                        )
                    ]
                )
            rows.append([_xlsx_cell(value) for value in row])
    except UnreadableFile:
        raise
    except Exception as exc:  # a damaged part found while reading (bad XML, a checksum error)
        raise UnreadableFile(
            [FileProblem(None, None, f"the XLSX workbook cannot be read ({exc.__class__.__name__})", "xlsx_unreadable")]
        ) from None
    finally:
        workbook.close()
    return rows


def read_xlsx(body: bytes) -> ReadFile:
    return _records_from_rows(xlsx_rows(body, SHEET_NAMES), decimal_comma=False)


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


def _records_from_rows(rows: list[list[str]], *, decimal_comma: bool) -> ReadFile:
    """One record per external_id from the rows of a sheet: the intervention's cells may be repeated on each of
    its rows (or left blank after the first), each row may add a budget line and a success criterion. The
    problems of the file's shape are returned with the records, so that one answer reports them with the rest."""
    # A cell an export neutralised ('=...) reads as the text it stands for (tabular.unquote).
    rows = [[unquote(unicodedata.normalize("NFC", (cell or "").strip())) for cell in row] for row in rows]
    while rows and not any(rows[-1]):
        rows.pop()
    index, missing, problems = _column_index(rows)
    _drop_total_rows(rows, index)
    groups: dict[str, RawRecord] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue  # blank rows between blocks are fine
        cells = {name: (row[i] if i < len(row) else "") for name, i in index.items()}
        key = cells.get("external_id", "")
        if not key:
            problems.append(
                FileProblem(number, "external_id", "every row needs the external_id of its intervention", "missing")
            )
            continue
        record = groups.get(key)
        if record is None:
            record = groups[key] = RawRecord(
                row=number,
                data={"__cells": {}, "budget_lines": [], "success_criteria": [], **{f: [] for f in PARTY_COLUMNS}},
                tabular=True,
            )
        _merge_intervention_cells(record, cells, number, problems)
        if any(cells.get(c) for c in BUDGET_COLUMNS):
            _add_budget_line(record, cells, number, problems, decimal_comma=decimal_comma)
        if any(cells.get(c) for c in CRITERION_COLUMNS):
            _add_criterion(record, cells, number, decimal_comma=decimal_comma)
        for party, columns in PARTY_COLUMNS.items():
            if any(cells.get(c) for c in columns):
                item = {name: cells.get(column, "") for column, name in columns.items()}
                record.data[party].append(_drop_empty(item, keep=PARTY_REQUIRED[party]))
                record.party_rows.setdefault(party, []).append(number)
    for record in groups.values():
        _finish_record(record)
    return ReadFile(list(groups.values()), problems, missing_columns=missing)


def _drop_total_rows(rows: list[list[str]], index: dict[str, int]) -> None:
    """The total rows (I alt) an export writes under the rows, and blank rows after them: not read."""
    while len(rows) > 1:
        cells = {name: (rows[-1][i] if i < len(rows[-1]) else "") for name, i in index.items()}
        if any(rows[-1]) and not is_total_row(cells):
            return
        rows.pop()


def _column_index(rows: list[list[str]]) -> tuple[dict[str, int], set[str], list[FileProblem]]:
    """(each known column's first position, the required columns missing, the header's problems), in one pass
    over the header. UnreadableFile for an empty file or one without external_id (rows are grouped by it)."""
    if not rows:
        raise UnreadableFile(
            [FileProblem(1, None, "the file is empty: the first row must name the columns", "empty_file")]
        )
    problems = []
    index: dict[str, int] = {}
    repeated: set[str] = set()
    for i, heading in enumerate(h.lower() for h in rows[0]):
        if not heading:
            continue
        name = COLUMN_OF.get(heading, heading)  # the code, or the Danish heading of the exports and template
        if name not in COLUMNS:
            problems.append(
                FileProblem(
                    1,
                    name,
                    f"unknown column {name!r} (column {i + 1}); see the template",
                    "unknown_column",
                    {"position": i + 1},
                )
            )
        elif name in index:
            if name not in repeated:
                msg = f"column {name!r} appears more than once (columns {index[name] + 1} and {i + 1})"
                problems.append(
                    FileProblem(1, name, msg, "repeated_column", {"first": index[name] + 1, "position": i + 1})
                )
            repeated.add(name)
        else:
            index[name] = i
    missing = {required for required in ("external_id", "name", "kind", "department") if required not in index}
    for required in sorted(missing, key=COLUMNS.index):
        problems.append(FileProblem(1, required, f"the column {required!r} is missing", "missing_column"))
    if "external_id" in missing:
        raise UnreadableFile(problems)
    return index, missing, problems


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
                    "differs_from_row",
                    {"other_row": seen[name][1], "value": seen[name][0][:100]},
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
                f"the amount {amount!r} is ambiguous (thousands separator or decimal comma?): "
                "write it without thousands separators, e.g. 1234 or 1234,50",
                "ambiguous_amount",
                {"value": amount[:100]},
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
                "funding_organisation": cells.get("budget_funding_organisation", ""),
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
