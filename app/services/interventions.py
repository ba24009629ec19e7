"""Interventions: create, read, list, update and archive, with the rules of the domain."""

import base64
import binascii
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, case, delete, exists, false, func, or_, true, update
from sqlmodel import Session, col, select

from app.context import current
from app.db import begin_write
from app.errors import BadRequest, Conflict, NotFound, RuleViolation
from app.models.auth import Role
from app.models.budget_line import (
    BUDGET_LINE_TYPE_LABELS,
    BudgetLine,
    BudgetLineCreate,
    BudgetLinePublic,
    BudgetLineType,
)
from app.models.intervention import (
    Intervention,
    InterventionArea,
    InterventionCreate,
    InterventionIndicator,
    InterventionPage,
    InterventionPublic,
    InterventionSummary,
    InterventionTheme,
    InterventionUpdate,
    Kind,
    Status,
    Track,
    YearAmount,
)
from app.models.reference import Area
from app.models.success_criterion import (
    OUTCOME_LABELS,
    Outcome,
    SuccessCriterion,
    SuccessCriterionCreate,
    SuccessCriterionPublic,
)
from app.models.types import MAX_ID, from_ore, search_key, to_ore, utcnow
from app.services import audit, lifecycle
from app.services.auth import Forbidden, require_department
from app.services.etags import check_if_match, content_etag
from app.services.pools import grants_of_intervention
from app.services.reference import CodeChecker, Loc

SORTS = {
    "id": col(Intervention.id),
    "name": col(Intervention.name),
    "created_at": col(Intervention.created_at),
    "updated_at": col(Intervention.updated_at),
}
SORT_VALUES = [*SORTS, *(f"-{s}" for s in SORTS)]


@dataclass
class InterventionFilters:
    department: list[str] = field(default_factory=list)
    area: list[str] = field(default_factory=list)
    theme: list[str] = field(default_factory=list)
    indicator: list[int] = field(default_factory=list)
    kind: list[Kind] = field(default_factory=list)
    status: list[Status] = field(default_factory=list)
    track: list[Track] = field(default_factory=list)
    year: list[int] = field(default_factory=list)
    parent_id: int | None = None
    external_id: str | None = None
    q: str | None = None
    include_archived: bool = False


# --- reading -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearSums:
    """Øre of one year: the current plan, the original budget and the actual spending (None: no such line)."""

    plan: int | None
    original: int | None
    actual: int | None


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
        totals.setdefault(root, {})[year] = YearSums(plan, original, actual)
    return totals


def _type_sums() -> list:
    """SUM(amount) of the plan, original and actual lines, as conditional sums over one scan of the lines
    (NULL when the group has no line of that kind)."""
    amount = col(BudgetLine.amount_ore)
    return [
        func.sum(case((col(BudgetLine.in_plan), amount))),
        func.sum(case((col(BudgetLine.type) == BudgetLineType.budget.value, amount))),
        func.sum(case((col(BudgetLine.type) == BudgetLineType.actual.value, amount))),
    ]


def _ore(values) -> int:
    return sum(int(v) for v in values if v is not None)


