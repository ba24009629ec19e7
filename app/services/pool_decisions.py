"""The pool as the programme runs it: who may apply and decide, what a decision records, and one story for the
money: a grant carries a budget line.

The rule (README, "Puljen og budgettet"): a grant creates or updates, in the same transaction, a budget line of
its intervention in the pool's year, funding source = the pool's, type `revised` (granted money is plan money),
category "Bevilling fra pulje", linked to the allocation (`pool_allocation_id`). A partial release lowers the
line, a whole release removes it. Lines of the pool's funding source that no grant backs, or that were edited to
another amount, are not refused (the registry holds years of such lines from before the pools) but reported by
the reconciliation, which is empty when grants and budget agree."""

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from app.core.context import current
from app.errors import Conflict, Forbidden, RuleViolation
from app.models.auth import Role
from app.models.budget_line import BudgetLine, BudgetLineType
from app.models.intervention import Intervention
from app.models.pool import (
    Allocation,
    AllocationStatus,
    AnchoringCreate,
    ApplicationFields,
    DecisionFields,
    Pool,
    Reconciliation,
    ReconciliationItem,
    ReconciliationKind,
)
from app.models.types import from_ore
from app.services.budget_lines import line_with_key, refresh_plan_flags
from app.services.reference import CodeChecker

POOL_GRANT_CATEGORY = "Bevilling fra pulje"
# Who creates and changes pools and decides on them (the pools router and the web pages apply the same rule).
MANAGER_ROLES = (Role.admin, Role.pool_manager)
MANAGERS = tuple(r.value for r in MANAGER_ROLES)


# --- who may do what ---------------------------------------------------------------------------------------


def require_manager(what: str) -> None:
    principal = current().principal
    if principal.role not in MANAGERS:
        raise Forbidden(f"only a pool manager (or an admin) may {what}; a {principal.role} may not")


def require_applicant(intervention: Intervention) -> None:
    """Pool managers and admins apply for anyone; an editor only for its own department's interventions."""
    principal = current().principal
    if principal.role in MANAGERS:
        return
    if principal.role != Role.editor.value:
        raise Forbidden(f"a {principal.role} may not apply for pool money")
    if principal.department != intervention.department_code:
        raise Forbidden(
            f"intervention {intervention.id} belongs to {intervention.department_code}; an editor of "
            f"{principal.department} may apply only for its own department's interventions"
        )


# --- what an application and a decision record -------------------------------------------------------------


def check_application(session: Session, data: ApplicationFields) -> None:
    checker = CodeChecker(session)
    checker.check_all("indicator", data.indicators or [], ["body", "indicators"])
    if data.period_start and data.period_end and data.period_start > data.period_end:
        checker.fail(["body", "period_end"], "the period ends before it starts")
    checker.raise_if_any()


def application_values(data: ApplicationFields, fields: set[str] | None = None) -> dict[str, Any]:
    """The application's columns from the request (only those sent, when `fields` is given)."""
    names = {"period_start", "period_end", "expected_effect"}
    values = {n: getattr(data, n) for n in names if fields is None or n in fields}
    if fields is None or "indicators" in fields:
        values["indicator_numbers"] = ",".join(str(n) for n in sorted(set(data.indicators or []))) or None
    return values


def decision_values(data: DecisionFields) -> dict[str, Any]:
    """The decision's columns: who (the principal), the body, the meeting date and the reason (required)."""
    if not data.reason:
        raise RuleViolation.at(["body", "reason"], "a decision needs a reason (reason)")
    return {
        "decided_by": current().principal.actor,
        "decision_body": data.decision_body,
        "meeting_date": data.meeting_date,
        "reason": data.reason,
    }


def indicators_of(row: Allocation) -> list[int]:
    return [int(n) for n in row.indicator_numbers.split(",")] if row.indicator_numbers else []


# --- the budget line a grant carries -----------------------------------------------------------------------


