"""The parties of an intervention (app/models/party.py): organisation links, people, reach and in-kind
contributions. The checks, the sets written whole (create, PATCH, PUT, import), and the sets read for a page of
interventions in one query per kind. Organisations are named by name in every payload and stored by id."""

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import delete, insert
from sqlmodel import Session, col, select

from app.models.organisation import Organisation
from app.models.party import (
    ORGANISATION_ROLE_LABELS,
    PERSON_ROLE_LABELS,
    REACH_UNIT_LABELS,
    InKindContribution,
    InKindCreate,
    InKindPublic,
    InterventionOrganisation,
    InterventionPerson,
    InterventionReach,
    OrganisationLinkCreate,
    OrganisationLinkPublic,
    PersonCreate,
    PersonPublic,
    ReachCreate,
    ReachPublic,
)
from app.services.organisations import ids_by_name
from app.services.reference import CodeChecker, Loc

# The payload field of each set, its table and its create model.
PARTY_SETS = {
    "organisations": (InterventionOrganisation, OrganisationLinkCreate),
    "people": (InterventionPerson, PersonCreate),
    "reach": (InterventionReach, ReachCreate),
    "in_kind": (InKindContribution, InKindCreate),
}
PARTY_FIELDS = tuple(PARTY_SETS)


def check_parties(checker: CodeChecker, values: dict[str, Any], loc: Loc) -> None:
    """The organisations named exist; no organisation twice in one role; one reach entry per (year, unit)."""
    seen: dict[tuple, int] = {}
    for i, link in enumerate(values.get("organisations") or []):
        checker.check("organisation", link.organisation, [*loc, "organisations", i, "organisation"])
        key = (link.organisation, link.role)
        if key in seen:
            checker.fail(
                [*loc, "organisations", i], f"duplicates entry {seen[key]}: one entry per organisation and role"
            )
        seen.setdefault(key, i)
    for i, item in enumerate(values.get("in_kind") or []):
        checker.check("organisation", item.organisation, [*loc, "in_kind", i, "organisation"])
    years: dict[tuple, int] = {}
    for i, item in enumerate(values.get("reach") or []):
        key = (item.year, item.unit)
        if key in years:
            checker.fail([*loc, "reach", i], f"duplicates entry {years[key]}: one entry per year and unit")
        years.setdefault(key, i)


def party_rows(intervention_id: int, values: dict[str, Any], org_ids: dict[str, int]) -> dict[type, list[dict]]:
    """The rows of each set given in `values` (a field absent or None is not written)."""
    rows: dict[type, list[dict]] = {}
    for field, (table, _create) in PARTY_SETS.items():
        items = values.get(field)
        if items is None:
            continue
        out = rows.setdefault(table, [])
        for position, item in enumerate(items):
            row = {"intervention_id": intervention_id, **_row_of(field, item, org_ids)}
            if field != "reach":
                row["position"] = position
            out.append(row)
    return rows


def _row_of(field: str, item: Any, org_ids: dict[str, int]) -> dict[str, Any]:
    if field == "organisations":
        return {"organisation_id": org_ids[item.organisation], "role": item.role.value, "note": item.note}
    if field == "people":
        return {"role": item.role.value, "name": item.name, "title": item.title, "email": item.email}
    if field == "reach":
        return {"year": item.year, "unit": item.unit.value, "planned": item.planned, "actual": item.actual}
    return {
        "year": item.year,
        "organisation_id": org_ids[item.organisation],
        "hours": item.hours,
        "staff": item.staff,
        "description": item.description,
    }


def organisation_names_in(values: dict[str, Any]) -> set[str]:
    return {x.organisation for f in ("organisations", "in_kind") for x in values.get(f) or []}


def set_parties(session: Session, intervention_id: int, values: dict[str, Any]) -> None:
    """Replace the sets given in `values` (None or absent leaves a set alone); no checks, no commit."""
    insert_party_rows(session, [(intervention_id, values)], replace=True)


