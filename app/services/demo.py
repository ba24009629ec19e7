"""Demo data: the Mørkhøj programme (with its revised budget, actual spending, programme document and midway and
final evaluations) and the example interventions of the source documents.

Loaded through the same service functions the API uses, so the demo obeys every rule; safe to run twice
(an intervention whose external_id exists already is left alone)."""

import json
from importlib import resources
from typing import Any

from sqlmodel import Session, select

from app.models.evaluation import EvaluationCreate
from app.models.intervention import Intervention, InterventionCreate
from app.models.material import MaterialCreate
from app.services.evaluations import create_evaluation
from app.services.interventions import create_intervention
from app.services.material import add_material

DEMO_FILES = ("morkhoj_programme.json", "example_interventions.json")


def _load(session: Session, item: dict[str, Any], parent_id: int | None, counts: dict[str, int]) -> None:
    children = item.pop("children", [])
    material = item.pop("material", [])
    evaluations = item.pop("evaluations", [])
    existing = session.exec(select(Intervention.id).where(Intervention.external_id == item.get("external_id"))).first()
    if existing is not None:
        counts["skipped"] += 1
        own_id = existing
    else:
        created = create_intervention(session, InterventionCreate(**item, parent_id=parent_id))
        counts["created"] += 1
        own_id = created.id
        # Material first: an evaluation names the material it rests on by the material's "key" in the file.
        ids = {}
        for entry in material:
            key = entry.pop("key", None)
            ids[key] = add_material(session, own_id, MaterialCreate(**entry)).id
        for entry in evaluations:
            keys = entry.pop("material", [])
            create_evaluation(session, own_id, EvaluationCreate(**entry, material_ids=[ids[k] for k in keys]))
    for child in children:
        _load(session, child, own_id, counts)


def load_demo_data(session: Session) -> dict[str, int]:
    counts = {"created": 0, "skipped": 0}
    for name in DEMO_FILES:
        items = json.loads(resources.files("app.demo").joinpath(name).read_text(encoding="utf-8"))
        for item in items:
            _load(session, item, None, counts)
    return counts
