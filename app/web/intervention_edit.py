"""Registering and changing an intervention in the browser: create, edit (with its budget lines, success criteria,
organisations with their roles, people, reach and in-kind staff time as rows of the form, all saved by the one
create or PATCH, in one transaction), archive after a confirmation. The pages call the services the API calls, with
the same models for the body, the same permission functions, and the same If-Match check: the form carries the
version (ETag) it was loaded at, and a save over someone else's change is refused and shown side by side.

Without JavaScript: "Tilføj …" and "Fjern" are submit buttons of the same form (name="action"); the page comes
back with every typed value kept and a row more or less, and nothing is saved until "Gem"."""

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from sqlmodel import Session

from app.core.context import current, set_current
from app.deps import InterventionId, SessionDep
from app.errors import AppError, Conflict, Forbidden, PreconditionFailed, RuleViolation
from app.models.auth import Role
from app.models.budget_line import BUDGET_LINE_TYPE_LABELS
from app.models.intervention import InterventionCreate, InterventionPublic, InterventionUpdate
from app.models.organisation import ORGANISATION_KIND_LABELS, OrganisationKind
from app.models.party import ORGANISATION_ROLE_LABELS, PERSON_ROLE_LABELS, REACH_UNIT_LABELS
from app.models.success_criterion import OUTCOME_LABELS
from app.services import audit, interventions, lifecycle, organisations, reference
from app.services.auth import require, require_department
from app.services.intervention_public import etag
from app.web import filters as web_filters
from app.web import intervention_form as forms
from app.web.common import FormDep, UserDep, WebRoute, check_form_token, redirect, render
from app.web.history import entries
from app.web.interventions import _may
from app.web.messages import field_errors
from app.web.parts_forms import PartsForms, parts_choices

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def choices(session: Session, item: InterventionPublic | None = None) -> dict[str, list[tuple[str, str]]]:
    """What the fields offer: departments the person may register for (the services' own permission rule),
    the statuses the lifecycle allows from the current one, and the reference codes."""
    base = web_filters.choices(session)
    departments = [(code, text) for code, text in base["department"] if _may(lambda c=code: require_department(c))]
    if item is not None and item.department not in {code for code, _ in departments}:
        departments.append((item.department, item.department))
    statuses = base["status"]
    if item is not None:
        allowed = lifecycle.next_statuses(item.status)
        labels = dict(statuses)
        statuses = [(item.status.value, labels[item.status.value])] + [
            (s.value, labels[s.value] + (" (kræver begrundelse)" if c is lifecycle.Change.reason else ""))
            for s, c in allowed.items()
        ]
    return {
        **base,
        "department": departments,
        "status": statuses,
        "funding": [(f.code, f"{f.name} ({f.code})") for f in reference.list_funding_sources(session)],
        "budget_type": [(t.value, label) for t, label in BUDGET_LINE_TYPE_LABELS.items()],
        "outcome": [(o.value, label) for o, label in OUTCOME_LABELS.items()],
        "organisation": organisation_choices(session),
        "organisation_role": [(r.value, label) for r, label in ORGANISATION_ROLE_LABELS.items()],
        "person_role": [(r.value, label) for r, label in PERSON_ROLE_LABELS.items()],
        "reach_unit": [(u.value, label) for u, label in REACH_UNIT_LABELS.items()],
    }


def organisation_choices(session: Session) -> list[tuple[str, str]]:
    """The registered organisations, by name (the name is what the API's payload names them by)."""
    rows = sorted(organisations.all_organisations(session).values(), key=lambda o: o.name.casefold())
    return [(o.name, f"{o.name} ({ORGANISATION_KIND_LABELS[OrganisationKind(o.kind)]})") for o in rows]


@dataclass
class Conflicted:
    who: str
    differences: list[forms.Difference]
    history: list


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _form_page(
    request: Request,
    session: Session,
    form: forms.InterventionForm,
    *,
    item: InterventionPublic | None = None,
    status_code: int = 200,
    conflict: Conflicted | None = None,
    parts: PartsForms | None = None,
    version: str | None = None,
    loaded_at: str | None = None,
) -> Response:
    found = choices(session, item)
    context: dict[str, Any] = {}
    if item is not None:
        parts = parts or PartsForms()
        context = parts.context(session, item.id)
        found.update(parts_choices(context["material"]))
    return render(
        request,
        "intervention_form.html",
        status_code=status_code,
        title=f"Redigér: {item.name}" if item else "Ny indsats",
        form=form,
        item=item,
        choices=found,
        conflict=conflict,
        action=f"/indsatser/{item.id}/rediger" if item else "/indsatser/ny",
        cancel=f"/indsatser/{item.id}" if item else "/indsatser",
        version=version or (etag(item) if item else ""),
        loaded_at=loaded_at or _now(),
        **context,
    )


def _refused(form: forms.InterventionForm, exc: ValidationError | AppError) -> None:
    form.errors = field_errors(exc, form.keys())


# --- create --------------------------------------------------------------------------------------------------


@router.get("/indsatser/ny", name="web_intervention_new")
def new_intervention(request: Request, session: SessionDep, user: UserDep) -> Response:
    require(Role.admin, Role.editor)
    return _form_page(request, session, forms.blank(user.principal.department))


