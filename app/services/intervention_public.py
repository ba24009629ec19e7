"""An intervention as the API answers it: load one (or 404), its ETag, and the public shape (InterventionPublic,
or InterventionSummary in lists) with its links, children, sums per year and, in full, its budget lines,
success criteria and pool grants, built for a whole page of rows in a few queries."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import Any

from sqlalchemy import BigInteger, Integer, String, any_, bindparam, case, cast, func, literal, null, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Session, col, select

from app.core.etags import content_etag
from app.errors import NotFound
from app.models.budget_line import BudgetLine, BudgetLinePublic, BudgetLineType, budget_line_public
from app.models.intervention import (
    Intervention,
    InterventionArea,
    InterventionIndicator,
    InterventionPublic,
    InterventionSummary,
    InterventionTheme,
)
from app.models.reference import Area
from app.models.success_criterion import SuccessCriterion, SuccessCriterionPublic, success_criterion_public
from app.models.types import from_ore
from app.services.organisations import names_by_id
from app.services.parties import parties_of
from app.services.pools import grants_of_intervention


def load_intervention(
    session: Session, intervention_id: int, *, include_archived: bool = False, for_update: bool = False
) -> Intervention:
    row = session.get(Intervention, intervention_id, with_for_update=for_update)
    if row is None or (row.archived_at is not None and not include_archived):
        raise NotFound(f"intervention {intervention_id} not found")
    return row


def etag(public: InterventionPublic) -> str:
    """The version of the whole representation, derived figures included: a child's new budget line or a pool
    grant changes the answer, so it changes the ETag (If-None-Match may then not answer 304 for a stale copy)."""
    return content_etag(public.id, public.model_dump_json().encode())


def intervention_public(session: Session, row: Intervention) -> InterventionPublic:
    return to_public(session, [row], full=True)[0]


# Øre of one year: (the current plan, the original budget, the actual spending), None where no such line. A
# plain tuple, taken as the database answers it: a page makes hundreds of them.
YearSums = tuple[int | None, int | None, int | None]


@dataclass(frozen=True)
class _Related:
    """What a page of interventions shows beside their own columns, each keyed by intervention id."""

    areas: dict[int, list[str]]
    themes: dict[int, list[str]]
    indicators: dict[int, list[int]]
    children: dict[int, list[int]]
    own: dict[int, dict[int, YearSums]]  # sums of the intervention's own lines, per year
    subtree: dict[int, dict[int, YearSums]]  # the same with all its (non-archived) descendants' lines


def summaries(session: Session, rows: Sequence[Any], money: Callable[[int], Any] = from_ore) -> list[dict[str, Any]]:
    """The fields of InterventionSummary of each row (a row of the intervention's columns), in the rows' order and
    the model's field order: plain dicts, the amounts as `money` gives them."""
    related = _related(session, [r.id for r in rows])
    return [_fields(r, related, money) for r in rows]


def to_public(session: Session, rows: Sequence[Intervention], *, full: bool) -> list[Any]:
    """InterventionPublic (full) or InterventionSummary of each row, in the rows' order."""
    if not full:
        return [InterventionSummary(**fields) for fields in summaries(session, rows)]
    ids = [r.id for r in rows]
    related = _related(session, ids)
    lines, criteria = _lines_and_criteria(session, ids)
    parties = parties_of(session, ids)
    return [
        InterventionPublic(
            **_fields(r, related),
            budget_lines=lines[r.id],
            success_criteria=criteria[r.id],
            pool_grants=grants_of_intervention(session, r.id),
            **parties[r.id],
        )
        for r in rows
    ]


def _related(session: Session, ids: list[int]) -> _Related:
    areas, themes, indicators, children = _links_and_children(session, ids)
    # Own lines per year in one flat query; the recursive subtree query only for those that have children
    # (most interventions have none, and the recursion costs far more than the flat sum).
    own = _own_totals(session, ids)
    subtree = {**own, **_subtree_totals(session, [i for i in ids if children[i]])}
    return _Related(areas, themes, indicators, children, own, subtree)


def _links_and_children(session: Session, ids: list[int]) -> tuple[dict, dict, dict, dict[int, list[int]]]:
    """Each intervention's areas (in the areas' order), themes and indicators (in code order), and the ids of
    its non-archived children (in id order): one statement for a page of any size, a UNION ALL of
    (kind, intervention, text code, number, live) rows."""
    areas: dict[int, list[str]] = {i: [] for i in ids}
    themes: dict[int, list[str]] = {i: [] for i in ids}
    indicators: dict[int, list[int]] = {i: [] for i in ids}
    children: dict[int, list[int]] = {i: [] for i in ids}
    if not ids:
        return areas, themes, indicators, children
    found = _for_ids(session, _LINKS_AND_CHILDREN, ids)
    found.sort(key=lambda r: (r[3], r[2] or ""))  # areas by position, themes by code, the rest by number
    for kind, iid, code, number, live in found:
        if kind == "a":
            areas[iid].append(code)
        elif kind == "t":
            themes[iid].append(code)
        elif kind == "i":
            indicators[iid].append(number)
        elif live:
            children[iid].append(number)
    return areas, themes, indicators, children


def _one_of(column, array: bool):
    """`column IN (:ids)` for a list of ids. On PostgreSQL `column = ANY(:ids)`, one array parameter: IN with an
    expanding parameter renders and binds one parameter per id (50 for a page), which psycopg then parses anew
    for every page (it caches the parsing only of statements with few parameters)."""
    if array:
        return column == any_(bindparam("ids", type_=ARRAY(Integer)))
    return column.in_(bindparam("ids", expanding=True))


def _for_ids(session: Session, statements: tuple, ids: list[int]) -> list:
    """The rows of a statement built by _one_of and wrapped by _as_one_row, in the variant for the session's
    database (statements: the one for SQLite, the one for PostgreSQL), on the session's connection: lists of the
    row's values, in no particular order."""
    connection = session.connection()
    found = connection.execute(statements[connection.dialect.name == "postgresql"], {"ids": ids}).scalar()
    if isinstance(found, str):  # SQLite answers the JSON as text; psycopg parses PostgreSQL's json itself
        return json.loads(found)
    return found or []  # PostgreSQL's json_agg of no rows is NULL


def _as_one_row(statement, postgresql: bool):
    """`statement`'s rows as one JSON array of arrays, built by the database: one row to fetch instead of
    hundreds. On SQLite, Python's driver lets go of the GIL around every row it steps through; under load each
    such step handed the GIL to another thread and back, and a page of 50 (some 720 rows of links and sums per
    year) cost its worker twice the CPU it costs alone. The values are integers, text and NULL, which JSON
    carries exactly (the sums are BIGINT)."""
    rows = statement.subquery()
    if postgresql:
        return select(func.json_agg(func.json_build_array(*rows.c)))
    return select(func.json_group_array(func.json_array(*rows.c)))


def _links_and_children_statement(array: bool):
    no_text, zero = cast(null(), String), cast(literal(0), Integer)
    link_area, link_theme, link_indicator = InterventionArea, InterventionTheme, InterventionIndicator
    # Children: (id, parent_id) by the parent_id index; whether each is archived is a column, not a condition
    # (with `archived_at IS NULL` in the WHERE, SQLite picks another index and reads the whole table).
    return union_all(
        select(
            literal("a"),
            col(link_area.intervention_id),
            cast(col(link_area.area_slug), String),
            col(Area.position),
            zero,
        )
        .join(Area, col(Area.slug) == col(link_area.area_slug))
        .where(_one_of(col(link_area.intervention_id), array)),
        select(
            literal("t"), col(link_theme.intervention_id), cast(col(link_theme.theme_code), String), zero, zero
        ).where(_one_of(col(link_theme.intervention_id), array)),
        select(
            literal("i"), col(link_indicator.intervention_id), no_text, col(link_indicator.indicator_number), zero
        ).where(_one_of(col(link_indicator.intervention_id), array)),
        select(
            literal("c"),
            col(Intervention.parent_id),
            no_text,
            col(Intervention.id),
            case((col(Intervention.archived_at).is_(None), 1), else_=0),
        ).where(_one_of(col(Intervention.parent_id), array)),
    )


# By whether the database takes an array parameter (PostgreSQL): the statement for SQLite, the one for PostgreSQL.
_LINKS_AND_CHILDREN = (
    _as_one_row(_links_and_children_statement(False), False),
    _as_one_row(_links_and_children_statement(True), True),
)


def _own_totals(session: Session, ids: list[int]) -> dict[int, dict[int, YearSums]]:
    """Øre per year of each intervention's own lines, per type in the same query: conditional sums of the plan,
    the original budget and the actual spending."""
    by_year: dict[int, dict[int, YearSums]] = {i: {} for i in ids}
    if ids:
        found = _for_ids(session, _OWN_TOTALS, ids)
        found.sort(key=itemgetter(1))  # by year
        for iid, year, plan, original, actual in found:
            by_year[iid][year] = (plan, original, actual)
    return by_year


def _own_totals_statement(array: bool):
    return (
        select(BudgetLine.intervention_id, BudgetLine.year, *_type_sums())
        .where(_one_of(col(BudgetLine.intervention_id), array))
        .group_by(col(BudgetLine.intervention_id), col(BudgetLine.year))
    )


def _subtree_totals(session: Session, ids: Sequence[int]) -> dict[int, dict[int, YearSums]]:
    """Øre per year of each intervention's own lines plus those of all its (non-archived) descendants."""
    if not ids:
        return {}
    base = select(col(Intervention.id).label("root_id"), col(Intervention.id).label("node_id")).where(
        col(Intervention.id).in_(ids)
    )
    tree = base.cte("tree", recursive=True)
    child = (
        select(tree.c.root_id, col(Intervention.id))
        .join(tree, col(Intervention.parent_id) == tree.c.node_id)
        .where(col(Intervention.archived_at).is_(None))
    )
    # UNION, not UNION ALL: even if a cycle ever slipped in, the recursion would stop.
    tree = tree.union(child)
    rows = session.exec(
        select(tree.c.root_id, BudgetLine.year, *_type_sums())
        .join(BudgetLine, col(BudgetLine.intervention_id) == tree.c.node_id)
        .group_by(tree.c.root_id, col(BudgetLine.year))
        .order_by(col(BudgetLine.year))
    ).all()
    totals: dict[int, dict[int, YearSums]] = {}
    for root, year, plan, original, actual in rows:
        totals.setdefault(root, {})[year] = (plan, original, actual)
    return totals


def _type_sums() -> list:
    """SUM(amount) of the plan, original and actual lines, as conditional sums over one scan of the lines
    (NULL when the group has no line of that kind). As BIGINT: PostgreSQL's SUM of a bigint is a numeric, which
    psycopg reads as a Decimal, 0.45 of 2.2 ms of CPU for the sums of a page of 50 (an integer it reads as an
    int); one intervention's lines cannot come near the bigint's limit (a request or an import carries far fewer
    than the 9 million lines of the largest amount it would take)."""
    amount = col(BudgetLine.amount_ore)
    return [
        cast(func.sum(case((col(BudgetLine.in_plan), amount))), BigInteger),
        cast(func.sum(case((col(BudgetLine.type) == BudgetLineType.budget.value, amount))), BigInteger),
        cast(func.sum(case((col(BudgetLine.type) == BudgetLineType.actual.value, amount))), BigInteger),
    ]


def _lines_and_criteria(
    session: Session, ids: list[int]
) -> tuple[dict[int, list[BudgetLinePublic]], dict[int, list[SuccessCriterionPublic]]]:
    lines: dict[int, list[BudgetLinePublic]] = {i: [] for i in ids}
    criteria: dict[int, list[SuccessCriterionPublic]] = {i: [] for i in ids}
    if not ids:
        return lines, criteria
    found = session.exec(
        select(BudgetLine)
        .where(col(BudgetLine.intervention_id).in_(ids))
        .order_by(
            col(BudgetLine.year), col(BudgetLine.category), col(BudgetLine.funding_source_code), col(BudgetLine.id)
        )
    ).all()
    names = names_by_id(session, (line.funding_organisation_id for line in found))
    for line in found:
        lines[line.intervention_id].append(budget_line_public(line, names))
    for crit in session.exec(
        select(SuccessCriterion)
        .where(col(SuccessCriterion.intervention_id).in_(ids))
        .order_by(col(SuccessCriterion.position), col(SuccessCriterion.id))
    ):
        criteria[crit.intervention_id].append(success_criterion_public(crit))
    return lines, criteria


_OWN_TOTALS = (_as_one_row(_own_totals_statement(False), False), _as_one_row(_own_totals_statement(True), True))


def _sums(
    sums: dict[int, YearSums], money: Callable[[int], Any]
) -> tuple[int, int, int, list[dict[str, Any]], list[dict[str, Any]]]:
    """Øre of the plan, the original budget and the actual spending over the years, and [{year, amount}] of the
    plan and of the actual spending (years with such lines only, the amount as `money` gives it), in one pass:
    plain dicts (a YearAmount each, made here, cost more than the rest of the page)."""
    plan = original = actual = 0
    plan_years: list[dict[str, Any]] = []
    actual_years: list[dict[str, Any]] = []
    for year, (p, o, a) in sums.items():
        if p is not None:
            p = int(p)
            plan += p
            plan_years.append({"year": year, "amount": money(p)})
        if o is not None:
            original += int(o)
        if a is not None:
            a = int(a)
            actual += a
            actual_years.append({"year": year, "amount": money(a)})
    return plan, original, actual, plan_years, actual_years


def _fields(r: Intervention, related: _Related, money: Callable[[int], Any] = from_ore) -> dict[str, Any]:
    """The fields InterventionSummary and InterventionPublic share, the amounts as `money` gives them (Decimal for
    the models; kroner_text for the JSON of a page)."""
    own, subtree = related.own[r.id], related.subtree.get(r.id, {})
    plan, original, actual, plan_years, actual_years = _sums(own, money)
    if subtree is not own:
        all_plan, _, all_actual, plan_years, actual_years = _sums(subtree, money)
    else:
        all_plan, all_actual = plan, actual
    return {
        "id": r.id,
        "external_id": r.external_id,
        "name": r.name,
        "description": r.description,
        "purpose": r.purpose,
        "kind": r.kind,
        "status": r.status,
        "track": r.track,
        "department": r.department_code,
        "parent_id": r.parent_id,
        "areas": related.areas[r.id],
        "themes": related.themes[r.id],
        "indicators": related.indicators[r.id],
        "target_group": r.target_group,
        "start_date": r.start_date,
        "end_date": r.end_date,
        "contact_name": r.contact_name,
        "contact_email": r.contact_email,
        "budget_total": money(plan),
        "budget_total_with_descendants": money(all_plan),
        "budget_by_year": plan_years,
        "original_budget_total": money(original),
        "actual_total": money(actual),
        "actual_total_with_descendants": money(all_actual),
        "actual_by_year": actual_years,
        "children": related.children[r.id],
        "created_at": r.created_at,
        "updated_at": r.updated_at,
        "archived_at": r.archived_at,
    }
