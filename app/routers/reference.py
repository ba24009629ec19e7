"""Read-only reference data: the results framework and the code lists."""

from fastapi import APIRouter, Depends

from app.deps import SessionDep, authorize
from app.errors import problem_responses
from app.models.reference import (
    AreaPublic,
    DepartmentPublic,
    Framework,
    FundingSourcePublic,
    IndicatorPublic,
    ReferenceList,
    ThemePublic,
)
from app.services import reference

router = APIRouter(
    prefix="/api/v1",
    tags=["reference"],
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)


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
