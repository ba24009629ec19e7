"""Organisations: create, read, list, change and delete; and the name ↔ id lookups the intervention's parts
(organisation links, in-kind contributions, budget lines) use. Interventions name organisations by name."""

from collections.abc import Iterable

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.core.context import current
from app.core.paging import keyset_order, keyset_page
from app.db import begin_write
from app.errors import Conflict, Forbidden, NotFound
from app.models.auth import Role
from app.models.budget_line import BudgetLine
from app.models.organisation import (
    Organisation,
    OrganisationCreate,
    OrganisationKind,
    OrganisationPage,
    OrganisationPublic,
    OrganisationUpdate,
    organisation_public,
)
from app.models.party import InKindContribution, InterventionOrganisation
from app.models.types import search_key, utcnow
from app.services import audit
from app.services.auth import require
from app.services.reference import CodeChecker

# Who registers and changes organisations (the API's router and the web pages apply the same rule).
WRITE_ROLES = (Role.admin, Role.editor)


def require_writer() -> None:
    """403 (401 for nobody) unless the current principal may register or change organisations."""
    require(*WRITE_ROLES)


SORTS = {"id": col(Organisation.id), "name": col(Organisation.name)}
SORT_VALUES = [*SORTS, *(f"-{s}" for s in SORTS)]


def _load(session: Session, organisation_id: int, *, for_update: bool = False) -> Organisation:
    row = session.get(Organisation, organisation_id, with_for_update=for_update)
    if row is None:
        raise NotFound(f"organisation {organisation_id} not found")
    return row


def get_organisation(session: Session, organisation_id: int) -> OrganisationPublic:
    return organisation_public(_load(session, organisation_id))


def list_organisations(
    session: Session,
    *,
    kind: OrganisationKind | None = None,
    q: str | None = None,
    sort: str = "name",
    limit: int = 50,
    cursor: str | None = None,
) -> OrganisationPage:
    stmt = select(Organisation)
    if kind is not None:
        stmt = stmt.where(col(Organisation.kind) == kind.value)
    rows = session.exec(keyset_order(stmt, SORTS, sort, cursor, id_column=col(Organisation.id))).all()
    if q:  # few organisations: matched in Python, so that æ/ø/å fold alike on SQLite and PostgreSQL
        needle = search_key(q)
        rows = [r for r in rows if needle in search_key(r.name) or (r.cvr and needle in r.cvr)]
    page, next_cursor = keyset_page(rows[: limit + 1], sort, limit)
    return OrganisationPage(items=[organisation_public(r) for r in page], next_cursor=next_cursor)


def _check_unique(session: Session, name: str | None, cvr: str | None, self_id: int | None) -> None:
    for field, value, column in (("name", name, Organisation.name), ("cvr", cvr, Organisation.cvr)):
        if value is None:
            continue
        other = session.exec(select(Organisation.id).where(col(column) == value)).first()
        if other is not None and other != self_id:
            raise Conflict(
                f"{field} {value!r} is already used by organisation {other}",
                errors=[{"loc": ["body", field], "msg": f"already used by organisation {other}"}],
                existing_id=other,
            )


def create_organisation(session: Session, data: OrganisationCreate) -> OrganisationPublic:
    begin_write(session)
    _check_unique(session, data.name, data.cvr, None)
    now = utcnow()
    row = Organisation(name=data.name, kind=data.kind.value, cvr=data.cvr, created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    after = organisation_public(row)
    audit.record(session, "create", "organisation", row.id, audit.diff(None, after.model_dump(), ignore=_DERIVED))
    session.commit()
    return after


_DERIVED = {"created_at", "updated_at", "kind_label", "id"}


def update_organisation(session: Session, organisation_id: int, data: OrganisationUpdate) -> OrganisationPublic:
    begin_write(session)
    row = _load(session, organisation_id, for_update=True)
    before = organisation_public(row)
    changes = {name: getattr(data, name) for name in data.model_fields_set}
    checker = CodeChecker(session)
    for name in ("name", "kind"):
        if name in changes and changes[name] is None:
            checker.fail(["body", name], "may not be null", "null")
    checker.raise_if_any()
    _check_unique(session, changes.get("name"), changes.get("cvr"), row.id)
    for name, value in changes.items():
        setattr(row, name, getattr(value, "value", value))
    session.add(row)
    session.flush()
    after = organisation_public(row)
    diff = audit.diff(before.model_dump(), after.model_dump(), ignore=_DERIVED)
    if not diff:
        session.rollback()
        return before
    row.updated_at = utcnow()
    session.add(row)
    audit.record(session, "update", "organisation", row.id, diff)
    session.commit()
    return organisation_public(row)


def delete_organisation(session: Session, organisation_id: int) -> None:
    """Only an admin deletes, and only an organisation no intervention, in-kind contribution or budget line
    names (409 otherwise: remove it from those first)."""
    if current().principal.role != Role.admin:
        raise Forbidden("only an admin may delete an organisation")
    begin_write(session)
    row = _load(session, organisation_id, for_update=True)
    used = (
        session.execute(
            sa_select(InterventionOrganisation.intervention_id)
            .where(col(InterventionOrganisation.organisation_id) == row.id)
            .union(
                sa_select(InKindContribution.intervention_id).where(col(InKindContribution.organisation_id) == row.id),
                sa_select(BudgetLine.intervention_id).where(col(BudgetLine.funding_organisation_id) == row.id),
            )
        )
        .scalars()
        .all()
    )
    if used:
        ids = ", ".join(str(i) for i in sorted(used)[:10])
        raise Conflict(f"organisation {row.id} is named by intervention(s) {ids}; remove it from them first")
    before = organisation_public(row)
    session.delete(row)
    audit.record(session, "delete", "organisation", row.id, audit.diff(before.model_dump(), None, ignore=_DERIVED))
    session.commit()


# --- lookups -------------------------------------------------------------------------------------------------


def ids_by_name(session: Session, names: Iterable[str | None]) -> dict[str, int]:
    wanted = sorted({n for n in names if n is not None})
    if not wanted:
        return {}
    return dict(
        session.exec(select(Organisation.name, Organisation.id).where(col(Organisation.name).in_(wanted))).all()
    )


def names_by_id(session: Session, ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(session.exec(select(Organisation.id, Organisation.name).where(col(Organisation.id).in_(wanted))).all())


def all_organisations(session: Session) -> dict[int, Organisation]:
    return {o.id: o for o in session.exec(select(Organisation)).all()}
