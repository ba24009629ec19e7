"""Reference data: the results framework and the code lists (read-only), and the indicators' editable defaults."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.framework import FrameworkVersion, IndicatorCreate
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
from app.services import framework, reference

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1",
    tags=["reference"],
    # Writes: only the indicators' editable defaults, by an admin.
    dependencies=[Depends(authorize(Role.admin))],
    responses=problem_responses(401),
)

IndicatorNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The indicator's number")]


@router.get("/framework", summary="The results framework: effect goals → themes → indicators")
def get_framework(session: SessionDep) -> Framework:
    return reference.get_framework(session)


@router.get("/themes", summary="List the nine themes")
def list_themes(session: SessionDep) -> ReferenceList[ThemePublic]:
    return ReferenceList(items=reference.list_themes(session))


@router.get("/framework/version", summary="The framework version: the active and the retired indicators")
def get_framework_version(session: SessionDep) -> FrameworkVersion:
    return framework.framework_version(session)


@router.get("/indicators", summary="List the numbered indicators (active and retired; `active` says which)")
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


@router.post(
    "/indicators",
    status_code=status.HTTP_201_CREATED,
    summary="Add an indicator to the framework (admin)",
    description=(
        "The framework changes without a migration. The number is assigned (one more than the highest ever "
        "used) and never reused. The change is audited and raises the framework version that reports name."
    ),
    responses=problem_responses(400, 403, 413, 422),
)
def create_indicator(session: SessionDep, body: IndicatorCreate) -> IndicatorPublic:
    return framework.create_indicator(session, body)


@router.patch(
    "/indicators/{number}",
    summary="Change an indicator: direction, unit, likely source, or retire it (admin)",
    description=(
        "Which direction is better and where the figure most likely comes from are our reading, not the "
        "sources'; they can be corrected here, and the unit set. `active: false` retires the indicator: it "
        "keeps its observations (history) and is left out of new reports; `active: true` brings it back. "
        "Omitted fields stay; null is refused (except for `unit`, which it clears). Every change is audited "
        "and raises the framework version."
    ),
    responses=problem_responses(400, 403, 404, 413, 422),
)
def update_indicator(session: SessionDep, number: IndicatorNumber, body: IndicatorUpdate) -> IndicatorPublic:
    return framework.update_indicator(session, number, body)
