"""Indicator observations: list, add, upsert."""

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, status

from app.deps import OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.codes import AreaParam
from app.models.observation import (
    ObservationCreate,
    ObservationKind,
    ObservationList,
    ObservationPublic,
    UpsertResult,
    Year,
)
from app.services import observations

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1",
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)

IndicatorNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The indicator's number (1–19)")]


@router.get(
    "/indicators/{number}/observations",
    tags=["indicator observations"],
    summary="List an indicator's observations",
    description=(
        "Ordered by year, area and kind (baseline, actual, target). Repeating a filter (`area=a&area=b`) means "
        "any of those values. The set is bounded (areas × years × kinds), so it is answered whole, not paged."
    ),
    responses=problem_responses(404, 422),
)
def list_observations(
    session: SessionDep,
    number: IndicatorNumber,
    area: Annotated[list[AreaParam], Query(max_length=20, description="Area slug(s)")] = [],
    year: Annotated[list[Year], Query(max_length=101)] = [],
    kind: Annotated[list[ObservationKind], Query(max_length=3)] = [],
) -> ObservationList:
    return observations.list_observations(session, number, area=area, year=year, kind=kind)


@router.post(
    "/indicators/{number}/observations",
    status_code=status.HTTP_201_CREATED,
    tags=["indicator observations"],
    summary="Add one observation",
    description="409 if the indicator already has a value of that kind for the area and year; PUT to change it.",
    responses=problem_responses(400, 404, 409, 413, 422),
)
def add_observation(
    session: SessionDep, number: IndicatorNumber, body: ObservationCreate, once: OnceDep
) -> ObservationPublic:
    return once(session, lambda: observations.add_observation(session, number, body))


@router.put(
    "/indicators/{number}/observations",
    tags=["indicator observations"],
    summary="Create or update many observations in one transaction",
    description=(
        "The body is a JSON array; each item is matched on (area, year, kind) and created, updated (every field "
        "replaced: an omitted unit, source or note becomes null) or left unchanged. Observations not named stay "
        "as they are. All or nothing: if any item is refused, nothing is written, and `errors` lists every "
        'problem with the item\'s index (`["body", 3, "area"]`).'
    ),
    responses=problem_responses(400, 404, 413, 422),
)
def upsert_observations(
    session: SessionDep,
    number: IndicatorNumber,
    body: Annotated[list[ObservationCreate], Body(max_length=2_000)],
) -> UpsertResult:
    return observations.upsert_observations(session, number, body)
