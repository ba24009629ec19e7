"""Budget lines of one intervention: list, add one, replace the set, remove one."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from app.errors import Conflict, NotFound
from app.models.budget_line import (
    BudgetLine,
    BudgetLineCreate,
    BudgetLinePublic,
    BudgetLineSet,
    BudgetLineType,
)
from app.models.types import from_ore
from app.services.interventions import (
    begin_change,
    budget_line_public,
    check_budget_lines,
    finish_change,
    load_intervention,
    new_budget_line,
    refresh_plan_flags,
)
from app.services.interventions import (
    replace_budget_lines as _replace,
)
from app.services.reference import CodeChecker


def list_budget_lines(session: Session, intervention_id: int) -> BudgetLineSet:
    load_intervention(session, intervention_id)
    lines = session.exec(
        select(BudgetLine)
        .where(BudgetLine.intervention_id == intervention_id)
        .order_by(
            col(BudgetLine.year), col(BudgetLine.category), col(BudgetLine.funding_source_code), col(BudgetLine.id)
        )
    ).all()
    plan = sum(line.amount_ore for line in lines if line.in_plan)
    original = sum(line.amount_ore for line in lines if line.type == BudgetLineType.budget)
    actual = sum(line.amount_ore for line in lines if line.type == BudgetLineType.actual)
    return BudgetLineSet(
        items=[budget_line_public(line) for line in lines],
        total=from_ore(plan),
        original_total=from_ore(original),
        actual_total=from_ore(actual),
    )


def add_budget_line(session: Session, intervention_id: int, data: BudgetLineCreate) -> BudgetLinePublic:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    check_budget_lines(checker, [data], ["body"], row.start_date, row.end_date)
    # check_budget_lines puts the index after the prefix; a single line has none.
    for err in checker.errors:
        del err["loc"][1]
    checker.raise_if_any()
    clash = session.exec(
        select(BudgetLine.id).where(
            BudgetLine.intervention_id == intervention_id,
            BudgetLine.year == data.year,
            BudgetLine.category == data.category,
            BudgetLine.funding_source_code == data.funding_source,
            BudgetLine.type == data.type.value,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"budget line {clash} already has year {data.year}, category {data.category!r}, funding source "
            f"{data.funding_source} and type {data.type.value}; change that line (PUT the set) instead of adding a "
            "second one",
            errors=[{"loc": ["body"], "msg": f"duplicates budget line {clash}"}],
        )
    line = new_budget_line(intervention_id, data, in_plan=False)
    session.add(line)
    refresh_plan_flags(session, [intervention_id])  # a revision takes its original out of the plan
    finish_change(session, row, "budget_lines.add", before)
    session.refresh(line)
    return budget_line_public(line)


def replace_budget_lines(session: Session, intervention_id: int, lines: Sequence[BudgetLineCreate]) -> BudgetLineSet:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    check_budget_lines(checker, lines, ["body"], row.start_date, row.end_date)
    checker.raise_if_any()
    _replace(session, intervention_id, lines)
    finish_change(session, row, "budget_lines.replace", before)
    return list_budget_lines(session, intervention_id)


def delete_budget_line(session: Session, intervention_id: int, budget_line_id: int) -> None:
    row, before = begin_change(session, intervention_id)
    line = session.get(BudgetLine, budget_line_id)
    if line is None or line.intervention_id != intervention_id:
        raise NotFound(f"budget line {budget_line_id} not found on intervention {intervention_id}")
    session.delete(line)
    refresh_plan_flags(session, [intervention_id])  # without its revision, an original line is in the plan again
    finish_change(session, row, "budget_lines.delete", before)
