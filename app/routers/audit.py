"""The audit log (admin only): every change, who made it, when, and what it changed."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.audit import AuditPage
from app.models.auth import Role
from app.models.types import IsoDateTime
from app.services import audit
from app.services.auth import require

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/audit",
    tags=["access"],
    dependencies=[Depends(authorize(Role.admin))],
    responses=problem_responses(401, 403),
)


@router.get(
    "",
    summary="The audit log, newest first, filtered by resource, actor and time",
    responses=problem_responses(400, 401, 403, 422),
)
def list_audit_records(
    session: SessionDep,
    resource: Annotated[str | None, Query(max_length=50, description="e.g. intervention, pool, allocation")] = None,
    resource_id: Annotated[str | None, Query(max_length=100)] = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[IsoDateTime | None, Query(description="From this moment (inclusive)")] = None,
    until: Annotated[IsoDateTime | None, Query(description="Before this moment")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    require(Role.admin)
    return audit.list_records(
        session,
        resource=resource,
        resource_id=resource_id,
        actor=actor,
        since=since,
        until=until,
        limit=limit,
        cursor=cursor,
    )
