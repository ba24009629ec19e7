"""The writes of a new intervention, and its answer built from what was written.

A new intervention's rows go in with one multi-row INSERT per table (the intervention, each non-empty link
table, the budget lines, the success criteria), the ids of the rows coming back with RETURNING: a fixed
number of statements whatever the number of lines and codes. Its answer (InterventionPublic) is made from
those rows, not read back: a row that did not exist a moment ago has no children, no pool grants and no lines
but its own, so its totals are the sums of the lines just written."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel import Session

from app.core.direct import Insert
from app.models.budget_line import BUDGET_LINE_TYPE_LABELS, BudgetLine, BudgetLineCreate, BudgetLinePublic
from app.models.intervention import Intervention, InterventionCreate, InterventionPublic, YearAmount
from app.models.success_criterion import (
    OUTCOME_LABELS,
    SuccessCriterion,
    SuccessCriterionCreate,
    SuccessCriterionPublic,
)
from app.models.types import from_ore, search_key, to_ore
from app.services.budget_lines import line_flags
from app.services.intervention_links import LINK_TABLES, link_rows
from app.services.organisations import ids_by_name
from app.services.parties import PARTY_FIELDS, insert_party_rows, parties_of

_INTERVENTION = Intervention.__table__
_LINES = BudgetLine.__table__
_CRITERIA = SuccessCriterion.__table__
# The statements, sent straight to the driver (app/core/direct.py: a third of a create's CPU went to sending
# them through Core).
_INSERT_INTERVENTION = Insert(_INTERVENTION, returning=["id"])
_INSERT_LINKS = {model: Insert(model.__table__) for model, _column, _field in LINK_TABLES}
_INSERT_LINES = Insert(_LINES, returning=["id", "year", "category", "funding_source_code", "type"])
_INSERT_CRITERIA = Insert(_CRITERIA, returning=["id", "position"])


def insert_intervention(session: Session, data: InterventionCreate, now: datetime, areas_order: dict) -> Any:
    """Insert the new intervention and its parts in the session's (write) transaction, and answer it as
    InterventionPublic. `areas_order`: each area's position (the order the answer lists areas in)."""
    conn = session.connection()
    row = _row(data, now)
    [(new_id,)] = _INSERT_INTERVENTION(conn, [row])
    codes = (data.areas, data.themes, data.indicators)
    for (model, column, _field), values in zip(LINK_TABLES, codes, strict=True):
        if values:
            _INSERT_LINKS[model](conn, link_rows(new_id, column, values))
    lines = _insert_lines(session, conn, new_id, data.budget_lines)
    criteria = _insert_criteria(conn, new_id, data.success_criteria)
    parties = {f: getattr(data, f) for f in PARTY_FIELDS}
    if any(parties.values()):
        # The parties' answer names each organisation's kind: read back, and only when there are parties.
        insert_party_rows(session, [(new_id, parties)])
        parties = parties_of(session, [new_id])[new_id]
    return _public(new_id, row, data, areas_order, lines, criteria, parties)


def _row(data: InterventionCreate, now: datetime) -> dict[str, Any]:
    return {
        "external_id": data.external_id,
        "name": data.name,
        "description": data.description,
        "purpose": data.purpose,
        "kind": data.kind.value,
        "status": data.status.value,
        "track": data.track.value if data.track else None,
        "department_code": data.department,
        "parent_id": data.parent_id,
        "target_group": data.target_group,
        "start_date": data.start_date,
        "end_date": data.end_date,
        "contact_name": data.contact_name,
        "contact_email": data.contact_email,
        "search_text": search_key(data.name, data.description),
        "created_at": now,
        "updated_at": now,
    }


def _insert_lines(session: Session, conn, intervention_id: int, lines: Sequence[BudgetLineCreate]) -> list[dict]:
    """The lines with their plan flags (computed from the set, as insert_budget_lines does), each with its id."""
    if not lines:
        return []
    org_ids = ids_by_name(session, (line.funding_organisation for line in lines))
    rows = [
        {
            "intervention_id": intervention_id,
            "year": line.year,
            "category": line.category,
            "funding_source_code": line.funding_source,
            "type": line.type.value,
            "amount_ore": to_ore(line.amount),
            "note": line.note,
            "funding_organisation_id": org_ids.get(line.funding_organisation),
            **flags,
        }
        for line, flags in zip(lines, line_flags(lines), strict=True)
    ]
    # One INSERT of all the lines (asking RETURNING for the parameters' order would send one per line on
    # SQLite): each id is matched to its line by the line's key, unique within the set (check_budget_lines).
    returned = _INSERT_LINES(conn, rows)
    ids = {tuple(r[1:]): r[0] for r in returned}
    for row, line in zip(rows, lines, strict=True):
        row["id"] = ids[(row["year"], row["category"], row["funding_source_code"], row["type"])]
        row["funding_organisation"] = line.funding_organisation if row["funding_organisation_id"] else None
    return rows


