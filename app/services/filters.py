"""The intervention filters (app/models/filters.py) as SQL: the one place that turns them into WHERE clauses,
for the list, the exports and the rollups alike."""

from sqlalchemy import CTE, Select, exists, select
from sqlalchemy.orm import aliased
from sqlmodel import Session, col

from app.models.budget_line import BudgetLine
from app.models.filters import InterventionFilters
from app.models.intervention import Intervention, InterventionArea, InterventionIndicator, InterventionTheme
from app.models.types import search_key
from app.services.reference import CodeChecker


def check_filters(session: Session, filters: InterventionFilters, *, parent_is_subtree: bool = False) -> CodeChecker:
    """Every problem with the filters' codes and subtree roots, collected (the caller adds its own and raises)."""
    checker = CodeChecker(session)
    checker.check_all("department", filters.department, ["query", "department"])
    checker.check_all("area", filters.area, ["query", "area"])
    checker.check_all("theme", filters.theme, ["query", "theme"])
    checker.check_all("indicator", filters.indicator, ["query", "indicator"])
    for name, root in _subtree_roots(filters, parent_is_subtree):
        found = session.get(Intervention, root)
        if found is None or (found.archived_at is not None and not filters.include_archived):
            checker.fail(["query", name], f"intervention {root} does not exist", "unknown_parent")
    return checker


def _subtree_roots(filters: InterventionFilters, parent_is_subtree: bool) -> list[tuple[str, int]]:
    roots = [("subtree_of", filters.subtree_of)]
    if parent_is_subtree:
        roots.append(("parent_id", filters.parent_id))
    return [(name, root) for name, root in roots if root is not None]


def subtrees(filters: InterventionFilters, *, parent_is_subtree: bool = False) -> list[CTE]:
    """The subtrees the filters ask for, as recursive CTEs of `node_id`: build them once for a statement that
    applies the filters in several parts (two CTEs of one name in a UNION would not compile)."""
    return [
        subtree_ids(root, f"subtree_{name}", filters.include_archived)
        for name, root in _subtree_roots(filters, parent_is_subtree)
    ]


def subtree_ids(root_id: int, name: str, include_archived: bool) -> CTE:
    """Ids of an intervention and all its descendants (archived ones only if asked for)."""
    base = select(col(Intervention.id).label("node_id")).where(col(Intervention.id) == root_id)
    tree = base.cte(name, recursive=True)
    step = select(col(Intervention.id)).join(tree, col(Intervention.parent_id) == tree.c.node_id)
    if not include_archived:
        step = step.where(col(Intervention.archived_at).is_(None))
    # UNION, not UNION ALL: even if a cycle ever slipped in, the recursion would stop.
    return tree.union(step)


def where_filters(
    stmt: Select, filters: InterventionFilters, *, parent_is_subtree: bool = False, trees: list[CTE] | None = None
) -> Select:
    """The statement (which selects from or joins intervention) kept to the interventions the filters select.

    `parent_is_subtree`: `parent_id` takes the intervention and its whole subtree (the rollups' meaning) rather
    than its direct children. `trees`: the subtrees() of these filters, when the caller needs them shared."""
    if not filters.include_archived:
        stmt = stmt.where(col(Intervention.archived_at).is_(None))
    stmt = where_matches(
        stmt,
        department=filters.department,
        kind=filters.kind,
        status=filters.status,
        track=filters.track,
        area=filters.area,
        theme=filters.theme,
        indicator=filters.indicator,
    )
    if filters.parent_id is not None and not parent_is_subtree:
        stmt = stmt.where(col(Intervention.parent_id) == filters.parent_id)
    for tree in subtrees(filters, parent_is_subtree=parent_is_subtree) if trees is None else trees:
        stmt = stmt.where(col(Intervention.id).in_(select(tree.c.node_id)))
    if filters.external_id is not None:
        stmt = stmt.where(col(Intervention.external_id) == filters.external_id)
    if filters.year:
        # An alias: a statement over the budget lines (the rollups') would otherwise correlate the lines away.
        line = aliased(BudgetLine)
        stmt = stmt.where(
            exists().where(col(line.intervention_id) == col(Intervention.id), col(line.year).in_(filters.year))
        )
    if filters.q:
        needle = search_key(filters.q)
        if needle:
            stmt = stmt.where(col(Intervention.search_text).like(_like_pattern(needle), escape="\\"))
    return stmt


def where_matches(stmt, *, department=(), kind=(), status=(), track=(), area=(), theme=(), indicator=()):
    """The code filters: AND across filters, OR within one; a statement that selects from (or joins)
    intervention."""
    for column, values in (
        (Intervention.department_code, department),
        (Intervention.kind, kind),
        (Intervention.status, status),
        (Intervention.track, track),
    ):
        if values:
            stmt = stmt.where(col(column).in_([getattr(v, "value", v) for v in values]))
    for link, column, values in (
        (InterventionArea, InterventionArea.area_slug, area),
        (InterventionTheme, InterventionTheme.theme_code, theme),
        (InterventionIndicator, InterventionIndicator.indicator_number, indicator),
    ):
        if values:
            stmt = stmt.where(
                exists().where(col(link.intervention_id) == col(Intervention.id), col(column).in_(values))
            )
    return stmt


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
