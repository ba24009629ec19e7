"""Success criteria of one intervention."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, status

from app.deps import InterventionId, OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.success_criterion import (
    SuccessCriterionCreate,
    SuccessCriterionPublic,
    SuccessCriterionSet,
    SuccessCriterionUpdate,
)
from app.services import success_criteria

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/interventions/{intervention_id}/success-criteria",
    tags=["success criteria"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)
CriterionId = Annotated[int, Path(ge=1, le=2**31 - 1)]


@router.get("", summary="List an intervention's success criteria", responses=problem_responses(404, 422))
def list_success_criteria(session: SessionDep, intervention_id: InterventionId) -> SuccessCriterionSet:
    return success_criteria.list_success_criteria(session, intervention_id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add one success criterion",
    responses=problem_responses(400, 404, 413, 422, 412),
)
def add_success_criterion(
    session: SessionDep, intervention_id: InterventionId, body: SuccessCriterionCreate, once: OnceDep
) -> SuccessCriterionPublic:
    return once(session, lambda: success_criteria.add_success_criterion(session, intervention_id, body))


@router.put(
    "",
    summary="Replace all success criteria in one transaction",
    description="The body is the complete new set (a JSON array), in the order to keep.",
    responses=problem_responses(400, 404, 413, 422, 412),
)
def replace_success_criteria(
    session: SessionDep,
    intervention_id: InterventionId,
    body: Annotated[list[SuccessCriterionCreate], Body(max_length=200)],
) -> SuccessCriterionSet:
    return success_criteria.replace_success_criteria(session, intervention_id, body)


@router.patch(
    "/{criterion_id}",
    summary="Change one success criterion",
    responses=problem_responses(400, 404, 413, 422, 412),
)
def update_success_criterion(
    session: SessionDep, intervention_id: InterventionId, criterion_id: CriterionId, body: SuccessCriterionUpdate
) -> SuccessCriterionPublic:
    return success_criteria.update_success_criterion(session, intervention_id, criterion_id, body)


@router.delete(
    "/{criterion_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one success criterion",
    responses=problem_responses(404, 422, 412),
)
def delete_success_criterion(session: SessionDep, intervention_id: InterventionId, criterion_id: CriterionId) -> None:
    success_criteria.delete_success_criterion(session, intervention_id, criterion_id)
