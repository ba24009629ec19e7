"""Allocations: applications for pool money, the pool manager's decisions on them, releases and anchoring.

An editor applies for its own department's interventions; the pool manager (or an admin) grants, possibly less
than asked, rejects, or asks for changes, after which the applicant amends and resubmits. Every decision records
who made it, the decision body, the meeting date and the reason. A grant is one conditional UPDATE of the pool
row (services/pools.py explains why it can never overdraw) and, in the same transaction, the budget line it
carries (services/pool_decisions.py)."""

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, select

from app.core.context import current
from app.core.etags import check_if_match, make_etag
from app.db import begin_write
from app.errors import Conflict, GrantRefused, NotFound, RuleViolation
from app.models.intervention import Intervention, Status
from app.models.pool import (
    DECISIONS,
    Allocation,
    AllocationCreate,
    AllocationList,
    AllocationPublic,
    AllocationStatus,
    AllocationUpdate,
    AnchoringCreate,
    Application,
    ApplicationList,
    LedgerAction,
    Pool,
    Reconciliation,
)
from app.models.types import from_ore, public_of, to_ore, utcnow
from app.services import audit, lifecycle, pool_decisions
from app.services.pools import ledger, load_pool, with_retries
from app.services.reference import CodeChecker


def allocation_public(row: Allocation) -> AllocationPublic:
    return public_of(
        AllocationPublic,
        row,
        requested=from_ore(row.requested_ore),
        granted=from_ore(row.granted_ore),
        released=from_ore(row.released_ore),
        net=from_ore(row.granted_ore - row.released_ore),
        indicators=pool_decisions.indicators_of(row),
        anchored_funding_source=row.anchored_funding_source_code,
    )


def _take_from_pool(session: Session, pool_id: int, ore: int, now: datetime) -> None:
    """The grant itself: one conditional UPDATE. Refused (409, nothing changed) when it does not fit."""
    result = session.execute(
        update(Pool)
        .where(col(Pool.id) == pool_id, col(Pool.granted_ore) + ore <= col(Pool.amount_ore))
        .values(granted_ore=col(Pool.granted_ore) + ore, updated_at=now)
    )
    if result.rowcount == 1:
        return
    session.rollback()
    pool = load_pool(session, pool_id)
    remaining = pool.amount_ore - pool.granted_ore
    raise GrantRefused(
        f"{from_ore(ore)} kr. does not fit: the pool has {from_ore(remaining)} kr. left",
        errors=[{"loc": ["body", "amount"], "msg": f"exceeds the remaining {from_ore(remaining)} kr."}],
        pool_id=pool_id,
        amount=str(from_ore(pool.amount_ore)),
        granted=str(from_ore(pool.granted_ore)),
        remaining=str(from_ore(remaining)),
        asked=str(from_ore(ore)),
    )


def _adjust_pool(session: Session, pool_id: int, *, requested: int = 0, granted: int = 0, now: datetime) -> None:
    session.execute(
        update(Pool)
        .where(col(Pool.id) == pool_id)
        .values(
            requested_ore=col(Pool.requested_ore) + requested,
            granted_ore=col(Pool.granted_ore) + granted,
            updated_at=now,
        )
    )


def _check_new(data: AllocationCreate) -> dict[str, Any]:
    """The checks a new allocation passes before the database is touched; the decision's columns if granted."""
    if data.status not in (AllocationStatus.requested, AllocationStatus.granted):
        raise RuleViolation.at(["body", "status"], "a new allocation is requested or granted")
    if data.amount <= 0:
        raise RuleViolation.at(["body", "amount"], "must be more than 0")
    if data.status is AllocationStatus.granted:
        pool_decisions.require_manager("grant pool money")
        return pool_decisions.decision_values(data)
    return {}


def _applicable_intervention(session: Session, intervention_id: int) -> Intervention:
    intervention = session.get(Intervention, intervention_id)
    if intervention is None:
        raise RuleViolation.at(["body", "intervention_id"], f"intervention {intervention_id} does not exist")
    pool_decisions.require_applicant(intervention)
    if intervention.archived_at is not None:
        raise RuleViolation.at(
            ["body", "intervention_id"],
            f"intervention {intervention_id} is archived: money is granted only to a current intervention",
        )
    return intervention


