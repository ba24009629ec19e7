"""Indicator observations (list, add one, bulk upsert), the indicators' editable defaults, and the 2030
indicator report that compares the focus areas with the rest of the municipality."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm.attributes import flag_modified
from sqlmodel import Session, col, select

from app.db import begin_write
from app.errors import Conflict, NotFound, RuleViolation
from app.models.observation import (
    AreaValues,
    FocusAreaGap,
    IndicatorObservation,
    IndicatorReport,
    IndicatorReportRow,
    MunicipalityValues,
    ObservationCreate,
    ObservationKind,
    ObservationList,
    ObservationPublic,
    ReportSummary,
    ThemeReportRow,
    UpsertResult,
)
from app.models.reference import Area, Indicator, Theme
from app.models.survey_round import MeasurementRound
from app.models.types import public_of, utcnow
from app.services import audit
from app.services.auth import require_department
from app.services.reference import CodeChecker

KIND_ORDER = {k.value: i for i, k in enumerate(ObservationKind)}


# --- observations ------------------------------------------------------------------------------------------


def load_indicator(session: Session, number: int) -> Indicator:
    row = session.get(Indicator, number)
    if row is None:
        raise NotFound(f"indicator {number} not found; the indicators are numbered 1–19")
    return row


def observation_public(row: IndicatorObservation, round_code: str | None = None) -> ObservationPublic:
    return public_of(ObservationPublic, row, indicator=row.indicator_number, area=row.area_slug, round=round_code)


def round_codes(session: Session) -> dict[str, MeasurementRound]:
    return {r.code: r for r in session.exec(select(MeasurementRound))}


def check_round(
    checker: CodeChecker, rounds: dict[str, MeasurementRound], code: str | None, year: int, loc: list
) -> int | None:
    """The id of the round `code` names, when it exists and is of `year` (problems go to the checker)."""
    if code is None:
        return None
    found = rounds.get(code)
    if found is None:
        checker.fail([*loc, "round"], f"unknown round code {code!r}; GET /api/v1/rounds lists them", "unknown_code")
        return None
    if found.year != year:
        checker.fail([*loc, "year"], f"round {code} is of {found.year}, not {year}", "rule")
    return found.id


def list_observations(
    session: Session,
    number: int,
    *,
    area: Sequence[str] = (),
    year: Sequence[int] = (),
    kind: Sequence[ObservationKind] = (),
) -> ObservationList:
    load_indicator(session, number)
    checker = CodeChecker(session)
    checker.check_all("area", area, ["query", "area"])
    checker.raise_if_any()
    stmt = (
        select(IndicatorObservation, Area.position, MeasurementRound.code)
        .join(Area, col(Area.slug) == col(IndicatorObservation.area_slug))
        .outerjoin(MeasurementRound, col(MeasurementRound.id) == col(IndicatorObservation.round_id))
        .where(IndicatorObservation.indicator_number == number)
    )
    if area:
        stmt = stmt.where(col(IndicatorObservation.area_slug).in_(area))
    if year:
        stmt = stmt.where(col(IndicatorObservation.year).in_(year))
    if kind:
        stmt = stmt.where(col(IndicatorObservation.kind).in_([k.value for k in kind]))
    rows = sorted(session.exec(stmt).all(), key=lambda r: (r[0].year, r[1], KIND_ORDER[r[0].kind]))
    return ObservationList(items=[observation_public(row, code) for row, _, code in rows])


def _existing(session: Session, number: int) -> dict[tuple[str, int, str], IndicatorObservation]:
    rows = session.exec(select(IndicatorObservation).where(IndicatorObservation.indicator_number == number)).all()
    return {(r.area_slug, r.year, r.kind): r for r in rows}


def _fields(data: ObservationCreate, round_id: int | None = None) -> dict[str, Any]:
    # The value is kept as the exact decimal it was sent as (66.0 stays "66.0", 66.00 stays "66.00").
    return {"value": data.value, "unit": data.unit, "source": data.source, "note": data.note, "round_id": round_id}


def _new_row(number: int, item: ObservationCreate, fields: dict[str, Any], now: datetime) -> IndicatorObservation:
    """A new observation row, keyed by (indicator, area, year, kind), with its other fields."""
    return IndicatorObservation(
        indicator_number=number,
        area_slug=item.area,
        year=item.year,
        kind=item.kind.value,
        created_at=now,
        updated_at=now,
        **fields,
    )


def require_observer() -> None:
    """Indicator data is the Social balance unit's: an admin or an editor of SOB may change it."""
    require_department("SOB", what="indicator data")


