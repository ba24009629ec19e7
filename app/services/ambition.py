"""The Byråd's ambition, computed as it was written, for two rounds (baseline and latest):

"Hele Gladsaxe kommune skal forbedre sig på alle ni temaer og forskellen mellem Gladsaxe Kommune og de tre Social
Balance-områder skal mindskes."

Per indicator: did the municipality improve (by the indicator's direction), and did the distance between the
municipality and each focus area, and the three together, shrink (an area that overtakes the municipality closes
its gap). Per theme: a verdict only when every active indicator has the figures for both rounds. Overall: met,
not met, or not yet answerable. Beside it the targets (ambition levels) and the money spent per theme."""

from decimal import Decimal

from sqlmodel import Session, col, select

from app.errors import RuleViolation
from app.models.ambition import (
    AMBITION_TEXT,
    AmbitionReport,
    AreaFigures,
    Gap,
    GapStatus,
    IndicatorAmbition,
    Municipality,
    RoundRef,
    SeriesPoint,
    Target,
    Verdict,
)
from app.models.reference import Indicator, Theme
from app.models.survey_round import MeasurementRound
from app.services import ambition_themes
from app.services.ambition_figures import Figures
from app.services.framework import framework_version
from app.services.survey_rounds import load_round

TOGETHER = "tre-omraader"
TOGETHER_NAME = "De tre områder samlet"

VERDICT_LABELS = ambition_themes.VERDICT_LABELS
GAP_LABELS = {
    GapStatus.narrowed: "Forskellen er mindsket",
    GapStatus.overtaken: "Området har overhalet kommunen (tæller som mindsket forskel)",
    GapStatus.not_behind: "Området lå ikke under kommunen og gør det stadig ikke",
    GapStatus.not_narrowed: "Forskellen er ikke mindsket",
    GapStatus.fell_behind: "Området er kommet under kommunen",
    GapStatus.insufficient_data: "Utilstrækkelige data",
}


def _rounds(session: Session, baseline: str | None, latest: str | None) -> tuple[MeasurementRound, MeasurementRound]:
    surveys = sorted(
        session.exec(select(MeasurementRound).where(MeasurementRound.kind == "survey")).all(), key=lambda r: r.year
    )
    if (baseline is None or latest is None) and len(surveys) < 2:
        raise RuleViolation.at(
            ["query", "baseline" if baseline is None else "latest"],
            "the report compares two rounds: name them, or add two survey rounds (POST /api/v1/rounds)",
        )
    first = load_round(session, baseline) if baseline else surveys[0]
    last = load_round(session, latest) if latest else surveys[-1]
    if first.year >= last.year:
        raise RuleViolation.at(
            ["query", "baseline"],
            f"the baseline round ({first.code}, {first.year}) must be before the latest ({last.code}, {last.year})",
        )
    return first, last


def _ref(r: MeasurementRound) -> RoundRef:
    return RoundRef(code=r.code, name=r.name, kind=r.kind, year=r.year, collected=r.collected)


def oriented_gap(area: Decimal | None, whole: Decimal | None, higher_is_better: bool) -> Decimal | None:
    """How far the area is behind the municipality: > 0 behind, ≤ 0 level or ahead."""
    if area is None or whole is None:
        return None
    return whole - area if higher_is_better else area - whole


def gap_status(baseline_gap: Decimal | None, latest_gap: Decimal | None) -> GapStatus:
    if baseline_gap is None or latest_gap is None:
        return GapStatus.insufficient_data
    if baseline_gap > 0:
        if latest_gap <= 0:
            return GapStatus.overtaken
        return GapStatus.narrowed if latest_gap < baseline_gap else GapStatus.not_narrowed
    return GapStatus.not_behind if latest_gap <= 0 else GapStatus.fell_behind


def _gap(area: str, name: str, base: Decimal | None, now: Decimal | None, muni: Municipality, hib: bool) -> Gap:
    baseline_gap = oriented_gap(base, muni.baseline.value, hib)
    latest_gap = oriented_gap(now, muni.latest.value, hib)
    status = gap_status(baseline_gap, latest_gap)
    closed = None if status is GapStatus.insufficient_data else status in CLOSING
    return Gap(
        area=area,
        name=name,
        baseline_value=base,
        latest_value=now,
        baseline_gap=baseline_gap,
        latest_gap=latest_gap,
        status=status,
        closed=closed,
        label=GAP_LABELS[status],
    )


CLOSING = {GapStatus.narrowed, GapStatus.overtaken, GapStatus.not_behind}


def improved(base: Decimal | None, now: Decimal | None, higher_is_better: bool) -> bool | None:
    if base is None or now is None:
        return None
    return now > base if higher_is_better else now < base


def _municipality(ind: Indicator, figures: Figures, first: MeasurementRound, last: MeasurementRound) -> Municipality:
    base, now = figures.municipality(ind.number, first), figures.municipality(ind.number, last)
    better = improved(base.value, now.value, ind.higher_is_better)
    label = {True: "Kommunen er forbedret", False: "Kommunen er ikke forbedret", None: "Utilstrækkelige data"}
    return Municipality(
        baseline=base,
        latest=now,
        change=None if better is None else now.value - base.value,
        improved=better,
        label=label[better],
    )


