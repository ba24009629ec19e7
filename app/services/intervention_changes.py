"""The frame of every change to an intervention or one of its parts (budget lines, success criteria,
evaluations, material): begin_change opens the write transaction, locks the row and checks If-Match and the
caller's department; finish_change stamps the row, writes the audit record and commits, in that transaction."""

from sqlmodel import Session

from app.core.etags import check_if_match
from app.db import begin_write
from app.models.intervention import Intervention, InterventionPublic
from app.models.types import utcnow
from app.services import audit
from app.services.auth import require_department
from app.services.intervention_public import etag, intervention_public, load_intervention

# Derived fields: they change with other rows, and are not part of what an audit record says was changed.
DERIVED = {
    "updated_at",
    "created_at",
    "budget_total",
    "budget_total_with_descendants",
    "budget_by_year",
    "children",
    "pool_grants",
    "original_budget_total",
    "actual_total",
    "actual_total_with_descendants",
    "actual_by_year",
}


def begin_change(session: Session, intervention_id: int) -> tuple[Intervention, InterventionPublic]:
    """Start a change to an intervention or its parts: the write transaction, the row locked, the caller's
    If-Match and department checked. Returns the row and how it looked before (for the audit record)."""
    begin_write(session)
    row = load_intervention(session, intervention_id, for_update=True)
    before = intervention_public(session, row)
    check_if_match(etag(before))
    require_department(row.department_code)
    return row, before


def finish_change(
    session: Session,
    row: Intervention,
    action: str,
    before: InterventionPublic | None,
    *,
    status_reason: str | None = None,
) -> InterventionPublic:
    """Stamp the change, write its audit record in the same transaction, commit, and answer the new state.
    A status_reason is recorded beside the status change it explains."""
    if before is not None:  # a new row keeps updated_at == created_at
        row.updated_at = utcnow()
    session.add(row)
    session.flush()
    after = intervention_public(session, row)
    changes = audit.diff(before.model_dump() if before else None, after.model_dump(), ignore=DERIVED)
    if status_reason and "status" in changes:
        changes["status"]["reason"] = status_reason
    audit.record(session, action, "intervention", row.id, changes)
    session.commit()
    return after
