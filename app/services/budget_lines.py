"""Budget lines of one intervention: list, add one, replace the set, remove one; and the helpers the
intervention's own writes (create, update, import) use: the checks, the set written whole, the plan flags."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import and_, case, exists, false, func, true, update
from sqlmodel import Session, col, select

from app.errors import Conflict, NotFound
from app.models.budget_line import (
    BudgetLine,
    BudgetLineCreate,
    BudgetLinePublic,
    BudgetLineSet,
    BudgetLineType,
    budget_line_public,
)
from app.models.types import from_ore, to_ore
from app.services.intervention_changes import begin_change, finish_change
from app.services.intervention_public import load_intervention
from app.services.organisations import ids_by_name, names_by_id
from app.services.reference import CodeChecker, Loc


def list_budget_lines(session: Session, intervention_id: int) -> BudgetLineSet:
    load_intervention(session, intervention_id)
    lines = session.exec(
        select(BudgetLine)
        .where(BudgetLine.intervention_id == intervention_id)
        .order_by(
            col(BudgetLine.year), col(BudgetLine.category), col(BudgetLine.funding_source_code), col(BudgetLine.id)
        )
    ).all()
    names = names_by_id(session, (line.funding_organisation_id for line in lines))
    plan = sum(line.amount_ore for line in lines if line.in_plan)
    original = sum(line.amount_ore for line in lines if line.type == BudgetLineType.budget)
    actual = sum(line.amount_ore for line in lines if line.type == BudgetLineType.actual)
    return BudgetLineSet(
        items=[budget_line_public(line, names) for line in lines],
        total=from_ore(plan),
        original_total=from_ore(original),
        actual_total=from_ore(actual),
    )


def line_with_key(
    session: Session, intervention_id: int, year: int, category: str, funding_source: str, type_: str
) -> int | None:
    """The id of the intervention's budget line with this key (year, category, funding source, type), if any."""
    return session.exec(
        select(BudgetLine.id).where(
            BudgetLine.intervention_id == intervention_id,
            BudgetLine.year == year,
            BudgetLine.category == category,
            BudgetLine.funding_source_code == funding_source,
            BudgetLine.type == type_,
        )
    ).first()


def add_budget_line(session: Session, intervention_id: int, data: BudgetLineCreate) -> BudgetLinePublic:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    check_budget_lines(checker, [data], ["body"], row.start_date, row.end_date)
    # check_budget_lines puts the index after the prefix; a single line has none.
    for err in checker.errors:
        del err["loc"][1]
    checker.raise_if_any()
    clash = line_with_key(session, intervention_id, data.year, data.category, data.funding_source, data.type.value)
    if clash is not None:
        raise Conflict(
            f"budget line {clash} already has year {data.year}, category {data.category!r}, funding source "
            f"{data.funding_source} and type {data.type.value}; change that line (PUT the set) instead of adding a "
            "second one",
            errors=[{"loc": ["body"], "msg": f"duplicates budget line {clash}"}],
        )
    org_ids = ids_by_name(session, [data.funding_organisation])
    line = new_budget_line(intervention_id, data, in_plan=False, organisation_id=org_ids.get(data.funding_organisation))
    session.add(line)
    refresh_plan_flags(session, [intervention_id])  # a revision takes its original out of the plan
    finish_change(session, row, "budget_lines.add", before)
    session.refresh(line)
    return budget_line_public(line, {v: k for k, v in org_ids.items()})


def replace_budget_lines(session: Session, intervention_id: int, lines: Sequence[BudgetLineCreate]) -> BudgetLineSet:
    row, before = begin_change(session, intervention_id)
    checker = CodeChecker(session)
    check_budget_lines(checker, lines, ["body"], row.start_date, row.end_date)
    checker.raise_if_any()
    set_budget_lines(session, intervention_id, lines)
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


# --- helpers of the intervention's writes ------------------------------------------------------------------


def check_budget_lines(
    checker: CodeChecker, lines: Sequence[BudgetLineCreate], loc: Loc, start: date | None, end: date | None
) -> None:
    seen: dict[tuple, int] = {}
    for i, line in enumerate(lines):
        checker.check("funding source", line.funding_source, [*loc, i, "funding_source"])
        checker.check("organisation", line.funding_organisation, [*loc, i, "funding_organisation"])
        if start is not None and line.year < start.year:
            checker.fail(
                [*loc, i, "year"],
                f"year {line.year} is before the intervention's start ({start.isoformat()})",
                "year_before_start",
                {"year": line.year, "date": start.isoformat()},
            )
        if end is not None and line.year > end.year:
            checker.fail(
                [*loc, i, "year"],
                f"year {line.year} is after the intervention's end ({end.isoformat()})",
                "year_after_end",
                {"year": line.year, "date": end.isoformat()},
            )
        key = (line.year, line.category, line.funding_source, line.type)
        if key in seen:
            checker.fail(
                [*loc, i],
                f"duplicates line {seen[key]}: only one line per (year, category, funding_source, type); "
                "add the amounts",
                "duplicate_line",
                {"other": seen[key]},
            )
        seen.setdefault(key, i)


def set_budget_lines(session: Session, intervention_id: int, lines: Sequence[BudgetLineCreate]) -> None:
    """Replace an intervention's whole set of lines (no checks, no commit). A new line with the key of a line
    that carried a pool grant carries it on; a grant whose line is gone shows in the pool's reconciliation."""
    links = grant_links(session, [intervention_id])
    for old in session.exec(select(BudgetLine).where(BudgetLine.intervention_id == intervention_id)).all():
        session.delete(old)
    session.flush()
    insert_budget_lines(session, intervention_id, lines, links)