def create_allocation(session: Session, pool_id: int, data: AllocationCreate) -> AllocationPublic:
    decision = _check_new(data)

    def work() -> AllocationPublic:
        begin_write(session)
        # Every write of a pool's allocations locks the pool row first, so they queue in one order (PostgreSQL):
        # with the allocation, the intervention's grant lines and the pool taken in different orders they
        # deadlocked under a burst of grants and releases (tests/test_crash.py).
        load_pool(session, pool_id, lock=True)
        _applicable_intervention(session, data.intervention_id)
        pool_decisions.check_application(session, data)
        ore, now = to_ore(data.amount), utcnow()
        granted = data.status is AllocationStatus.granted
        if granted:
            _take_from_pool(session, pool_id, ore, now)
        else:
            _adjust_pool(session, pool_id, requested=ore, now=now)
        row = Allocation(
            pool_id=pool_id,
            intervention_id=data.intervention_id,
            status=data.status.value,
            requested_ore=ore,
            granted_ore=ore if granted else 0,
            released_ore=0,
            note=data.note,
            decision_note=data.decision_note,
            requested_at=now,
            decided_at=now if granted else None,
            updated_at=now,
            requested_by=current().principal.actor,
            **pool_decisions.application_values(data),
            **decision,
        )
        session.add(row)
        session.flush()
        action = LedgerAction.granted if granted else LedgerAction.requested
        deltas = {"granted": ore} if granted else {"requested": ore}
        ledger(session, pool_id, action, allocation_id=row.id, note=data.reason or data.decision_note, at=now, **deltas)
        if granted:
            pool_decisions.sync_grant_line(session, row.id)
        public = allocation_public(row)
        changes = audit.diff(None, public.model_dump(), ignore={"updated_at"})
        audit.record(session, "create", "allocation", row.id, changes)
        session.commit()
        return public

    return with_retries(session, work)


def list_allocations(session: Session, pool_id: int, status: list[AllocationStatus]) -> AllocationList:
    load_pool(session, pool_id)
    stmt = select(Allocation).where(col(Allocation.pool_id) == pool_id).order_by(col(Allocation.id))
    if status:
        stmt = stmt.where(col(Allocation.status).in_([s.value for s in status]))
    return AllocationList(items=[allocation_public(r) for r in session.exec(stmt)])


def list_applications(
    session: Session, *, mine: bool, department: str | None, status: list[AllocationStatus], pool_id: int | None
) -> ApplicationList:
    """Allocations across pools, with pool and intervention names. `mine`: an editor's department's, anyone
    else's own applications (those they made)."""
    stmt = (
        select(Allocation, Pool.name, Intervention.name, Intervention.department_code)
        .join(Pool, col(Pool.id) == col(Allocation.pool_id))
        .join(Intervention, col(Intervention.id) == col(Allocation.intervention_id))
        .order_by(col(Allocation.id).desc())
    )
    checker = CodeChecker(session)
    checker.check("department", department, ["query", "department"])
    checker.raise_if_any()
    principal = current().principal
    if mine and principal.department:
        stmt = stmt.where(col(Intervention.department_code) == principal.department)
    elif mine:
        stmt = stmt.where(col(Allocation.requested_by) == principal.actor)
    if department:
        stmt = stmt.where(col(Intervention.department_code) == department)
    if pool_id is not None:
        stmt = stmt.where(col(Allocation.pool_id) == pool_id)
    if status:
        stmt = stmt.where(col(Allocation.status).in_([s.value for s in status]))
    items = [
        Application(
            **allocation_public(row).model_dump(), pool_name=pool, intervention_name=name, department=department_code
        )
        for row, pool, name, department_code in session.exec(stmt.limit(1000)).all()
    ]
    return ApplicationList(items=items)


def get_allocation(session: Session, pool_id: int, allocation_id: int) -> AllocationPublic:
    return allocation_public(_load_allocation(session, pool_id, allocation_id))


def _load_allocation(session: Session, pool_id: int, allocation_id: int, *, lock: bool = False) -> Allocation:
    stmt = select(Allocation).where(col(Allocation.id) == allocation_id)
    if lock:
        stmt = stmt.with_for_update()
    row = session.exec(stmt).first()
    if row is None or row.pool_id != pool_id:
        raise NotFound(f"allocation {allocation_id} not found in pool {pool_id}")
    return row


_TRANSITIONS = {
    AllocationStatus.requested: {
        AllocationStatus.granted,
        AllocationStatus.rejected,
        AllocationStatus.changes_requested,
    },
    AllocationStatus.changes_requested: {AllocationStatus.requested, AllocationStatus.rejected},
    AllocationStatus.granted: {AllocationStatus.released},
}


