"""Export of interventions in the import formats (app/models/interchange.py), and the empty import template.

An export is what an import takes: JSON records keyed by `external_id`, parents by `parent_external_id`, or
the long CSV/XLSX format. Records come parents first (then by id), so a file re-imports in one pass. The data
is read in a fixed number of queries per 500 interventions, never one query per intervention."""

import io
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from pydantic import Field, TypeAdapter
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core import tabular
from app.models.budget_line import BUDGET_LINE_TYPE_LABELS, BudgetLine, BudgetLineCreate, BudgetLineType
from app.models.filters import InterventionFilters
from app.models.interchange import (
    BUDGET_COLUMNS,
    COLUMN_HEADINGS,
    COLUMNS,
    CRITERION_COLUMNS,
    HEADINGS,
    INTERVENTION_COLUMNS,
    LIST_COLUMNS,
    PARTY_COLUMNS,
    SHEET_NAMES,
    TOTAL_LABEL,
    ImportRecord,
)
from app.models.intervention import (
    Intervention,
    InterventionSummary,
    Kind,
    Status,
    Track,
)
from app.models.party import (
    ORGANISATION_ROLE_LABELS,
    PERSON_ROLE_LABELS,
    REACH_UNIT_LABELS,
    OrganisationRole,
    PersonRole,
    ReachUnit,
)
from app.models.reference import Area, Department, FundingSource, Indicator, Theme
from app.models.success_criterion import SuccessCriterion, SuccessCriterionCreate
from app.models.types import Text, from_ore
from app.services.interventions import list_interventions
from app.services.organisations import names_by_id
from app.services.parties import PARTY_FIELDS, as_create, parties_of

PAGE = 500  # interventions per round of queries (and ids per IN list)
# API field → column, where the names differ. Fields are read from their columns, so a field added to a
# budget line or a criterion (and its column) is exported without a change here.
_LINE_COLUMN = {"funding_source": "funding_source_code", "amount": "amount_ore"}
_LINE_FIELDS = list(BudgetLineCreate.model_fields)
_LINE_VALUE = {"amount": lambda row: from_ore(row["amount_ore"]), "type": lambda row: BudgetLineType(row["type"])}
_CRITERION_COLUMN = {"indicator": "indicator_number"}
DATA_SHEET = SHEET_NAMES[0]  # the sheet the import reads
CODES_SHEET = "koder"


class ExportRecord(ImportRecord):
    """An intervention as an import takes it. `external_id` is null for an intervention registered without
    one: such a record is exported so that nothing goes missing, but an import refuses it until it has a key."""

    external_id: Text(100) | None = Field(  # type: ignore[assignment]
        description="The key a re-import matches on; null when the intervention has none (give it one first)"
    )


EXPORT_ADAPTER = TypeAdapter(list[ExportRecord])


# --- reading -------------------------------------------------------------------------------------------------


def _summaries(session: Session, filters: InterventionFilters) -> list[InterventionSummary]:
    """Every intervention the list filters pass, read a page at a time with the list's own query."""
    out: list[InterventionSummary] = []
    cursor = None
    while True:
        page = list_interventions(session, filters, sort="id", limit=PAGE, cursor=cursor)
        out.extend(page.items)
        if page.next_cursor is None:
            return out
        cursor = page.next_cursor


def _parents_first(rows: Sequence[InterventionSummary]) -> list[InterventionSummary]:
    """Each intervention after its parent when both are exported: the trees in id order, depth first, children
    in id order. An intervention whose parent is not in the export starts a tree of its own."""
    by_id = {r.id: r for r in rows}
    children: dict[int, list[InterventionSummary]] = {}
    roots = []
    for r in sorted(rows, key=lambda r: r.id):
        if r.parent_id is not None and r.parent_id in by_id and r.parent_id != r.id:
            children.setdefault(r.parent_id, []).append(r)
        else:
            roots.append(r)
    ordered: list[InterventionSummary] = []
    seen: set[int] = set()

    def visit(start: InterventionSummary) -> None:
        stack = [start]
        while stack:
            node = stack.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            ordered.append(node)
            stack.extend(reversed(children.get(node.id, [])))

    for root in roots:
        visit(root)
    # Only a cycle (which the services never let in) leaves rows unvisited; they still go out, by id.
    for r in sorted(rows, key=lambda r: r.id):
        if r.id not in seen:
            visit(r)
    return ordered