def add_observation(session: Session, number: int, data: ObservationCreate) -> ObservationPublic:
    begin_write(session)
    require_observer()
    load_indicator(session, number)
    checker = CodeChecker(session)
    checker.check("area", data.area, ["body", "area"])
    round_id = check_round(checker, round_codes(session), data.round, data.year, ["body"])
    checker.raise_if_any()
    clash = _existing(session, number).get((data.area, data.year, data.kind.value))
    if clash is not None:
        raise Conflict(
            f"indicator {number} already has a {data.kind.value} value for {data.area} in {data.year} "
            f"(observation {clash.id}); PUT the observations to change it",
            errors=[{"loc": ["body"], "msg": f"duplicates observation {clash.id}"}],
        )
    row = _new_row(number, data, _fields(data, round_id), utcnow())
    session.add(row)
    session.flush()
    public = observation_public(row, data.round)
    audit.record(session, "create", "observation", row.id, audit.diff(None, public.model_dump()))
    session.commit()
    return public


def upsert_observations(session: Session, number: int, items: Sequence[ObservationCreate]) -> UpsertResult:
    """Create or update each item, matched on (area, year, kind), in one transaction: all or nothing."""
    begin_write(session)
    require_observer()
    load_indicator(session, number)
    checker = CodeChecker(session)
    rounds = round_codes(session)
    round_ids = [check_round(checker, rounds, item.round, item.year, ["body", i]) for i, item in enumerate(items)]
    seen: dict[tuple[str, int, str], int] = {}
    for i, item in enumerate(items):
        checker.check("area", item.area, ["body", i, "area"])
        key = (item.area, item.year, item.kind.value)
        if key in seen:
            checker.fail(
                ["body", i],
                f"repeats item {seen[key]} (area {item.area}, year {item.year}, kind {item.kind.value}); "
                "send each observation once",
                "duplicate",
            )
        seen.setdefault(key, i)
    checker.raise_if_any()

    counts = write_observations(session, number, list(zip(items, round_ids, strict=True)))
    audit.record(session, "upsert", "indicator", number, {"observations": counts})
    session.commit()
    return UpsertResult(**counts)


def write_observations(
    session: Session, number: int, items: Sequence[tuple[ObservationCreate, int | None]], actions: list | None = None
) -> dict[str, int]:
    """Create or update one indicator's observations, matched on (area, year, kind); checked before. With
    `actions`, each item's action (created, updated, unchanged) is appended to it. Does not commit."""
    existing = _existing(session, number)
    now = utcnow()
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item, round_id in items:
        fields = _fields(item, round_id)
        row = existing.get((item.area, item.year, item.kind.value))
        if row is None:
            row = _new_row(number, item, fields, now)
            session.add(row)
            existing[(item.area, item.year, item.kind.value)] = row
            action = "created"
        elif all(_same(getattr(row, name), value) for name, value in fields.items()):
            action = "unchanged"
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            flag_modified(row, "value")  # the ORM sees 70.0 == 70.00 as no change; the text did change
            row.updated_at = now
            session.add(row)
            action = "updated"
        counts[action] += 1
        if actions is not None:
            actions.append(action)
    return counts


def _same(stored: Any, sent: Any) -> bool:
    if isinstance(stored, Decimal) and isinstance(sent, Decimal):
        return format(stored, "f") == format(sent, "f")  # 66.0 → 66.00 is a change of the stored text
    return stored == sent


# --- the 2030 indicator report -----------------------------------------------------------------------------