def _insert_criteria(conn, intervention_id: int, criteria: Sequence[SuccessCriterionCreate]) -> list[dict[str, Any]]:
    if not criteria:
        return []
    rows = [
        {
            "intervention_id": intervention_id,
            "position": position,
            "description": crit.description,
            "indicator_number": crit.indicator,
            "baseline": crit.baseline,
            "target": crit.target,
            "unit": crit.unit,
            "target_date": crit.target_date,
            "outcome": crit.outcome.value,
            "actual_value": crit.actual_value,
        }
        for position, crit in enumerate(criteria)
    ]
    # One INSERT, ids matched by position (unique within the intervention), as for the lines.
    ids = {position: crit_id for crit_id, position in _INSERT_CRITERIA(conn, rows)}
    for row in rows:
        row["id"] = ids[row["position"]]
    return rows


def _public(
    new_id: int,
    row: dict[str, Any],
    data: InterventionCreate,
    areas_order: dict,
    lines: list[dict[str, Any]],
    criteria: list[dict[str, Any]],
    parties: dict[str, list],
) -> InterventionPublic:
    """The answer of app/services/intervention_public.py for the rows just written."""
    plan: dict[int, int] = {}
    actual: dict[int, int] = {}
    for line in lines:
        if line["in_plan"]:
            plan[line["year"]] = plan.get(line["year"], 0) + line["amount_ore"]
        if line["type"] == "actual":
            actual[line["year"]] = actual.get(line["year"], 0) + line["amount_ore"]
    plan_total, actual_total = sum(plan.values()), sum(actual.values())
    lines_in_order = sorted(lines, key=lambda x: (x["year"], x["category"], x["funding_source_code"], x["id"]))
    return InterventionPublic(
        id=new_id,
        **{name: row[name] for name in _SAME},
        department=row["department_code"],
        areas=sorted(data.areas, key=lambda slug: areas_order.get(slug, 0)),
        themes=sorted(data.themes),
        indicators=sorted(data.indicators),
        budget_total=from_ore(plan_total),
        budget_total_with_descendants=from_ore(plan_total),
        budget_by_year=[YearAmount(year=y, amount=from_ore(plan[y])) for y in sorted(plan)],
        original_budget_total=from_ore(sum(x["amount_ore"] for x in lines if x["type"] == "budget")),
        actual_total=from_ore(actual_total),
        actual_total_with_descendants=from_ore(actual_total),
        actual_by_year=[YearAmount(year=y, amount=from_ore(actual[y])) for y in sorted(actual)],
        children=[],
        archived_at=None,
        budget_lines=[_line_public(x) for x in lines_in_order],
        success_criteria=[_criterion_public(x) for x in criteria],
        pool_grants=[],
        **parties,
    )


# The columns written as sent (an enum by its value): a create copies them into its answer, a PATCH sets them.
PLAIN_FIELDS = (
    "external_id",
    "name",
    "description",
    "purpose",
    "kind",
    "status",
    "track",
    "parent_id",
    "target_group",
    "start_date",
    "end_date",
    "contact_name",
    "contact_email",
)
_SAME = (*PLAIN_FIELDS, "created_at", "updated_at")


def _line_public(x: dict[str, Any]) -> BudgetLinePublic:
    return BudgetLinePublic(
        id=x["id"],
        year=x["year"],
        category=x["category"],
        funding_source=x["funding_source_code"],
        amount=from_ore(x["amount_ore"]),
        note=x["note"],
        type=x["type"],
        type_label=BUDGET_LINE_TYPE_LABELS[x["type"]],
        funding_organisation=x["funding_organisation"],
        in_plan=x["in_plan"],
        pool_allocation_id=None,  # a pool's grant sets it later, never a create
    )


def _criterion_public(x: dict[str, Any]) -> SuccessCriterionPublic:
    return SuccessCriterionPublic(
        id=x["id"],
        description=x["description"],
        indicator=x["indicator_number"],
        baseline=x["baseline"],
        target=x["target"],
        unit=x["unit"],
        target_date=x["target_date"],
        outcome=x["outcome"],
        outcome_label=OUTCOME_LABELS[x["outcome"]],
        actual_value=x["actual_value"],
    )
