"""Evaluations of one intervention, and the interventions due an evaluation that have none."""

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, status

from app.deps import InterventionId, OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.codes import DepartmentParam
from app.models.evaluation import (
    EvaluationCreate,
    EvaluationKind,
    EvaluationList,
    EvaluationPublic,
    EvaluationUpdate,
    MissingEvaluationPage,
)
from app.models.types import IsoDate
from app.services import evaluations

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1",
    tags=["evaluations"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)
EvaluationId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The evaluation's id")]
ONE = "/interventions/{intervention_id}/evaluations"

WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 412, 413, 422)


@router.get(ONE, summary="List an intervention's evaluations, oldest first", responses=problem_responses(401, 404, 422))
def list_evaluations(session: SessionDep, intervention_id: InterventionId) -> EvaluationList:
    return evaluations.list_evaluations(session, intervention_id)


@router.post(
    ONE,
    status_code=status.HTTP_201_CREATED,
    summary="Record an evaluation (midway, final or other) with its ratings, findings and decision",
    description=(
        "The ratings answer the national case database's two questions on its scale — `purpose_fulfilled`: "
        "«Er formålet opfyldt?», `implemented_as_planned`: «Er indsatsen blevet implementeret som planlagt?» — "
        "`slet_ikke` (Slet ikke), `i_mindre_grad` (I mindre grad), `i_nogen_grad` (I nogen grad), `i_hoej_grad` "
        "(I høj grad); the answer echoes the Danish labels as `*_label`. `department` defaults to the "
        "intervention's own. `material_ids` must name material of the same intervention (see `/material`). "
        "The outcomes of the success criteria are recorded on the criteria (`outcome`, `actual_value`). "
        "Who may: an admin, or an editor of the intervention's department; `If-Match` is honoured."
    ),
    responses=WRITE_PROBLEMS,
)
def create_evaluation(
    session: SessionDep, intervention_id: InterventionId, body: EvaluationCreate, once: OnceDep
) -> EvaluationPublic:
    return once(
        session,
        lambda: evaluations.create_evaluation(session, intervention_id, body),
        lambda created: {"Location": f"/api/v1{ONE.format(intervention_id=intervention_id)}/{created.id}"},
    )


@router.get(ONE + "/{evaluation_id}", summary="Get one evaluation", responses=problem_responses(401, 404, 422))
def get_evaluation(
    session: SessionDep, intervention_id: InterventionId, evaluation_id: EvaluationId
) -> EvaluationPublic:
    return evaluations.get_evaluation(session, intervention_id, evaluation_id)


@router.patch(
    ONE + "/{evaluation_id}",
    summary="Change an evaluation: omitted fields stay, null clears a rating, findings or decision",
    responses=WRITE_PROBLEMS,
)
def update_evaluation(
    session: SessionDep, intervention_id: InterventionId, evaluation_id: EvaluationId, body: EvaluationUpdate
) -> EvaluationPublic:
    return evaluations.update_evaluation(session, intervention_id, evaluation_id, body)


@router.delete(
    ONE + "/{evaluation_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove an evaluation (recorded by mistake)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
def delete_evaluation(session: SessionDep, intervention_id: InterventionId, evaluation_id: EvaluationId) -> None:
    evaluations.delete_evaluation(session, intervention_id, evaluation_id)


@router.get(
    "/evaluations/missing",
    summary="Interventions due an evaluation of a kind that have none",
    description=(
        "Due a **final** evaluation: an intervention (not archived) that has ended — `end_date` before `as_of`, "
        "or status `completed`, `anchored` or `stopped`. Due a **midway** evaluation: the same, or past the "
        "middle of its period. Each row says why (`reason`) and which kinds of evaluation it does have. Ordered "
        "by id, paged with `limit` and `cursor`."
    ),
    responses=problem_responses(400, 401, 422),
)
def list_missing_evaluations(
    session: SessionDep,
    kind: Annotated[Literal["final", "midway"], Query(description="The kind of evaluation that is missing")] = "final",
    as_of: Annotated[IsoDate | None, Query(description="The day to judge by; default today")] = None,
    department: Annotated[list[DepartmentParam], Query(max_length=50, description="Owning department code(s)")] = [],
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> MissingEvaluationPage:
    return evaluations.missing_evaluations(
        session,
        kind=EvaluationKind(kind),
        as_of=as_of or dt.date.today(),
        department=department,
        limit=limit,
        cursor=cursor,
    )
