"""The ambition report's verdicts per theme and overall, in codes and Danish sentences, and the money spent per
theme in the period between the two rounds (beside the results, not as their cause)."""

from sqlmodel import Session

from app.models.ambition import (
    IndicatorAmbition,
    Overall,
    OverallVerdict,
    ThemeAmbition,
    ThemeMoney,
    Verdict,
)
from app.models.filters import RollupFilters
from app.models.reference import Theme
from app.models.rollup import Dimension
from app.services import rollups

VERDICT_LABELS = {
    Verdict.met: "Opfyldt",
    Verdict.not_met: "Ikke opfyldt",
    Verdict.insufficient_data: "Utilstrækkelige data",
}
OVERALL_LABELS = {
    OverallVerdict.met: "Ambitionen er opfyldt",
    OverallVerdict.not_met: "Ambitionen er ikke opfyldt",
    OverallVerdict.not_answerable: "Kan endnu ikke besvares",
}
MONEY_NOTE = (
    "Pengene står ved siden af resultaterne, ikke som deres årsag: at et tema har fået penge og har udviklet sig, "
    "viser ikke, at pengene har skabt udviklingen."
)


def _money(session: Session, year_from: int, year_to: int) -> dict[str, ThemeMoney]:
    result = rollups.budget_rollup(session, RollupFilters(year_from=year_from, year_to=year_to), [Dimension.theme])
    found = {}
    for row in result.rows:
        code = row.model_extra.get("theme")
        if code is not None:
            found[code] = ThemeMoney(
                year_from=year_from,
                year_to=year_to,
                plan=row.revised,
                actual=row.actual,
                interventions=row.interventions,
            )
    return found


def _names(numbers: list[int], by_number: dict[int, IndicatorAmbition]) -> str:
    return ", ".join(f"{n} {by_number[n].name}" for n in numbers)


def _theme(theme: Theme, own: list[IndicatorAmbition], money: ThemeMoney) -> ThemeAmbition:
    by_number = {i.number: i for i in own}
    missing = [i.number for i in own if i.verdict is Verdict.insufficient_data]
    reasons: list[str] = []
    improved = gaps = None
    if not own:
        verdict = Verdict.insufficient_data
        reasons.append("Temaet har ingen aktive indikatorer, så det kan ikke måles.")
    elif missing:
        verdict = Verdict.insufficient_data
        reasons.append(
            f"Der mangler tal for {len(missing)} af temaets {len(own)} indikatorer ({_names(missing, by_number)}); "
            "en vurdering kræver tal for dem alle i begge runder."
        )
    else:
        improved = all(i.municipality.improved for i in own)
        gaps = all(i.gaps_closed for i in own)
        verdict = Verdict.met if improved and gaps else Verdict.not_met
        reasons += _sentences(own, by_number, improved, gaps)
    return ThemeAmbition(
        code=theme.code,
        name=theme.name,
        effect_goal=theme.effect_goal_code,
        indicators=[i.number for i in own],
        verdict=verdict,
        verdict_label=VERDICT_LABELS[verdict],
        municipality_improved=improved,
        gaps_closed=gaps,
        missing_indicators=missing,
        reasons=reasons,
        money=money,
    )


def _sentences(own, by_number, improved: bool, gaps: bool) -> list[str]:
    not_better = [i.number for i in own if not i.municipality.improved]
    not_closed = [i.number for i in own if not i.gaps_closed]
    overtaken = [(i, g) for i in own for g in i.gaps if g.status == "overtaken"]
    out = [
        "Hele kommunen er forbedret på alle temaets indikatorer."
        if improved
        else f"Hele kommunen er ikke forbedret på {_names(not_better, by_number)}.",
        "Forskellen til kommunen er mindsket for hvert af de tre områder og for dem samlet."
        if gaps
        else f"Forskellen til kommunen er ikke mindsket overalt på {_names(not_closed, by_number)}.",
    ]
    for ind, gap in overtaken:
        out.append(f"{gap.name} har overhalet kommunen på {ind.name}; det tæller som mindsket forskel.")
    return out


def themes(
    session: Session, rows: list[Theme], indicators: list[IndicatorAmbition], year_from: int, year_to: int
) -> list[ThemeAmbition]:
    money = _money(session, year_from, year_to)
    empty = ThemeMoney(year_from=year_from, year_to=year_to, plan=0, actual=0, interventions=0)
    return [_theme(t, [i for i in indicators if i.theme == t.code], money.get(t.code, empty)) for t in rows]


def overall(themes_: list[ThemeAmbition], indicators: list[IndicatorAmbition]) -> Overall:
    met = [t for t in themes_ if t.verdict is Verdict.met]
    not_met = [t for t in themes_ if t.verdict is Verdict.not_met]
    unknown = [t for t in themes_ if t.verdict is Verdict.insufficient_data]
    reasons = []
    if not_met:
        verdict = OverallVerdict.not_met
        reasons.append(
            "Ambitionen kræver alle temaer; disse er ikke opfyldt: "
            + ", ".join(f"{t.code} {t.name}" for t in not_met)
            + "."
        )
    elif unknown:
        verdict = OverallVerdict.not_answerable
    else:
        verdict = OverallVerdict.met
        reasons.append(f"Alle {len(themes_)} temaer er opfyldt.")
    if unknown:
        reasons.append(
            "Disse temaer kan endnu ikke vurderes: " + ", ".join(f"{t.code} {t.name}" for t in unknown) + "."
        )
    targets = [t for i in indicators for t in i.targets]
    return Overall(
        verdict=verdict,
        label=OVERALL_LABELS[verdict],
        reasons=reasons,
        themes_total=len(themes_),
        themes_met=len(met),
        themes_not_met=len(not_met),
        themes_insufficient=len(unknown),
        targets_met=sum(t.met is True for t in targets),
        targets_missed=sum(t.met is False for t in targets),
    )