def _all(flags: Sequence[bool | None]) -> bool | None:
    """Three-valued AND: false if any is false, true if all are true, otherwise (or if none) unknown."""
    if any(f is False for f in flags):
        return False
    if flags and all(f is True for f in flags):
        return True
    return None


def _oriented(value: Decimal | None, other: Decimal | None, higher_is_better: bool) -> Decimal | None:
    """value − other, with the sign turned so that a positive result means `value` is worse than `other`."""
    if value is None or other is None:
        return None
    diff = value - other
    return -diff if higher_is_better else diff


def indicator_report(session: Session, year: int, baseline_year: int) -> IndicatorReport:
    if baseline_year >= year:
        raise RuleViolation.at(
            ["query", "baseline_year"], f"baseline_year ({baseline_year}) must be before year ({year})"
        )
    areas = session.exec(select(Area).order_by(col(Area.position))).all()
    focus = [a.slug for a in areas if a.kind == "focus_area"]
    comparison = next((a.slug for a in areas if a.kind == "comparison"), None)
    municipality = next((a.slug for a in areas if a.kind == "municipality"), None)
    observed = _Observed.load(session, year, baseline_year)
    rows = [
        _indicator_row(ind, observed, focus, comparison, municipality)
        for ind in session.exec(
            select(Indicator).where(col(Indicator.retired_at).is_(None)).order_by(col(Indicator.number))
        )
    ]
    themes = [_theme_row(theme, rows) for theme in session.exec(select(Theme).order_by(col(Theme.position)))]
    return IndicatorReport(
        year=year,
        baseline_year=baseline_year,
        comparison_area=comparison,
        municipality_area=municipality,
        focus_areas=focus,
        indicators=rows,
        themes=themes,
        summary=_summary(themes),
    )


@dataclass(frozen=True)
class _Observed:
    """The observations the report reads: the actual and baseline values of the report year and the baseline
    year, by (indicator, area, year, kind)."""

    values: dict[tuple[int, str, int, str], Decimal]
    year: int
    baseline_year: int

    @classmethod
    def load(cls, session: Session, year: int, baseline_year: int) -> "_Observed":
        values: dict[tuple[int, str, int, str], Decimal] = {}
        for obs in session.exec(
            select(IndicatorObservation).where(
                col(IndicatorObservation.year).in_([year, baseline_year]),
                col(IndicatorObservation.kind).in_([ObservationKind.actual.value, ObservationKind.baseline.value]),
            )
        ):
            values[(obs.indicator_number, obs.area_slug, obs.year, obs.kind)] = obs.value
        return cls(values, year, baseline_year)

    def now(self, number: int, area: str | None) -> Decimal | None:
        """The actual value in the report year."""
        return self.values.get((number, area, self.year, "actual"))

    def base(self, number: int, area: str | None) -> Decimal | None:
        """The baseline year's baseline value, or failing that its actual value."""
        found = self.values.get((number, area, self.baseline_year, "baseline"))
        return found if found is not None else self.values.get((number, area, self.baseline_year, "actual"))


def _indicator_row(
    ind: Indicator, observed: _Observed, focus: list[str], comparison: str | None, municipality: str | None
) -> IndicatorReportRow:
    n, hib = ind.number, ind.higher_is_better
    comp = AreaValues(area=comparison, value=observed.now(n, comparison), baseline_value=observed.base(n, comparison))
    muni_now, muni_base = observed.now(n, municipality), observed.base(n, municipality)
    change = _oriented(muni_now, muni_base, hib)  # > 0: worse than at baseline
    muni = MunicipalityValues(
        area=municipality,
        value=muni_now,
        baseline_value=muni_base,
        improved=None if change is None else change < 0,
    )
    gaps = [_focus_gap(observed, n, slug, comp, hib) for slug in focus]
    has_data = any(
        v is not None
        for v in (
            comp.value,
            comp.baseline_value,
            muni.value,
            muni.baseline_value,
            *(g.value for g in gaps),
            *(g.baseline_value for g in gaps),
        )
    )
    return IndicatorReportRow(
        number=n,
        name=ind.name,
        theme=ind.theme_code,
        higher_is_better=hib,
        has_data=has_data,
        focus_areas=gaps,
        comparison=comp,
        municipality=muni,
        gaps_narrowed=_all([g.gap_narrowed for g in gaps]),
        municipality_improved=muni.improved,
    )