def update_allocation(session: Session, pool_id: int, allocation_id: int, data: AllocationUpdate) -> AllocationPublic:
    def work() -> AllocationPublic:
        begin_write(session)
        load_pool(session, pool_id, lock=True)  # the pool row first, as in create_allocation
        row = _load_allocation(session, pool_id, allocation_id, lock=True)
        check_if_match(make_etag(row.id, row.updated_at))
        before = allocation_public(row).model_dump()
        current_status, target = AllocationStatus(row.status), data.status
        _check_role(session, row, target)
        _check_transition(allocation_id, current_status, target)
        now = utcnow()
        values: dict[str, Any] = {"updated_at": now}
        if "decision_note" in data.model_fields_set:
            values["decision_note"] = data.decision_note
        deltas = _decide(session, pool_id, row, data, now, values)
        # The state the decision was made on must still hold: a concurrent decision makes this match nothing.
        result = session.execute(
            update(Allocation)
            .where(
                col(Allocation.id) == allocation_id,
                col(Allocation.status) == current_status.value,
                col(Allocation.released_ore) == row.released_ore,
            )
            .values(**values)
        )
        if result.rowcount != 1:
            session.rollback()
            raise Conflict(f"allocation {allocation_id} was changed at the same time; read it again and retry")
        action = LedgerAction.resubmitted if target is AllocationStatus.requested else LedgerAction(target.value)
        note = data.reason or data.decision_note
        ledger(session, pool_id, action, allocation_id=allocation_id, note=note, at=now, **deltas)
        session.expire_all()
        if target in (AllocationStatus.granted, AllocationStatus.released):
            pool_decisions.sync_grant_line(session, allocation_id)
        after = get_allocation(session, pool_id, allocation_id)
        changes = audit.diff(before, after.model_dump(), ignore={"updated_at"})
        if target is AllocationStatus.released and data.reason:
            changes["release_reason"] = {"before": None, "after": data.reason}
        audit.record(session, action.value, "allocation", allocation_id, changes)
        session.commit()
        return after

    return with_retries(session, work)


def _check_role(session: Session, row: Allocation, target: AllocationStatus) -> None:
    """A resubmission is the applicant's (an editor of the intervention's department, or a manager); every other
    transition is the pool manager's."""
    if target is AllocationStatus.requested:
        pool_decisions.require_applicant(session.get(Intervention, row.intervention_id))
    elif target is AllocationStatus.released:
        pool_decisions.require_manager("release granted money")
    else:
        pool_decisions.require_manager("decide an application")


def _check_transition(allocation_id: int, current_status: AllocationStatus, target: AllocationStatus) -> None:
    if target not in _TRANSITIONS.get(current_status, set()):
        allowed = ", ".join(sorted(_TRANSITIONS.get(current_status, set()))) or "none"
        raise Conflict(
            f"allocation {allocation_id} is {current_status.value}; it cannot become {target.value} "
            f"(possible: {allowed}). A decided allocation is never edited: release it and make a new one.",
            errors=[{"loc": ["body", "status"], "msg": f"no transition {current_status.value} → {target.value}"}],
            current_status=current_status.value,
        )


def _decide(
    session: Session, pool_id: int, row: Allocation, data: AllocationUpdate, now: datetime, values: dict[str, Any]
) -> dict[str, int]:
    """The transition's effect on the pool (written) and on the allocation (added to `values`); returns the
    ledger's deltas."""
    target = data.status
    if target in DECISIONS:
        values.update(pool_decisions.decision_values(data))
    if target is AllocationStatus.requested:
        return _resubmit(session, pool_id, row, data, now, values)
    if target is AllocationStatus.changes_requested:
        if data.amount is not None:
            raise RuleViolation.at(["body", "amount"], "asking for changes takes no amount")
        values.update(status=target.value, decided_at=now)
        return {}
    if target is AllocationStatus.rejected:
        if data.amount is not None:
            raise RuleViolation.at(["body", "amount"], "a rejection takes no amount")
        _adjust_pool(session, pool_id, requested=-row.requested_ore, now=now)
        values.update(status=target.value, decided_at=now)
        return {"requested": -row.requested_ore}
    if target is AllocationStatus.granted:
        ore = row.requested_ore if data.amount is None else to_ore(data.amount)
        if not 0 < ore <= row.requested_ore:
            raise RuleViolation.at(
                ["body", "amount"],
                f"a grant is more than 0 and at most the {from_ore(row.requested_ore)} kr. asked",
            )
        _take_from_pool(session, pool_id, ore, now)
        _adjust_pool(session, pool_id, requested=-row.requested_ore, now=now)
        values.update(status=target.value, granted_ore=ore, decided_at=now)
        return {"requested": -row.requested_ore, "granted": ore}
    return _release(session, pool_id, row, data, now, values)


