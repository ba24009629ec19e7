"""Allocations of the trial-action pools: applications (editors, for their own department's interventions),
decisions (pool manager), releases, anchoring, and the applications across pools."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, status

from app.deps import OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.codes import DepartmentText
from app.models.pool import (
    AllocationCreate,
    AllocationList,
    AllocationPublic,
    AllocationStatus,
    AllocationUpdate,
    AnchoringCreate,
    ApplicationList,
    GrantRefusedProblem,
)
from app.services import allocations

router = APIRouter(
    route_class=OneHopRoute,
    tags=["pools"],
    # Editors reach these routes to apply and resubmit; the services keep every decision the pool manager's.
    dependencies=[Depends(authorize(Role.admin, Role.pool_manager, Role.editor))],
    responses=problem_responses(400, 401, 403),
)
PoolId = Annotated[int, Path(ge=1, le=2**31 - 1)]
AllocationId = Annotated[int, Path(ge=1, le=2**31 - 1)]
StatusFilter = Annotated[list[AllocationStatus], Query(max_length=5)]
BASE = "/api/v1/pools/{pool_id}/allocations"

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


@router.get(
    "/api/v1/allocations",
    summary="Applications and grants across pools (`mine=true`: my applications)",
    description="With `mine=true` an editor sees its own department's interventions' applications; anyone else "
    "the applications they made. Newest first, at most 1000.",
    responses=problem_responses(422),
)
def list_applications(
    session: SessionDep,
    mine: bool = False,
    department: DepartmentText | None = None,
    pool_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    status: StatusFilter = [],
) -> ApplicationList:
    return allocations.list_applications(session, mine=mine, department=department, status=status, pool_id=pool_id)


@router.get(BASE, summary="List a pool's allocations", responses=problem_responses(404, 422))
def list_allocations(session: SessionDep, pool_id: PoolId, status: StatusFilter = []) -> AllocationList:
    return allocations.list_allocations(session, pool_id, status)


@router.post(
    BASE,
    status_code=status.HTTP_201_CREATED,
    summary="Apply for money from the pool for an intervention, or (pool manager) request and grant in one step",
    description="An editor applies for its own department's interventions only (403 otherwise) and only with "
    "status `requested`. A grant in one step needs `reason` (422 naming it).",
    responses={**problem_responses(400, 404, 413, 422), **GRANT_REFUSED},
)
def create_allocation(session: SessionDep, pool_id: PoolId, body: AllocationCreate, once: OnceDep) -> AllocationPublic:
    return once(session, lambda: allocations.create_allocation(session, pool_id, body))


@router.get(f"{BASE}/{{allocation_id}}", summary="Get one allocation", responses=problem_responses(404, 422))
def get_allocation(session: SessionDep, pool_id: PoolId, allocation_id: AllocationId) -> AllocationPublic:
    return allocations.get_allocation(session, pool_id, allocation_id)


@router.patch(
    f"{BASE}/{{allocation_id}}",
    summary="Decide, resubmit or release an allocation",
    description="requested → granted | rejected | changes_requested (pool manager; `reason` required, "
    "`decision_body` and `meeting_date` recorded); changes_requested → requested (the applicant resubmits, may "
    "amend) | rejected; granted → released (wholly or partly). A grant creates or updates the intervention's "
    "budget line of the pool's funding source; a release lowers or removes it.",
    responses={**problem_responses(400, 404, 412, 413, 422), **GRANT_REFUSED},
)
def update_allocation(
    session: SessionDep, pool_id: PoolId, allocation_id: AllocationId, body: AllocationUpdate
) -> AllocationPublic:
    return allocations.update_allocation(session, pool_id, allocation_id, body)


@router.post(
    f"{BASE}/{{allocation_id}}/anchoring",
    summary="Anchor the trial action in the core operation",
    description="Recorded on the allocation (who, when, the new funding source, from which year) and the "
    "intervention (status `anchored`), both in the audit log; the intervention's budget lines of the pool's "
    "funding source from `from_year` on that no grant carries move to `funding_source` (409 if a line of that "
    "key exists there). Pool manager or admin; `reason` required.",
    responses={**problem_responses(404, 409, 413, 422)},
)
def anchor_allocation(
    session: SessionDep, pool_id: PoolId, allocation_id: AllocationId, body: AnchoringCreate
) -> AllocationPublic:
    return allocations.anchor_allocation(session, pool_id, allocation_id, body)