def _chunks(values: Sequence[int], size: int = PAGE) -> Iterable[Sequence[int]]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def export_records(session: Session, filters: InterventionFilters) -> list[ExportRecord]:
    rows = _parents_first(_summaries(session, filters))
    ids = [r.id for r in rows]
    keys = {r.id: r.external_id for r in rows}
    missing = sorted({r.parent_id for r in rows if r.parent_id is not None and r.parent_id not in keys})
    for chunk in _chunks(missing):
        keys.update(
            session.exec(select(Intervention.id, Intervention.external_id).where(col(Intervention.id).in_(chunk))).all()
        )
    lines: dict[int, list[BudgetLineCreate]] = {i: [] for i in ids}
    criteria: dict[int, list[SuccessCriterionCreate]] = {i: [] for i in ids}
    parties: dict[int, dict[str, list]] = {}
    for chunk in _chunks(ids):
        _add_lines(session, chunk, lines)
        _add_criteria(session, chunk, criteria)
        parties.update(parties_of(session, chunk))
    special = {"parent_id", "parent_external_id", "budget_lines", "success_criteria", "status_reason", *PARTY_FIELDS}
    return [
        ExportRecord.model_construct(
            **{name: getattr(r, name) for name in ExportRecord.model_fields if name not in special},
            parent_id=None,
            parent_external_id=keys.get(r.parent_id) if r.parent_id is not None else None,
            budget_lines=lines[r.id],
            success_criteria=criteria[r.id],
            **{field: as_create(field, parties[r.id][field]) for field in PARTY_FIELDS},
        )
        for r in rows
    ]


def _add_lines(session: Session, chunk: Sequence[int], lines: dict[int, list[BudgetLineCreate]]) -> None:
    # Budget lines are many: plain column rows, not ORM objects, and models built without validating again
    # what the services validated when they wrote it (this halves the time of an export of 100,000 lines).
    lines_table = BudgetLine.__table__
    found = (
        session.execute(
            sa_select(lines_table)
            .where(lines_table.c.intervention_id.in_(chunk))
            .order_by(
                lines_table.c.intervention_id,
                lines_table.c.year,
                lines_table.c.category,
                lines_table.c.funding_source_code,
                lines_table.c.id,
            )
        )
        .mappings()
        .all()
    )
    names = names_by_id(session, (row["funding_organisation_id"] for row in found))
    for row in found:
        lines[row["intervention_id"]].append(
            BudgetLineCreate.model_construct(
                **{
                    name: _LINE_VALUE[name](row) if name in _LINE_VALUE else row[_LINE_COLUMN.get(name, name)]
                    for name in _LINE_FIELDS
                    if name != "funding_organisation"
                },
                funding_organisation=names.get(row["funding_organisation_id"]),
            )
        )


def _add_criteria(session: Session, chunk: Sequence[int], criteria: dict[int, list[SuccessCriterionCreate]]) -> None:
    # Criteria are few (a handful per intervention): validated, which also turns stored codes into enums.
    criteria_table = SuccessCriterion.__table__
    for row in session.execute(
        sa_select(criteria_table)
        .where(criteria_table.c.intervention_id.in_(chunk))
        .order_by(criteria_table.c.intervention_id, criteria_table.c.position, criteria_table.c.id)
    ).mappings():
        criteria[row["intervention_id"]].append(
            SuccessCriterionCreate.model_validate(
                {
                    name: row[_CRITERION_COLUMN.get(name, name)]
                    for name in SuccessCriterionCreate.model_fields
                    if _CRITERION_COLUMN.get(name, name) in row
                }
            )
        )


# --- the long format -----------------------------------------------------------------------------------------


def _list_cell(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in values)


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def long_rows(records: Iterable[ExportRecord]) -> Iterable[dict[str, Any]]:
    """One row per budget line / success criterion (the n-th row holds the n-th of each), at least one row per
    intervention, its columns repeated on every row. Columns are named after the fields (`budget_` and
    `criterion_` prefixed), so a column added to the format is filled from its field."""
    for rec in records:
        head = {
            name: _list_cell(getattr(rec, name)) if name in LIST_COLUMNS else _plain(getattr(rec, name))
            for name in INTERVENTION_COLUMNS
        }
        sets = {field: getattr(rec, field) for field in PARTY_COLUMNS}
        for n in range(max(len(rec.budget_lines), len(rec.success_criteria), *map(len, sets.values()), 1)):
            row = dict(head)
            for field, columns in PARTY_COLUMNS.items():
                if n < len(sets[field]):
                    row.update({column: _plain(getattr(sets[field][n], name)) for column, name in columns.items()})
            if n < len(rec.budget_lines):
                line = rec.budget_lines[n]
                row.update({name: _plain(getattr(line, name.removeprefix("budget_"))) for name in BUDGET_COLUMNS})
            if n < len(rec.success_criteria):
                crit = rec.success_criteria[n]
                row.update({name: _plain(getattr(crit, name.removeprefix("criterion_"))) for name in CRITERION_COLUMNS})
            yield row


