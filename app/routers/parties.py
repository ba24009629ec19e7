"""The parties of one intervention as sub-resources: organisations with roles, people with roles, reach and
in-kind contributions. Each is read, or replaced whole with PUT (the same sets the intervention's own payload
carries: POST and PATCH of the intervention take them too)."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends

from app.deps import InterventionId, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.party import (
    InKindCreate,
    InKindSet,
    OrganisationLinkCreate,
    OrganisationLinkSet,
    PersonCreate,
    PersonSet,
    ReachCreate,
    ReachSet,
)
from app.services import party_sets

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/interventions/{intervention_id}",
    tags=["parties"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)
READ = problem_responses(404, 422)
WRITE = problem_responses(400, 404, 413, 422, 412)


@router.get("/organisations", summary="The organisations taking part, with their roles", responses=READ)
def list_intervention_organisations(session: SessionDep, intervention_id: InterventionId) -> OrganisationLinkSet:
    return party_sets.list_party_set(session, intervention_id, "organisations")


@router.put(
    "/organisations",
    summary="Replace the organisations taking part in one transaction",
    description="The body is the complete new set (a JSON array); organisations are named by name.",
    responses=WRITE,
)
def replace_intervention_organisations(
    session: SessionDep,
    intervention_id: InterventionId,
    body: Annotated[list[OrganisationLinkCreate], Body(max_length=200)],
) -> OrganisationLinkSet:
    return party_sets.replace_party_set(session, intervention_id, "organisations", body)


@router.get("/people", summary="The people with roles (programme owner, leader, contact, evaluator)", responses=READ)
def list_intervention_people(session: SessionDep, intervention_id: InterventionId) -> PersonSet:
    return party_sets.list_party_set(session, intervention_id, "people")


@router.put("/people", summary="Replace the people with roles in one transaction", responses=WRITE)
def replace_intervention_people(
    session: SessionDep, intervention_id: InterventionId, body: Annotated[list[PersonCreate], Body(max_length=100)]
) -> PersonSet:
    return party_sets.replace_party_set(session, intervention_id, "people", body)


@router.get("/reach", summary="Planned and actual participants per year and unit", responses=READ)
def list_intervention_reach(session: SessionDep, intervention_id: InterventionId) -> ReachSet:
    return party_sets.list_party_set(session, intervention_id, "reach")


@router.put("/reach", summary="Replace the reach in one transaction", responses=WRITE)
def replace_intervention_reach(
    session: SessionDep, intervention_id: InterventionId, body: Annotated[list[ReachCreate], Body(max_length=500)]
) -> ReachSet:
    return party_sets.replace_party_set(session, intervention_id, "reach", body)


@router.get(
    "/in-kind",
    summary="In-kind contributions: staff hours and staff per year and who pays them (never money)",
    responses=READ,
)
def list_intervention_in_kind(session: SessionDep, intervention_id: InterventionId) -> InKindSet:
    return party_sets.list_party_set(session, intervention_id, "in_kind")


@router.put("/in-kind", summary="Replace the in-kind contributions in one transaction", responses=WRITE)
def replace_intervention_in_kind(
    session: SessionDep, intervention_id: InterventionId, body: Annotated[list[InKindCreate], Body(max_length=500)]
) -> InKindSet:
    return party_sets.replace_party_set(session, intervention_id, "in_kind", body)
