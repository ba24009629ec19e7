"""The case page of one intervention (JSON or HTML), and the IATI activity export."""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import HTMLResponse

from app.deps import InterventionId, SessionDep, authorize
from app.errors import problem_responses
from app.models.budget_line import Year
from app.models.case import CasePage
from app.models.intervention import Kind, Status, Track
from app.models.types import IndicatorNumber
from app.services import case, iati
from app.services.interventions import InterventionFilters

# Reads only: no role may write through this router (deny by default); any signed-in role may read.
router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)

IATI_MEDIA_TYPE = "application/xml"


class CaseFormat(StrEnum):
    json = "json"
    html = "html"


@router.get(
    "/interventions/{intervention_id}/case",
    tags=["interventions"],
    summary="The case record of an intervention: everything the national case database shows, in one document",
    description=(
        "Purpose, target group and arena (areas), period, type, description, organisation (owning department, "
        "contact, programme and parts) and partners (the funding sources of the budget, i.e. co-financing), "
        "financing per year (the budget lines of the intervention and every intervention below it), evaluation "
        "status with the two ratings and the decision, success criteria with their outcomes, and material.\n\n"
        '`format=html` answers the same as a plain, printable HTML page in Danish (`lang="da"`, headings in '
        "order, the financing as a table with a caption, no scripts, every value escaped)."
    ),
    response_model=CasePage,
    responses={
        200: {
            "content": {"text/html": {"schema": {"type": "string"}}},
            "description": "The case record (JSON), or the HTML page with `format=html`",
        },
        **problem_responses(401, 404, 422),
    },
)
def get_case(session: SessionDep, intervention_id: InterventionId, format: CaseFormat = CaseFormat.json):
    page = case.get_case(session, intervention_id)
    if format is CaseFormat.html:
        return HTMLResponse(case.render_html(page))
    return page


@router.get(
    "/exports/iati",
    tags=["exports"],
    summary="The selected interventions as IATI activity XML (standard 2.03)",
    description=(
        "Takes the filters of `GET /interventions` and answers one `iati-activities` file (UTF-8) with an "
        "`iati-activity` for each matching intervention, valid against the IATI 2.03 activity schema. "
        "Identifier: the reporting organisation's ref (`" + iati.REPORTING_ORG_REF + "`), a hyphen and the "
        "`external_id` (`REG-<id>` when there is none). Status: idea, planned → 1 (pipeline); active → 2 "
        "(implementation); completed, anchored → 4 (closed); stopped → 4, or 5 (cancelled) when it never "
        "started. Start and end dates are actual once the status says they happened, planned before. The "
        "owning department is the accountable organisation (role 2), each funding source a funding "
        "organisation (role 1). Budgets per calendar year in DKK; success criteria become results whose "
        "indicators name our indicator numbers with vocabulary 99; material becomes document links. When no "
        "intervention matches the answer is 404: an IATI file must hold at least one activity."
    ),
    response_class=Response,
    responses={
        200: {
            "content": {IATI_MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "The IATI activities file, as an attachment",
        },
        **problem_responses(401, 404, 422),
    },
)
def export_iati(
    session: SessionDep,
    department: Annotated[list[str], Query(max_length=50, description="Department code(s)")] = [],
    area: Annotated[list[str], Query(max_length=50, description="Area slug(s)")] = [],
    theme: Annotated[list[str], Query(max_length=50, description="Theme code(s), T1–T9")] = [],
    indicator: Annotated[list[IndicatorNumber], Query(max_length=50, description="Indicator number(s)")] = [],
    kind: Annotated[list[Kind], Query(max_length=10)] = [],
    status_: Annotated[list[Status], Query(alias="status", max_length=10)] = [],
    track: Annotated[list[Track], Query(max_length=10)] = [],
    year: Annotated[list[Year], Query(max_length=101, description="Has a budget line in this year")] = [],
    q: Annotated[str | None, Query(max_length=200, description="Search in name and description")] = None,
) -> Response:
    filters = InterventionFilters(
        department=department,
        area=area,
        theme=theme,
        indicator=indicator,
        kind=kind,
        status=status_,
        track=track,
        year=year,
        q=q,
    )
    body = iati.export_iati(session, filters)
    return Response(
        body,
        media_type=f"{IATI_MEDIA_TYPE}; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="iati-activities.xml"'},
    )
