"""An intervention's material and evaluations, from its edit page: each added, changed or removed by its own post, in
its own transaction, through the services the API's /material and /evaluations call. A refused addition comes
back on the edit page with the Danish message beside each field and what was typed kept."""

from fastapi import APIRouter, Path, Request, Response
from pydantic import ValidationError
from starlette.datastructures import FormData

from app.deps import InterventionId, SessionDep
from app.errors import RuleViolation
from app.models.evaluation import EvaluationCreate, EvaluationUpdate
from app.models.material import MaterialCreate, MaterialUpdate
from app.models.types import MAX_ID
from app.services import evaluations, material
from app.web import intervention_form as forms
from app.web.common import FormDep, UserDep, WebRoute, check_form_token, redirect
from app.web.filters import Form
from app.web.intervention_edit import _editable, _form_page
from app.web.messages import field_errors
from app.web.parts_forms import PartsForms

router = APIRouter(route_class=WebRoute, include_in_schema=False)

MATERIAL_FIELDS = ("title", "url", "kind", "language", "date")
EVALUATION_FIELDS = ("kind", "date", "purpose_fulfilled", "implemented_as_planned", "decision", "findings")


def _typed(posted: FormData, names: tuple[str, ...]) -> Form:
    return Form(values={n: forms.posted_text(posted.get(n)) for n in names})


def _body(form: Form, *, update: bool = False) -> dict:
    """The request body: Danish dates (31.12.2024) as ISO dates; an empty field left out (new) or null (a change:
    what the form shows is what is saved, and a required field sent as null is refused by the service)."""
    body = {k: forms.value_of(k, v) for k, v in form.values.items() if isinstance(v, str)}
    return body if update else {k: v for k, v in body.items() if v is not None}


def _chosen_material(posted: FormData, form: Form) -> list:
    chosen = [v for v in posted.getlist("material_ids")[:100] if isinstance(v, str)]
    form.values["material_ids"] = chosen
    return [int(v) if v.isdigit() else v for v in chosen]


def _back(intervention_id: int, anchor: str, done: str) -> Response:
    """Back to the edit page, at the part that was saved, which says so (`done` is a key of parts_forms.DONE)."""
    return redirect(f"/indsatser/{intervention_id}/rediger?gemt={done}#{anchor}")


def _refused(request: Request, session, intervention_id: int, parts: PartsForms) -> Response:
    session.rollback()
    item = _editable(session, intervention_id)
    return _form_page(request, session, forms.from_intervention(item), item=item, status_code=422, parts=parts)


@router.post("/indsatser/{intervention_id}/materiale", name="web_material_add")
def add_material(
    request: Request, session: SessionDep, user: UserDep, posted: FormDep, intervention_id: InterventionId
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    form = _typed(posted, MATERIAL_FIELDS)
    try:
        material.add_material(session, intervention_id, MaterialCreate.model_validate(_body(form)))
    except (ValidationError, RuleViolation) as exc:
        form.errors = field_errors(exc, MATERIAL_FIELDS)
        return _refused(request, session, intervention_id, PartsForms(material=form))
    return _back(intervention_id, "materiale-overskrift", "materiale-tilfoejet")


@router.post("/indsatser/{intervention_id}/materiale/{material_id}", name="web_material_update")
def update_material(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    material_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    form = _typed(posted, MATERIAL_FIELDS)
    try:
        data = MaterialUpdate.model_validate(_body(form, update=True))
        material.update_material(session, intervention_id, material_id, data)
    except (ValidationError, RuleViolation) as exc:
        form.errors = field_errors(exc, MATERIAL_FIELDS)
        return _refused(request, session, intervention_id, PartsForms(refused_row=(f"mat{material_id}", form)))
    return _back(intervention_id, "materiale-overskrift", "materiale-gemt")


@router.post("/indsatser/{intervention_id}/materiale/{material_id}/fjern", name="web_material_remove")
def remove_material(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    material_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    material.delete_material(session, intervention_id, material_id)
    return _back(intervention_id, "materiale-overskrift", "materiale-fjernet")


@router.post("/indsatser/{intervention_id}/evalueringer", name="web_evaluation_add")
def add_evaluation(
    request: Request, session: SessionDep, user: UserDep, posted: FormDep, intervention_id: InterventionId
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    form = _typed(posted, EVALUATION_FIELDS)
    body = _body(form) | {"material_ids": _chosen_material(posted, form)}
    try:
        evaluations.create_evaluation(session, intervention_id, EvaluationCreate.model_validate(body))
    except (ValidationError, RuleViolation) as exc:
        form.errors = field_errors(exc, (*EVALUATION_FIELDS, "material_ids"))
        return _refused(request, session, intervention_id, PartsForms(evaluation=form))
    return _back(intervention_id, "evalueringer-overskrift", "evaluering-tilfoejet")


@router.post("/indsatser/{intervention_id}/evalueringer/{evaluation_id}", name="web_evaluation_update")
def update_evaluation(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    evaluation_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    form = _typed(posted, EVALUATION_FIELDS)
    body = _body(form, update=True) | {"material_ids": _chosen_material(posted, form)}
    try:
        data = EvaluationUpdate.model_validate(body)
        evaluations.update_evaluation(session, intervention_id, evaluation_id, data)
    except (ValidationError, RuleViolation) as exc:
        form.errors = field_errors(exc, (*EVALUATION_FIELDS, "material_ids"))
        return _refused(request, session, intervention_id, PartsForms(refused_row=(f"ev{evaluation_id}", form)))
    return _back(intervention_id, "evalueringer-overskrift", "evaluering-gemt")


@router.post("/indsatser/{intervention_id}/evalueringer/{evaluation_id}/fjern", name="web_evaluation_remove")
def remove_evaluation(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    evaluation_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    evaluations.delete_evaluation(session, intervention_id, evaluation_id)
    return _back(intervention_id, "evalueringer-overskrift", "evaluering-fjernet")
