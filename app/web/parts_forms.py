"""The small forms for an intervention's evaluations and material on its edit page: what they show and offer.
Each existing one has its own form, filled from what is saved, or as posted with its errors when it was refused."""

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from app.models.evaluation import DECISION_LABELS, RATING_LABELS, EvaluationPublic
from app.models.evaluation import KIND_LABELS as EVALUATION_KIND_LABELS
from app.models.material import MATERIAL_KIND_LABELS, MaterialPublic
from app.services import evaluations, material
from app.web.filters import Form


def material_form(item: MaterialPublic) -> Form:
    return Form(
        values={
            "title": item.title,
            "url": item.url,
            "kind": item.kind.value,
            "language": item.language,
            "date": item.date.isoformat() if item.date else "",
        }
    )


def evaluation_form(item: EvaluationPublic) -> Form:
    values = {
        name: getattr(getattr(item, name), "value", getattr(item, name)) or ""
        for name in ("kind", "purpose_fulfilled", "implemented_as_planned", "decision", "findings")
    }
    values.update(date=item.date.isoformat(), material_ids=[str(i) for i in item.material_ids])
    return Form(values=values)


# What the edit page says after a part was saved (?gemt=…), in the section of that part.
DONE = {
    "materiale-tilfoejet": ("materiale", "Materialet er tilføjet."),
    "materiale-gemt": ("materiale", "Materialet er gemt."),
    "materiale-fjernet": ("materiale", "Materialet er fjernet."),
    "evaluering-tilfoejet": ("evalueringer", "Evalueringen er tilføjet."),
    "evaluering-gemt": ("evalueringer", "Evalueringen er gemt."),
    "evaluering-fjernet": ("evalueringer", "Evalueringen er fjernet."),
}


@dataclass
class PartsForms:
    """The add forms (empty, or as posted when refused) and the one existing row refused, by "mat<id>"/"ev<id>"."""

    material: Form = field(default_factory=lambda: Form(values={"kind": "description", "language": "da"}))
    evaluation: Form = field(default_factory=lambda: Form(values={"kind": "midway"}))
    refused_row: tuple[str, Form] | None = None
    done: str | None = None  # a key of DONE

    def _row(self, key: str, saved: Form) -> Form:
        return self.refused_row[1] if self.refused_row and self.refused_row[0] == key else saved

    def context(self, session: Session, intervention_id: int) -> dict[str, Any]:
        own_material = material.list_material(session, intervention_id).items
        own_evaluations = evaluations.list_evaluations(session, intervention_id).items
        return {
            "material": own_material,
            "material_rows": [(m, self._row(f"mat{m.id}", material_form(m))) for m in own_material],
            "evaluation_rows": [(e, self._row(f"ev{e.id}", evaluation_form(e))) for e in own_evaluations],
            "mat_form": self.material,
            "ev_form": self.evaluation,
            "parts_done": DONE.get(self.done or ""),
        }


def parts_choices(own_material: list[MaterialPublic]) -> dict[str, list[tuple[str, str]]]:
    return {
        "material_kind": [(k.value, label) for k, label in MATERIAL_KIND_LABELS.items()],
        "evaluation_kind": [(k.value, label) for k, label in EVALUATION_KIND_LABELS.items()],
        "rating": [(r.value, label) for r, label in RATING_LABELS.items()],
        "decision": [(d.value, label) for d, label in DECISION_LABELS.items()],
        "own_material": [(str(m.id), m.title) for m in own_material],
    }
