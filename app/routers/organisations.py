"""Organisations taking part in interventions: list, register, read, change, delete."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status

from app.deps import OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.organisation import (
    OrganisationCreate,
    OrganisationKind,
    OrganisationPage,
    OrganisationPublic,
    OrganisationUpdate,
)
from app.models.organisation_rollup import OrganisationInterventions
from app.services import organisation_rollup, organisations
from app.services.organisations import SORT_VALUES

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/organisations",
    tags=["organisations"],
    dependencies=[Depends(authorize(*organisations.WRITE_ROLES))],
    responses=problem_responses(400, 401, 403),
)
OrganisationId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The organisation's id")]
SortParam = Literal[tuple(SORT_VALUES)]  # type: ignore[valid-type]


@router.get("", summary="List organisations", responses=problem_responses(422))
def list_organisations(
    session: SessionDep,
    kind: OrganisationKind | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Part of the name (any case) or CVR")] = None,
    sort: Annotated[SortParam, Query(description="Field to sort by; a leading '-' sorts descending")] = "name",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> OrganisationPage:
    return organisations.list_organisations(session, kind=kind, q=q, sort=sort, limit=limit, cursor=cursor)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Register an organisation (admin or editor)",
    description="The name is unique, and so is the CVR number (eight digits) where given: 409 names the one "
    "that has it.",
    responses=problem_responses(409, 413, 422),
)
def create_organisation(session: SessionDep, body: OrganisationCreate, once: OnceDep) -> OrganisationPublic:
    return once(
        session,
        lambda: organisations.create_organisation(session, body),
        lambda created: {"Location": f"/api/v1/organisations/{created.id}"},
    )


@router.get("/{organisation_id}", summary="One organisation", responses=problem_responses(404, 422))
def get_organisation(session: SessionDep, organisation_id: OrganisationId) -> OrganisationPublic:
    return organisations.get_organisation(session, organisation_id)


@router.get(
    "/{organisation_id}/interventions",
    summary="The interventions an organisation takes part in, with its roles, money and in-kind time in each",
    description="The current (not archived) interventions that name the organisation by role, as the funding "
    "organisation of a budget line, or as the payer of in-kind staff time; per intervention the figures of "
    "`GET /rollups/organisations` (`amount` and `actual` money, in-kind time apart), and their total.",
    responses=problem_responses(404, 422),
)
def list_organisation_interventions(session: SessionDep, organisation_id: OrganisationId) -> OrganisationInterventions:
    return organisation_rollup.organisation_interventions(session, organisation_id)


@router.patch(
    "/{organisation_id}",
    summary="Change an organisation (admin or editor)",
    description="A new name shows at once wherever the organisation is named (links are by id).",
    responses=problem_responses(404, 409, 413, 422),
)
def update_organisation(
    session: SessionDep, organisation_id: OrganisationId, body: OrganisationUpdate
) -> OrganisationPublic:
    return organisations.update_organisation(session, organisation_id, body)


@router.delete(
    "/{organisation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete an organisation no intervention names (admin)",
    responses=problem_responses(404, 409, 422),
)
def delete_organisation(session: SessionDep, organisation_id: OrganisationId) -> None:
    organisations.delete_organisation(session, organisation_id)
