"""Trial-action pools: grants that can never overdraw a pool, and its balance at any moment.

Every grant is one conditional UPDATE of the pool row, `granted = granted + x WHERE granted + x <= amount`,
inside the write transaction (BEGIN IMMEDIATE on SQLite; on PostgreSQL the UPDATE takes the row lock and
re-checks the condition against the committed row). Two grants decided at the same moment therefore queue on
the row, and the second sees the first: it fits or it is refused. A CHECK constraint (granted ≤ amount) stands
behind that, and every change is written to the append-only ledger in the same transaction."""

import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import Any, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError
from sqlmodel import Session, col

from app.core.etags import check_if_match, make_etag
from app.core.paging import decode_id_cursor, encode_id_cursor
from app.db import begin_write
from app.errors import Conflict, NotFound, RuleViolation
from app.models.intervention import Intervention
from app.models.pool import (
    Allocation,
    LedgerAction,
    Pool,
    PoolBalance,
    PoolCreate,
    PoolGrant,
    PoolLedgerEntry,
    PoolPage,
    PoolPublic,
    PoolUpdate,
)
from app.models.types import from_ore, public_of, to_ore, utcnow
from app.services import audit
from app.services.reference import CodeChecker

T = TypeVar("T")
RETRIES = 3


def with_retries(session: Session, work: Callable[[], T]) -> T:
    """Run a write, retrying a bounded number of times when the database reports a serialization failure,
    a deadlock or a busy SQLite file. The transaction is rolled back before each retry, so nothing doubles."""
    for attempt in range(RETRIES):
        try:
            return work()
        except OperationalError as exc:
            session.rollback()
            code = getattr(exc.orig, "sqlstate", None)
            transient = code in {"40001", "40P01"} or "database is locked" in str(exc.orig)
            if not transient or attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def ledger(
    session: Session,
    pool_id: int,
    action: LedgerAction,
    *,
    allocation_id: int | None = None,
    amount: int = 0,
    requested: int = 0,
    granted: int = 0,
    note: str | None = None,
    at: datetime,
) -> None:
    session.add(
        PoolLedgerEntry(
            pool_id=pool_id,
            allocation_id=allocation_id,
            action=action.value,
            occurred_at=at,
            amount_delta_ore=amount,
            requested_delta_ore=requested,
            granted_delta_ore=granted,
            note=note,
        )
    )


def _balance(pool: Pool) -> PoolBalance:
    return PoolBalance(
        pool_id=pool.id,
        as_of=None,
        amount=from_ore(pool.amount_ore),
        requested=from_ore(pool.requested_ore),
        granted=from_ore(pool.granted_ore),
        remaining=from_ore(pool.amount_ore - pool.granted_ore),
    )


_DERIVED = {"updated_at", "created_at", "balance"}


def _public(pool: Pool) -> PoolPublic:
    return public_of(
        PoolPublic,
        pool,
        amount=from_ore(pool.amount_ore),
        funding_source=pool.funding_source_code,
        department=pool.department_code,
        balance=_balance(pool),
    )


def load_pool(session: Session, pool_id: int, *, lock: bool = False) -> Pool:
    stmt = select(Pool).where(col(Pool.id) == pool_id)
    if lock:
        stmt = stmt.with_for_update()
    pool = session.execute(stmt).scalar_one_or_none()
    if pool is None:
        raise NotFound(f"pool {pool_id} not found")
    return pool


# --- pools -------------------------------------------------------------------------------------------------


def create_pool(session: Session, data: PoolCreate) -> PoolPublic:
    begin_write(session)
    checker = CodeChecker(session)
    checker.check("funding source", data.funding_source, ["body", "funding_source"])
    checker.check("department", data.department, ["body", "department"])
    checker.raise_if_any()
    now = utcnow()
    pool = Pool(
        name=data.name,
        year=data.year,
        amount_ore=to_ore(data.amount),
        granted_ore=0,
        requested_ore=0,
        funding_source_code=data.funding_source,
        department_code=data.department,
        notes=data.notes,
        created_at=now,
        updated_at=now,
    )
    session.add(pool)
    session.flush()
    ledger(session, pool.id, LedgerAction.pool_created, amount=pool.amount_ore, at=now)
    audit.record(session, "create", "pool", pool.id, audit.diff(None, _public(pool).model_dump(), ignore=_DERIVED))
    session.commit()
    return _public(pool)


def list_pools(session: Session, *, year: int | None, limit: int, cursor: str | None) -> PoolPage:
    stmt = select(Pool).order_by(col(Pool.id))
    if year is not None:
        stmt = stmt.where(col(Pool.year) == year)
    if cursor:
        stmt = stmt.where(col(Pool.id) > decode_id_cursor("pool", cursor))
    rows = session.execute(stmt.limit(limit + 1)).scalars().all()
    next_cursor = encode_id_cursor("pool", rows[limit - 1].id) if len(rows) > limit else None
    return PoolPage(items=[_public(p) for p in rows[:limit]], next_cursor=next_cursor)


def get_pool(session: Session, pool_id: int) -> PoolPublic:
    return _public(load_pool(session, pool_id))