def _release(
    session: Session, pool_id: int, row: Allocation, data: AllocationUpdate, now: datetime, values: dict[str, Any]
) -> dict[str, int]:
    net = row.granted_ore - row.released_ore
    ore = net if data.amount is None else to_ore(data.amount)
    if not 0 < ore <= net:
        raise RuleViolation.at(["body", "amount"], f"a release is more than 0 and at most the {from_ore(net)} kr. held")
    _adjust_pool(session, pool_id, granted=-ore, now=now)
    values.update(released_ore=row.released_ore + ore, released_at=now)
    if ore == net:
        values["status"] = AllocationStatus.released.value
    return {"granted": -ore}


def _resubmit(
    session: Session, pool_id: int, row: Allocation, data: AllocationUpdate, now: datetime, values: dict[str, Any]
) -> dict[str, int]:
    """The applicant amends (amount, purpose, application fields) and resubmits: pending again."""
    pool_decisions.check_application(session, data)
    sent = data.model_fields_set
    values.update(status=AllocationStatus.requested.value, **pool_decisions.application_values(data, sent))
    if "note" in sent:
        values["note"] = data.note
    ore = row.requested_ore if data.amount is None else to_ore(data.amount)
    if ore <= 0:
        raise RuleViolation.at(["body", "amount"], "must be more than 0")
    values["requested_ore"] = ore
    _adjust_pool(session, pool_id, requested=ore - row.requested_ore, now=now)
    return {"requested": ore - row.requested_ore}


# --- anchoring and reconciliation --------------------------------------------------------------------------


def anchor_allocation(session: Session, pool_id: int, allocation_id: int, data: AnchoringCreate) -> AllocationPublic:
    """The trial action becomes part of the core operation: recorded on the allocation and the intervention
    (status anchored), its later lines of the pool's funding source move to the new source; audited."""

    def work() -> AllocationPublic:
        begin_write(session)
        pool = load_pool(session, pool_id, lock=True)  # the pool row first, as in create_allocation
        row = _load_allocation(session, pool_id, allocation_id, lock=True)
        pool_decisions.check_anchoring(session, row, data)
        before = allocation_public(row).model_dump()
        intervention = session.get(Intervention, row.intervention_id, with_for_update=True)
        if intervention.status != Status.anchored.value:
            problem = lifecycle.transition_problem(intervention.status, Status.anchored, data.reason)
            if problem:
                raise RuleViolation.at(["body"], f"intervention {intervention.id}: {problem}")
        moved = pool_decisions.move_lines_to(session, pool, intervention.id, data)
        now, actor = utcnow(), current().principal.actor
        row.anchored_at, row.anchored_by, row.updated_at = now, actor, now
        row.anchored_funding_source_code, row.anchored_from_year = data.funding_source, data.from_year
        old_status = intervention.status
        intervention.status, intervention.updated_at = Status.anchored.value, now
        session.add_all([row, intervention])
        ledger(session, pool_id, LedgerAction.anchored, allocation_id=row.id, note=data.reason, at=now)
        after = allocation_public(row)
        changes = audit.diff(before, after.model_dump(), ignore={"updated_at"})
        changes["decision"] = {"before": None, "after": data.model_dump(mode="json")}
        audit.record(session, "anchored", "allocation", row.id, changes)
        audit.record(
            session,
            "anchored",
            "intervention",
            intervention.id,
            {
                "status": {"before": old_status, "after": intervention.status, "reason": data.reason},
                "budget_lines_moved": {"before": pool.funding_source_code, "after": data.funding_source, "ids": moved},
            },
        )
        session.commit()
        return after

    return with_retries(session, work)


def pool_reconciliation(session: Session, pool_id: int) -> Reconciliation:
    return pool_decisions.reconciliation(session, load_pool(session, pool_id))


def applicable_interventions(session: Session) -> list[tuple[int, str]]:
    """The interventions the caller may apply for (an editor: its own department's), current ones, by name."""
    stmt = select(Intervention.id, Intervention.name, Intervention.department_code).where(
        col(Intervention.archived_at).is_(None)
    )
    principal = current().principal
    if principal.role not in pool_decisions.MANAGERS:
        if principal.role != "editor":
            return []
        stmt = stmt.where(col(Intervention.department_code) == principal.department)
    return [(iid, f"{name} ({dept})") for iid, name, dept in session.exec(stmt.order_by(col(Intervention.name)))]