def insert_party_rows(session: Session, pairs: Sequence[tuple[int, dict[str, Any]]], *, replace: bool = False) -> None:
    """The sets of many interventions as multi-row INSERTs (an import), replacing what they had when asked."""
    org_ids = ids_by_name(session, (n for _iid, values in pairs for n in organisation_names_in(values)))
    rows: dict[type, list[dict]] = {}
    for iid, values in pairs:
        for table, table_rows in party_rows(iid, values, org_ids).items():
            rows.setdefault(table, []).extend(table_rows)
        if replace:
            for field, (table, _create) in PARTY_SETS.items():
                if values.get(field) is not None:
                    session.execute(delete(table).where(col(table.intervention_id) == iid))
    for table, table_rows in rows.items():
        if table_rows:
            session.execute(insert(table.__table__), table_rows)


def delete_parties(session: Session, ids: Sequence[int]) -> None:
    for table, _create in PARTY_SETS.values():
        session.execute(delete(table).where(col(table.intervention_id).in_(list(ids))))


# --- reading -------------------------------------------------------------------------------------------------


def parties_of(session: Session, ids: Sequence[int]) -> dict[int, dict[str, list]]:
    """Each intervention's four sets in their public shapes, in their order (reach by year and unit)."""
    out: dict[int, dict[str, list]] = {i: {f: [] for f in PARTY_FIELDS} for i in ids}
    if not ids:
        return out
    orgs = {o.id: o for o in session.exec(select(Organisation)).all()} if ids else {}
    for link in _rows(session, InterventionOrganisation, ids, InterventionOrganisation.position):
        org: Organisation = orgs[link.organisation_id]
        out[link.intervention_id]["organisations"].append(
            OrganisationLinkPublic(
                organisation=org.name,
                organisation_id=org.id,
                organisation_kind=org.kind,
                role=link.role,
                role_label=ORGANISATION_ROLE_LABELS[link.role],
                note=link.note,
            )
        )
    for p in _rows(session, InterventionPerson, ids, InterventionPerson.position):
        out[p.intervention_id]["people"].append(
            PersonPublic(role=p.role, role_label=PERSON_ROLE_LABELS[p.role], name=p.name, title=p.title, email=p.email)
        )
    for r in _rows(session, InterventionReach, ids, InterventionReach.year, InterventionReach.unit):
        out[r.intervention_id]["reach"].append(
            ReachPublic(
                year=r.year, unit=r.unit, unit_label=REACH_UNIT_LABELS[r.unit], planned=r.planned, actual=r.actual
            )
        )
    for k in _rows(session, InKindContribution, ids, InKindContribution.position):
        out[k.intervention_id]["in_kind"].append(
            InKindPublic(
                year=k.year,
                organisation=orgs[k.organisation_id].name,
                organisation_id=k.organisation_id,
                hours=k.hours,
                staff=k.staff,
                description=k.description,
            )
        )
    return out


def _rows(session: Session, table: type, ids: Sequence[int], *order: Any) -> Iterable[Any]:
    return session.exec(
        select(table).where(col(table.intervention_id).in_(list(ids))).order_by(*order, col(table.id))
    ).all()


def as_create(field: str, items: Iterable[Any]) -> list:
    """The public items of a set in their create shape (what a PATCH, an import or an export holds)."""
    create = PARTY_SETS[field][1]
    return [create.model_construct(**{n: getattr(x, n) for n in create.model_fields}) for x in items]


def party_key(field: str, items: Iterable[Any]) -> tuple:
    """A comparable form of a set (create or public items): what a PATCH or an import compares to know whether
    the set changes. Reach is a set of (year, unit); the others keep their order."""
    create = PARTY_SETS[field][1]
    keys = [tuple(getattr(getattr(x, n), "value", getattr(x, n)) for n in create.model_fields) for x in items]
    return tuple(sorted(keys)) if field == "reach" else tuple(keys)
