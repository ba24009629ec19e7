"""The case page of one intervention (JSON or HTML)."""

from enum import StrEnum

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse

from app.deps import InterventionId, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.case import CasePage
from app.services import case

# Reads only: no role may write through this router (deny by default); any signed-in role may read.
router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1",
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)


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
