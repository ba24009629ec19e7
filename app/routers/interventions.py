"""Interventions: list with filters, create, read, change, archive."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.core import read_cache
from app.core.etags import content_etag, not_modified
from app.deps import (
    FreshDep,
    InterventionFiltersDep,
    InterventionId,
    OnceDep,
    OneHopRoute,
    SessionDep,
    authorize,
    checked_in_one_hop,
    checks_access_in_its_hop,
)
from app.errors import problem_responses
from app.models.audit import AuditPage
from app.models.auth import Role
from app.models.intervention import (
    InterventionCreate,
    InterventionPage,
    InterventionPublic,
    InterventionUpdate,
)
from app.services import audit, interventions
from app.services.intervention_public import etag, load_intervention
from app.services.interventions import SORT_VALUES

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/interventions",
    tags=["interventions"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)

# A GET that honours If-None-Match.
NOT_MODIFIED = {304: {"description": "Not modified: If-None-Match names the current version (no body)"}}

SortParam = Literal[tuple(SORT_VALUES)]  # type: ignore[valid-type]


@router.get(
    "",
    summary="List interventions, filtered, sorted and paged",
    description=(
        "Filters combine with AND; repeating a filter (`theme=T1&theme=T4`) means any of those values. "
        "`year` keeps interventions with a budget line in that year; `q` searches name and description, "
        "ignoring case (æ/ø/å too); `parent_id` keeps the direct children of an intervention, `subtree_of` the "
        "intervention and every one below it. The exports and the rollups take the same filters. Pages are cut "
        "by an opaque keyset `cursor`: rows inserted between two requests never make a page skip or repeat a "
        "row. Archived interventions are left out unless `include_archived=true`."
    ),
    response_model=InterventionPage,
    responses=problem_responses(400, 422),
)
@checks_access_in_its_hop
async def list_interventions(
    request: Request,
    session: SessionDep,
    filters: InterventionFiltersDep,
    fresh: FreshDep,
    sort: Annotated[SortParam, Query(description="Field to sort by; a leading '-' sorts descending")] = "id",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Response:
    # The front end's hottest read: answered from the worker's read cache while the data is unchanged. The token
    # check, the data version and (on a miss) the page in one transaction, in one thread-pool hop.
    body = await checked_in_one_hop(
        request,
        session,
        lambda session: read_cache.cached_json(
            ("interventions", repr(filters), sort, limit, cursor),
            lambda: interventions.list_interventions_json(session, filters, sort=sort, limit=limit, cursor=cursor),
            fresh=fresh,
        ),
    )
    return Response(body, media_type="application/json")


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Create an intervention, with its budget lines and success criteria",
    responses=problem_responses(400, 401, 403, 409, 413, 422),
)
def create_intervention(session: SessionDep, body: InterventionCreate, once: OnceDep) -> InterventionPublic:
    # The answer is serialised once: the same bytes are the body and what its ETag is computed from.
    answer: dict = {}

    def headers(created: InterventionPublic) -> dict[str, str]:
        answer["body"] = content = created.model_dump_json().encode()
        location = f"/api/v1/interventions/{created.id}"
        answer["headers"] = {"Location": location, "ETag": content_etag(created.id, content)}
        return answer["headers"]

    result = once(session, lambda: interventions.create_intervention(session, body), headers)
    if isinstance(result, Response):
        return result  # a replay of an Idempotency-Key
    return Response(answer["body"], status.HTTP_201_CREATED, answer["headers"], media_type="application/json")


@router.get(
    "/{intervention_id}",
    summary="Get one intervention with its budget lines and success criteria",
    description=(
        "Answers an `ETag`; send it back as `If-None-Match` and an unchanged intervention answers 304 without a "
        "body (weak comparison, `*` matches any version)."
    ),
    responses={**problem_responses(404, 422), **NOT_MODIFIED},
)
def get_intervention(
    session: SessionDep,
    intervention_id: InterventionId,
    request: Request,
    response: Response,
    include_archived: bool = False,
) -> InterventionPublic:
    found = interventions.get_intervention(session, intervention_id, include_archived=include_archived)
    tag = etag(found)
    if not_modified(request.headers.get("if-none-match"), tag):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers={"ETag": tag})  # type: ignore[return-value]
    response.headers["ETag"] = tag
    return found


@router.patch(
    "/{intervention_id}",
    summary="Change an intervention: omitted fields stay, null clears, given lists replace",
    description=(
        "A change of `status` follows the lifecycle described at the `status` field; `status_reason` explains it "
        "(needed to stop, go back or resume) and is kept in the change's audit record. A refused change is 422 "
        "naming `status`. Fields that already hold the values sent are no change: a PATCH of only such fields "
        "writes nothing (no audit record, the same `updated_at` and ETag)."
    ),
    responses=problem_responses(400, 401, 403, 404, 409, 412, 413, 422),
)
def update_intervention(
    session: SessionDep, intervention_id: InterventionId, body: InterventionUpdate, response: Response
) -> InterventionPublic:
    updated = interventions.update_intervention(session, intervention_id, body)
    response.headers["ETag"] = etag(updated)
    return updated


@router.delete(
    "/{intervention_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Archive an intervention (it is kept, hidden from lists and reads)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
def archive_intervention(session: SessionDep, intervention_id: InterventionId) -> None:
    interventions.archive_intervention(session, intervention_id)


@router.get(
    "/{intervention_id}/history",
    summary="Every recorded change to an intervention and its parts, newest first",
    responses=problem_responses(400, 401, 404, 422),
)
def get_intervention_history(
    session: SessionDep,
    intervention_id: InterventionId,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> AuditPage:
    load_intervention(session, intervention_id, include_archived=True)
    return audit.list_records(
        session, resource="intervention", resource_id=str(intervention_id), limit=limit, cursor=cursor
    )
