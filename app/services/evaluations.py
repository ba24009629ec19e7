"""Evaluations of one intervention, and the interventions that are due an evaluation and have none.

Every write goes through begin_change/finish_change (transaction, row lock, If-Match, the editor's department,
the intervention's audit record); the evaluation's own audit record (resource `evaluation`) carries the
before/after of its fields."""

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import delete
from sqlmodel import Session, col, select

from app.core.paging import decode_id_cursor, encode_id_cursor
from app.errors import NotFound
from app.models.evaluation import (
    DECISION_LABELS,
    KIND_LABELS,
    RATING_LABELS,
    Evaluation,
    EvaluationCreate,
    EvaluationKind,
    EvaluationList,
    EvaluationMaterial,
    EvaluationPublic,
    EvaluationUpdate,
    MissingEvaluation,
    MissingEvaluationPage,
)
from app.models.intervention import Intervention, Status
from app.models.material import Material
from app.models.types import public_of, utcnow
from app.services import audit
from app.services.intervention_changes import begin_change, finish_change
from app.services.intervention_public import load_intervention
from app.services.reference import CodeChecker, Loc

# An intervention in one of these states has ended, whatever its end_date says.
ENDED = (Status.completed.value, Status.anchored.value, Status.stopped.value)
_IGNORE = {"created_at", "updated_at"}


def _label(labels: dict, value: str | None) -> str | None:
    # The label dicts are keyed by StrEnum members, which hash and compare as their string values.
    return None if value is None else labels[value]


def evaluation_public(row: Evaluation, material_ids: Sequence[int]) -> EvaluationPublic:
    return public_of(
        EvaluationPublic,
        row,
        kind_label=_label(KIND_LABELS, row.kind),
        date=row.evaluated_on,
        department=row.department_code,
        purpose_fulfilled_label=_label(RATING_LABELS, row.purpose_fulfilled),
        implemented_as_planned_label=_label(RATING_LABELS, row.implemented_as_planned),
        decision_label=_label(DECISION_LABELS, row.decision),
        material_ids=list(material_ids),
    )


def evaluations_of(session: Session, intervention_ids: Sequence[int]) -> dict[int, list[EvaluationPublic]]:
    """The evaluations of each intervention, oldest first (date, then id)."""
    out: dict[int, list[EvaluationPublic]] = {i: [] for i in intervention_ids}
    if not intervention_ids:
        return out
    rows = session.exec(
        select(Evaluation)
        .where(col(Evaluation.intervention_id).in_(intervention_ids))
        .order_by(col(Evaluation.evaluated_on), col(Evaluation.id))
    ).all()
    links = _links(session, [r.id for r in rows])
    for row in rows:
        out[row.intervention_id].append(evaluation_public(row, links.get(row.id, [])))
    return out


def _links(session: Session, evaluation_ids: Sequence[int]) -> dict[int, list[int]]:
    links: dict[int, list[int]] = {}
    if evaluation_ids:
        for evaluation_id, material_id in session.exec(
            select(EvaluationMaterial.evaluation_id, EvaluationMaterial.material_id)
            .where(col(EvaluationMaterial.evaluation_id).in_(evaluation_ids))
            .order_by(col(EvaluationMaterial.material_id))
        ):
            links.setdefault(evaluation_id, []).append(material_id)
    return links


def _public(session: Session, row: Evaluation) -> EvaluationPublic:
    return evaluation_public(row, _links(session, [row.id]).get(row.id, []))


def list_evaluations(session: Session, intervention_id: int) -> EvaluationList:
    load_intervention(session, intervention_id)
    return EvaluationList(items=evaluations_of(session, [intervention_id])[intervention_id])


def _load(session: Session, intervention_id: int, evaluation_id: int) -> Evaluation:
    row = session.get(Evaluation, evaluation_id)
    if row is None or row.intervention_id != intervention_id:
        raise NotFound(f"evaluation {evaluation_id} not found on intervention {intervention_id}")
    return row


def get_evaluation(session: Session, intervention_id: int, evaluation_id: int) -> EvaluationPublic:
    load_intervention(session, intervention_id)
    return _public(session, _load(session, intervention_id, evaluation_id))


def _check_material(session: Session, checker: CodeChecker, intervention_id: int, ids: Sequence[int], loc: Loc) -> None:
    if not ids:
        return
    own = set(
        session.exec(
            select(Material.id).where(col(Material.intervention_id) == intervention_id, col(Material.id).in_(ids))
        ).all()
    )
    for i, material_id in enumerate(ids):
        if material_id not in own:
            checker.fail(
                [*loc, i],
                f"material {material_id} is not material of intervention {intervention_id}",
                "unknown_material",
            )


def _set_links(session: Session, evaluation_id: int, material_ids: Sequence[int]) -> None:
    session.execute(delete(EvaluationMaterial).where(col(EvaluationMaterial.evaluation_id) == evaluation_id))
    session.add_all(EvaluationMaterial(evaluation_id=evaluation_id, material_id=m) for m in material_ids)