_WIDTHS = {
    "name": 40,
    "description": 40,
    "purpose": 40,
    "target_group": 30,
    "criterion_description": 40,
    "budget_category": 24,
    "budget_funding_source": 22,
    "budget_amount": 18,  # up to 10.000.000.000,00
    "contact_email": 28,
    "external_id": 22,
    "parent_external_id": 22,
    "start_date": 12,
    "end_date": 12,
    "criterion_target_date": 12,
}


def _width(column: str) -> int:
    """Wide enough for the heading and for what the column holds (texts are cut at 40 on screen)."""
    return max(_WIDTHS.get(column, 14), len(COLUMN_HEADINGS[column]) + 3)


def _as_read(number: float) -> str:
    """How a spreadsheet number reads back as text (as the import reads it): 5.0 → "5", 0.1 → "0.1"."""
    return str(int(number)) if number.is_integer() else repr(number)


def _xlsx_value(sheet, column: str, value: Any) -> Any:
    """Numbers as numbers, dates as dates, text always as text (see tabular.xlsx_cell)."""
    if isinstance(value, Decimal):
        if column != "budget_amount" and _as_read(float(value)) != format(value, "f"):
            # A measure with more digits than a spreadsheet number holds, or with trailing zeros a number would
            # lose ("12.50"): kept exact, as text. Amounts (≤ 10 billion, two decimals) are always exact numbers.
            return format(value, "f")
        return tabular.xlsx_cell(sheet, value, tabular.MONEY_FORMAT if column == "budget_amount" else "General")
    if isinstance(value, date | str):
        return tabular.xlsx_cell(sheet, value)
    return value


def _header(sheet, columns: Sequence[str]) -> list:
    return [tabular.xlsx_cell(sheet, COLUMN_HEADINGS[name], bold=True) for name in columns]


def _total_rows(sheet, totals: dict[BudgetLineType, Decimal]) -> list[list]:
    """The total rows (I alt) of the amounts, one per type of line present (an original budget, a revised
    budget and the spending do not add up to anything together); the import skips them."""
    rows = []
    amount_at = COLUMNS.index("budget_amount")
    for line_type in BudgetLineType:
        if line_type not in totals:
            continue
        label = (
            TOTAL_LABEL
            if set(totals) == {BudgetLineType.budget}
            else f"{TOTAL_LABEL}, {BUDGET_LINE_TYPE_LABELS[line_type].lower()}"
        )
        row: list = [None] * len(COLUMNS)
        row[0] = tabular.xlsx_cell(sheet, label, bold=True)
        row[amount_at] = tabular.xlsx_cell(sheet, totals[line_type], tabular.MONEY_FORMAT, bold=True)
        rows.append(row)
    return rows


