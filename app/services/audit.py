"""The audit log: `record()` is called by every write service inside its own transaction, so a change and its
record commit together or not at all. There is no update or delete of audit records anywhere."""

import json
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import Session, col

from app.core.context import current
from app.core.direct import Insert
from app.core.paging import decode_id_cursor, encode_id_cursor
from app.db import note_write
from app.models.audit import AuditPage, AuditRecord, AuditRecordPublic
from app.models.types import public_of, utcnow


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _json_default(value: Any) -> Any:
    """What json.dumps cannot write itself, written as _plain() would (lists, dicts and str enums it can)."""
    if isinstance(value, (BaseModel, datetime, date, Decimal, Enum)):
        return _plain(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _changes_json(changes: dict[str, Any]) -> str:
    # json.dumps with a default, not json.dumps(_plain(...)): an import audits 10,000 records with all their
    # budget lines, and walking them in Python first cost more than the inserts.
    return json.dumps(changes, ensure_ascii=False, sort_keys=True, default=_json_default)


def diff(before: dict[str, Any] | None, after: dict[str, Any] | None, *, ignore: set[str] = frozenset()) -> dict:
    """{field: {"before": …, "after": …}} for the fields that differ (all of them on create or delete)."""
    before, after = _plain(before or {}), _plain(after or {})
    changes = {}
    for name in sorted(set(before) | set(after)):
        if name in ignore:
            continue
        if before.get(name) != after.get(name):
            changes[name] = {"before": before.get(name), "after": after.get(name)}
    return changes


def record(session: Session, action: str, resource: str, resource_id: Any, changes: dict[str, Any]) -> None:
    context = current()
    session.add(
        AuditRecord(
            occurred_at=utcnow(),
            actor=context.principal.actor,
            action=action,
            resource=resource,
            resource_id=None if resource_id is None else str(resource_id),
            changes=_changes_json(changes),
            request_id=context.request_id,
        )
    )


_INSERT = Insert(AuditRecord.__table__)


def record_many(session: Session, action: str, resource: str, entries: list[tuple[Any, dict[str, Any]]]) -> None:
    """Many records in one multi-row INSERT (bulk imports; a create's one record), on the session's connection,
    sent straight to the driver (app/core/direct.py), not through the ORM's bulk insert or Core."""
    if not entries:
        return
    context, now = current(), utcnow()
    note_write(session)
    _INSERT(
        session.connection(),
        [
            {
                "occurred_at": now,
                "actor": context.principal.actor,
                "action": action,
                "resource": resource,
                "resource_id": str(resource_id),
                "request_id": context.request_id,
                "changes": _changes_json(changes),
            }
            for resource_id, changes in entries
        ],
    )


def _public(row: AuditRecord) -> AuditRecordPublic:
    return public_of(AuditRecordPublic, row, changes=json.loads(row.changes))


def list_records(
    session: Session,
    *,
    resource: str | None = None,
    resource_id: str | None = None,
    actor: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> AuditPage:
    """Newest first."""
    stmt = select(AuditRecord).order_by(col(AuditRecord.id).desc())
    if resource:
        stmt = stmt.where(col(AuditRecord.resource) == resource)
    if resource_id is not None:
        stmt = stmt.where(col(AuditRecord.resource_id) == resource_id)
    if actor:
        stmt = stmt.where(col(AuditRecord.actor) == actor)
    if since:
        stmt = stmt.where(col(AuditRecord.occurred_at) >= since)
    if until:
        stmt = stmt.where(col(AuditRecord.occurred_at) < until)
    if cursor:
        stmt = stmt.where(col(AuditRecord.id) < decode_id_cursor("audit", cursor))
    rows = session.execute(stmt.limit(limit + 1)).scalars().all()
    next_cursor = encode_id_cursor("audit", rows[limit - 1].id) if len(rows) > limit else None
    return AuditPage(items=[_public(r) for r in rows[:limit]], next_cursor=next_cursor)