def _focus_gap(observed: _Observed, number: int, slug: str, comp: AreaValues, hib: bool) -> FocusAreaGap:
    """A focus area against the comparison area, now and at baseline."""
    value, baseline_value = observed.now(number, slug), observed.base(number, slug)
    gap = _oriented(value, comp.value, hib)
    baseline_gap = _oriented(baseline_value, comp.baseline_value, hib)
    narrowed = None if gap is None or baseline_gap is None else abs(gap) < abs(baseline_gap)
    return FocusAreaGap(
        area=slug,
        value=value,
        baseline_value=baseline_value,
        gap=gap,
        baseline_gap=baseline_gap,
        gap_narrowed=narrowed,
    )


def _theme_row(theme: Theme, rows: list[IndicatorReportRow]) -> ThemeReportRow:
    own = [r for r in rows if r.theme == theme.code]
    with_data = [r for r in own if r.has_data]
    gaps_narrowed = _all([r.gaps_narrowed for r in with_data])
    improved = _all([r.municipality_improved for r in with_data])
    return ThemeReportRow(
        code=theme.code,
        name=theme.name,
        indicators=[r.number for r in own],
        indicators_with_data=len(with_data),
        indicators_gaps_narrowed=sum(r.gaps_narrowed is True for r in with_data),
        indicators_municipality_improved=sum(r.municipality_improved is True for r in with_data),
        gaps_narrowed=gaps_narrowed,
        municipality_improved=improved,
        ambition_met=_all([gaps_narrowed, improved]) if with_data else None,
    )


def _summary(themes: list[ThemeReportRow]) -> ReportSummary:
    measurable = [t for t in themes if t.indicators]
    return ReportSummary(
        themes_measurable=len(measurable),
        themes_without_indicators=[t.code for t in themes if not t.indicators],
        themes_municipality_improved=sum(t.municipality_improved is True for t in measurable),
        themes_gaps_narrowed=sum(t.gaps_narrowed is True for t in measurable),
        themes_ambition_met=sum(t.ambition_met is True for t in measurable),
        municipality_improved_on_all_themes=_all([t.municipality_improved for t in measurable]),
        gaps_narrowed_in_all_themes=_all([t.gaps_narrowed for t in measurable]),
        ambition_met=_all([t.ambition_met for t in measurable]),
    )


REPORT_COLUMNS = [
    "indicator",
    "indicator_name",
    "theme",
    "higher_is_better",
    "area",
    "year",
    "baseline_year",
    "value",
    "baseline_value",
    "comparison_value",
    "comparison_baseline_value",
    "gap",
    "baseline_gap",
    "gap_narrowed",
    "municipality_value",
    "municipality_baseline_value",
    "municipality_improved",
]


def report_table(report: IndicatorReport) -> list[dict[str, Any]]:
    """The per-indicator figures as a flat table: one row per indicator × focus area."""
    return [
        {
            "indicator": row.number,
            "indicator_name": row.name,
            "theme": row.theme,
            "higher_is_better": row.higher_is_better,
            "area": gap.area,
            "year": report.year,
            "baseline_year": report.baseline_year,
            "value": gap.value,
            "baseline_value": gap.baseline_value,
            "comparison_value": row.comparison.value,
            "comparison_baseline_value": row.comparison.baseline_value,
            "gap": gap.gap,
            "baseline_gap": gap.baseline_gap,
            "gap_narrowed": gap.gap_narrowed,
            "municipality_value": row.municipality.value,
            "municipality_baseline_value": row.municipality.baseline_value,
            "municipality_improved": row.municipality.improved,
        }
        for row in report.indicators
        for gap in row.focus_areas
    ]
