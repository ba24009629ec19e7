"""Response shapes of the rollups (no tables)."""

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from app.models.types import MoneySum, Share, SignedMoneySum


class Dimension(StrEnum):
    theme = "theme"
    effect_goal = "effect_goal"
    indicator = "indicator"
    department = "department"
    area = "area"
    year = "year"
    funding_source = "funding_source"
    category = "category"
    track = "track"
    kind = "kind"
    status = "status"


class CoverageDimension(StrEnum):
    theme = "theme"
    indicator = "indicator"
    area = "area"


class BudgetRollupRow(BaseModel):
    """One group. Only the requested dimensions appear, each as its code and, for coded ones, `<dim>_name`.
    A null code is the explicit "none" group (e.g. interventions without a theme)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "theme": "T4",
                "theme_name": "Medborgerskab og deltagelse",
                "year": 2020,
                "amount": "465000.00",
                "gross": "930000.00",
                "interventions": 1,
                "budget": "465000.00",
                "revised": "465000.00",
                "actual": "441750.00",
                "difference": "23250.00",
                "share_spent": "0.9500",
            }
        },
    )

    amount: MoneySum = Field(
        description="The group's share of the current plan (equals `revised`): money split "
        "equally over an intervention's codes"
    )
    gross: MoneySum = Field(description="Full amounts of the current plan's lines of interventions touching the group")
    interventions: int = Field(description="Distinct interventions with lines of the current plan in the group")
    budget: MoneySum = Field(description="The group's share of the original budget (lines of type budget)")
    revised: MoneySum = Field(
        description="The group's share of the current plan: revised lines, plus original "
        "lines without a revised line of their key (and granted pool money)"
    )
    actual: MoneySum = Field(description="The group's share of the actual spending (lines of type actual)")
    difference: SignedMoneySum = Field(
        description="revised − actual: what is left of the plan (negative when more was spent)"
    )
    share_spent: Share | None = Field(
        description="actual / revised as a fraction with 4 decimals (0.9500 is 95 %); null when revised is 0"
    )


class RollupTotal(BaseModel):
    amount: MoneySum = Field(
        description="Plain sum of the filtered lines of the current plan; equals the sum of "
        "`amount` over rows, and `revised`"
    )
    interventions: int = Field(description="Distinct interventions with lines of the current plan")
    budget: MoneySum = Field(description="Plain sum of the original budget lines; equals the sum over rows")
    revised: MoneySum = Field(description="Plain sum of the current plan; equals the sum over rows")
    actual: MoneySum = Field(description="Plain sum of the actual spending lines; equals the sum over rows")
    difference: SignedMoneySum = Field(description="revised − actual")
    share_spent: Share | None = Field(description="actual / revised with 4 decimals; null when revised is 0")


class BudgetRollup(BaseModel):
    by: list[Dimension]
    rows: list[BudgetRollupRow]
    total: RollupTotal


class CoverageRow(BaseModel):
    """One theme, indicator or area. `<by>` holds its code and `<by>_name` its name (flat, as in the CSV)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "example": {
                "theme": "T6",
                "theme_name": "Socialt mix i fritiden",
                "effect_goal": "E2",
                "interventions": 0,
                "active_or_planned": 0,
                "status_idea": 0,
                "status_planned": 0,
                "status_active": 0,
                "status_completed": 0,
                "status_anchored": 0,
                "status_stopped": 0,
                "kind_project": 0,
                "kind_programme": 0,
                "kind_core_operation": 0,
                "kind_trial_action": 0,
                "amount": "0.00",
                "gross": "0.00",
                "covered": False,
            }
        },
    )

    interventions: int = Field(description="Interventions linked to it (any status)")
    active_or_planned: int
    amount: MoneySum = Field(
        description="The current plan (revised lines and unrevised original lines) in the chosen "
        "years, split as in the budget rollup"
    )
    gross: MoneySum = Field(description="The full current plan in the chosen years of the interventions linked to it")
    covered: bool = Field(description="False when no active or planned intervention addresses it")


class Coverage(BaseModel):
    by: CoverageDimension
    rows: list[CoverageRow]
    uncovered: list[str | int] = Field(description="Codes with no active or planned intervention")


class PoolSummaryDimension(StrEnum):
    intervention = "intervention"
    theme = "theme"
    area = "area"
    department = "department"


class PoolSummaryRow(BaseModel):
    """One group: `<by>` holds its code (an intervention's id) and `<by>_name` its name."""

    model_config = ConfigDict(extra="allow")

    amount: MoneySum = Field(description="Net granted money, split over codes like the budget rollup")
    gross: MoneySum
    interventions: int


class PoolSummary(BaseModel):
    pool_id: int
    by: PoolSummaryDimension
    rows: list[PoolSummaryRow]
    granted: MoneySum = Field(description="The pool's net granted money; the rows' amounts add up to it")


# The Danish headings of the rollups' columns in XLSX (CSV keeps the codes, which scripts read).
_DIMENSION_HEADINGS = {
    "theme": ("Tema", "Temaets navn"),
    "effect_goal": ("Effektmål", "Effektmålets navn"),
    "indicator": ("Indikator", "Indikatorens navn"),
    "department": ("Forvaltning", "Forvaltningens navn"),
    "area": ("Bydel", "Bydelens navn"),
    "year": ("År", ""),
    "funding_source": ("Finansieringskilde", "Finansieringskildens navn"),
    "category": ("Kategori", ""),
    "track": ("Spor", "Sporets navn"),
    "kind": ("Type", "Typens navn"),
    "status": ("Status", "Statussens navn"),
}
_FIGURE_HEADINGS = {
    "amount": "Beløb (kr.)",
    "gross": "Brutto, dobbelttalt (kr.)",
    "interventions": "Indsatser",
    "budget": "Oprindeligt budget (kr.)",
    "revised": "Gældende budget (kr.)",
    "actual": "Forbrug (kr.)",
    "difference": "Difference (kr.)",
    "share_spent": "Andel brugt",
    "active_or_planned": "Aktive eller planlagte",
    "covered": "Dækket",
}
_STATUS_HEADINGS = {
    "idea": "Idé",
    "planned": "Planlagt",
    "active": "I gang",
    "completed": "Afsluttet",
    "anchored": "Forankret",
    "stopped": "Stoppet",
}
_KIND_HEADINGS = {
    "project": "Projekt",
    "programme": "Program",
    "core_operation": "Kernedrift",
    "trial_action": "Prøvehandling",
}
ROLLUP_HEADINGS = {
    **{code: names[0] for code, names in _DIMENSION_HEADINGS.items()},
    **{f"{code}_name": names[1] for code, names in _DIMENSION_HEADINGS.items() if names[1]},
    **_FIGURE_HEADINGS,
    **{f"status_{code}": f"Status: {name}" for code, name in _STATUS_HEADINGS.items()},
    **{f"kind_{code}": f"Type: {name}" for code, name in _KIND_HEADINGS.items()},
}
# Columns whose rows add up (money split without double counting): the XLSX's total row sums them.
ADDITIVE_COLUMNS = ("amount", "budget", "revised", "actual", "difference")
