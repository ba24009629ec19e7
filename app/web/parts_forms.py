"""The small forms for an intervention's evaluations and material on its edit page: what they show and offer."""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.models.evaluation import DECISION_LABELS, RATING_LABELS
from app.models.evaluation import KIND_LABELS as EVALUATION_KIND_LABELS
from app.models.material import MATERIAL_KIND_LABELS, MaterialPublic
from app.services import evaluations, material
from app.web.filters import Form


@dataclass
class PartsForms:
    """The add forms: empty, or as posted with their errors when one was refused."""

    material: Form = field(default_factory=lambda: Form(values={"kind": "description", "language": "da"}))
    evaluation: Form = field(default_factory=lambda: Form(values={"kind": "midway"}))

    def context(self, session: Session, intervention_id: int) -> dict[str, Any]:
        return {
            "material": material.list_material(session, intervention_id).items,
            "evaluations": evaluations.list_evaluations(session, intervention_id).items,
            "mat_form": self.material,
            "ev_form": self.evaluation,
        }


def parts_choices(own_material: list[MaterialPublic]) -> dict[str, list[tuple[str, str]]]:
    return {
        "material_kind": [(k.value, label) for k, label in MATERIAL_KIND_LABELS.items()],
        "evaluation_kind": [(k.value, label) for k, label in EVALUATION_KIND_LABELS.items()],
        "rating": [(r.value, label) for r, label in RATING_LABELS.items()],
        "decision": [(d.value, label) for d, label in DECISION_LABELS.items()],
        "own_material": [(str(m.id), m.title) for m in own_material],
    }