@router.post("/indsatser/ny", name="web_intervention_create")
def create_intervention(request: Request, session: SessionDep, user: UserDep, posted: FormDep) -> Response:
    check_form_token(request, user, posted)
    require(Role.admin, Role.editor)
    form = forms.from_post(posted)
    if forms.apply_row_action(form, str(posted.get("action") or "save")):
        return _form_page(request, session, form)
    forms.drop_empty_rows(form)
    try:
        data = InterventionCreate.model_validate(forms.payload(form))
        created = interventions.create_intervention(session, data)
    except ValidationError as exc:
        _refused(form, exc)
    except (RuleViolation, Conflict) as exc:
        session.rollback()
        _refused(form, exc)
    except Forbidden as exc:
        if not exc.errors:  # not allowed at all: the 403 page
            raise
        session.rollback()
        _refused(form, exc)
    else:
        return redirect(f"/indsatser/{created.id}?gemt=ny")
    return _form_page(request, session, form, status_code=422)


# --- edit ----------------------------------------------------------------------------------------------------


def _editable(session: Session, intervention_id: int) -> InterventionPublic:
    """The intervention, if the signed-in person may change it (403 otherwise, the API's rule)."""
    item = interventions.get_intervention(session, intervention_id)
    require_department(item.department)
    return item


@router.get("/indsatser/{intervention_id}/rediger", name="web_intervention_edit")
def edit_intervention(
    request: Request, session: SessionDep, user: UserDep, intervention_id: InterventionId
) -> Response:
    item = _editable(session, intervention_id)
    parts = PartsForms(done=request.query_params.get("gemt"))
    return _form_page(request, session, forms.from_intervention(item), item=item, parts=parts)


def _with_version(version: str) -> None:
    """The save goes ahead only on the version the form was loaded at (the API's If-Match, same check)."""
    set_current(replace(current(), if_match=version.strip() or '"none"'))


def _conflict(
    request: Request, session: Session, form: forms.InterventionForm, intervention_id: int, loaded_at: str
) -> Response:
    """Someone saved first: their values beside the ones typed here, the changes since the form was opened, and a
    form still holding what was typed, now at the current version (saving again is a deliberate overwrite)."""
    session.rollback()
    item = _editable(session, intervention_id)
    found = choices(session, item)
    try:
        since = datetime.fromisoformat(loaded_at)
    except ValueError:
        since = None
    records = audit.list_records(session, resource="intervention", resource_id=str(intervention_id), since=since)
    history = entries(records.items if since else records.items[:5])
    who = ", ".join(sorted({e.record.actor for e in history}))
    conflict = Conflicted(
        who=f"Gemt af: {who}." if who else "",
        differences=forms.differences(forms.from_intervention(item), form, found),
        history=history,
    )
    form.errors = {}
    return _form_page(request, session, form, item=item, status_code=409, conflict=conflict)


@router.post("/indsatser/{intervention_id}/rediger", name="web_intervention_update")
def update_intervention(
    request: Request, session: SessionDep, user: UserDep, posted: FormDep, intervention_id: InterventionId
) -> Response:
    check_form_token(request, user, posted)
    item = _editable(session, intervention_id)
    form = forms.from_post(posted)
    version, loaded_at = str(posted.get("version") or ""), str(posted.get("loaded_at") or "")
    if forms.apply_row_action(form, str(posted.get("action") or "save")):
        return _form_page(request, session, form, item=item, version=version, loaded_at=loaded_at)
    forms.drop_empty_rows(form)
    try:
        data = InterventionUpdate.model_validate(forms.payload(form, update=True))
        _with_version(version)
        interventions.update_intervention(session, intervention_id, data)
    except ValidationError as exc:
        _refused(form, exc)
    except PreconditionFailed:
        return _conflict(request, session, form, intervention_id, loaded_at)
    except (RuleViolation, Conflict) as exc:
        session.rollback()
        _refused(form, exc)
    except Forbidden as exc:
        if not exc.errors:
            raise
        session.rollback()
        _refused(form, exc)
    else:
        return redirect(f"/indsatser/{intervention_id}?gemt=1")
    return _form_page(request, session, form, item=item, status_code=422, version=version, loaded_at=loaded_at)


# --- archive -------------------------------------------------------------------------------------------------


@router.get("/indsatser/{intervention_id}/arkiver", name="web_intervention_archive_confirm")
def confirm_archive(request: Request, session: SessionDep, user: UserDep, intervention_id: InterventionId) -> Response:
    item = _editable(session, intervention_id)
    return render(request, "archive.html", title=f"Arkivér: {item.name}", item=item, version=etag(item))


@router.post("/indsatser/{intervention_id}/arkiver", name="web_intervention_archive")
def archive_intervention(
    request: Request, session: SessionDep, user: UserDep, posted: FormDep, intervention_id: InterventionId
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    try:
        _with_version(str(posted.get("version") or ""))
        interventions.archive_intervention(session, intervention_id)
    except PreconditionFailed:
        session.rollback()
        item = _editable(session, intervention_id)
        return render(
            request,
            "archive.html",
            status_code=409,
            title=f"Arkivér: {item.name}",
            item=item,
            version=etag(item),
            changed=True,
        )
    return redirect("/indsatser?arkiveret=1")
