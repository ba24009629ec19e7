"""Trial-action pools, their allocations, balance and summary."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from app.deps import OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.pool import (
    PoolBalance,
    PoolCreate,
    PoolPage,
    PoolPublic,
    PoolUpdate,
    Reconciliation,
)
from app.models.rollup import PoolSummary, PoolSummaryDimension
from app.models.types import IsoDate
from app.services import allocations, pools, rollups
from app.services.pool_decisions import MANAGER_ROLES

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/pools",
    tags=["pools"],
    dependencies=[Depends(authorize(*MANAGER_ROLES))],
    responses=problem_responses(400, 401, 403),
)
PoolId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", summary="List pools", responses=problem_responses(400, 422))
def list_pools(
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> PoolPage:
    return pools.list_pools(session, year=year, limit=limit, cursor=cursor)


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Create a pool", responses=problem_responses(400, 413, 422)
)
def create_pool(session: SessionDep, body: PoolCreate, once: OnceDep) -> PoolPublic:
    return once(
        session, lambda: pools.create_pool(session, body), lambda created: {"Location": f"/api/v1/pools/{created.id}"}
    )


@router.get("/{pool_id}", summary="Get a pool with its balance", responses=problem_responses(404, 422))
def get_pool(session: SessionDep, pool_id: PoolId) -> PoolPublic:
    return pools.get_pool(session, pool_id)


@router.patch(
    "/{pool_id}",
    summary="Change a pool's name, notes or amount (never below what is granted)",
    responses={**problem_responses(400, 404, 409, 413, 422)},
)
def update_pool(session: SessionDep, pool_id: PoolId, body: PoolUpdate) -> PoolPublic:
    return pools.update_pool(session, pool_id, body)


@router.get(
    "/{pool_id}/balance",
    summary="The pool's balance now, or at the end of a past day",
    description="`remaining` = `amount` − `granted`; `granted` is net of releases; `requested` is pending. "
    "With `as_of`, the figures are computed from the pool's ledger as they stood at the end of that day (UTC).",
    responses=problem_responses(404, 422),
)
def get_pool_balance(session: SessionDep, pool_id: PoolId, as_of: IsoDate | None = None) -> PoolBalance:
    return pools.pool_balance(session, pool_id, as_of)


@router.get(
    "/{pool_id}/summary",
    summary="Where the pool's money went: by intervention, theme, area or department",
    description="Net granted money (granted − released), split over themes and areas like the budget rollup, "
    "so it is never double counted; the rows add up to the pool's `granted`.",
    responses=problem_responses(404, 422),
)
def get_pool_summary(
    session: SessionDep, pool_id: PoolId, by: PoolSummaryDimension = PoolSummaryDimension.intervention
) -> PoolSummary:
    return rollups.pool_summary(session, pool_id, by)


@router.get(
    "/{pool_id}/reconciliation",
    summary="Every difference between the pool's grants and the budget lines of its funding source",
    description="The rule: a grant creates or updates, in the same transaction, a budget line of its intervention "
    "in the pool's year and funding source (type `revised`, linked by `pool_allocation_id`); a partial release "
    "lowers it, a whole release removes it. Lines of the pool's funding source in its year that no grant backs, "
    "grants without a line, and amounts that differ (e.g. a line edited or imported to another amount) are listed "
    "here; `items` is empty and `consistent` true when the pool and the budgets tell the same story.",
    responses=problem_responses(404, 422),
)
def get_pool_reconciliation(session: SessionDep, pool_id: PoolId) -> Reconciliation:
    return allocations.pool_reconciliation(session, pool_id)