def insert_budget_lines(
    session: Session, intervention_id: int, lines: Sequence[BudgetLineCreate], links: dict[tuple, int] | None = None
) -> None:
    """The whole set of an intervention's lines, with their plan flags computed from the set itself."""
    org_ids = ids_by_name(session, (line.funding_organisation for line in lines))
    links = links or {}
    session.add_all(
        new_budget_line(
            intervention_id,
            line,
            **flags,
            organisation_id=org_ids.get(line.funding_organisation),
            pool_allocation_id=links.get(line_key(intervention_id, line)),
        )
        for line, flags in zip(lines, line_flags(lines), strict=True)
    )


def line_key(intervention_id: int, line: BudgetLineCreate) -> tuple:
    return (intervention_id, line.year, line.category, line.funding_source, line.type.value)


def grant_links(session: Session, intervention_ids: Sequence[int]) -> dict[tuple, int]:
    """The pool grants the interventions' lines carry, by line key (see line_key): kept when the set is replaced."""
    if not intervention_ids:
        return {}
    rows = session.exec(
        select(
            BudgetLine.intervention_id,
            BudgetLine.year,
            BudgetLine.category,
            BudgetLine.funding_source_code,
            BudgetLine.type,
            BudgetLine.pool_allocation_id,
        ).where(col(BudgetLine.intervention_id).in_(list(intervention_ids)), col(BudgetLine.pool_allocation_id) != None)  # noqa: E711
    ).all()
    return {tuple(row[:5]): row[5] for row in rows}


def line_flags(lines: Sequence[Any]) -> list[dict[str, bool]]:
    """The stored flags of each line of one intervention's whole set (items with year, category, funding_source,
    type), in the order the lines are inserted:
    - in_plan: every revised line, and each original line with no revised line of the same key; never an
      actual line;
    - first_in_year / first_in_plan: the first plan line of the year / of the whole set, so that a rollup counts
      interventions by summing a flag instead of COUNT(DISTINCT) (see BudgetLine)."""
    revised = {(x.year, x.category, x.funding_source) for x in lines if x.type == BudgetLineType.revised}
    flags, years_seen = [], set()
    for x in lines:
        in_plan = x.type == BudgetLineType.revised or (
            x.type == BudgetLineType.budget and (x.year, x.category, x.funding_source) not in revised
        )
        first_in_year = in_plan and x.year not in years_seen
        flags.append({"in_plan": in_plan, "first_in_year": first_in_year, "first_in_plan": in_plan and not years_seen})
        if in_plan:
            years_seen.add(x.year)
    return flags


def refresh_plan_flags(session: Session, intervention_ids: Sequence[int]) -> None:
    """Recompute the flags of every line of the given interventions (in_plan; then first_in_year and
    first_in_plan, held by the plan line with the lowest id) in two set-based UPDATEs, after a change to part of
    their lines (one line added or removed). Lines already loaded in the session are expired."""
    if not intervention_ids:
        return
    session.flush()
    lines, revision = BudgetLine.__table__, BudgetLine.__table__.alias("revision")
    has_revision = exists().where(
        revision.c.intervention_id == lines.c.intervention_id,
        revision.c.year == lines.c.year,
        revision.c.category == lines.c.category,
        revision.c.funding_source_code == lines.c.funding_source_code,
        revision.c.type == BudgetLineType.revised.value,
    )
    session.execute(
        update(lines)
        .where(lines.c.intervention_id.in_(list(intervention_ids)))
        .values(
            in_plan=case(
                (lines.c.type == BudgetLineType.revised.value, true()),
                (lines.c.type == BudgetLineType.budget.value, ~has_revision),
                else_=false(),
            )
        )
    )
    session.execute(
        update(lines).where(lines.c.intervention_id.in_(list(intervention_ids))).values(**first_plan_lines())
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, BudgetLine):
            session.expire(obj)


def first_plan_lines() -> dict[str, Any]:
    """first_in_year and first_in_plan of a budget line from the in_plan of its intervention's lines, as the
    values of an UPDATE of budget_line (migration 0010 writes the same rule out in SQL)."""
    lines, other = BudgetLine.__table__, BudgetLine.__table__.alias("other")

    def lowest_plan_line(*same):
        return (
            select(func.min(other.c.id))
            .where(other.c.intervention_id == lines.c.intervention_id, other.c.in_plan, *same)
            .scalar_subquery()
        )

    return {
        "first_in_year": and_(lines.c.in_plan, lines.c.id == lowest_plan_line(other.c.year == lines.c.year)),
        "first_in_plan": and_(lines.c.in_plan, lines.c.id == lowest_plan_line()),
    }


def new_budget_line(
    intervention_id: int,
    line: BudgetLineCreate,
    *,
    in_plan: bool,
    first_in_year: bool = False,
    first_in_plan: bool = False,
    organisation_id: int | None = None,
    pool_allocation_id: int | None = None,
) -> BudgetLine:
    return BudgetLine(
        intervention_id=intervention_id,
        year=line.year,
        category=line.category,
        funding_source_code=line.funding_source,
        type=line.type.value,
        in_plan=in_plan,
        first_in_year=first_in_year,
        first_in_plan=first_in_plan,
        amount_ore=to_ore(line.amount),
        note=line.note,
        funding_organisation_id=organisation_id,
        pool_allocation_id=pool_allocation_id,
    )
