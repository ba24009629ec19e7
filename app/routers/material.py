"""Material of one intervention: links to its documents (no files are stored)."""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, status

from app.deps import InterventionId, OnceDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.material import (
    MaterialCreate,
    MaterialList,
    MaterialPublic,
    MaterialUpdate,
)
from app.services import material

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/interventions/{intervention_id}/material",
    tags=["material"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)
MaterialId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The material's id")]

WRITE_PROBLEMS = problem_responses(400, 401, 403, 404, 412, 413, 422)


@router.get("", summary="List an intervention's material (document links)", responses=problem_responses(401, 404, 422))
def list_material(session: SessionDep, intervention_id: InterventionId) -> MaterialList:
    return material.list_material(session, intervention_id)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Add a link to a document about the intervention",
    description=(
        "`url` must be an http:// or https:// address; `kind` is description (Beskrivelse), budget (Budget), "
        "evaluation (Evaluering) or results (Resultater); `language` an ISO 639-1 code (default `da`). "
        "Who may: an admin, or an editor of the intervention's department."
    ),
    responses=WRITE_PROBLEMS,
)
def add_material(
    session: SessionDep, intervention_id: InterventionId, body: MaterialCreate, once: OnceDep
) -> MaterialPublic:
    return once(
        session,
        lambda: material.add_material(session, intervention_id, body),
        lambda created: {"Location": f"/api/v1/interventions/{intervention_id}/material/{created.id}"},
    )


@router.get("/{material_id}", summary="Get one material link", responses=problem_responses(401, 404, 422))
def get_material(session: SessionDep, intervention_id: InterventionId, material_id: MaterialId) -> MaterialPublic:
    return material.get_material(session, intervention_id, material_id)


@router.patch("/{material_id}", summary="Change a material link: omitted fields stay", responses=WRITE_PROBLEMS)
def update_material(
    session: SessionDep, intervention_id: InterventionId, material_id: MaterialId, body: MaterialUpdate
) -> MaterialPublic:
    return material.update_material(session, intervention_id, material_id, body)


@router.delete(
    "/{material_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a material link (evaluations that referred to it lose the reference)",
    responses=problem_responses(401, 403, 404, 412, 422),
)
def delete_material(session: SessionDep, intervention_id: InterventionId, material_id: MaterialId) -> None:
    material.delete_material(session, intervention_id, material_id)
