"""The import/export formats (no tables).

JSON: an array of intervention records, as POST /interventions takes them, plus `parent_external_id`; the
`external_id` is required, because it is what a repeated import matches on.

CSV/XLSX: the *long format*, one row per budget line, keyed by `external_id`. The intervention's columns are
repeated on each of its rows (a blank cell on a later row means "as above"). The same rows carry the success
criteria: the n-th row of an intervention holds its n-th budget line and its n-th criterion, so an intervention
has as many rows as it has lines or criteria, and at least one. List cells (areas, themes, indicators) hold the
codes separated by commas (or semicolons, pipes or spaces). The parties (organisations, people, reach, in-kind
contributions) take further columns the same way: the n-th row holds the n-th of each."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.models.budget_line import BudgetLineCreate
from app.models.intervention import InterventionBase, InterventionParties
from app.models.success_criterion import SuccessCriterionCreate
from app.models.types import Text

INTERVENTION_COLUMNS = [
    "external_id",
    "name",
    "kind",
    "status",
    "status_reason",
    "track",
    "department",
    "parent_external_id",
    "areas",
    "themes",
    "indicators",
    "target_group",
    "purpose",
    "description",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
]
BUDGET_COLUMNS = [
    "budget_year",
    "budget_category",
    "budget_funding_source",
    "budget_amount",
    "budget_note",
    "budget_type",
    "budget_funding_organisation",
]
CRITERION_COLUMNS = [
    "criterion_description",
    "criterion_indicator",
    "criterion_baseline",
    "criterion_target",
    "criterion_unit",
    "criterion_target_date",
    "criterion_outcome",
    "criterion_actual_value",
]
# The parties' columns (app/models/party.py): per set, column → field. The n-th row of an intervention holds
# the n-th item of each set, as it does for budget lines and criteria.
PARTY_COLUMNS = {
    "organisations": {"organisation_name": "organisation", "organisation_role": "role", "organisation_note": "note"},
    "people": {"person_role": "role", "person_name": "name", "person_title": "title", "person_email": "email"},
    "reach": {"reach_year": "year", "reach_unit": "unit", "reach_planned": "planned", "reach_actual": "actual"},
    "in_kind": {
        "in_kind_year": "year",
        "in_kind_organisation": "organisation",
        "in_kind_hours": "hours",
        "in_kind_staff": "staff",
        "in_kind_description": "description",
    },
}
# The cells of an item that stay (empty) when blank, so that the error names them.
PARTY_REQUIRED = {
    "organisations": ("organisation", "role"),
    "people": ("role", "name"),
    "reach": ("year", "unit"),
    "in_kind": ("year", "organisation"),
}
# The columns added later come after the older ones, so that a sheet filled by position keeps its places.
COLUMNS = (
    INTERVENTION_COLUMNS
    + BUDGET_COLUMNS[:-1]
    + CRITERION_COLUMNS
    + BUDGET_COLUMNS[-1:]
    + [column for columns in PARTY_COLUMNS.values() for column in columns]
)
# The Danish heading of each column, as the exports and the template write it; the import reads a column by its
# heading or by its code (the files and scripts written before the headings were Danish).
COLUMN_HEADINGS = {
    "external_id": "Nøgle",
    "name": "Navn",
    "kind": "Type",
    "status": "Status",
    "status_reason": "Begrundelse for status",
    "track": "Spor",
    "department": "Forvaltning",
    "parent_external_id": "Overordnet indsats (nøgle)",
    "areas": "Bydele",
    "themes": "Temaer",
    "indicators": "Indikatorer",
    "target_group": "Målgruppe",
    "purpose": "Formål",
    "description": "Beskrivelse",
    "start_date": "Startdato",
    "end_date": "Slutdato",
    "contact_name": "Kontaktperson",
    "contact_email": "Kontaktpersonens e-mail",
    "budget_year": "Budgetår",
    "budget_category": "Budgetkategori",
    "budget_funding_source": "Finansieringskilde",
    "budget_amount": "Beløb (kr.)",
    "budget_note": "Budgetnote",
    "budget_type": "Budgettype",
    "criterion_description": "Succeskriterium",
    "criterion_indicator": "Succeskriteriets indikator",
    "criterion_baseline": "Udgangspunkt",
    "criterion_target": "Mål",
    "criterion_unit": "Enhed",
    "criterion_target_date": "Måldato",
    "criterion_outcome": "Resultat",
    "criterion_actual_value": "Opnået værdi",
    "budget_funding_organisation": "Finansierende organisation",
    "organisation_name": "Organisation",
    "organisation_role": "Organisationens rolle",
    "organisation_note": "Note om organisationen",
    "person_role": "Personens rolle",
    "person_name": "Personens navn",
    "person_title": "Personens titel",
    "person_email": "Personens e-mail",
    "reach_year": "Deltagere, år",
    "reach_unit": "Deltagere, enhed",
    "reach_planned": "Deltagere, planlagt",
    "reach_actual": "Deltagere, faktisk",
    "in_kind_year": "Arbejdstid, år",
    "in_kind_organisation": "Arbejdstid betalt af",
    "in_kind_hours": "Arbejdstid, timer",
    "in_kind_staff": "Arbejdstid, medarbejdere",
    "in_kind_description": "Arbejdstid, beskrivelse",
}
HEADINGS = [COLUMN_HEADINGS[c] for c in COLUMNS]
# A heading as the import reads it (lower case): the code or the Danish heading → the column
COLUMN_OF = {**{h.lower(): c for c, h in COLUMN_HEADINGS.items()}, **{c: c for c in COLUMNS}}
# The sheet the import reads (else the first): the exports' and the template's name, and the earlier one
SHEET_NAMES = ("Indsatser", "interventions")
TOTAL_LABEL = "I alt"


def is_total_row(cells: dict[str, str]) -> bool:
    """A total row an export wrote under the rows (I alt): the label in the key column and nothing but the
    amount beside it. A row of an intervention whose key is "I alt" has its name, or a whole budget line (year,
    category, funding source), so it is never taken for one."""
    key = cells.get("external_id", "")
    return (key == TOTAL_LABEL or key.startswith(f"{TOTAL_LABEL}, ")) and not any(
        value for column, value in cells.items() if column not in ("external_id", "budget_amount")
    )


LIST_COLUMNS = {"areas", "themes", "indicators"}


class ImportStrategy(StrEnum):
    upsert = "upsert"  # create what is new, update what changed
    create = "create"  # an external_id that exists already is a problem
    update = "update"  # an external_id that does not exist is a problem


class ImportRecord(InterventionBase, InterventionParties):
    """One intervention in an import: the create payload, keyed by its external_id, with its parent by key."""

    model_config = ConfigDict(extra="forbid")

    external_id: Text(100, required=True) = Field(description="Required: the key a repeated import matches on")
    parent_external_id: Text(100) | None = Field(default=None, description="The parent, by its external_id")
    status_reason: Text(1_000) | None = Field(
        default=None,
        description="Why the status changes (the same rule as PATCH: needed to stop, go back or resume); kept in "
        "the audit record, not on the intervention, so an export leaves it empty",
    )
    budget_lines: list[BudgetLineCreate] = Field(default_factory=list, max_length=2_000)
    success_criteria: list[SuccessCriterionCreate] = Field(default_factory=list, max_length=200)


class ImportAction(StrEnum):
    created = "created"
    updated = "updated"
    unchanged = "unchanged"


class ImportItem(BaseModel):
    row: int = Field(
        description="Where the intervention starts in the file: array position (from 1) for JSON, "
        "the spreadsheet row number (header = row 1) for CSV/XLSX"
    )
    external_id: str
    action: ImportAction
    id: int | None = Field(description="The intervention's id (null in a dry run of a creation)")


class ImportReport(BaseModel):
    dry_run: bool
    strategy: ImportStrategy
    encoding: str | None = Field(
        default=None,
        description='The character encoding the file was read in: "utf-8" (with or without byte-order mark) or '
        '"windows-1252" (Danish Excel\'s "CSV (semikolonsepareret)"); null for XLSX',
    )
    created: int
    updated: int
    unchanged: int
    items: list[ImportItem]


class ImportProblem(BaseModel):
    row: int | None = Field(description="Row number as the file counts rows (JSON: array position from 1)")
    column: str | None = Field(description="The column (CSV/XLSX) or field path (JSON)")
    loc: list[str | int]
    msg: str
    type: str | None = Field(
        default=None,
        description='What kind of problem, for clients that word it themselves: a validation type ("missing", '
        '"decimal_format", "text_too_long", …) or one of the import\'s own ("unknown_code", "unknown_column", '
        '"duplicate_external_id", "unknown_parent", "status_refused", …)',
    )
    ctx: dict[str, str | int | float] | None = Field(
        default=None, description="The values the message names (a code, a limit, another row)"
    )


class ImportRejected(BaseModel):
    """422 problem+json: nothing was written; every problem is listed."""

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ImportProblem]
    problem_count: int | None = Field(default=None, description="How many problems there were (errors is cut at 1000)")
    encoding: str | None = Field(default=None, description="The character encoding a CSV/JSON file was read in")
