"""Reference data: the results framework and the code lists (read-only), and the indicators' editable defaults."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path

from app.deps import SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.observation import IndicatorUpdate
from app.models.reference import (
    AreaPublic,
    DepartmentPublic,
    Framework,
    FundingSourcePublic,
    IndicatorPublic,
    ReferenceList,
    ThemePublic,
)
from app.services import observations, reference

router = APIRouter(
    prefix="/api/v1",
    tags=["reference"],
    # Writes: only the indicators' editable defaults, by an admin.
    dependencies=[Depends(authorize(Role.admin))],
    responses=problem_responses(401),
)

IndicatorNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The indicator's number (1–19)")]


@router.get("/framework", summary="The results framework: effect goals → themes → indicators")
def get_framework(session: SessionDep) -> Framework:
    return reference.get_framework(session)


@router.get("/themes", summary="List the nine themes")
def list_themes(session: SessionDep) -> ReferenceList[ThemePublic]:
    return ReferenceList(items=reference.list_themes(session))


@router.get("/indicators", summary="List the numbered indicators")
def list_indicators(session: SessionDep) -> ReferenceList[IndicatorPublic]:
    return ReferenceList(items=reference.list_indicators(session))


@router.get("/areas", summary="List the areas (focus areas and comparison areas)")
def list_areas(session: SessionDep) -> ReferenceList[AreaPublic]:
    return ReferenceList(items=reference.list_areas(session))


@router.get("/departments", summary="List the departments (forvaltninger)")
def list_departments(session: SessionDep) -> ReferenceList[DepartmentPublic]:
    return ReferenceList(items=reference.list_departments(session))


@router.get("/funding-sources", summary="List the funding sources")
def list_funding_sources(session: SessionDep) -> ReferenceList[FundingSourcePublic]:
    return ReferenceList(items=reference.list_funding_sources(session))


@router.patch(
    "/indicators/{number}",
    summary="Change an indicator's editable defaults (higher_is_better, likely_source)",
    description=(
        "Which direction is better and where the figure most likely comes from are our reading, not the "
        "sources'; they can be corrected here. Omitted fields stay; null is refused. `higher_is_better` turns "
        "the gaps in the indicator report."
    ),
    responses=problem_responses(400, 403, 404, 413, 422),
)
def update_indicator(session: SessionDep, number: IndicatorNumber, body: IndicatorUpdate) -> IndicatorPublic:
    return observations.update_indicator(session, number, body)
