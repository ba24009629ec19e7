"""The interventions: a list with the API's filters and search, paged like the API (keyset cursor), and each
intervention's case page with its history."""

from fastapi import APIRouter, Request, Response
from markupsafe import Markup

from app.deps import InterventionId, SessionDep
from app.errors import AppError, Forbidden, Unauthorized
from app.models.auth import Role
from app.services import audit, case, interventions
from app.services.auth import require, require_department
from app.web import filters as web_filters
from app.web.common import UserDep, WebRoute, render
from app.web.history import entries

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PAGE_SIZE = 50
SORTS = {
    "name": "Navn (A–Å)",
    "-updated_at": "Senest ændret først",
    "id": "Ældste først",
    "-id": "Nyeste først",
}
HISTORY_PAGE = 50


@router.get("/indsatser", name="web_interventions")
def interventions_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    filters, form = web_filters.intervention_filters(request.query_params)
    sort = request.query_params.get("sort") or "name"
    if sort not in SORTS:
        form.errors["sort"] = "Vælg en af mulighederne"
        sort = "name"
    form.values["sort"] = sort
    cursor = (request.query_params.get("cursor") or "")[:1000] or None
    page = None
    try:
        page = interventions.list_interventions(session, filters, sort=sort, limit=PAGE_SIZE, cursor=cursor)
    except AppError as exc:
        form.add_service_error(exc)
    return render(
        request,
        "interventions.html",
        status_code=422 if form.errors else 200,
        form=form,
        page=page,
        first_page=cursor is not None,
        sorts=SORTS,
        choices=web_filters.choices(session),
        years=web_filters.YEARS,
        may_create=_may(lambda: require(Role.admin, Role.editor)),
        archived=request.query_params.get("arkiveret") == "1",
    )


def _may(check) -> bool:
    """Whether the signed-in person passes a permission rule of the services (the same rule the API applies)."""
    try:
        check()
    except (Forbidden, Unauthorized):
        return False
    return True


@router.get("/indsatser/{intervention_id}", name="web_case")
def case_page(request: Request, session: SessionDep, user: UserDep, intervention_id: InterventionId) -> Response:
    found = case.get_case(session, intervention_id)
    cursor = (request.query_params.get("historik") or "")[:200] or None
    history = audit.list_records(
        session, resource="intervention", resource_id=str(intervention_id), limit=HISTORY_PAGE, cursor=cursor
    )
    department = found.organisation.department.code
    return render(
        request,
        "case.html",
        title=found.name,
        case=found,
        body=Markup(case.render_body(found)),  # the case service escapes every value
        history=entries(history.items),
        history_next=history.next_cursor,
        history_paged=cursor is not None,
        may_change=_may(lambda: require_department(department)),
        may_see_audit=_may(lambda: require(Role.admin)),
        saved=request.query_params.get("gemt"),
    )
