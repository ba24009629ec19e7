"""Interventions: create, read, list, update and archive, with the rules of the domain."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic_core import to_json
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.core.context import current
from app.core.paging import keyset_order, keyset_page
from app.db import WRITE_GUARD, begin_write
from app.errors import Conflict, Forbidden, RuleViolation
from app.models.auth import Role
from app.models.budget_line import BudgetLine, BudgetLineCreate, BudgetLinePublic
from app.models.filters import InterventionFilters
from app.models.intervention import (
    Intervention,
    InterventionCreate,
    InterventionPage,
    InterventionPublic,
    InterventionUpdate,
)
from app.models.success_criterion import SuccessCriterionCreate, SuccessCriterionPublic
from app.models.types import kroner_text, search_key, utcnow
from app.services import audit, lifecycle
from app.services.auth import require_department
from app.services.budget_lines import check_budget_lines, set_budget_lines
from app.services.filters import check_filters, where_filters
from app.services.intervention_changes import DERIVED, begin_change, finish_change
from app.services.intervention_links import set_links
from app.services.intervention_new import PLAIN_FIELDS, insert_intervention
from app.services.intervention_public import intervention_public, load_intervention, summaries
from app.services.parties import PARTY_FIELDS, check_parties, organisation_names_in, party_key, set_parties
from app.services.reference import CodeChecker
from app.services.success_criteria import check_success_criteria, set_success_criteria

SORTS = {
    "id": col(Intervention.id),
    "name": col(Intervention.name),
    "created_at": col(Intervention.created_at),
    "updated_at": col(Intervention.updated_at),
}
SORT_VALUES = [*SORTS, *(f"-{s}" for s in SORTS)]
_PAGE_COLUMNS = [c for c in Intervention.__table__.c if c.name != "search_text"]


def get_intervention(session: Session, intervention_id: int, *, include_archived: bool = False) -> InterventionPublic:
    return intervention_public(session, load_intervention(session, intervention_id, include_archived=include_archived))


def _page(
    session: Session, filters: InterventionFilters, sort: str, limit: int, cursor: str | None
) -> tuple[Sequence[Any], str | None]:
    """The rows of a page of the list (the intervention's columns) and the next page's cursor."""
    check_filters(session, filters).raise_if_any()
    # The columns, not the mapped class: a page is read, never changed, and rows cost a fraction of objects.
    stmt = where_filters(select(*_PAGE_COLUMNS), filters)
    stmt = keyset_order(stmt, SORTS, sort, cursor, id_column=col(Intervention.id))
    # Executed on the connection: plain rows, without the ORM's result machinery.
    return keyset_page(session.connection().execute(stmt.limit(limit + 1)).all(), sort, limit)


def list_interventions(
    session: Session, filters: InterventionFilters, *, sort: str = "id", limit: int = 50, cursor: str | None = None
) -> InterventionPage:
    rows, next_cursor = _page(session, filters, sort, limit, cursor)
    return InterventionPage.model_validate({"items": summaries(session, rows), "next_cursor": next_cursor})


def list_interventions_json(
    session: Session, filters: InterventionFilters, *, sort: str = "id", limit: int = 50, cursor: str | None = None
) -> bytes:
    """list_interventions as the API answers it: the same bytes as its InterventionPage's JSON (tests hold them
    equal), written by pydantic's serializer from plain values in one call, without making the ~1,000 model
    objects of a page of 50 (its sums per year) only to write them out again."""
    rows, next_cursor = _page(session, filters, sort, limit, cursor)
    return to_json({"items": summaries(session, rows, kroner_text), "next_cursor": next_cursor})


# --- writing -----------------------------------------------------------------------------------------------


def check_period(checker: CodeChecker, start: date | None, end: date | None, field_name: str) -> None:
    if start is not None and end is not None and start > end:
        checker.fail(
            ["body", field_name],
            f"start_date {start.isoformat()} is after end_date {end.isoformat()}",
            "period",
            {"start": start.isoformat(), "end": end.isoformat()},
        )


def _check_parent(session: Session, checker: CodeChecker, parent_id: int | None, self_id: int | None) -> None:
    if parent_id is None:
        return
    loc = ["body", "parent_id"]
    if parent_id == self_id:
        checker.fail(loc, "an intervention cannot be its own parent", "cycle")
        return
    parent = session.get(Intervention, parent_id)
    if parent is None or parent.archived_at is not None:
        state = "does not exist" if parent is None else "is archived"
        checker.fail(loc, f"parent intervention {parent_id} {state}", "unknown_parent")
        return
    # Walk up from the new parent: reaching ourselves would close a cycle.
    seen = set()
    node = parent
    while node is not None and node.parent_id is not None:
        if node.parent_id == self_id:
            checker.fail(
                loc, f"intervention {parent_id} lies below this one; making it the parent would create a cycle", "cycle"
            )
            return
        if node.parent_id in seen:
            break
        seen.add(node.parent_id)
        node = session.get(Intervention, node.parent_id)


def check_parent_rights(session: Session, old_parent_id: int | None, new_parent_id: int | None) -> None:
    """Placing an intervention under a parent, or taking it away from one, changes the parent's programme (its
    children and totals): it needs the right to change that parent, as an editor of the parent's department or
    an admin. 403 otherwise."""
    principal = current().principal
    if principal.role == Role.admin or old_parent_id == new_parent_id:
        return
    for parent_id, verb in (
        (new_parent_id, "place an intervention under"),
        (old_parent_id, "take an intervention from"),
    ):
        parent = session.get(Intervention, parent_id) if parent_id is not None else None
        if parent is not None and parent.department_code != principal.department:
            raise Forbidden(
                f"intervention {parent_id} belongs to {parent.department_code}; an editor of "
                f"{principal.department} may not {verb} it",
                errors=[{"loc": ["body", "parent_id"], "msg": f"the parent belongs to {parent.department_code}"}],
            )


def audit_parent_change(session: Session, child_id: int, old_parent_id: int | None, new_parent_id: int | None) -> None:
    """The parent's side of a move: `child_added` / `child_removed` on the parents' own history."""
    if old_parent_id == new_parent_id:
        return
    if old_parent_id is not None:
        audit.record(
            session, "child_removed", "intervention", old_parent_id, {"child_id": {"before": child_id, "after": None}}
        )
    if new_parent_id is not None:
        audit.record(
            session, "child_added", "intervention", new_parent_id, {"child_id": {"before": None, "after": child_id}}
        )


def _check_external_id(session: Session, external_id: str | None, self_id: int | None) -> None:
    if external_id is None:
        return
    other = session.exec(select(Intervention.id).where(Intervention.external_id == external_id)).first()
    if other is not None and other != self_id:
        raise Conflict(
            f"external_id {external_id!r} is already used by intervention {other}",
            errors=[{"loc": ["body", "external_id"], "msg": f"already used by intervention {other}"}],
            existing_id=other,
        )


def create_intervention(session: Session, data: InterventionCreate) -> InterventionPublic:
    # The checks read only reference data unless a parent, an external id or an organisation is named: they run
    # before the write transaction, so that SQLite's write lock is held for the writes alone. A parent (which may
    # be archived meanwhile), an external id (which another writer may take) and organisations (which may be
    # renamed) are checked inside it, and so is every idempotent request (its key is looked up first).
    require_department(data.department, what=f"an intervention of {data.department}")
    parties = {f: getattr(data, f) for f in PARTY_FIELDS}
    checks_in_write = (
        data.parent_id is not None
        or data.external_id is not None
        or organisation_names_in(parties)
        or any(line.funding_organisation is not None for line in data.budget_lines)
        or session.info.get(WRITE_GUARD) is not None
    )
    if checks_in_write:
        begin_write(session)
    checker = CodeChecker(session).load_all()
    _check_new(session, checker, data, parties)
    if not checks_in_write:
        begin_write(session)
    check_parent_rights(session, None, data.parent_id)
    _check_external_id(session, data.external_id, None)

    created = insert_intervention(session, data, utcnow(), checker.area_positions)
    audit_parent_change(session, created.id, None, created.parent_id)
    session.flush()  # the parent's record first, as before
    # What audit.diff(None, created.model_dump(), ignore=DERIVED) gives, from pydantic's JSON-mode dump (dates,
    # enums and money as audit._plain writes them; the only datetime outside DERIVED, archived_at, is None on a
    # new intervention) rather than walked in Python (about 4 % of a create request's CPU).
    changes = {
        name: {"before": None, "after": value}
        for name, value in sorted(created.model_dump(mode="json", exclude=DERIVED).items())
        if value is not None
    }
    audit.record_many(session, "create", "intervention", [(created.id, changes)])
    session.commit()
    return created


def _check_new(session: Session, checker: CodeChecker, data: InterventionCreate, parties: dict[str, Any]) -> None:
    check_period(checker, data.start_date, data.end_date, "end_date")
    checker.check("department", data.department, ["body", "department"])
    checker.check_all("area", data.areas, ["body", "areas"])
    checker.check_all("theme", data.themes, ["body", "themes"])
    checker.check_all("indicator", data.indicators, ["body", "indicators"])
    check_budget_lines(checker, data.budget_lines, ["body", "budget_lines"], data.start_date, data.end_date)
    check_success_criteria(checker, data.success_criteria, ["body", "success_criteria"])
    check_parties(checker, parties, ["body"])
    _check_parent(session, checker, data.parent_id, None)
    checker.raise_if_any()


# Fields that exist on every intervention: PATCH may change them but not clear them with null.
_REQUIRED = {
    "name",
    "kind",
    "status",
    "department",
    "areas",
    "themes",
    "indicators",
    "budget_lines",
    "success_criteria",
    *PARTY_FIELDS,
}
_LISTS = {"areas", "themes", "indicators", "budget_lines", "success_criteria", *PARTY_FIELDS}


def _same(name: str, value: Any, row: Intervention, before: InterventionPublic) -> bool:
    """Whether a PATCH field's value is what the intervention has already (lists of codes as sets, budget lines
    as a set of their contents, criteria in order), so that a PATCH sending the current state writes nothing."""
    if name in {"areas", "themes", "indicators"}:
        return value is not None and sorted(value) == sorted(getattr(before, name))
    if name == "budget_lines":
        return value is not None and sorted(map(_line_key, value)) == sorted(map(_line_key, before.budget_lines))
    if name == "success_criteria":
        return value is not None and list(map(_criterion_key, value)) == list(
            map(_criterion_key, before.success_criteria)
        )
    if name in PARTY_FIELDS:
        return value is not None and party_key(name, value) == party_key(name, getattr(before, name))
    current_value = row.department_code if name == "department" else getattr(row, name)
    return getattr(value, "value", value) == current_value


def _line_key(line: BudgetLineCreate | BudgetLinePublic) -> tuple:
    return (
        line.year,
        line.category,
        line.funding_source,
        line.type.value,
        line.amount,
        line.note or "",
        line.funding_organisation or "",
    )


def _criterion_key(crit: SuccessCriterionCreate | SuccessCriterionPublic) -> tuple:
    return tuple(
        getattr(getattr(crit, name), "value", getattr(crit, name)) for name in SuccessCriterionCreate.model_fields
    )


def update_intervention(session: Session, intervention_id: int, data: InterventionUpdate) -> InterventionPublic:
    row, before = begin_change(session, intervention_id)
    changes = {name: getattr(data, name) for name in data.model_fields_set if name != "status_reason"}
    status_reason = data.status_reason
    if status_reason is not None and "status" not in changes:
        raise RuleViolation.at(
            ["body", "status_reason"], "a status_reason explains a change of status: send it with status"
        )
    # Unchanged stays unchanged: fields that already hold the sent value are no change (no write, no audit
    # record, the same ETag and updated_at), and a PATCH of nothing but such fields answers the state as it is.
    changes = {name: value for name, value in changes.items() if not _same(name, value, row, before)}
    if not changes:
        session.rollback()
        return before
    if changes.get("department") not in (None, row.department_code) and current().principal.role != Role.admin:
        raise Forbidden("an editor cannot move an intervention to another department; ask an admin")
    _check_update(session, row, changes, status_reason)
    old_parent_id = row.parent_id
    _apply_update(session, row, changes)
    audit_parent_change(session, row.id, old_parent_id, row.parent_id)
    return finish_change(session, row, "update", before, status_reason=status_reason)


def _check_update(session: Session, row: Intervention, changes: dict[str, Any], status_reason: str | None) -> None:
    """The rules a PATCH must keep, checked against the intervention as it would be after the change."""
    checker = CodeChecker(session)
    for name in sorted(_REQUIRED & changes.keys()):
        if changes[name] is None:
            hint = "; send [] to clear the list" if name in _LISTS else ""
            checker.fail(["body", name], f"may not be null{hint}", "null")
    checker.raise_if_any()

    start = changes.get("start_date", row.start_date)
    end = changes.get("end_date", row.end_date)
    check_period(checker, start, end, "end_date" if "end_date" in changes else "start_date")
    if "department" in changes:
        checker.check("department", changes["department"], ["body", "department"])
    for kind, key in (("area", "areas"), ("theme", "themes"), ("indicator", "indicators")):
        if key in changes:
            checker.check_all(kind, changes[key], ["body", key])
    if "budget_lines" in changes:
        check_budget_lines(checker, changes["budget_lines"], ["body", "budget_lines"], start, end)
    elif "start_date" in changes or "end_date" in changes:
        _check_line_years(session, checker, row.id, start, end)
    if "success_criteria" in changes:
        check_success_criteria(checker, changes["success_criteria"], ["body", "success_criteria"])
    check_parties(checker, changes, ["body"])
    if "parent_id" in changes:
        _check_parent(session, checker, changes["parent_id"], row.id)
    if changes.get("status") is not None:
        problem = lifecycle.transition_problem(row.status, changes["status"], status_reason)
        if problem:
            checker.fail(["body", "status"], problem, "status_transition")
    checker.raise_if_any()
    if "parent_id" in changes:
        check_parent_rights(session, row.parent_id, changes["parent_id"])
    if "external_id" in changes:
        _check_external_id(session, changes["external_id"], row.id)


def _check_line_years(
    session: Session, checker: CodeChecker, intervention_id: int, start: date | None, end: date | None
) -> None:
    """A new period must still hold the years of the budget lines the intervention has."""
    years = session.exec(
        select(func.min(BudgetLine.year), func.max(BudgetLine.year)).where(
            BudgetLine.intervention_id == intervention_id
        )
    ).one()
    if years[0] is not None:
        if start is not None and years[0] < start.year:
            checker.fail(["body", "start_date"], f"budget lines exist for {years[0]}, before the new start")
        if end is not None and years[1] > end.year:
            checker.fail(["body", "end_date"], f"budget lines exist for {years[1]}, after the new end")


def _apply_update(session: Session, row: Intervention, changes: dict[str, Any]) -> None:
    for name in PLAIN_FIELDS:
        if name in changes:
            value = changes[name]
            setattr(row, name, value.value if hasattr(value, "value") else value)
    if "department" in changes:
        row.department_code = changes["department"]
    row.search_text = search_key(row.name, row.description)
    set_links(session, row.id, changes.get("areas"), changes.get("themes"), changes.get("indicators"))
    if "budget_lines" in changes:
        set_budget_lines(session, row.id, changes["budget_lines"])
    if "success_criteria" in changes:
        set_success_criteria(session, row.id, changes["success_criteria"])
    set_parties(session, row.id, {f: changes[f] for f in PARTY_FIELDS if f in changes})


def archive_intervention(session: Session, intervention_id: int) -> None:
    row, before = begin_change(session, intervention_id)
    row.archived_at = utcnow()
    finish_change(session, row, "archive", before)
