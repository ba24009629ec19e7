"""The organisations taking part in interventions: a list with search (name or CVR) and kind, each organisation's
page (its details, the interventions it takes part in with its roles, the money of the lines it pays and its
in-kind time, as the organisation rollup counts them), and the forms to register and change one, for those the
API lets (admin, editor). The pages call the services the API calls, under the same permission rule."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.deps import SessionDep
from app.errors import AppError, Conflict
from app.models.organisation import (
    ORGANISATION_KIND_LABELS,
    OrganisationCreate,
    OrganisationKind,
    OrganisationPublic,
    OrganisationUpdate,
)
from app.models.party import ORGANISATION_ROLE_LABELS
from app.services import organisation_rollup, organisations
from app.web.common import FormDep, UserDep, WebRoute, check_form_token, redirect, render
from app.web.filters import Form
from app.web.interventions import _may
from app.web.messages import field_errors

router = APIRouter(route_class=WebRoute, include_in_schema=False)
OrganisationId = Annotated[int, Path(ge=1, le=2**31 - 1)]

PAGE_SIZE = 50
FIELDS = ("name", "kind", "cvr")
KIND_CHOICES = [(kind.value, label) for kind, label in ORGANISATION_KIND_LABELS.items()]
# Where a field says it better than the shared messages (app/web/messages.py).
MESSAGES = {
    "cvr": "Skriv CVR-nummeret som 8 cifre uden mellemrum, fx 12345678, eller lad feltet stå tomt.",
    "kind": "Vælg organisationens type.",
}
NOTICES = {"oprettet": "Organisationen er registreret.", "gemt": "Ændringerne er gemt."}


def _may_write() -> bool:
    return _may(organisations.require_writer)


# --- the list ---------------------------------------------------------------------------------------------------


@router.get("/organisationer", name="web_organisations")
def organisations_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    params = request.query_params
    form = Form(values={"q": (params.get("q") or "").strip()[:200], "kind": []})
    kind = None
    if params.get("kind"):
        try:
            kind = OrganisationKind(params["kind"])
            form.values["kind"] = [kind.value]
        except ValueError:
            form.errors["kind"] = "Vælg en af mulighederne"
    cursor = (params.get("cursor") or "")[:1000] or None
    page = None
    try:
        page = organisations.list_organisations(
            session, kind=kind, q=form.values["q"] or None, limit=PAGE_SIZE, cursor=cursor
        )
    except AppError as exc:
        form.add_service_error(exc)
    return render(
        request,
        "organisations.html",
        status_code=422 if form.errors else 200,
        title="Organisationer",
        form=form,
        page=page,
        first_page=cursor is not None,
        kinds=KIND_CHOICES,
        may_create=_may_write(),
    )


# --- one organisation -------------------------------------------------------------------------------------------


@router.get("/organisationer/ny", name="web_organisation_new")
def new_organisation(request: Request, session: SessionDep, user: UserDep) -> Response:
    organisations.require_writer()
    return _form_page(request, None, Form())


@router.post("/organisationer/ny", name="web_organisation_create")
def create_organisation(request: Request, session: SessionDep, user: UserDep, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    organisations.require_writer()
    form = _posted(posted)
    try:
        created = organisations.create_organisation(session, OrganisationCreate(**_body(form)))
    except (ValidationError, AppError) as exc:
        return _form_page(request, None, form, _refused(session, exc, form))
    return redirect(f"/organisationer/{created.id}?besked=oprettet")


@router.get("/organisationer/{organisation_id}", name="web_organisation")
def organisation_page(
    request: Request, session: SessionDep, user: UserDep, organisation_id: OrganisationId
) -> Response:
    found = organisation_rollup.organisation_interventions(session, organisation_id)
    return render(
        request,
        "organisation.html",
        title=found.organisation.name,
        organisation=found.organisation,
        rows=found.rows,
        total=found.total,
        role_labels=ORGANISATION_ROLE_LABELS,
        may_change=_may_write(),
        notice=NOTICES.get(request.query_params.get("besked", "")),
    )


@router.get("/organisationer/{organisation_id}/rediger", name="web_organisation_edit")
def edit_organisation(
    request: Request, session: SessionDep, user: UserDep, organisation_id: OrganisationId
) -> Response:
    organisations.require_writer()
    item = organisations.get_organisation(session, organisation_id)
    return _form_page(request, item, Form(values={"name": item.name, "kind": item.kind.value, "cvr": item.cvr or ""}))


@router.post("/organisationer/{organisation_id}/rediger", name="web_organisation_update")
def update_organisation(
    request: Request, session: SessionDep, user: UserDep, organisation_id: OrganisationId, posted: FormDep
) -> Response:
    check_form_token(request, user, posted)
    organisations.require_writer()
    item = organisations.get_organisation(session, organisation_id)
    form = _posted(posted)
    try:
        body = OrganisationUpdate(name=form.values["name"], kind=form.values["kind"], cvr=form.values["cvr"] or None)
        organisations.update_organisation(session, organisation_id, body)
    except (ValidationError, AppError) as exc:
        return _form_page(request, item, form, _refused(session, exc, form))
    return redirect(f"/organisationer/{organisation_id}?besked=gemt")


# --- the form ---------------------------------------------------------------------------------------------------


def _posted(posted) -> Form:
    return Form(values={name: str(posted.get(name) or "").strip() for name in FIELDS})


def _body(form: Form) -> dict[str, str]:
    """The fields filled in; an empty one is left out, so that the schema names a required one as missing."""
    return {name: value for name, value in form.values.items() if value}


def _refused(session: Session, exc: ValidationError | AppError, form: Form) -> int:
    """The refusal's messages in Danish beside the fields (an error of no field at the top); nothing was written."""
    if isinstance(exc, AppError) and not exc.errors:
        raise exc
    session.rollback()
    form.errors = field_errors(exc, FIELDS)
    for name in form.errors.keys() & MESSAGES.keys():
        form.errors[name] = MESSAGES[name]
    if isinstance(exc, Conflict):
        other = exc.extra.get("existing_id")
        what = {"name": "Navnet", "cvr": "CVR-nummeret"}
        for name in form.errors.keys() & what.keys():
            form.errors[name] = f"{what[name]} bruges allerede af en anden organisation (nr. {other})."
    return exc.status if isinstance(exc, AppError) else 422


def _form_page(request: Request, item: OrganisationPublic | None, form: Form, status_code: int = 200) -> Response:
    return render(
        request,
        "organisation_form.html",
        status_code=status_code,
        title=f"Redigér: {item.name}" if item else "Registrér en organisation",
        item=item,
        form=form,
        kinds=KIND_CHOICES,
        action=f"/organisationer/{item.id}/rediger" if item else "/organisationer/ny",
        cancel=f"/organisationer/{item.id}" if item else "/organisationer",
    )
