"""The observation spreadsheet import's columns and report (no tables)."""

from pydantic import BaseModel
from pydantic import Field as PydanticField

# The columns of the template, in order. `indicator_name` and `area_name` are for the reader and ignored.
COLUMNS = [
    "round",
    "indicator",
    "indicator_name",
    "area",
    "area_name",
    "year",
    "kind",
    "value",
    "unit",
    "source",
    "note",
]
# The Danish headings (the web page's template and its report of problems); the import reads them too.
HEADINGS = {
    "round": "Runde",
    "indicator": "Indikator",
    "indicator_name": "Indikatorens navn",
    "area": "Område",
    "area_name": "Områdets navn",
    "year": "År",
    "kind": "Art",
    "value": "Værdi",
    "unit": "Enhed",
    "source": "Kilde",
    "note": "Bemærkning",
}
REQUIRED = ("indicator", "area", "value")
INFORMATIONAL = ("indicator_name", "area_name")
# Danish headers are read as their English column.
ALIASES = {
    "runde": "round",
    "indikator": "indicator",
    "indikatornavn": "indicator_name",
    "område": "area",
    "omraade": "area",
    "områdenavn": "area_name",
    "år": "year",
    "aar": "year",
    "art": "kind",
    "værdi": "value",
    "vaerdi": "value",
    "enhed": "unit",
    "kilde": "source",
    "bemærkning": "note",
    **{heading.lower(): code for code, heading in HEADINGS.items()},
}
KIND_ALIASES = {"måling": "actual", "maaling": "actual", "basis": "baseline", "mål": "target", "maal": "target"}


class ObservationImportRow(BaseModel):
    row: int = PydanticField(description="The row as the spreadsheet counts it (header = 1)")
    indicator: int
    area: str
    year: int
    kind: str
    round: str | None
    action: str = PydanticField(description="created, updated or unchanged")


class ObservationImportReport(BaseModel):
    dry_run: bool
    created: int
    updated: int
    unchanged: int
    skipped: int = PydanticField(description="Rows without a value (a template's empty rows), left out")
    encoding: str | None = PydanticField(default=None, description="The character encoding a CSV was read in")
    rows: list[ObservationImportRow]