def _to_public(session: Session, rows: Sequence[Intervention], *, full: bool) -> list[Any]:
    ids = [r.id for r in rows]
    areas: dict[int, list[str]] = {i: [] for i in ids}
    themes: dict[int, list[str]] = {i: [] for i in ids}
    indicators: dict[int, list[int]] = {i: [] for i in ids}
    children: dict[int, list[int]] = {i: [] for i in ids}
    if ids:
        for iid, slug in session.exec(
            select(InterventionArea.intervention_id, InterventionArea.area_slug)
            .join(Area, col(Area.slug) == col(InterventionArea.area_slug))
            .where(col(InterventionArea.intervention_id).in_(ids))
            .order_by(col(Area.position))
        ):
            areas[iid].append(slug)
        for iid, code in session.exec(
            select(InterventionTheme.intervention_id, InterventionTheme.theme_code)
            .where(col(InterventionTheme.intervention_id).in_(ids))
            .order_by(col(InterventionTheme.theme_code))
        ):
            themes[iid].append(code)
        for iid, number in session.exec(
            select(InterventionIndicator.intervention_id, InterventionIndicator.indicator_number)
            .where(col(InterventionIndicator.intervention_id).in_(ids))
            .order_by(col(InterventionIndicator.indicator_number))
        ):
            indicators[iid].append(number)
        # Children in two steps: (id, parent_id) alone is answered from the parent_id index, whereas with
        # `archived_at IS NULL` beside it SQLite picks another index and reads the whole table (2 ms a page).
        found = session.exec(
            select(Intervention.id, Intervention.parent_id).where(col(Intervention.parent_id).in_(ids))
        ).all()
        if found:
            live = set(
                session.exec(
                    select(Intervention.id).where(
                        col(Intervention.id).in_([c for c, _ in found]), col(Intervention.archived_at).is_(None)
                    )
                ).all()
            )
            for child_id, parent_id in sorted(found):
                if child_id in live:
                    children[parent_id].append(child_id)
    # Own lines per year in one flat query; the recursive subtree query only for those that have children
    # (most interventions have none, and the recursion costs far more than the flat sum).
    # Per type in the same query: conditional sums of the plan, the original budget and the actual spending.
    by_year: dict[int, dict[int, YearSums]] = {i: {} for i in ids}
    if ids:
        for iid, year, plan, original, actual in session.exec(
            select(BudgetLine.intervention_id, BudgetLine.year, *_type_sums())
            .where(col(BudgetLine.intervention_id).in_(ids))
            .group_by(col(BudgetLine.intervention_id), col(BudgetLine.year))
            .order_by(col(BudgetLine.year))
        ):
            by_year[iid][year] = YearSums(plan, original, actual)
    subtree = {**by_year, **_subtree_totals(session, [i for i in ids if children[i]])}
    lines: dict[int, list[BudgetLinePublic]] = {i: [] for i in ids}
    criteria: dict[int, list[SuccessCriterionPublic]] = {i: [] for i in ids}
    if full and ids:
        for line in session.exec(
            select(BudgetLine)
            .where(col(BudgetLine.intervention_id).in_(ids))
            .order_by(
                col(BudgetLine.year), col(BudgetLine.category), col(BudgetLine.funding_source_code), col(BudgetLine.id)
            )
        ):
            lines[line.intervention_id].append(budget_line_public(line))
        for crit in session.exec(
            select(SuccessCriterion)
            .where(col(SuccessCriterion.intervention_id).in_(ids))
            .order_by(col(SuccessCriterion.position), col(SuccessCriterion.id))
        ):
            criteria[crit.intervention_id].append(success_criterion_public(crit))
    out = []
    for r in rows:
        data = {
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
            "areas": areas[r.id],
            "themes": themes[r.id],
            "indicators": indicators[r.id],
            "target_group": r.target_group,
            "start_date": r.start_date,
            "end_date": r.end_date,
            "contact_name": r.contact_name,
            "contact_email": r.contact_email,
            "budget_total": from_ore(_ore(y.plan for y in by_year[r.id].values())),
            "budget_total_with_descendants": from_ore(_ore(y.plan for y in subtree.get(r.id, {}).values())),
            "budget_by_year": [
                YearAmount(year=year, amount=from_ore(int(y.plan)))
                for year, y in subtree.get(r.id, {}).items()
                if y.plan is not None
            ],
            "original_budget_total": from_ore(_ore(y.original for y in by_year[r.id].values())),
            "actual_total": from_ore(_ore(y.actual for y in by_year[r.id].values())),
            "actual_total_with_descendants": from_ore(_ore(y.actual for y in subtree.get(r.id, {}).values())),
            "actual_by_year": [
                YearAmount(year=year, amount=from_ore(int(y.actual)))
                for year, y in subtree.get(r.id, {}).items()
                if y.actual is not None
            ],
            "children": children[r.id],
            "created_at": r.created_at,
            "updated_at": r.updated_at,
            "archived_at": r.archived_at,
        }
        if full:
            out.append(
                InterventionPublic(
                    **data,
                    budget_lines=lines[r.id],
                    success_criteria=criteria[r.id],
                    pool_grants=grants_of_intervention(session, r.id),
                )
            )
        else:
            out.append(InterventionSummary(**data))
    return out


def budget_line_public(line: BudgetLine) -> BudgetLinePublic:
    return BudgetLinePublic(
        id=line.id,
        year=line.year,
        category=line.category,
        funding_source=line.funding_source_code,
        amount=from_ore(line.amount_ore),
        note=line.note,
        type=line.type,
        type_label=BUDGET_LINE_TYPE_LABELS[BudgetLineType(line.type)],
        in_plan=line.in_plan,
    )


