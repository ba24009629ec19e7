"""Indicator observations: the measured value of one indicator in one area and year — the survey's baseline
(2021), the later actual measurements (2024, 2027, 2030) and targets. Values are exact decimals kept as text,
because SQLite's NUMERIC is binary floating point. Also the shapes of the 2030 indicator report."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlmodel import Field, SQLModel

from app.models.codes import AreaCode
from app.models.types import DecimalText, Measure, NotNull, Text, UTCDateTime, sql_in

MIN_YEAR, MAX_YEAR = 2000, 2100


class ObservationKind(StrEnum):
    baseline = "baseline"
    actual = "actual"
    target = "target"


class LikelySource(StrEnum):
    survey = "survey"
    register = "register"


class IndicatorObservation(SQLModel, table=True):
    __tablename__ = "indicator_observation"
    __table_args__ = (
        CheckConstraint(f"kind IN {sql_in(ObservationKind)}", name="kind"),
        CheckConstraint(f"year BETWEEN {MIN_YEAR} AND {MAX_YEAR}", name="year_range"),
        UniqueConstraint("indicator_number", "area_slug", "year", "kind"),
    )

    id: int | None = Field(default=None, sa_column=Column(Integer, primary_key=True, autoincrement=True))
    # No index of its own: the unique constraint's index starts with it.
    indicator_number: int = Field(sa_column=Column(Integer, ForeignKey("indicator.number"), nullable=False))
    area_slug: str = Field(sa_column=Column(String(40), ForeignKey("area.slug"), nullable=False, index=True))
    year: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    kind: str = Field(sa_column=Column(String(20), nullable=False))
    value: Decimal = Field(sa_column=Column(DecimalText, nullable=False))
    unit: str | None = Field(default=None, sa_column=Column(String(50)))
    source: str | None = Field(default=None, sa_column=Column(String(200)))
    note: str | None = Field(default=None, sa_column=Column(String(1000)))
    # The survey round or register year the figure belongs to (app/models/survey_round.py); null for figures
    # entered before rounds existed, and for targets.
    round_id: int | None = Field(
        default=None, sa_column=Column(Integer, ForeignKey("measurement_round.id"), index=True)
    )
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


# --- API schemas -------------------------------------------------------------------------------------------

Year = Annotated[int, PydanticField(ge=MIN_YEAR, le=MAX_YEAR)]


class ObservationCreate(BaseModel):
    """One measured value. In a bulk upsert (PUT) the item is the whole observation: an omitted `unit`,
    `source` or `note` is stored as null."""

    model_config = ConfigDict(extra="forbid")

    area: AreaCode = PydanticField(description="Area slug, e.g. hoeje-gladsaxe")
    year: Year
    kind: ObservationKind = PydanticField(description="baseline, actual (a measurement) or target")
    value: Measure = PydanticField(
        description="Exact decimal, sent as a JSON number or a decimal string (at most 12 digits before and 6 "
        "after the point); answered as a string exactly as stored. NaN and Infinity are refused."
    )
    unit: Text(50) | None = PydanticField(default=None, description="e.g. pct., antal, pr. 1.000 indbyggere")
    source: Text(200) | None = PydanticField(
        default=None, description="Where the figure comes from, e.g. Tryghedsundersøgelse 2021, registerdata"
    )
    note: Text(1000) | None = None
    round: Text(40) | None = PydanticField(
        default=None,
        description="Code of the survey round or register year the figure belongs to (GET /api/v1/rounds); "
        "its year must be `year`",
    )


class ObservationPublic(BaseModel):
    id: int
    indicator: int
    area: str
    year: int
    kind: ObservationKind
    value: Measure
    unit: str | None
    source: str | None
    note: str | None
    round: str | None = None
    created_at: datetime
    updated_at: datetime


class ObservationList(BaseModel):
    """All observations of one indicator that match the filters, ordered by year, area and kind. The set is
    bounded (areas × years × kinds), so it is not paged."""

    items: list[ObservationPublic]


class UpsertResult(BaseModel):
    """What a bulk upsert did: items matched on (area, year, kind)."""

    created: int
    updated: int
    unchanged: int


class IndicatorUpdate(BaseModel):
    """The editable defaults of an indicator (our reading, not the sources'). Omitted fields stay."""

    model_config = ConfigDict(extra="forbid")

    higher_is_better: bool | None = NotNull(strict=True, description="true when a higher value is better")
    likely_source: LikelySource | None = NotNull(description="survey or register")
    unit: Text(50) | None = PydanticField(default=None, description="e.g. pct.; null clears it")
    active: bool | None = NotNull(
        strict=True,
        description="false retires the indicator (kept with its data for history, left out of new reports); "
        "true brings it back",
    )


# --- the 2030 indicator report -----------------------------------------------------------------------------


class FocusAreaGap(BaseModel):
    area: str
    value: Measure | None = PydanticField(description="The area's `actual` value in `year`")
    baseline_value: Measure | None = PydanticField(description="The area's value in `baseline_year`")
    gap: Measure | None = PydanticField(description="Oriented gap to the comparison area in `year`; > 0: worse")
    baseline_gap: Measure | None = PydanticField(description="Oriented gap in `baseline_year`")
    gap_narrowed: bool | None = PydanticField(description="|gap| < |baseline_gap|; null when either is missing")


class AreaValues(BaseModel):
    area: str | None
    value: Measure | None
    baseline_value: Measure | None


class MunicipalityValues(AreaValues):
    improved: bool | None = PydanticField(description="Better in `year` than at baseline, by higher_is_better")


class IndicatorReportRow(BaseModel):
    number: int
    name: str
    theme: str
    higher_is_better: bool
    has_data: bool = PydanticField(description="Some area has a value in `year` or `baseline_year`")
    focus_areas: list[FocusAreaGap]
    comparison: AreaValues
    municipality: MunicipalityValues
    gaps_narrowed: bool | None = PydanticField(
        description="true: narrowed in every focus area; false: some gap did not narrow; null: not known"
    )
    municipality_improved: bool | None


class ThemeReportRow(BaseModel):
    code: str
    name: str
    indicators: list[int]
    indicators_with_data: int
    indicators_gaps_narrowed: int = PydanticField(description="Indicators whose gaps narrowed in every focus area")
    indicators_municipality_improved: int
    gaps_narrowed: bool | None
    municipality_improved: bool | None
    ambition_met: bool | None = PydanticField(
        description="true when every indicator with data has narrowed gaps in every focus area and an improved "
        "municipality; false when one of them has not; null when there is no data or it is incomplete"
    )


class ReportSummary(BaseModel):
    themes_measurable: int = PydanticField(description="Themes with at least one indicator (all but T6)")
    themes_without_indicators: list[str]
    themes_municipality_improved: int
    themes_gaps_narrowed: int
    themes_ambition_met: int
    municipality_improved_on_all_themes: bool | None = PydanticField(
        description="2030 test 1, over the measurable themes"
    )
    gaps_narrowed_in_all_themes: bool | None = PydanticField(description="2030 test 2, over the measurable themes")
    ambition_met: bool | None = PydanticField(description="Both tests")


class IndicatorReport(BaseModel):
    year: int
    baseline_year: int
    comparison_area: str | None
    municipality_area: str | None
    focus_areas: list[str]
    indicators: list[IndicatorReportRow]
    themes: list[ThemeReportRow]
    summary: ReportSummary


# The Danish headings of the indicator report's table in XLSX (CSV keeps the codes).
REPORT_HEADINGS = {
    "indicator": "Indikator",
    "indicator_name": "Indikatorens navn",
    "theme": "Tema",
    "higher_is_better": "Højere er bedre",
    "area": "Bydel",
    "year": "År",
    "baseline_year": "Udgangsår",
    "value": "Værdi",
    "baseline_value": "Værdi i udgangsåret",
    "comparison_value": "Resten af Gladsaxe",
    "comparison_baseline_value": "Resten af Gladsaxe i udgangsåret",
    "gap": "Forskel",
    "baseline_gap": "Forskel i udgangsåret",
    "gap_narrowed": "Forskellen er mindsket",
    "municipality_value": "Hele Gladsaxe",
    "municipality_baseline_value": "Hele Gladsaxe i udgangsåret",
    "municipality_improved": "Hele Gladsaxe er forbedret",
}
