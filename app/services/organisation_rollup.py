"""The organisation rollup: per organisation, over the interventions the rollup filters select, the money of
the budget lines it pays and the staff time it gives in kind, in separate columns (in-kind time is never money)."""

from collections import defaultdict

from sqlalchemy import case, func
from sqlmodel import Session, col, select

from app.models.budget_line import BudgetLine, BudgetLineType
from app.models.filters import RollupFilters
from app.models.intervention import Intervention
from app.models.organisation import ORGANISATION_KIND_LABELS, OrganisationKind
from app.models.organisation_rollup import OrganisationRollup, OrganisationRollupRow, OrganisationRollupTotal
from app.models.party import InKindContribution, InterventionOrganisation, OrganisationRole
from app.models.types import from_ore
from app.services.filters import where_filters
from app.services.organisations import all_organisations
from app.services.rollups import check_rollup_filters


def _years(stmt, year, filters: RollupFilters):
    if filters.year_from is not None:
        stmt = stmt.where(year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(year <= filters.year_to)
    return stmt


def organisation_rollup(session: Session, filters: RollupFilters) -> OrganisationRollup:
    check_rollup_filters(session, filters)
    selected = where_filters(select(Intervention.id), filters, parent_is_subtree=True).subquery()
    ids = select(selected.c.id)
    touched: dict[int, set[int]] = defaultdict(set)
    roles: dict[int, set[str]] = defaultdict(set)
    for org_id, iid, role in session.exec(
        select(
            InterventionOrganisation.organisation_id,
            InterventionOrganisation.intervention_id,
            InterventionOrganisation.role,
        ).where(col(InterventionOrganisation.intervention_id).in_(ids))
    ):
        touched[org_id].add(iid)
        roles[org_id].add(role)
    money: dict[int, tuple[int, int]] = {}
    lines = select(
        BudgetLine.funding_organisation_id,
        BudgetLine.intervention_id,
        func.sum(case((col(BudgetLine.in_plan), col(BudgetLine.amount_ore)), else_=0)),
        func.sum(case((col(BudgetLine.type) == BudgetLineType.actual.value, col(BudgetLine.amount_ore)), else_=0)),
    ).where(col(BudgetLine.intervention_id).in_(ids), col(BudgetLine.funding_organisation_id).is_not(None))
    if filters.funding_source:
        lines = lines.where(col(BudgetLine.funding_source_code).in_(filters.funding_source))
    lines = _years(lines, col(BudgetLine.year), filters)
    _add_pairs(
        session,
        lines.group_by(col(BudgetLine.funding_organisation_id), col(BudgetLine.intervention_id)),
        touched,
        money,
    )
    in_kind: dict[int, tuple[int, int]] = {}
    given = select(
        InKindContribution.organisation_id,
        InKindContribution.intervention_id,
        func.sum(func.coalesce(col(InKindContribution.hours), 0)),
        func.sum(func.coalesce(col(InKindContribution.staff), 0)),
    ).where(col(InKindContribution.intervention_id).in_(ids))
    given = _years(given, col(InKindContribution.year), filters)
    _add_pairs(
        session,
        given.group_by(col(InKindContribution.organisation_id), col(InKindContribution.intervention_id)),
        touched,
        in_kind,
    )
    return _rollup(session, touched, roles, money, in_kind)


def _add_pairs(session: Session, query, touched, sums: dict[int, tuple[int, int]]) -> None:
    """Rows (organisation, intervention, a, b): the intervention noted for the organisation, a and b added to its
    sums (plan and actual øre, or hours and staff)."""
    for org_id, iid, first, second in session.exec(query):
        touched[org_id].add(iid)
        before = sums.get(org_id, (0, 0))
        sums[org_id] = (before[0] + int(first or 0), before[1] + int(second or 0))


def _rollup(session: Session, touched, roles, money, in_kind) -> OrganisationRollup:
    orgs = all_organisations(session)
    rows = [
        OrganisationRollupRow(
            organisation_id=org_id,
            organisation=orgs[org_id].name,
            kind=orgs[org_id].kind,
            kind_label=ORGANISATION_KIND_LABELS[OrganisationKind(orgs[org_id].kind)],
            roles=[r for r in OrganisationRole if r.value in roles.get(org_id, set())],
            interventions=len(touched[org_id]),
            amount=from_ore(money.get(org_id, (0, 0))[0]),
            actual=from_ore(money.get(org_id, (0, 0))[1]),
            in_kind_hours=in_kind.get(org_id, (0, 0))[0],
            in_kind_staff=in_kind.get(org_id, (0, 0))[1],
        )
        for org_id in sorted(touched, key=lambda i: orgs[i].name)
    ]
    total = OrganisationRollupTotal(
        amount=sum((r.amount for r in rows), start=from_ore(0)),
        actual=sum((r.actual for r in rows), start=from_ore(0)),
        in_kind_hours=sum(r.in_kind_hours for r in rows),
        in_kind_staff=sum(r.in_kind_staff for r in rows),
    )
    return OrganisationRollup(rows=rows, total=total)


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
