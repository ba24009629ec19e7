"""Budget lines of one intervention."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, status

from app.deps import InterventionId, OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.budget_line import BudgetLineCreate, BudgetLinePublic, BudgetLineSet
from app.services import budget_lines

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/interventions/{intervention_id}/budget-lines",
    tags=["budget lines"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)


@router.get("", summary="List an intervention's budget lines with their total", responses=problem_responses(404, 422))
def list_budget_lines(session: SessionDep, intervention_id: InterventionId) -> BudgetLineSet:
    return budget_lines.list_budget_lines(session, intervention_id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add one budget line",
    responses=problem_responses(400, 404, 409, 413, 422, 412),
)
def add_budget_line(
    session: SessionDep, intervention_id: InterventionId, body: BudgetLineCreate, once: OnceDep
) -> BudgetLinePublic:
    return once(session, lambda: budget_lines.add_budget_line(session, intervention_id, body))


@router.put(
    "",
    summary="Replace all budget lines in one transaction",
    description="The body is the complete new set (a JSON array); `[]` removes every line.",
    responses=problem_responses(400, 404, 413, 422, 412),
)
def replace_budget_lines(
    session: SessionDep,
    intervention_id: InterventionId,
    body: Annotated[list[BudgetLineCreate], Body(max_length=2_000)],
) -> BudgetLineSet:
    return budget_lines.replace_budget_lines(session, intervention_id, body)


@router.delete(
    "/{budget_line_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one budget line",
    responses=problem_responses(404, 422, 412),
)
def delete_budget_line(
    session: SessionDep,
    intervention_id: InterventionId,
    budget_line_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
) -> None:
    budget_lines.delete_budget_line(session, intervention_id, budget_line_id)
