"""An intervention's material and evaluations, from its edit page: each added, changed or removed by its own post, in
its own transaction, through the services the API's /material and /evaluations call. A refused addition comes
back on the edit page with the Danish message beside each field and what was typed kept."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel, ValidationError
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


@dataclass(frozen=True)
class _Part:
    """What differs between the material and the evaluation forms; the steps of a post are the same."""

    fields: tuple[str, ...]
    create_model: type[BaseModel]
    update_model: type[BaseModel]
    add: Callable
    update: Callable
    delete: Callable
    anchor: str  # the heading the edit page opens at afterwards
    done: str  # the start of the parts_forms.DONE keys: "-tilfoejet", "-gemt", "-fjernet"
    form_name: str  # the PartsForms field that holds a refused addition
    row: str  # a refused change's row key: row + id
    with_material: bool = False  # an evaluation names the material it draws on


MATERIAL = _Part(
    MATERIAL_FIELDS,
    MaterialCreate,
    MaterialUpdate,
    material.add_material,
    material.update_material,
    material.delete_material,
    "materiale-overskrift",
    "materiale",
    "material",
    "mat",
)
EVALUATION = _Part(
    EVALUATION_FIELDS,
    EvaluationCreate,
    EvaluationUpdate,
    evaluations.create_evaluation,
    evaluations.update_evaluation,
    evaluations.delete_evaluation,
    "evalueringer-overskrift",
    "evaluering",
    "evaluation",
    "ev",
    with_material=True,
)


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


def _save(
    request: Request, session, user, posted: FormData, intervention_id: int, part: _Part, part_id: int | None = None
) -> Response:
    """Add (no part_id) or change one part; refused, the edit page again with the form as typed and its errors."""
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    form = _typed(posted, part.fields)
    body = _body(form, update=part_id is not None)
    if part.with_material:
        body["material_ids"] = _chosen_material(posted, form)
    try:
        if part_id is None:
            part.add(session, intervention_id, part.create_model.model_validate(body))
        else:
            part.update(session, intervention_id, part_id, part.update_model.model_validate(body))
    except (ValidationError, RuleViolation) as exc:
        form.errors = field_errors(exc, (*part.fields, "material_ids") if part.with_material else part.fields)
        refused = (
            PartsForms(**{part.form_name: form})
            if part_id is None
            else PartsForms(refused_row=(f"{part.row}{part_id}", form))
        )
        return _refused(request, session, intervention_id, refused)
    return _back(intervention_id, part.anchor, f"{part.done}-{'tilfoejet' if part_id is None else 'gemt'}")


def _remove(request: Request, session, user, posted: FormData, intervention_id: int, part: _Part, part_id: int):
    check_form_token(request, user, posted)
    _editable(session, intervention_id)
    part.delete(session, intervention_id, part_id)
    return _back(intervention_id, part.anchor, f"{part.done}-fjernet")


@router.post("/indsatser/{intervention_id}/materiale", name="web_material_add")
def add_material(
    request: Request, session: SessionDep, user: UserDep, posted: FormDep, intervention_id: InterventionId
) -> Response:
    return _save(request, session, user, posted, intervention_id, MATERIAL)


@router.post("/indsatser/{intervention_id}/materiale/{material_id}", name="web_material_update")
def update_material(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    material_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    return _save(request, session, user, posted, intervention_id, MATERIAL, material_id)


@router.post("/indsatser/{intervention_id}/materiale/{material_id}/fjern", name="web_material_remove")
def remove_material(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    material_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    return _remove(request, session, user, posted, intervention_id, MATERIAL, material_id)


@router.post("/indsatser/{intervention_id}/evalueringer", name="web_evaluation_add")
def add_evaluation(
    request: Request, session: SessionDep, user: UserDep, posted: FormDep, intervention_id: InterventionId
) -> Response:
    return _save(request, session, user, posted, intervention_id, EVALUATION)


@router.post("/indsatser/{intervention_id}/evalueringer/{evaluation_id}", name="web_evaluation_update")
def update_evaluation(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    evaluation_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    return _save(request, session, user, posted, intervention_id, EVALUATION, evaluation_id)


@router.post("/indsatser/{intervention_id}/evalueringer/{evaluation_id}/fjern", name="web_evaluation_remove")
def remove_evaluation(
    request: Request,
    session: SessionDep,
    user: UserDep,
    posted: FormDep,
    intervention_id: InterventionId,
    evaluation_id: int = Path(ge=1, le=MAX_ID),
) -> Response:
    return _remove(request, session, user, posted, intervention_id, EVALUATION, evaluation_id)