def sync_grant_line(session: Session, allocation_id: int) -> None:
    """Make the allocation's budget line say its net grant (create, update or, at zero, remove it). No commit."""
    row = session.get(Allocation, allocation_id)
    pool = session.get(Pool, row.pool_id)
    # One writer at a time on the intervention's lines (PostgreSQL; SQLite's BEGIN IMMEDIATE serialises anyway):
    # two grants to the same intervention would otherwise insert the same key, or recompute the plan flags of
    # the same lines in opposite orders and deadlock. The pool row is locked before this on every path.
    session.exec(select(Intervention.id).where(Intervention.id == row.intervention_id).with_for_update()).one()
    net = row.granted_ore - row.released_ore
    line = session.exec(
        select(BudgetLine)
        .where(BudgetLine.pool_allocation_id == allocation_id, BudgetLine.type != BudgetLineType.actual.value)
        .order_by(col(BudgetLine.id))
    ).first()
    if line is None and net > 0:
        line = _adopt_or_new_line(session, row, pool)
    if line is None:
        return
    if net == 0:
        session.execute(delete(BudgetLine).where(col(BudgetLine.id) == line.id))
    else:
        session.execute(update(BudgetLine).where(col(BudgetLine.id) == line.id).values(amount_ore=net))
    refresh_plan_flags(session, [row.intervention_id])


def _adopt_or_new_line(session: Session, row: Allocation, pool: Pool) -> BudgetLine:
    """The grant's line: an unlinked line of the same key the applicant already entered is adopted; else a new
    one (with the allocation's number in its category when another grant holds the usual key)."""
    category = POOL_GRANT_CATEGORY
    existing = _line_of_key(session, row.intervention_id, pool, category)
    if existing is not None and existing.pool_allocation_id is not None:
        category = f"{POOL_GRANT_CATEGORY} (bevilling {row.id})"
        existing = _line_of_key(session, row.intervention_id, pool, category)
    if existing is not None:
        existing.pool_allocation_id = row.id
        session.add(existing)
        session.flush()
        return existing
    line = BudgetLine(
        intervention_id=row.intervention_id,
        year=pool.year,
        category=category,
        funding_source_code=pool.funding_source_code,
        type=BudgetLineType.revised.value,
        in_plan=True,
        amount_ore=0,
        note=f"Bevilling {row.id} fra {pool.name}"[:500],
        pool_allocation_id=row.id,
    )
    session.add(line)
    session.flush()
    return line


def _line_of_key(session: Session, intervention_id: int, pool: Pool, category: str) -> BudgetLine | None:
    return session.exec(
        select(BudgetLine).where(
            BudgetLine.intervention_id == intervention_id,
            BudgetLine.year == pool.year,
            BudgetLine.category == category,
            BudgetLine.funding_source_code == pool.funding_source_code,
            BudgetLine.type == BudgetLineType.revised.value,
        )
    ).first()


# --- reconciliation ----------------------------------------------------------------------------------------


def reconciliation(session: Session, pool: Pool) -> Reconciliation:
    """Every difference between the pool's grants and the plan lines of its funding source in its year."""
    allocations = session.exec(select(Allocation).where(Allocation.pool_id == pool.id)).all()
    ids = [a.id for a in allocations]
    # Lines no grant carries count only for current interventions, as in the rollups; a grant's line always.
    lines = session.exec(
        select(BudgetLine)
        .join(Intervention, col(Intervention.id) == col(BudgetLine.intervention_id))
        .where(
            BudgetLine.in_plan,
            (col(BudgetLine.pool_allocation_id).in_(ids))
            | (
                (BudgetLine.funding_source_code == pool.funding_source_code)
                & (BudgetLine.year == pool.year)
                & col(BudgetLine.pool_allocation_id).is_(None)
                & col(Intervention.archived_at).is_(None)
            ),
        )
    ).all()
    by_allocation: dict[int | None, list[BudgetLine]] = defaultdict(list)
    for line in lines:
        by_allocation[line.pool_allocation_id].append(line)
    items = [item for a in allocations if (item := _compare(pool, a, by_allocation.get(a.id, [])))]
    for line in by_allocation.get(None, []):
        items.append(
            ReconciliationItem(
                kind=ReconciliationKind.line_without_grant,
                intervention_id=line.intervention_id,
                allocation_id=None,
                budget_line_ids=[line.id],
                year=line.year,
                granted=from_ore(0),
                budgeted=from_ore(line.amount_ore),
                detail=f"budget line {line.id} of {pool.funding_source_code} in {pool.year} is backed by no grant",
            )
        )
    return Reconciliation(
        pool_id=pool.id, funding_source=pool.funding_source_code, year=pool.year, consistent=not items, items=items
    )


