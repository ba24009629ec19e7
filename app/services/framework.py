"""The results framework as data: an admin adds an indicator, edits its direction, unit and source, or retires
it (kept with its observations for history, left out of new reports). Every change is audited and counted as a
framework revision, so a report can name the framework version it used."""

from sqlmodel import Session, col, func, select

from app.core.context import current
from app.db import begin_write
from app.errors import RuleViolation
from app.models.auth import Role
from app.models.codes import LAST_INDICATOR
from app.models.framework import FrameworkRevision, FrameworkVersion, IndicatorCreate
from app.models.observation import IndicatorUpdate
from app.models.reference import Indicator, IndicatorPublic, Theme
from app.models.types import utcnow
from app.services import audit
from app.services.auth import require
from app.services.observations import load_indicator
from app.services.reference import CodeChecker, indicator_public

EDITABLE = ("higher_is_better", "likely_source", "unit")


def _state(row: Indicator) -> dict:
    return {
        "theme": row.theme_code,
        "name": row.name,
        "higher_is_better": row.higher_is_better,
        "likely_source": row.likely_source,
        "unit": row.unit,
        "active": row.retired_at is None,
    }


def _revise(session: Session, summary: str) -> None:
    session.add(FrameworkRevision(changed_at=utcnow(), actor=current().principal.actor, summary=summary[:500]))


def _public(session: Session, row: Indicator) -> IndicatorPublic:
    goal = session.exec(select(Theme.effect_goal_code).where(Theme.code == row.theme_code)).one()
    return indicator_public(row, goal)


def require_framework_right() -> None:
    """Only an admin changes the framework (403, 401 for nobody)."""
    require(Role.admin)


def create_indicator(session: Session, data: IndicatorCreate) -> IndicatorPublic:
    begin_write(session)
    require_framework_right()
    checker = CodeChecker(session)
    checker.check("theme", data.theme, ["body", "theme"])
    checker.raise_if_any()
    number = (session.exec(select(func.max(Indicator.number))).one() or 0) + 1
    if number > LAST_INDICATOR:
        raise RuleViolation.at(["body"], f"the framework holds at most {LAST_INDICATOR} indicators")
    row = Indicator(
        number=number,
        name=data.name,
        theme_code=data.theme,
        higher_is_better=data.higher_is_better,
        likely_source=data.likely_source.value,
        unit=data.unit,
    )
    session.add(row)
    session.flush()
    audit.record(session, "create", "indicator", number, audit.diff(None, _state(row)))
    _revise(session, f"indikator {number} tilføjet ({data.theme} {data.name})")
    session.commit()
    return _public(session, row)


def update_indicator(session: Session, number: int, data: IndicatorUpdate) -> IndicatorPublic:
    """Direction, source and unit; `active: false` retires the indicator, `true` brings it back."""
    begin_write(session)
    require_framework_right()
    row = load_indicator(session, number)
    before = _state(row)
    checker = CodeChecker(session)
    for name in sorted(data.model_fields_set - {"unit"}):
        if getattr(data, name) is None:
            checker.fail(["body", name], "may not be null", "null")
    checker.raise_if_any()
    for name in EDITABLE:
        if name in data.model_fields_set:
            value = getattr(data, name)
            setattr(row, name, value.value if hasattr(value, "value") else value)
    if "active" in data.model_fields_set and data.active == (row.retired_at is not None):
        row.retired_at = None if data.active else utcnow()
    session.add(row)
    changes = audit.diff(before, _state(row))
    audit.record(session, "update", "indicator", number, changes)
    if changes:
        _revise(session, f"indikator {number} ændret: {', '.join(sorted(changes))}")
    session.commit()
    return _public(session, row)


def framework_version(session: Session) -> FrameworkVersion:
    count, last = session.exec(select(func.count(), func.max(FrameworkRevision.changed_at))).one()
    rows = session.exec(select(Indicator.number, Indicator.retired_at).order_by(col(Indicator.number))).all()
    return FrameworkVersion(
        version=1 + count,
        changed_at=last,
        indicators=[n for n, retired in rows if retired is None],
        retired=[n for n, retired in rows if retired is not None],
    )