def create_evaluation(session: Session, intervention_id: int, data: EvaluationCreate) -> EvaluationPublic:
    intervention, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    checker.check("department", data.department, ["body", "department"])
    _check_material(session, checker, intervention_id, data.material_ids, ["body", "material_ids"])
    checker.raise_if_any()
    now = utcnow()
    row = Evaluation(
        intervention_id=intervention_id,
        kind=data.kind.value,
        evaluated_on=data.date,
        department_code=data.department or intervention.department_code,
        purpose_fulfilled=data.purpose_fulfilled.value if data.purpose_fulfilled else None,
        implemented_as_planned=data.implemented_as_planned.value if data.implemented_as_planned else None,
        findings=data.findings,
        decision=data.decision.value if data.decision else None,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    _set_links(session, row.id, data.material_ids)
    session.flush()
    created = _public(session, row)
    audit.record(session, "create", "evaluation", row.id, audit.diff(None, created.model_dump(), ignore=_IGNORE))
    finish_change(session, intervention, "evaluations.add", before)
    return created


# Fields every evaluation has: PATCH may change them but not clear them.
_REQUIRED = ("kind", "date", "department", "material_ids")
_COLUMNS = {"date": "evaluated_on", "department": "department_code"}


def update_evaluation(
    session: Session, intervention_id: int, evaluation_id: int, data: EvaluationUpdate
) -> EvaluationPublic:
    intervention, before = begin_change(session, intervention_id)
    row = _load(session, intervention_id, evaluation_id)
    old = _public(session, row)
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    checker = CodeChecker(session)
    for name in _REQUIRED:
        if name in changes and changes[name] is None:
            hint = "; send [] to remove the links" if name == "material_ids" else ""
            checker.fail(["body", name], f"may not be null{hint}", "null")
    checker.check("department", changes.get("department"), ["body", "department"])
    _check_material(session, checker, intervention_id, changes.get("material_ids") or [], ["body", "material_ids"])
    checker.raise_if_any()
    for name, value in changes.items():
        if name != "material_ids":
            setattr(row, _COLUMNS.get(name, name), getattr(value, "value", value))
    if "material_ids" in changes:
        _set_links(session, row.id, changes["material_ids"])
    row.updated_at = utcnow()
    session.add(row)
    session.flush()
    new = _public(session, row)
    audit.record(
        session, "update", "evaluation", row.id, audit.diff(old.model_dump(), new.model_dump(), ignore=_IGNORE)
    )
    finish_change(session, intervention, "evaluations.update", before)
    return new


def delete_evaluation(session: Session, intervention_id: int, evaluation_id: int) -> None:
    intervention, before = begin_change(session, intervention_id)
    row = _load(session, intervention_id, evaluation_id)
    old = _public(session, row)
    session.delete(row)
    session.flush()
    audit.record(session, "delete", "evaluation", evaluation_id, audit.diff(old.model_dump(), None, ignore=_IGNORE))
    finish_change(session, intervention, "evaluations.delete", before)


# --- coverage: who is due an evaluation and has none ---------------------------------------------------------


def _reason(row: Intervention, kind: EvaluationKind, as_of: dt.date) -> str | None:
    if row.status in ENDED:
        return "status"
    if row.end_date is not None and row.end_date < as_of:
        return "ended"
    if kind is EvaluationKind.midway and row.start_date is not None and row.end_date is not None:
        midpoint = row.start_date + (row.end_date - row.start_date) / 2
        if midpoint < as_of:
            return "past_midpoint"
    return None


def missing_evaluations(
    session: Session,
    *,
    kind: EvaluationKind,
    as_of: dt.date,
    department: Sequence[str] = (),
    limit: int = 50,
    cursor: str | None = None,
) -> MissingEvaluationPage:
    """Interventions (not archived) that are due an evaluation of `kind` on `as_of` and have none, by id.

    Due a final evaluation: ended (end_date before as_of) or in an ended status (completed, anchored,
    stopped). Due a midway evaluation: the same, or past the middle of the period."""
    checker = CodeChecker(session)
    checker.check_all("department", department, ["query", "department"])
    checker.raise_if_any()
    has_kind = select(Evaluation.intervention_id).where(col(Evaluation.kind) == kind.value)
    stmt = (
        select(Intervention)
        .where(col(Intervention.archived_at).is_(None), col(Intervention.id).not_in(has_kind))
        .order_by(col(Intervention.id))
    )
    if department:
        stmt = stmt.where(col(Intervention.department_code).in_(department))
    if cursor:
        stmt = stmt.where(col(Intervention.id) > decode_id_cursor("missing", cursor))
    due: list[tuple[Intervention, str]] = []
    # The set is bounded by the number of interventions; the midpoint test is done here, not in SQL, because
    # date arithmetic differs between SQLite and PostgreSQL.
    for row in session.exec(stmt).all():
        reason = _reason(row, kind, as_of)
        if reason is not None:
            due.append((row, reason))
            if len(due) > limit:
                break
    page = due[:limit]
    kinds = _kinds(session, [row.id for row, _ in page])
    items = [
        MissingEvaluation(
            id=row.id,
            external_id=row.external_id,
            name=row.name,
            department=row.department_code,
            kind=row.kind,
            status=row.status,
            start_date=row.start_date,
            end_date=row.end_date,
            reason=reason,
            evaluations=kinds.get(row.id, []),
        )
        for row, reason in page
    ]
    return MissingEvaluationPage(
        items=items, next_cursor=encode_id_cursor("missing", page[-1][0].id) if len(due) > limit else None
    )


def _kinds(session: Session, ids: Sequence[int]) -> dict[int, list[EvaluationKind]]:
    out: dict[int, list[EvaluationKind]] = {}
    if ids:
        for iid, kind in session.exec(
            select(Evaluation.intervention_id, Evaluation.kind)
            .where(col(Evaluation.intervention_id).in_(ids))
            .distinct()
            .order_by(col(Evaluation.intervention_id), col(Evaluation.kind))
        ):
            out.setdefault(iid, []).append(EvaluationKind(kind))
    return out