def _compare(pool: Pool, row: Allocation, lines: list[BudgetLine]) -> ReconciliationItem | None:
    net, budgeted = row.granted_ore - row.released_ore, sum(line.amount_ore for line in lines)
    if net == budgeted:
        return None
    if not lines:
        kind, detail = ReconciliationKind.grant_without_line, f"allocation {row.id} has no budget line"
    elif net == 0:
        kind, detail = ReconciliationKind.line_without_grant, f"allocation {row.id} holds nothing, its lines do"
    else:
        kind, detail = ReconciliationKind.amounts_differ, f"allocation {row.id}: grant and budget lines differ"
    return ReconciliationItem(
        kind=kind,
        intervention_id=row.intervention_id,
        allocation_id=row.id,
        budget_line_ids=[line.id for line in lines],
        year=lines[0].year if lines else pool.year,
        granted=from_ore(net),
        budgeted=from_ore(budgeted),
        detail=detail,
    )


# --- anchoring ---------------------------------------------------------------------------------------------


def move_lines_to(session: Session, pool: Pool, intervention_id: int, data: AnchoringCreate) -> list[int]:
    """The intervention's lines of the pool's funding source from `from_year` on that no grant carries move to
    the new funding source; a line whose new key is taken already is refused (409, nothing changed)."""
    lines = session.exec(
        select(BudgetLine).where(
            BudgetLine.intervention_id == intervention_id,
            BudgetLine.funding_source_code == pool.funding_source_code,
            BudgetLine.year >= data.from_year,
            col(BudgetLine.pool_allocation_id).is_(None),
        )
    ).all()
    for line in lines:
        clash = line_with_key(session, intervention_id, line.year, line.category, data.funding_source, line.type)
        if clash is not None:
            raise Conflict(
                f"budget line {line.id} cannot move to {data.funding_source}: line {clash} has its year, category "
                "and type there already",
                errors=[{"loc": ["body", "funding_source"], "msg": f"line {clash} has the same key"}],
            )
    ids = [line.id for line in lines]
    if ids:
        session.execute(
            update(BudgetLine).where(col(BudgetLine.id).in_(ids)).values(funding_source_code=data.funding_source)
        )
        refresh_plan_flags(session, [intervention_id])
    return ids


def check_anchoring(session: Session, row: Allocation, data: AnchoringCreate) -> None:
    require_manager("anchor a trial action in the core operation")
    decision_values(data)  # an anchoring is a decision: it needs a reason
    checker = CodeChecker(session)
    checker.check("funding source", data.funding_source, ["body", "funding_source"])
    checker.raise_if_any()
    if row.status not in (AllocationStatus.granted.value, AllocationStatus.released.value):
        raise Conflict(
            f"allocation {row.id} is {row.status}: only a granted trial action is anchored",
            errors=[{"loc": ["body"], "msg": "not granted"}],
        )
    if row.anchored_at is not None:
        raise Conflict(f"allocation {row.id} is anchored already", errors=[{"loc": ["body"], "msg": "anchored"}])