def success_criterion_public(crit: SuccessCriterion) -> SuccessCriterionPublic:
    return SuccessCriterionPublic(
        id=crit.id,
        description=crit.description,
        indicator=crit.indicator_number,
        baseline=crit.baseline,
        target=crit.target,
        unit=crit.unit,
        target_date=crit.target_date,
        outcome=crit.outcome,
        outcome_label=OUTCOME_LABELS[Outcome(crit.outcome)],
        actual_value=crit.actual_value,
    )


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


# Derived fields: they change with other rows, and are not part of what an audit record says was changed.
_DERIVED = {
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
    before = get_intervention(session, intervention_id)
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
    after = get_intervention(session, row.id, include_archived=True)
    changes = audit.diff(before.model_dump() if before else None, after.model_dump(), ignore=_DERIVED)
    if status_reason and "status" in changes:
        changes["status"]["reason"] = status_reason
    audit.record(session, action, "intervention", row.id, changes)
    session.commit()
    return after


def get_intervention(session: Session, intervention_id: int, *, include_archived: bool = False) -> InterventionPublic:
    row = load_intervention(session, intervention_id, include_archived=include_archived)
    return _to_public(session, [row], full=True)[0]


def _encode_cursor(sort: str, value: Any, last_id: int) -> str:
    if isinstance(value, datetime):
        value = value.isoformat()
    raw = json.dumps({"s": sort, "v": value, "id": last_id}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
        value, last_id = data["v"], data["id"]
        if data["s"] != sort:
            raise BadRequest(
                f"the cursor belongs to sort={data['s']!r}, not {sort!r}; start again without a cursor",
                errors=[{"loc": ["query", "cursor"], "msg": "cursor was made for another sort order"}],
            )
        if not isinstance(last_id, int) or isinstance(last_id, bool) or not 1 <= last_id <= MAX_ID:
            raise ValueError
        key = sort.lstrip("-")
        if key == "id":
            value = last_id
        elif key == "name":
            if not isinstance(value, str):
                raise ValueError
        else:
            value = datetime.fromisoformat(value)
            if value.tzinfo is None:
                raise ValueError
        return value, last_id
    except BadRequest:
        raise
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError):
        raise BadRequest(
            "the cursor is not valid; use the next_cursor of a previous page",
            errors=[{"loc": ["query", "cursor"], "msg": "invalid cursor"}],
        ) from None


def where_matches(stmt, *, department=(), kind=(), status=(), track=(), area=(), theme=(), indicator=()):
    """The filters every intervention query shares (lists, rollups, coverage, exports): AND across filters,
    OR within one; a statement that selects from (or joins) intervention."""
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


def list_interventions(
    session: Session, filters: InterventionFilters, *, sort: str = "id", limit: int = 50, cursor: str | None = None
) -> InterventionPage:
    checker = CodeChecker(session)
    checker.check_all("department", filters.department, ["query", "department"])
    checker.check_all("area", filters.area, ["query", "area"])
    checker.check_all("theme", filters.theme, ["query", "theme"])
    checker.check_all("indicator", filters.indicator, ["query", "indicator"])
    checker.raise_if_any()

    stmt = select(Intervention)
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
    if filters.parent_id is not None:
        stmt = stmt.where(col(Intervention.parent_id) == filters.parent_id)
    if filters.external_id is not None:
        stmt = stmt.where(col(Intervention.external_id) == filters.external_id)
    if filters.year:
        stmt = stmt.where(
            exists().where(
                col(BudgetLine.intervention_id) == col(Intervention.id), col(BudgetLine.year).in_(filters.year)
            )
        )
    if filters.q:
        needle = search_key(filters.q)
        if needle:
            stmt = stmt.where(col(Intervention.search_text).like(_like_pattern(needle), escape="\\"))

    key = sort.lstrip("-")
    descending = sort.startswith("-")
    sort_col = SORTS[key]
    id_col = col(Intervention.id)
    if cursor:
        value, last_id = _decode_cursor(cursor, sort)
        if key == "id":
            stmt = stmt.where(id_col < last_id if descending else id_col > last_id)
        elif descending:
            stmt = stmt.where(or_(sort_col < value, and_(sort_col == value, id_col < last_id)))
        else:
            stmt = stmt.where(or_(sort_col > value, and_(sort_col == value, id_col > last_id)))
    order = [sort_col.desc(), id_col.desc()] if descending else [sort_col.asc(), id_col.asc()]
    if key == "id":
        order = order[:1]
    rows = session.exec(stmt.order_by(*order).limit(limit + 1)).all()
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if has_more and rows:
        last = rows[-1]
        next_cursor = _encode_cursor(sort, getattr(last, key), last.id)
    return InterventionPage(items=_to_public(session, rows, full=False), next_cursor=next_cursor)


# --- writing -----------------------------------------------------------------------------------------------


def check_budget_lines(
    checker: CodeChecker, lines: Sequence[BudgetLineCreate], loc: Loc, start: date | None, end: date | None
) -> None:
    seen: dict[tuple, int] = {}
    for i, line in enumerate(lines):
        checker.check("funding source", line.funding_source, [*loc, i, "funding_source"])
        if start is not None and line.year < start.year:
            checker.fail(
                [*loc, i, "year"], f"year {line.year} is before the intervention's start ({start.isoformat()})"
            )
        if end is not None and line.year > end.year:
            checker.fail([*loc, i, "year"], f"year {line.year} is after the intervention's end ({end.isoformat()})")
        key = (line.year, line.category, line.funding_source, line.type)
        if key in seen:
            checker.fail(
                [*loc, i],
                f"duplicates line {seen[key]}: only one line per (year, category, funding_source, type); "
                "add the amounts",
            )
        seen.setdefault(key, i)


def check_period(checker: CodeChecker, start: date | None, end: date | None, field_name: str) -> None:
    if start is not None and end is not None and start > end:
        checker.fail(
            ["body", field_name], f"start_date {start.isoformat()} is after end_date {end.isoformat()}", "period"
        )


def check_success_criteria(checker: CodeChecker, criteria: Sequence[SuccessCriterionCreate], loc: Loc) -> None:
    for i, crit in enumerate(criteria):
        checker.check("indicator", crit.indicator, [*loc, i, "indicator"])


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


def _ranked(values: list) -> list[tuple]:
    """(code, rank, siblings) in code order: theme code, indicator number, area slug."""
    ordered = sorted(values)
    return [(v, i, len(ordered)) for i, v in enumerate(ordered)]


def set_links(session: Session, intervention_id: int, areas=None, themes=None, indicators=None) -> None:
    """Replace the given link sets (None leaves a set alone), with the ranks the rollups split money by."""
    for model, values, attr in (
        (InterventionArea, areas, "area_slug"),
        (InterventionTheme, themes, "theme_code"),
        (InterventionIndicator, indicators, "indicator_number"),
    ):
        if values is None:
            continue
        session.execute(delete(model).where(col(model.intervention_id) == intervention_id))
        session.add_all(
            model(intervention_id=intervention_id, rank=rank, siblings=n, **{attr: v}) for v, rank, n in _ranked(values)
        )


def replace_budget_lines(session: Session, intervention_id: int, lines: Sequence[BudgetLineCreate]) -> None:
    for old in session.exec(select(BudgetLine).where(BudgetLine.intervention_id == intervention_id)).all():
        session.delete(old)
    session.flush()
    add_budget_lines(session, intervention_id, lines)


def add_budget_lines(session: Session, intervention_id: int, lines: Sequence[BudgetLineCreate]) -> None:
    """The whole set of an intervention's lines, with their plan flags computed from the set itself."""
    session.add_all(
        new_budget_line(intervention_id, line, **flags) for line, flags in zip(lines, line_flags(lines), strict=True)
    )


def line_flags(lines: Sequence[Any]) -> list[dict[str, bool]]:
    """The stored flags of each line of one intervention's whole set (items with year, category, funding_source,
    type), in the order the lines are inserted:
    - in_plan: every revised line, and each original line with no revised line of the same key; never an
      actual line;
    - first_in_year / first_in_plan: the first plan line of the year / of the whole set, so that a rollup counts
      interventions by summing a flag instead of COUNT(DISTINCT) (see BudgetLine)."""
    revised = {(x.year, x.category, x.funding_source) for x in lines if x.type == BudgetLineType.revised}
    flags, years_seen = [], set()
    for x in lines:
        in_plan = x.type == BudgetLineType.revised or (
            x.type == BudgetLineType.budget and (x.year, x.category, x.funding_source) not in revised
        )
        first_in_year = in_plan and x.year not in years_seen
        flags.append({"in_plan": in_plan, "first_in_year": first_in_year, "first_in_plan": in_plan and not years_seen})
        if in_plan:
            years_seen.add(x.year)
    return flags


def refresh_plan_flags(session: Session, intervention_ids: Sequence[int]) -> None:
    """Recompute the flags of every line of the given interventions (in_plan; then first_in_year and
    first_in_plan, held by the plan line with the lowest id) in two set-based UPDATEs, after a change to part of
    their lines (one line added or removed). Lines already loaded in the session are expired."""
    if not intervention_ids:
        return
    session.flush()
    lines, revision = BudgetLine.__table__, BudgetLine.__table__.alias("revision")
    has_revision = exists().where(
        revision.c.intervention_id == lines.c.intervention_id,
        revision.c.year == lines.c.year,
        revision.c.category == lines.c.category,
        revision.c.funding_source_code == lines.c.funding_source_code,
        revision.c.type == BudgetLineType.revised.value,
    )
    session.execute(
        update(lines)
        .where(lines.c.intervention_id.in_(list(intervention_ids)))
        .values(
            in_plan=case(
                (lines.c.type == BudgetLineType.revised.value, true()),
                (lines.c.type == BudgetLineType.budget.value, ~has_revision),
                else_=false(),
            )
        )
    )
    session.execute(
        update(lines).where(lines.c.intervention_id.in_(list(intervention_ids))).values(**first_plan_lines())
    )
    for obj in list(session.identity_map.values()):
        if isinstance(obj, BudgetLine):
            session.expire(obj)


def first_plan_lines() -> dict[str, Any]:
    """first_in_year and first_in_plan of a budget line from the in_plan of its intervention's lines, as the
    values of an UPDATE of budget_line (also used by the migration that introduced them)."""
    lines, other = BudgetLine.__table__, BudgetLine.__table__.alias("other")

    def lowest_plan_line(*same):
        return (
            select(func.min(other.c.id))
            .where(other.c.intervention_id == lines.c.intervention_id, other.c.in_plan, *same)
            .scalar_subquery()
        )

    return {
        "first_in_year": and_(lines.c.in_plan, lines.c.id == lowest_plan_line(other.c.year == lines.c.year)),
        "first_in_plan": and_(lines.c.in_plan, lines.c.id == lowest_plan_line()),
    }


def new_budget_line(
    intervention_id: int,
    line: BudgetLineCreate,
    *,
    in_plan: bool,
    first_in_year: bool = False,
    first_in_plan: bool = False,
) -> BudgetLine:
    return BudgetLine(
        intervention_id=intervention_id,
        year=line.year,
        category=line.category,
        funding_source_code=line.funding_source,
        type=line.type.value,
        in_plan=in_plan,
        first_in_year=first_in_year,
        first_in_plan=first_in_plan,
        amount_ore=to_ore(line.amount),
        note=line.note,
    )


def replace_success_criteria(
    session: Session, intervention_id: int, criteria: Sequence[SuccessCriterionCreate]
) -> None:
    for old in session.exec(select(SuccessCriterion).where(SuccessCriterion.intervention_id == intervention_id)).all():
        session.delete(old)
    session.flush()
    session.add_all(new_success_criterion(intervention_id, i, crit) for i, crit in enumerate(criteria))


def new_success_criterion(intervention_id: int, position: int, crit: SuccessCriterionCreate) -> SuccessCriterion:
    return SuccessCriterion(
        intervention_id=intervention_id,
        position=position,
        description=crit.description,
        indicator_number=crit.indicator,
        baseline=crit.baseline,
        target=crit.target,
        unit=crit.unit,
        target_date=crit.target_date,
        outcome=crit.outcome.value,
        actual_value=crit.actual_value,
    )


def create_intervention(session: Session, data: InterventionCreate) -> InterventionPublic:
    begin_write(session)
    require_department(data.department, what=f"an intervention of {data.department}")
    checker = CodeChecker(session)
    check_period(checker, data.start_date, data.end_date, "end_date")
    checker.check("department", data.department, ["body", "department"])
    checker.check_all("area", data.areas, ["body", "areas"])
    checker.check_all("theme", data.themes, ["body", "themes"])
    checker.check_all("indicator", data.indicators, ["body", "indicators"])
    check_budget_lines(checker, data.budget_lines, ["body", "budget_lines"], data.start_date, data.end_date)
    check_success_criteria(checker, data.success_criteria, ["body", "success_criteria"])
    _check_parent(session, checker, data.parent_id, None)
    checker.raise_if_any()
    check_parent_rights(session, None, data.parent_id)
    _check_external_id(session, data.external_id, None)

    now = utcnow()
    row = Intervention(
        external_id=data.external_id,
        name=data.name,
        description=data.description,
        purpose=data.purpose,
        kind=data.kind.value,
        status=data.status.value,
        track=data.track.value if data.track else None,
        department_code=data.department,
        parent_id=data.parent_id,
        target_group=data.target_group,
        start_date=data.start_date,
        end_date=data.end_date,
        contact_name=data.contact_name,
        contact_email=data.contact_email,
        search_text=search_key(data.name, data.description),
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()
    set_links(session, row.id, data.areas, data.themes, data.indicators)
    add_budget_lines(session, row.id, data.budget_lines)
    session.add_all(new_success_criterion(row.id, i, c) for i, c in enumerate(data.success_criteria))
    audit_parent_change(session, row.id, None, row.parent_id)
    return finish_change(session, row, "create", None)


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
}


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
    current_value = row.department_code if name == "department" else getattr(row, name)
    return getattr(value, "value", value) == current_value


def _line_key(line: BudgetLineCreate | BudgetLinePublic) -> tuple:
    return (line.year, line.category, line.funding_source, line.type.value, line.amount, line.note or "")


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
    checker = CodeChecker(session)
    for name in sorted(_REQUIRED & changes.keys()):
        if changes[name] is None:
            hint = (
                "; send [] to clear the list"
                if name in {"areas", "themes", "indicators", "budget_lines", "success_criteria"}
                else ""
            )
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
        check_budget_lines(checker, data.budget_lines, ["body", "budget_lines"], start, end)
    elif "start_date" in changes or "end_date" in changes:
        years = session.exec(
            select(func.min(BudgetLine.year), func.max(BudgetLine.year)).where(BudgetLine.intervention_id == row.id)
        ).one()
        if years[0] is not None:
            if start is not None and years[0] < start.year:
                checker.fail(["body", "start_date"], f"budget lines exist for {years[0]}, before the new start")
            if end is not None and years[1] > end.year:
                checker.fail(["body", "end_date"], f"budget lines exist for {years[1]}, after the new end")
    if "success_criteria" in changes:
        check_success_criteria(checker, data.success_criteria, ["body", "success_criteria"])
    if "parent_id" in changes:
        _check_parent(session, checker, changes["parent_id"], row.id)
    if changes.get("status") is not None:
        problem = lifecycle.transition_problem(row.status, changes["status"], status_reason)
        if problem:
            checker.fail(["body", "status"], problem, "status_transition")
    checker.raise_if_any()
    old_parent_id = row.parent_id
    if "parent_id" in changes:
        check_parent_rights(session, old_parent_id, changes["parent_id"])
    if "external_id" in changes:
        _check_external_id(session, changes["external_id"], row.id)

    for name in (
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
    ):
        if name in changes:
            value = changes[name]
            setattr(row, name, value.value if hasattr(value, "value") else value)
    if "department" in changes:
        row.department_code = changes["department"]
    row.search_text = search_key(row.name, row.description)
    set_links(session, row.id, changes.get("areas"), changes.get("themes"), changes.get("indicators"))
    if "budget_lines" in changes:
        replace_budget_lines(session, row.id, data.budget_lines)
    if "success_criteria" in changes:
        replace_success_criteria(session, row.id, data.success_criteria)
    audit_parent_change(session, row.id, old_parent_id, row.parent_id)
    return finish_change(session, row, "update", before, status_reason=status_reason)


def archive_intervention(session: Session, intervention_id: int) -> None:
    row, before = begin_change(session, intervention_id)
    row.archived_at = utcnow()
    finish_change(session, row, "archive", before)
