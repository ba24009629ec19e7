"""Response shapes of the ambition report (no tables): the Byråd's 2030 ambition computed for two rounds.
Verdicts are stable machine codes with a Danish label beside them."""

from enum import StrEnum

from pydantic import BaseModel
from pydantic import Field as PydanticField

from app.models.framework import FrameworkVersion
from app.models.types import Measure, MoneySum

AMBITION_TEXT = (
    "Hele Gladsaxe kommune skal forbedre sig på alle ni temaer og forskellen mellem Gladsaxe Kommune og de tre "
    "Social Balance-områder skal mindskes."
)


class Verdict(StrEnum):
    met = "met"
    not_met = "not_met"
    insufficient_data = "insufficient_data"


class OverallVerdict(StrEnum):
    met = "met"
    not_met = "not_met"
    not_answerable = "not_answerable"


class GapStatus(StrEnum):
    narrowed = "narrowed"
    overtaken = "overtaken"
    not_behind = "not_behind"
    not_narrowed = "not_narrowed"
    fell_behind = "fell_behind"
    insufficient_data = "insufficient_data"


class FigureSource(StrEnum):
    measured = "measured"
    derived = "derived"


class RoundRef(BaseModel):
    code: str
    name: str
    kind: str
    year: int
    collected: str | None


class MunicipalityFigure(BaseModel):
    value: Measure | None
    source: FigureSource | None = PydanticField(
        description="measured: a hele-gladsaxe observation; derived: the weighted mean of the three areas and "
        "the rest of the municipality; null: neither is possible"
    )
    weight_basis: str | None = PydanticField(description="population or respondents, when derived")
    weights_round: str | None = PydanticField(description="The round whose weights derived it")
    note: str | None = PydanticField(default=None, description="Why the figure is missing, in Danish")


class Municipality(BaseModel):
    baseline: MunicipalityFigure
    latest: MunicipalityFigure
    change: Measure | None = PydanticField(description="latest − baseline, as measured (not oriented)")
    improved: bool | None = PydanticField(description="Strictly better by `higher_is_better`; null: not known")
    label: str


class AreaFigures(BaseModel):
    area: str
    name: str
    baseline: Measure | None
    latest: Measure | None


class Gap(BaseModel):
    area: str = PydanticField(description="A focus area's slug, or `tre-omraader` for the three together")
    name: str
    baseline_value: Measure | None = PydanticField(description="The area's (or the three together's) figure")
    latest_value: Measure | None
    baseline_gap: Measure | None = PydanticField(description="How far the area is behind the municipality (> 0)")
    latest_gap: Measure | None
    status: GapStatus
    closed: bool | None = PydanticField(
        description="true: narrowed, overtaken (counts as closing the gap) or still not behind; null: not known"
    )
    label: str


class Target(BaseModel):
    area: str
    name: str
    year: int
    value: Measure
    latest: Measure | None = PydanticField(description="The area's figure in the latest round")
    met: bool | None
    label: str


class SeriesPoint(BaseModel):
    round: str
    year: int
    municipality: Measure | None
    municipality_source: FigureSource | None
    areas: dict[str, Measure | None]


class IndicatorAmbition(BaseModel):
    number: int
    name: str
    theme: str
    unit: str | None
    higher_is_better: bool
    municipality: Municipality
    areas: list[AreaFigures]
    gaps: list[Gap] = PydanticField(description="The three focus areas, then the three together")
    gaps_closed: bool | None
    verdict: Verdict
    verdict_label: str
    missing: list[str] = PydanticField(description="The figures missing for a verdict, in Danish")
    targets: list[Target]
    series: list[SeriesPoint] = PydanticField(description="The municipality and the areas over the rounds")


class ThemeMoney(BaseModel):
    year_from: int
    year_to: int
    plan: MoneySum = PydanticField(description="The theme's share of the current plan in the period")
    actual: MoneySum = PydanticField(description="The theme's share of the actual spending in the period")
    interventions: int


class ThemeAmbition(BaseModel):
    code: str
    name: str
    effect_goal: str
    indicators: list[int] = PydanticField(description="The theme's active indicators")
    verdict: Verdict
    verdict_label: str
    municipality_improved: bool | None
    gaps_closed: bool | None
    missing_indicators: list[int] = PydanticField(description="Active indicators without data for both rounds")
    reasons: list[str] = PydanticField(description="The verdict in Danish sentences")
    money: ThemeMoney


class Overall(BaseModel):
    verdict: OverallVerdict
    label: str
    reasons: list[str]
    themes_total: int
    themes_met: int
    themes_not_met: int
    themes_insufficient: int
    targets_met: int
    targets_missed: int


class AmbitionReport(BaseModel):
    ambition: str = PydanticField(description="The Byråd's ambition, as adopted")
    baseline: RoundRef
    latest: RoundRef
    framework: FrameworkVersion
    overall: Overall
    themes: list[ThemeAmbition]
    indicators: list[IndicatorAmbition]
    money_note: str
