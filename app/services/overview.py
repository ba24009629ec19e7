"""The steering group's overview: the figures of the rollups and the pools for one set of filters.

Every figure comes from the service function the API answers it with (rollups.budget_rollup, rollups.coverage,
pools.list_pools), all with the same filters, so that the overview agrees with the API to the øre; the rollups
through the API's read cache. The one figure of its own is a pool's money granted to the interventions the
filters select."""

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session, col

from app.core import read_cache
from app.models.filters import RollupFilters
from app.models.intervention import Intervention
from app.models.pool import Allocation, PoolPublic
from app.models.rollup import BudgetRollup, Coverage, CoverageDimension, Dimension
from app.models.types import from_ore
from app.services import pools, rollups
from app.services.filters import where_matches


@dataclass
class PoolFigure:
    pool: PoolPublic
    # Net granted money to the interventions the filters select; None when the filters select all of them
    granted_to_selection: Decimal | None


@dataclass
class Overview:
    by_year: BudgetRollup
    by_effect_goal: BudgetRollup
    by_theme: BudgetRollup
    coverage_theme: Coverage
    coverage_indicator: Coverage
    pools: list[PoolFigure]


def _selects_interventions(filters: RollupFilters) -> bool:
    return bool(filters.department or filters.area or filters.theme or filters.kind or filters.status or filters.track)


def pools_in_years(session: Session, filters: RollupFilters) -> list[PoolFigure]:
    """The pools of the years in the filter's range, with their balance; when the filters select interventions,
    also what each pool has granted (net of releases) to those."""
    found: list[PoolPublic] = []
    cursor = None
    while True:
        page = pools.list_pools(session, year=None, limit=500, cursor=cursor)
        found += page.items
        cursor = page.next_cursor
        if cursor is None:
            break
    chosen = [
        p
        for p in found
        if (filters.year_from is None or p.year >= filters.year_from)
        and (filters.year_to is None or p.year <= filters.year_to)
    ]
    granted: dict[int, Decimal] | None = None
    if _selects_interventions(filters) and chosen:
        stmt = (
            select(col(Allocation.pool_id), func.sum(col(Allocation.granted_ore) - col(Allocation.released_ore)))
            .join(Intervention, col(Intervention.id) == col(Allocation.intervention_id))
            .where(col(Intervention.archived_at).is_(None), col(Allocation.pool_id).in_([p.id for p in chosen]))
            .group_by(col(Allocation.pool_id))
        )
        stmt = where_matches(
            stmt,
            department=filters.department,
            kind=filters.kind,
            status=filters.status,
            track=filters.track,
            area=filters.area,
            theme=filters.theme,
        )
        granted = {pool_id: from_ore(int(ore or 0)) for pool_id, ore in session.execute(stmt)}
    chosen.sort(key=lambda p: (p.year, p.name, p.id))
    return [
        PoolFigure(pool=p, granted_to_selection=None if granted is None else granted.get(p.id, from_ore(0)))
        for p in chosen
    ]


def budget_json(session: Session, filters: RollupFilters, by: list[Dimension], *, fresh: bool = False) -> bytes:
    """rollups.budget_rollup_json through the read cache, under one key for the API's rollup endpoint and the
    pages: they share one computed answer while the data stands."""
    key = ("rollup-budget", repr(filters), tuple(by))
    return read_cache.cached_json(key, lambda: rollups.budget_rollup_json(session, filters, by), fresh=fresh)


def budget(session: Session, filters: RollupFilters, by: list[Dimension], *, fresh: bool = False) -> BudgetRollup:
    """budget_json as its model, for the pages."""
    return BudgetRollup.model_validate_json(budget_json(session, filters, by, fresh=fresh))


def coverage(session: Session, filters: RollupFilters, by: CoverageDimension, *, fresh: bool = False) -> Coverage:
    """rollups.coverage through the read cache, as budget()."""
    body = read_cache.cached_json(
        ("rollup-coverage", repr(filters), by),
        lambda: rollups.coverage(session, filters, by).model_dump_json().encode(),
        fresh=fresh,
    )
    return Coverage.model_validate_json(body)


def overview(session: Session, filters: RollupFilters, *, fresh: bool = False) -> Overview:
    """Every figure of the overview; `fresh` computes the rollups now instead of taking them from the read cache."""
    return Overview(
        by_year=budget(session, filters, [Dimension.year], fresh=fresh),
        by_effect_goal=budget(session, filters, [Dimension.effect_goal], fresh=fresh),
        by_theme=budget(session, filters, [Dimension.theme], fresh=fresh),
        coverage_theme=coverage(session, filters, CoverageDimension.theme, fresh=fresh),
        coverage_indicator=coverage(session, filters, CoverageDimension.indicator, fresh=fresh),
        pools=pools_in_years(session, filters),
    )
