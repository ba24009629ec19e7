"""Success criteria of one intervention: list, add, replace the set, change or remove one; and the helpers
the intervention's own writes (create, update, import) use."""

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.errors import NotFound
from app.models.success_criterion import (
    SuccessCriterion,
    SuccessCriterionCreate,
    SuccessCriterionPublic,
    SuccessCriterionSet,
    SuccessCriterionUpdate,
    success_criterion_public,
)
from app.services.intervention_changes import begin_change, finish_change
from app.services.intervention_public import load_intervention
from app.services.reference import CodeChecker, Loc


def list_success_criteria(session: Session, intervention_id: int) -> SuccessCriterionSet:
    load_intervention(session, intervention_id)
    rows = session.exec(
        select(SuccessCriterion)
        .where(SuccessCriterion.intervention_id == intervention_id)
        .order_by(col(SuccessCriterion.position), col(SuccessCriterion.id))
    ).all()
    return SuccessCriterionSet(items=[success_criterion_public(r) for r in rows])


def add_success_criterion(
    session: Session, intervention_id: int, data: SuccessCriterionCreate
) -> SuccessCriterionPublic:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    checker.check("indicator", data.indicator, ["body", "indicator"])
    checker.raise_if_any()
    last = session.exec(
        select(func.max(SuccessCriterion.position)).where(SuccessCriterion.intervention_id == intervention_id)
    ).one()
    crit = new_success_criterion(intervention_id, (last if last is not None else -1) + 1, data)
    session.add(crit)
    finish_change(session, row, "success_criteria.add", before)
    return success_criterion_public(crit)


def replace_success_criteria(
    session: Session, intervention_id: int, criteria: Sequence[SuccessCriterionCreate]
) -> SuccessCriterionSet:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    check_success_criteria(checker, criteria, ["body"])
    checker.raise_if_any()
    set_success_criteria(session, intervention_id, criteria)
    finish_change(session, row, "success_criteria.replace", before)
    return list_success_criteria(session, intervention_id)


def _load(session: Session, intervention_id: int, criterion_id: int) -> SuccessCriterion:
    crit = session.get(SuccessCriterion, criterion_id)
    if crit is None or crit.intervention_id != intervention_id:
        raise NotFound(f"success criterion {criterion_id} not found on intervention {intervention_id}")
    return crit


def update_success_criterion(
    session: Session, intervention_id: int, criterion_id: int, data: SuccessCriterionUpdate
) -> SuccessCriterionPublic:
    row, before = begin_change(session, intervention_id)
    crit = _load(session, intervention_id, criterion_id)
    # Attributes, not model_dump(): dumping would turn the Decimal measures into their string form.
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    checker = CodeChecker(session)
    for name in ("description", "outcome"):
        if name in changes and changes[name] is None:
            checker.fail(["body", name], "may not be null", "null")
    checker.check("indicator", changes.get("indicator"), ["body", "indicator"])
    checker.raise_if_any()
    for name, value in changes.items():
        setattr(crit, "indicator_number" if name == "indicator" else name, getattr(value, "value", value))
    session.add(crit)
    finish_change(session, row, "success_criteria.update", before)
    return success_criterion_public(crit)


def delete_success_criterion(session: Session, intervention_id: int, criterion_id: int) -> None:
    row, before = begin_change(session, intervention_id)
    session.delete(_load(session, intervention_id, criterion_id))
    finish_change(session, row, "success_criteria.delete", before)


# --- helpers of the intervention's writes ------------------------------------------------------------------


def check_success_criteria(checker: CodeChecker, criteria: Sequence[SuccessCriterionCreate], loc: Loc) -> None:
    for i, crit in enumerate(criteria):
        checker.check("indicator", crit.indicator, [*loc, i, "indicator"])


def set_success_criteria(session: Session, intervention_id: int, criteria: Sequence[SuccessCriterionCreate]) -> None:
    """Replace an intervention's whole list of criteria (no checks, no commit)."""
    for old in session.exec(select(SuccessCriterion).where(SuccessCriterion.intervention_id == intervention_id)).all():
        session.delete(old)
    session.flush()
    insert_success_criteria(session, intervention_id, criteria)


def insert_success_criteria(session: Session, intervention_id: int, criteria: Sequence[SuccessCriterionCreate]) -> None:
    session.add_all(new_success_criterion(intervention_id, i, crit) for i, crit in enumerate(criteria))


def new_success_criterion(intervention_id: int, position: int, crit: SuccessCriterionCreate) -> SuccessCriterion:
    return SuccessCriterion(
        intervention_id=intervention_id,
        position=position,
        description=crit.description,
        indicator_number=crit.indicator,
        baseline=crit.baseline,
        target=crit.target,
        unit=crit.unit,
        target_date=crit.target_date,
        outcome=crit.outcome.value,
        actual_value=crit.actual_value,
    )