def update_pool(session: Session, pool_id: int, data: PoolUpdate) -> PoolPublic:
    def work() -> PoolPublic:
        begin_write(session)
        pool = load_pool(session, pool_id, lock=True)
        check_if_match(make_etag(pool.id, pool.updated_at))
        before = _public(pool).model_dump()
        changes = {name: getattr(data, name) for name in data.model_fields_set}
        if "name" in changes and changes["name"] is None:
            raise RuleViolation.at(["body", "name"], "may not be null")
        if "amount" in changes and changes["amount"] is None:
            raise RuleViolation.at(["body", "amount"], "may not be null")
        now = utcnow()
        if "amount" in changes:
            new_ore = to_ore(changes["amount"])
            old_ore = pool.amount_ore
            # Conditional, like a grant: the amount may not drop below what is granted at this moment.
            result = session.execute(
                update(Pool)
                .where(col(Pool.id) == pool_id, col(Pool.granted_ore) <= new_ore)
                .values(amount_ore=new_ore, updated_at=now)
            )
            if result.rowcount != 1:
                session.rollback()
                pool = load_pool(session, pool_id)
                raise Conflict(
                    f"the pool has {from_ore(pool.granted_ore)} kr. granted; its amount cannot be lowered to "
                    f"{from_ore(new_ore)} kr. (release grants first)",
                    errors=[{"loc": ["body", "amount"], "msg": "below the amount already granted"}],
                    amount=str(from_ore(pool.amount_ore)),
                    granted=str(from_ore(pool.granted_ore)),
                    remaining=str(from_ore(pool.amount_ore - pool.granted_ore)),
                )
            if new_ore != old_ore:
                ledger(session, pool_id, LedgerAction.pool_amount_changed, amount=new_ore - old_ore, at=now)
        values: dict[str, Any] = {"updated_at": now}
        if "name" in changes:
            values["name"] = changes["name"]
        if "notes" in changes:
            values["notes"] = changes["notes"]
        session.execute(update(Pool).where(col(Pool.id) == pool_id).values(**values))
        session.expire_all()  # the row was changed by UPDATE statements, not through the loaded object
        after = get_pool(session, pool_id)
        audit.record(session, "update", "pool", pool_id, audit.diff(before, after.model_dump(), ignore=_DERIVED))
        session.commit()
        return after

    return with_retries(session, work)


def pool_balance(session: Session, pool_id: int, as_of: date | None = None) -> PoolBalance:
    pool = load_pool(session, pool_id)
    if as_of is None:
        return _balance(pool)
    # End of that day (UTC): every ledger entry before midnight after it.
    until = datetime.combine(as_of + timedelta(days=1), dtime.min, tzinfo=UTC)
    amount, requested, granted = session.execute(
        select(
            func.coalesce(func.sum(PoolLedgerEntry.amount_delta_ore), 0),
            func.coalesce(func.sum(PoolLedgerEntry.requested_delta_ore), 0),
            func.coalesce(func.sum(PoolLedgerEntry.granted_delta_ore), 0),
        ).where(col(PoolLedgerEntry.pool_id) == pool_id, col(PoolLedgerEntry.occurred_at) < until)
    ).one()
    return PoolBalance(
        pool_id=pool_id,
        as_of=as_of,
        amount=from_ore(int(amount)),
        requested=from_ore(int(requested)),
        granted=from_ore(int(granted)),
        remaining=from_ore(int(amount) - int(granted)),
    )


def grants_of_intervention(session: Session, intervention_id: int) -> list[PoolGrant]:
    rows = session.execute(
        select(Allocation, Pool)
        .join(Pool, col(Pool.id) == col(Allocation.pool_id))
        .where(col(Allocation.intervention_id) == intervention_id)
        .order_by(col(Pool.year), col(Allocation.id))
    ).all()
    return [
        PoolGrant(
            allocation_id=a.id,
            pool_id=p.id,
            pool_name=p.name,
            year=p.year,
            funding_source=p.funding_source_code,
            status=a.status,
            requested=from_ore(a.requested_ore),
            net=from_ore(a.granted_ore - a.released_ore),
        )
        for a, p in rows
    ]


def intervention_names(session: Session, ids: list[int]) -> dict[int, str]:
    """The names of the interventions a pool's allocations name (archived ones too: their grants stand)."""
    if not ids:
        return {}
    rows = session.execute(select(Intervention.id, Intervention.name).where(col(Intervention.id).in_(set(ids))))
    return {row.id: row.name for row in rows}


def _month_end(year: int, month: int) -> date:
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def balance_by_month(session: Session, pool_id: int, today: date) -> list[PoolBalance]:
    """The pool's balance at the end of each month (its ledger as it stood then; this month: today): the months
    of the pool's year from its registration up to now, or, for a pool registered after its year, the months
    since it was registered (at most twelve)."""
    pool = load_pool(session, pool_id)
    created = pool.created_at.date()
    if created.year < pool.year:
        months = [(pool.year, m) for m in range(1, 13)]
    elif created.year == pool.year:
        months = [(pool.year, m) for m in range(created.month, 13)]
    else:
        months = [(created.year + (created.month - 1 + i) // 12, (created.month - 1 + i) % 12 + 1) for i in range(12)]
    ends = [min(_month_end(y, m), today) for y, m in months if date(y, m, 1) <= today]
    return [pool_balance(session, pool_id, end) for end in ends]
