"""The organisation rollup: per organisation, over the interventions the rollup filters select, the money of
the budget lines it pays and the staff time it gives in kind, in separate columns (in-kind time is never money)."""

from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.models.budget_line import BudgetLine, BudgetLineType
from app.models.filters import RollupFilters
from app.models.intervention import Intervention
from app.models.organisation import ORGANISATION_KIND_LABELS, OrganisationKind
from app.models.organisation_rollup import (
    OrganisationInterventionRow,
    OrganisationInterventions,
    OrganisationRollup,
    OrganisationRollupRow,
    OrganisationRollupTotal,
)
from app.models.party import InKindContribution, InterventionOrganisation, OrganisationRole
from app.models.types import from_ore, search_key
from app.services.filters import where_filters
from app.services.organisations import all_organisations, get_organisation
from app.services.rollups import check_rollup_filters


def _years(stmt, year, filters: RollupFilters):
    if filters.year_from is not None:
        stmt = stmt.where(year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(year <= filters.year_to)
    return stmt


@dataclass
class Part:
    """An organisation's part in one intervention: its roles, the money of the lines it pays (plan and actual øre)
    and the staff time it gives in kind (hours, staff)."""

    roles: set[str] = field(default_factory=set)
    plan: int = 0
    actual: int = 0
    hours: int = 0
    staff: int = 0


def parts(session: Session, filters: RollupFilters, organisation_id: int | None = None) -> dict[tuple[int, int], Part]:
    """Per (organisation, intervention) over the interventions the filters select: the organisation's part (a
    role, a budget line it pays or in-kind time); only `organisation_id`'s when given."""
    check_rollup_filters(session, filters)
    selected = where_filters(select(Intervention.id), filters, parent_is_subtree=True).subquery()
    ids = select(selected.c.id)
    found: dict[tuple[int, int], Part] = defaultdict(Part)
    links = select(
        InterventionOrganisation.organisation_id,
        InterventionOrganisation.intervention_id,
        InterventionOrganisation.role,
    ).where(col(InterventionOrganisation.intervention_id).in_(ids))
    if organisation_id is not None:
        links = links.where(col(InterventionOrganisation.organisation_id) == organisation_id)
    for org_id, iid, role in session.exec(links):
        found[org_id, iid].roles.add(role)
    lines = select(
        BudgetLine.funding_organisation_id,
        BudgetLine.intervention_id,
        func.sum(case((col(BudgetLine.in_plan), col(BudgetLine.amount_ore)), else_=0)),
        func.sum(case((col(BudgetLine.type) == BudgetLineType.actual.value, col(BudgetLine.amount_ore)), else_=0)),
    ).where(col(BudgetLine.intervention_id).in_(ids), col(BudgetLine.funding_organisation_id).is_not(None))
    if organisation_id is not None:
        lines = lines.where(col(BudgetLine.funding_organisation_id) == organisation_id)
    if filters.funding_source:
        lines = lines.where(col(BudgetLine.funding_source_code).in_(filters.funding_source))
    lines = _years(lines, col(BudgetLine.year), filters)
    for org_id, iid, plan, actual in session.exec(
        lines.group_by(col(BudgetLine.funding_organisation_id), col(BudgetLine.intervention_id))
    ):
        part = found[org_id, iid]
        part.plan, part.actual = int(plan or 0), int(actual or 0)
    given = select(
        InKindContribution.organisation_id,
        InKindContribution.intervention_id,
        func.sum(func.coalesce(col(InKindContribution.hours), 0)),
        func.sum(func.coalesce(col(InKindContribution.staff), 0)),
    ).where(col(InKindContribution.intervention_id).in_(ids))
    if organisation_id is not None:
        given = given.where(col(InKindContribution.organisation_id) == organisation_id)
    given = _years(given, col(InKindContribution.year), filters)
    for org_id, iid, hours, staff in session.exec(
        given.group_by(col(InKindContribution.organisation_id), col(InKindContribution.intervention_id))
    ):
        part = found[org_id, iid]
        part.hours, part.staff = int(hours or 0), int(staff or 0)
    return found


def organisation_rollup(session: Session, filters: RollupFilters) -> OrganisationRollup:
    by_org: dict[int, list[Part]] = defaultdict(list)
    for (org_id, _), part in parts(session, filters).items():
        by_org[org_id].append(part)
    orgs = all_organisations(session)
    rows = [
        OrganisationRollupRow(
            organisation_id=org_id,
            organisation=orgs[org_id].name,
            kind=orgs[org_id].kind,
            kind_label=ORGANISATION_KIND_LABELS[OrganisationKind(orgs[org_id].kind)],
            roles=_roles(set().union(*(p.roles for p in found))),
            interventions=len(found),
            amount=from_ore(sum(p.plan for p in found)),
            actual=from_ore(sum(p.actual for p in found)),
            in_kind_hours=sum(p.hours for p in found),
            in_kind_staff=sum(p.staff for p in found),
        )
        for org_id, found in sorted(by_org.items(), key=lambda item: orgs[item[0]].name)
    ]
    return OrganisationRollup(rows=rows, total=_total(rows))


def _roles(values: set[str]) -> list[OrganisationRole]:
    return [r for r in OrganisationRole if r.value in values]


def _total(rows) -> OrganisationRollupTotal:
    return OrganisationRollupTotal(
        amount=sum((r.amount for r in rows), start=from_ore(0)),
        actual=sum((r.actual for r in rows), start=from_ore(0)),
        in_kind_hours=sum(r.in_kind_hours for r in rows),
        in_kind_staff=sum(r.in_kind_staff for r in rows),
    )


def organisation_interventions(session: Session, organisation_id: int) -> OrganisationInterventions:
    """The current interventions an organisation takes part in: its roles, the money of the lines it pays and its
    in-kind time in each, by the intervention's name (the organisation rollup's figures, one row per
    intervention)."""
    organisation = get_organisation(session, organisation_id)
    found = {iid: part for (_, iid), part in parts(session, RollupFilters(), organisation_id).items()}
    named = session.exec(
        select(Intervention.id, Intervention.name, Intervention.department_code, Intervention.status).where(
            col(Intervention.id).in_(sorted(found))
        )
    ).all()
    rows = [
        OrganisationInterventionRow(
            intervention_id=iid,
            name=name,
            department=department,
            status=status,
            roles=_roles(found[iid].roles),
            amount=from_ore(found[iid].plan),
            actual=from_ore(found[iid].actual),
            in_kind_hours=found[iid].hours,
            in_kind_staff=found[iid].staff,
        )
        for iid, name, department, status in sorted(named, key=lambda r: (search_key(r[1]), r[0]))
    ]
    return OrganisationInterventions(organisation=organisation, rows=rows, total=_total(rows))


def table_rows(rows: list[OrganisationRollupRow]) -> list[dict]:
    """The rows for CSV/XLSX: money as Decimal, the roles as one cell."""
    return [
        {
            **{name: getattr(row, name) for name in type(row).model_fields},
            "kind": row.kind.value,
            "roles": ", ".join(r.value for r in row.roles),
        }
        for row in rows
    ]