def to_long_xlsx(records: Iterable[ExportRecord]) -> bytes:
    """The long format for a person who opens it in Excel: Danish headings in a bold, frozen first row (and the
    key column frozen), widths that show the figures, amounts as numbers shown as 1.234.567,50, dates as dates,
    and the amounts' total row (I alt) under the rows. It imports again as it is."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(DATA_SHEET)
    for i, name in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = _width(name)
    sheet.freeze_panes = "B2"
    sheet.append(_header(sheet, COLUMNS))
    totals: dict[BudgetLineType, Decimal] = {}
    for row in long_rows(records):
        sheet.append([_xlsx_value(sheet, c, row.get(c)) for c in COLUMNS])
        if row.get("budget_amount") is not None:
            line_type = BudgetLineType(row.get("budget_type") or BudgetLineType.budget)
            totals[line_type] = totals.get(line_type, Decimal("0.00")) + row["budget_amount"]
    for total_row in _total_rows(sheet, totals):
        sheet.append(total_row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def render_export(records: list[ExportRecord], fmt: tabular.OutputFormat) -> tuple[bytes, str, str]:
    """(body, media type, file name)."""
    if fmt is tabular.OutputFormat.json:
        return EXPORT_ADAPTER.dump_json(records), "application/json", "interventions.json"
    if fmt is tabular.OutputFormat.csv:
        return tabular.to_csv(COLUMNS, long_rows(records)), tabular.CSV_MEDIA_TYPE, "interventions.csv"
    return to_long_xlsx(records), tabular.XLSX_MEDIA_TYPE, "interventions.xlsx"


# --- the template --------------------------------------------------------------------------------------------

KIND_NAMES = {
    Kind.project: "projekt",
    Kind.programme: "program",
    Kind.core_operation: "kernedrift",
    Kind.trial_action: "prøvehandling",
}
STATUS_NAMES = {
    Status.idea: "idé",
    Status.planned: "planlagt",
    Status.active: "aktiv",
    Status.completed: "afsluttet",
    Status.anchored: "forankret i kernedriften",
    Status.stopped: "stoppet",
}
TRACK_NAMES = {Track.social: "socialt spor", Track.physical: "fysisk spor", Track.organisational: "organisatorisk spor"}

# The columns that get a drop-down list of their codes (the list columns take several codes, so no drop-down).
DROP_DOWNS = (
    "kind",
    "status",
    "track",
    "department",
    "budget_funding_source",
    "budget_type",
    "criterion_indicator",
    "organisation_role",
    "person_role",
    "reach_unit",
)


def code_lists(session: Session) -> list[tuple[str, list[tuple[Any, str, str]]]]:
    """Per column, its valid codes as (code, Danish name, what it belongs under)."""
    themes = session.exec(select(Theme).order_by(col(Theme.position))).all()
    indicators = session.exec(select(Indicator).order_by(col(Indicator.number))).all()
    indicator_codes = [(i.number, i.name, i.theme_code) for i in indicators]
    return [
        ("kind", [(k.value, KIND_NAMES[k], "") for k in Kind]),
        ("status", [(s.value, STATUS_NAMES[s], "") for s in Status]),
        ("track", [(t.value, TRACK_NAMES[t], "") for t in Track]),
        (
            "department",
            [(d.code, d.name, "") for d in session.exec(select(Department).order_by(col(Department.code))).all()],
        ),
        ("areas", [(a.slug, a.name, a.kind) for a in session.exec(select(Area).order_by(col(Area.position))).all()]),
        ("themes", [(t.code, t.name, t.effect_goal_code) for t in themes]),
        ("indicators", indicator_codes),
        (
            "budget_funding_source",
            [(f.code, f.name, "") for f in session.exec(select(FundingSource).order_by(col(FundingSource.code))).all()],
        ),
        ("budget_type", [(t.value, BUDGET_LINE_TYPE_LABELS[t], "") for t in BudgetLineType]),
        ("criterion_indicator", indicator_codes),
        ("organisation_role", [(r.value, ORGANISATION_ROLE_LABELS[r], "") for r in OrganisationRole]),
        ("person_role", [(r.value, PERSON_ROLE_LABELS[r], "") for r in PersonRole]),
        ("reach_unit", [(u.value, REACH_UNIT_LABELS[u], "") for u in ReachUnit]),
    ]


def template_csv() -> bytes:
    return tabular.to_csv(COLUMNS, [])


def template_xlsx(session: Session) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    sheet.append(HEADINGS)
    for i, name in enumerate(COLUMNS, start=1):
        sheet.cell(row=1, column=i).font = Font(bold=True)
        sheet.column_dimensions[get_column_letter(i)].width = _width(name)
    sheet.freeze_panes = "B2"

    codes = workbook.create_sheet(CODES_SHEET)
    codes.append(["kolonne", "kode", "navn", "hører under"])
    for cell in codes[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCD", (24, 24, 70, 16), strict=False):
        codes.column_dimensions[letter].width = width
    ranges: dict[str, str] = {}
    for column, entries in code_lists(session):
        first = codes.max_row + 1
        for code, name, under in entries:
            values = (COLUMN_HEADINGS.get(column, column), code, name, under)
            codes.append([tabular.xlsx_text(codes, v) if isinstance(v, str) else v for v in values])
        ranges[column] = f"{CODES_SHEET}!$B${first}:$B${codes.max_row}"

    for column in DROP_DOWNS:
        letter = get_column_letter(COLUMNS.index(column) + 1)
        validation = DataValidation(
            type="list",
            formula1=ranges[column],
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Ukendt kode",
            error=f"Vælg en kode fra listen (se arket '{CODES_SHEET}').",
        )
        validation.add(f"{letter}2:{letter}1048576")
        sheet.add_data_validation(validation)
    for column in ("areas", "themes", "indicators"):
        letter = get_column_letter(COLUMNS.index(column) + 1)
        hint = DataValidation(
            showInputMessage=True,
            promptTitle=COLUMN_HEADINGS[column],
            prompt=f"Flere koder adskilt af komma, fx {_example(column)}. Se arket '{CODES_SHEET}'.",
        )
        hint.add(f"{letter}2:{letter}1048576")
        sheet.add_data_validation(hint)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _example(column: str) -> str:
    return {"areas": "moerkhoej, vaerebro-park", "themes": "T1, T4", "indicators": "8, 9"}[column]
