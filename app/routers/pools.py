"""Trial-action pools, their allocations, balance and summary."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from app.deps import OnceDep, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.pool import (
    AllocationCreate,
    AllocationList,
    AllocationPublic,
    AllocationStatus,
    AllocationUpdate,
    GrantRefusedProblem,
    PoolBalance,
    PoolCreate,
    PoolPage,
    PoolPublic,
    PoolUpdate,
)
from app.models.rollup import PoolSummary, PoolSummaryDimension
from app.models.types import IsoDate
from app.services import pools, rollups

router = APIRouter(
    prefix="/api/v1/pools",
    tags=["pools"],
    dependencies=[Depends(authorize(Role.admin, Role.pool_manager))],
    responses=problem_responses(400, 401, 403),
)
PoolId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AllocationId = Annotated[int, Path(ge=1, le=2**31 - 1)]

GRANT_REFUSED = {
    409: {
        "description": "The grant does not fit in the pool (the body has the figures), or the transition is not "
        "possible from the allocation's state",
        "content": {
            "application/problem+json": {
                "schema": {"anyOf": [{"$ref": "#/components/schemas/Problem"}, GrantRefusedProblem.model_json_schema()]}
            }
        },
    }
}


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


@router.get("/{pool_id}/allocations", summary="List a pool's allocations", responses=problem_responses(404, 422))
def list_allocations(
    session: SessionDep, pool_id: PoolId, status: Annotated[list[AllocationStatus], Query(max_length=4)] = []
) -> AllocationList:
    return pools.list_allocations(session, pool_id, status)


@router.post(
    "/{pool_id}/allocations",
    status_code=status.HTTP_201_CREATED,
    summary="Request money from the pool for an intervention, or request and grant in one step",
    responses={**problem_responses(400, 404, 413, 422), **GRANT_REFUSED},
)
def create_allocation(session: SessionDep, pool_id: PoolId, body: AllocationCreate, once: OnceDep) -> AllocationPublic:
    return once(session, lambda: pools.create_allocation(session, pool_id, body))


@router.get(
    "/{pool_id}/allocations/{allocation_id}", summary="Get one allocation", responses=problem_responses(404, 422)
)
def get_allocation(session: SessionDep, pool_id: PoolId, allocation_id: AllocationId) -> AllocationPublic:
    return pools.get_allocation(session, pool_id, allocation_id)


@router.patch(
    "/{pool_id}/allocations/{allocation_id}",
    summary="Decide or release an allocation: requested → granted | rejected; granted → released (wholly or partly)",
    responses={**problem_responses(400, 404, 413, 422), **GRANT_REFUSED},
)
def update_allocation(
    session: SessionDep, pool_id: PoolId, allocation_id: AllocationId, body: AllocationUpdate
) -> AllocationPublic:
    return pools.update_allocation(session, pool_id, allocation_id, body)