def _missing(ind_areas: list[AreaFigures], muni: Municipality, first: MeasurementRound, last: MeasurementRound):
    missing = []
    for fig in ind_areas:
        for value, rnd in ((fig.baseline, first), (fig.latest, last)):
            if value is None:
                missing.append(f"{fig.name} {rnd.year}")
    for figure, rnd in ((muni.baseline, first), (muni.latest, last)):
        if figure.value is None:
            missing.append(f"Hele Gladsaxe Kommune {rnd.year} ({figure.note})")
    return missing


def _indicator(
    ind: Indicator, figures: Figures, first: MeasurementRound, last: MeasurementRound, series_rounds: list
) -> IndicatorAmbition:
    n, hib = ind.number, ind.higher_is_better
    muni = _municipality(ind, figures, first, last)
    areas = [
        AreaFigures(
            area=a,
            name=figures.names[a],
            baseline=figures.value(n, a, first.year),
            latest=figures.value(n, a, last.year),
        )
        for a in [*figures.focus, figures.rest]
    ]
    gaps = [_gap(f.area, f.name, f.baseline, f.latest, muni, hib) for f in areas[: len(figures.focus)]]
    together = (figures.together(n, first), figures.together(n, last))
    gaps.append(_gap(TOGETHER, TOGETHER_NAME, *together, muni, hib))
    missing = _missing(areas[: len(figures.focus)], muni, first, last)
    if missing:
        verdict = Verdict.insufficient_data
    else:
        verdict = Verdict.met if muni.improved and all(g.closed for g in gaps) else Verdict.not_met
    return IndicatorAmbition(
        number=n,
        name=ind.name,
        theme=ind.theme_code,
        unit=ind.unit or _unit(figures, n),
        higher_is_better=hib,
        municipality=muni,
        areas=areas,
        gaps=gaps,
        gaps_closed=None if any(g.closed is None for g in gaps) else all(g.closed for g in gaps),
        verdict=verdict,
        verdict_label=VERDICT_LABELS[verdict],
        missing=missing,
        targets=_targets(ind, figures, last, muni),
        series=[p for p in (_point(n, figures, r) for r in series_rounds) if _has_data(p)],
    )


def _unit(figures: Figures, number: int) -> str | None:
    return figures.units.get(number) or next(
        (t.unit for t in figures.targets if t.indicator_number == number and t.unit), None
    )


def _point(number: int, figures: Figures, rnd: MeasurementRound) -> SeriesPoint:
    muni = figures.municipality(number, rnd)
    return SeriesPoint(
        round=rnd.code,
        year=rnd.year,
        municipality=muni.value,
        municipality_source=muni.source,
        areas={a: figures.value(number, a, rnd.year) for a in figures.focus},
    )


def _has_data(point: SeriesPoint) -> bool:
    return point.municipality is not None or any(v is not None for v in point.areas.values())


def _targets(ind: Indicator, figures: Figures, last: MeasurementRound, muni: Municipality) -> list[Target]:
    found = []
    for t in sorted((t for t in figures.targets if t.indicator_number == ind.number), key=lambda t: t.year):
        now = muni.latest.value if t.area_slug == figures.whole else figures.value(ind.number, t.area_slug, last.year)
        met = None if now is None else (now >= t.value if ind.higher_is_better else now <= t.value)
        label = {True: "Målet er nået", False: "Målet er ikke nået", None: "Intet tal i seneste runde"}[met]
        found.append(
            Target(
                area=t.area_slug,
                name=figures.names[t.area_slug],
                year=t.year,
                value=t.value,
                latest=now,
                met=met,
                label=label,
            )
        )
    return found


def _series_rounds(session: Session, last: MeasurementRound) -> list[MeasurementRound]:
    """One round per year up to the latest (a survey round where there is one, else the register year): the
    points of the charts."""
    by_year: dict[int, MeasurementRound] = {}
    for r in sorted(session.exec(select(MeasurementRound)).all(), key=lambda r: r.kind != last.kind):
        if r.year <= last.year:
            by_year.setdefault(r.year, r)
    return [by_year[y] for y in sorted(by_year)]


def ambition_report(session: Session, baseline: str | None = None, latest: str | None = None) -> AmbitionReport:
    first, last = _rounds(session, baseline, latest)
    series_rounds = _series_rounds(session, last)
    figures = Figures.load(session, sorted({first.year, last.year, *(r.year for r in series_rounds)}))
    active = session.exec(
        select(Indicator).where(col(Indicator.retired_at).is_(None)).order_by(col(Indicator.number))
    ).all()
    indicators = [_indicator(ind, figures, first, last, series_rounds) for ind in active]
    themes_rows = session.exec(select(Theme).order_by(col(Theme.position))).all()
    themes = ambition_themes.themes(session, themes_rows, indicators, first.year, last.year)
    return AmbitionReport(
        ambition=AMBITION_TEXT,
        baseline=_ref(first),
        latest=_ref(last),
        framework=framework_version(session),
        overall=ambition_themes.overall(themes, indicators),
        themes=themes,
        indicators=indicators,
        money_note=ambition_themes.MONEY_NOTE,
    )
