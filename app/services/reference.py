"""Reads of the reference data, and the one place that checks codes against it."""

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from sqlalchemy import Integer, String, cast, literal, union_all
from sqlmodel import Session, select

from app.core.context import current
from app.errors import RuleViolation
from app.models.organisation import Organisation
from app.models.reference import (
    Area,
    AreaPublic,
    Department,
    DepartmentPublic,
    EffectGoal,
    Framework,
    FrameworkEffectGoal,
    FrameworkIndicator,
    FrameworkTheme,
    FundingSource,
    FundingSourcePublic,
    Indicator,
    IndicatorPublic,
    Theme,
    ThemePublic,
)
from app.models.types import public_of

Loc = list[str | int]


def list_departments(session: Session) -> list[DepartmentPublic]:
    rows = session.exec(select(Department).order_by(Department.code)).all()
    return [DepartmentPublic.model_validate(r, from_attributes=True) for r in rows]


def list_areas(session: Session) -> list[AreaPublic]:
    rows = session.exec(select(Area).order_by(Area.position)).all()
    return [AreaPublic.model_validate(r, from_attributes=True) for r in rows]


def list_funding_sources(session: Session) -> list[FundingSourcePublic]:
    rows = session.exec(select(FundingSource).order_by(FundingSource.code)).all()
    return [FundingSourcePublic.model_validate(r, from_attributes=True) for r in rows]


def list_themes(session: Session) -> list[ThemePublic]:
    themes = session.exec(select(Theme).order_by(Theme.position)).all()
    indicators = session.exec(select(Indicator).order_by(Indicator.number)).all()
    by_theme: dict[str, list[int]] = {}
    for ind in indicators:
        by_theme.setdefault(ind.theme_code, []).append(ind.number)
    return [
        public_of(ThemePublic, t, effect_goal=t.effect_goal_code, indicators=by_theme.get(t.code, [])) for t in themes
    ]


def list_indicators(session: Session) -> list[IndicatorPublic]:
    rows = session.exec(select(Indicator, Theme.effect_goal_code).join(Theme).order_by(Indicator.number)).all()
    return [indicator_public(ind, goal) for ind, goal in rows]


def indicator_public(ind: Indicator, effect_goal: str) -> IndicatorPublic:
    return public_of(IndicatorPublic, ind, theme=ind.theme_code, effect_goal=effect_goal, active=ind.retired_at is None)


def get_framework(session: Session) -> Framework:
    goals = session.exec(select(EffectGoal).order_by(EffectGoal.position)).all()
    themes = session.exec(select(Theme).order_by(Theme.position)).all()
    indicators = session.exec(select(Indicator).order_by(Indicator.number)).all()
    tree = []
    for goal in goals:
        goal_themes = []
        for theme in (t for t in themes if t.effect_goal_code == goal.code):
            inds = [
                FrameworkIndicator(number=i.number, name=i.name, active=i.retired_at is None)
                for i in indicators
                if i.theme_code == theme.code
            ]
            goal_themes.append(FrameworkTheme(code=theme.code, name=theme.name, indicators=inds))
        tree.append(FrameworkEffectGoal(code=goal.code, name=goal.name, themes=goal_themes))
    return Framework(effect_goals=tree)


# Every code of every kind (and each area's position), in one statement: the reference tables are small, and one
# trip costs less than a query per kind. Indicator numbers travel as text (one column type for the UNION).
_ALL_CODES = union_all(
    select(literal("department"), cast(Department.code, String), cast(literal(0), Integer)),
    select(literal("area"), cast(Area.slug, String), cast(Area.position, Integer)),
    select(literal("theme"), cast(Theme.code, String), cast(literal(0), Integer)),
    select(literal("indicator"), cast(Indicator.number, String), cast(literal(0), Integer)),
    select(literal("funding source"), cast(FundingSource.code, String), cast(literal(0), Integer)),
)


T = TypeVar("T")

# What this worker read of the reference tables, by key: (the reference data's version it was read at, value).
_READ_AT_VERSION: dict[Any, tuple[int, Any]] = {}


def at_reference_version(key: Any, read: Callable[[], T]) -> T:
    """`read()` (a read of the reference tables only), or what it answered before in this worker at the reference
    data's version the request's token check read (migration 0026: triggers change it with every change to those
    tables). Outside a request checked by an API token there is no version, and it reads. The answer is shared:
    the caller must not change it."""
    version = current().reference_version
    if version is None:
        return read()
    kept = _READ_AT_VERSION.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    value = read()
    _READ_AT_VERSION[key] = (version, value)
    return value


# The reference tables' code column of each kind a CodeChecker checks one at a time.
_CODE_COLUMNS = {
    "department": Department.code,
    "area": Area.slug,
    "theme": Theme.code,
    "indicator": Indicator.number,
    "funding source": FundingSource.code,
}


class CodeChecker:
    """Collects every unknown code in a request, so that one answer names them all."""

    def __init__(self, session: Session):
        self.session = session
        self.errors: list[dict] = []
        self._known: dict[str, set] = {}
        self.area_positions: dict[str, int] = {}

    def load_all(self) -> "CodeChecker":
        """The codes of every kind at once (a write that checks several kinds), and the areas' order: read, or as
        this worker read them at the current reference version (at_reference_version)."""
        known, self.area_positions = at_reference_version("all codes", self._read_all)
        self._known = dict(known)  # _codes() adds the kinds read on demand (organisations) to this request's
        return self

    def _read_all(self) -> tuple[dict[str, frozenset], dict[str, int]]:
        known: dict[str, set] = {"department": set(), "area": set(), "theme": set(), "indicator": set()}
        known["funding source"] = set()
        positions: dict[str, int] = {}
        for kind, code, position in self.session.execute(_ALL_CODES):
            if kind == "indicator":
                code = int(code)
            elif kind == "area":
                positions[code] = position
            known[kind].add(code)
        return {kind: frozenset(codes) for kind, codes in known.items()}, positions

    def _codes(self, kind: str) -> set | frozenset:
        if kind not in self._known:
            if kind == "organisation":  # not reference data: no version keeps it
                self._known[kind] = set(self.session.exec(select(Organisation.name)).all())
            else:
                column = _CODE_COLUMNS[kind]
                self._known[kind] = at_reference_version(
                    ("codes", kind), lambda: frozenset(self.session.exec(select(column)).all())
                )
        return self._known[kind]

    def check(self, kind: str, value: str | int | None, loc: Loc) -> None:
        if value is not None and value not in self._codes(kind):
            msg = (
                f"unknown organisation {value!r}: register it under /organisations first"
                if kind == "organisation"
                else f"unknown {kind} code {value!r}"
            )
            self.errors.append({"loc": loc, "msg": msg, "type": "unknown_code", "ctx": {"kind": kind, "value": value}})

    def check_all(self, kind: str, values: Iterable[str | int], loc: Loc) -> None:
        for i, value in enumerate(values):
            self.check(kind, value, [*loc, i])

    def fail(self, loc: Loc, msg: str, type_: str = "rule", ctx: dict | None = None) -> None:
        self.errors.append({"loc": loc, "msg": msg, "type": type_, **({"ctx": ctx} if ctx else {})})

    def raise_if_any(self) -> None:
        if self.errors:
            detail = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in self.errors[:5])
            if len(self.errors) > 5:
                detail += f"; and {len(self.errors) - 5} more"
            raise RuleViolation(detail, errors=self.errors)
