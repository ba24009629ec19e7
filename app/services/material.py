"""Material of one intervention: links to its documents. Every write goes through begin_change/finish_change
(transaction, row lock, If-Match, the editor's department, the intervention's audit record); the material's own
audit record (resource `material`) carries the before/after of its fields."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models.material import (
    MATERIAL_KIND_LABELS,
    Material,
    MaterialCreate,
    MaterialKind,
    MaterialList,
    MaterialPublic,
    MaterialUpdate,
)
from app.models.types import public_of, utcnow
from app.services import audit
from app.services.intervention_changes import begin_change, finish_change
from app.services.intervention_public import load_intervention
from app.services.reference import CodeChecker


def material_public(row: Material) -> MaterialPublic:
    return public_of(
        MaterialPublic, row, kind_label=MATERIAL_KIND_LABELS[MaterialKind(row.kind)], date=row.document_date
    )


def material_of(session: Session, intervention_ids: Sequence[int]) -> dict[int, list[MaterialPublic]]:
    """The material of each intervention, by date (undated last), then id."""
    out: dict[int, list[MaterialPublic]] = {i: [] for i in intervention_ids}
    if not intervention_ids:
        return out
    rows = session.exec(
        select(Material)
        .where(col(Material.intervention_id).in_(intervention_ids))
        .order_by(col(Material.document_date).is_(None), col(Material.document_date), col(Material.id))
    ).all()
    for row in rows:
        out[row.intervention_id].append(material_public(row))
    return out


def list_material(session: Session, intervention_id: int) -> MaterialList:
    load_intervention(session, intervention_id)
    return MaterialList(items=material_of(session, [intervention_id])[intervention_id])


def _load(session: Session, intervention_id: int, material_id: int) -> Material:
    row = session.get(Material, material_id)
    if row is None or row.intervention_id != intervention_id:
        raise NotFound(f"material {material_id} not found on intervention {intervention_id}")
    return row


def get_material(session: Session, intervention_id: int, material_id: int) -> MaterialPublic:
    load_intervention(session, intervention_id)
    return material_public(_load(session, intervention_id, material_id))


def add_material(session: Session, intervention_id: int, data: MaterialCreate) -> MaterialPublic:
    intervention, before = begin_change(session, intervention_id)
    now = utcnow()
    row = Material(
        intervention_id=intervention_id,
        title=data.title,
        url=data.url,
        kind=data.kind.value,
        language=data.language,
        document_date=data.date,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    created = material_public(row)
    audit.record(session, "create", "material", row.id, audit.diff(None, created.model_dump(), ignore=_IGNORE))
    finish_change(session, intervention, "material.add", before)
    return created


_IGNORE = {"created_at", "updated_at"}


def update_material(session: Session, intervention_id: int, material_id: int, data: MaterialUpdate) -> MaterialPublic:
    intervention, before = begin_change(session, intervention_id)
    row = _load(session, intervention_id, material_id)
    old = material_public(row)
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    checker = CodeChecker(session)
    for name in ("title", "url", "kind", "language"):
        if name in changes and changes[name] is None:
            checker.fail(["body", name], "may not be null", "null")
    checker.raise_if_any()
    for name, value in changes.items():
        setattr(row, "document_date" if name == "date" else name, getattr(value, "value", value))
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    new = material_public(row)
    audit.record(session, "update", "material", row.id, audit.diff(old.model_dump(), new.model_dump(), ignore=_IGNORE))
    finish_change(session, intervention, "material.update", before)
    return new


def delete_material(session: Session, intervention_id: int, material_id: int) -> None:
    """Removes the link; evaluations that referred to it lose that reference."""
    intervention, before = begin_change(session, intervention_id)
    row = _load(session, intervention_id, material_id)
    old = material_public(row)
    session.delete(row)
    session.flush()
    audit.record(session, "delete", "material", material_id, audit.diff(old.model_dump(), None, ignore=_IGNORE))
    finish_change(session, intervention, "material.delete", before)
