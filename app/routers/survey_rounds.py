"""Survey rounds and register years."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.survey_round import ROUND_CODE, RoundCreate, RoundList, RoundPublic, RoundUpdate
from app.services import survey_rounds

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/rounds",
    tags=["survey rounds"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)

RoundCode = Annotated[str, Path(max_length=40, pattern=ROUND_CODE, description="The round's code, e.g. bu-2021")]


@router.get("", summary="List the survey rounds and register years")
def list_rounds(session: SessionDep) -> RoundList:
    return survey_rounds.list_rounds(session)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a survey round or a register year (admin, or an editor of SOB)",
    description=(
        "A survey round (`kind=survey`, e.g. Borgerundersøgelse 2021, collected autumn 2021) or a register year "
        "(`kind=register`). `weights` gives per area the respondents and/or the population: the weights of the "
        "municipality figure derived from the three areas and the rest of the municipality (population when it "
        "is given for all four, else respondents). 409 when the code, or the kind and year, are taken."
    ),
    responses=problem_responses(409, 413, 422),
)
def create_round(session: SessionDep, body: RoundCreate) -> RoundPublic:
    return survey_rounds.create_round(session, body)


@router.get("/{code}", summary="One round with its weights", responses=problem_responses(404, 422))
def get_round(session: SessionDep, code: RoundCode) -> RoundPublic:
    return survey_rounds.get_round(session, code)


@router.patch(
    "/{code}",
    summary="Change a round's name, description or weights (admin, or an editor of SOB)",
    description="Omitted fields stay; `weights`, when sent, replaces every weight.",
    responses=problem_responses(404, 413, 422),
)
def update_round(session: SessionDep, code: RoundCode, body: RoundUpdate) -> RoundPublic:
    return survey_rounds.update_round(session, code, body)
