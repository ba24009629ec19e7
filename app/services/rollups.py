"""Budget and coverage rollups, computed in SQL.

Money is never double counted: a budget line of an intervention linked to several codes of a split dimension
(theme, effect goal, indicator, area) is split equally over them in whole øre, the remainder going one øre at a
time to the first codes in code order, so the parts add up exactly to the line. With two split dimensions the
line is split over every combination. Interventions with no code of a split dimension land in its "none" group
(code null). `gross` is the full amount of the lines touching a group, for readers who want that view.

Every group has three measures, each split the same way: `budget` (the original budget lines), `revised` (the
current plan: lines with in_plan, i.e. revised lines and the original lines without a revision of their key, so
an original and its revision are never both counted) and `actual` (the spending, reported beside the plan and
never added to it). `amount` and `gross` are of the plan. One pass over the lines computes all three, as
conditional sums of the one split expression.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pydantic_core import to_json
from sqlalchemy import Select, and_, case, distinct, exists, false, func, literal_column, select, true
from sqlmodel import Session, col

from app.errors import NotFound, RuleViolation
from app.models.budget_line import BudgetLine, BudgetLineType
from app.models.filters import RollupFilters
from app.models.intervention import (
    KIND_LABELS,
    STATUS_LABELS,
    TRACK_LABELS,
    Intervention,
    InterventionArea,
    InterventionIndicator,
    InterventionTheme,
    Kind,
    Status,
)
from app.models.pool import Allocation, Pool
from app.models.reference import (
    Area,
    Department,
    EffectGoal,
    FundingSource,
    Indicator,
    Theme,
)
from app.models.rollup import (
    BudgetRollup,
    Coverage,
    CoverageDimension,
    CoverageRow,
    Dimension,
    PoolSummary,
    PoolSummaryDimension,
    PoolSummaryRow,
)
from app.models.types import from_ore, kroner_text, share_of
from app.services.filters import check_filters, subtrees, where_filters
from app.services.reference import at_reference_version

NONE_LABEL = "(ingen)"


def check_rollup_filters(session: Session, filters: RollupFilters) -> None:
    checker = check_filters(session, filters, parent_is_subtree=True)
    checker.check_all("funding source", filters.funding_source, ["query", "funding_source"])
    if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
        checker.fail(["query", "year_to"], f"year_to {filters.year_to} is before year_from {filters.year_from}")
    checker.raise_if_any()


def _intervention_columns() -> list:
    return [
        col(Intervention.department_code).label("department"),
        col(Intervention.track).label("track"),
        col(Intervention.kind).label("kind"),
        col(Intervention.status).label("status"),
    ]


# The link tables of the split dimensions whose codes, ranks and siblings a rollup line carries itself.
_LINKS = {
    Dimension.theme: (InterventionTheme, "theme_code"),
    Dimension.area: (InterventionArea, "area_slug"),
    Dimension.indicator: (InterventionIndicator, "indicator_number"),
}


def _linked(by: list[Dimension] | tuple = ()) -> list[Dimension]:
    return [d for d in _LINKS if d in by]


def _with_links(linked: list[Dimension]) -> tuple[Any, list]:
    """The interventions outer-joined to the links of the `linked` dimensions, and the links' columns for a rollup
    line (split_<dim>, split_<dim>_rank, split_<dim>_n). The budget lines' table is joined after them: SQLite keeps
    the tables of an outer join's left side before its right side, so a link joined to the lines would be looked
    up once per line and link, but joined to the intervention it is looked up once per intervention (1 of 10.4 ms
    of the rollup by theme and year at 1,000 interventions with 10 lines each)."""
    joined: Any = Intervention.__table__
    columns = []
    for dim in linked:
        table, code = _LINKS[dim]
        link = table.__table__.alias(f"l_{dim.value}")
        joined = joined.outerjoin(link, link.c.intervention_id == col(Intervention.id))
        name = f"split_{dim.value}"
        columns += [link.c[code].label(name), link.c.rank.label(f"{name}_rank"), link.c.siblings.label(f"{name}_n")]
    return joined, columns


def _budget_lines(linked: list[Dimension]) -> tuple[Select, Any, Any]:
    """Every budget line as a rollup line: (select, its year column, its funding-source column), with the links of
    the `linked` split dimensions (_with_links)."""
    joined, links = _with_links(linked)
    stmt = select(
        col(BudgetLine.intervention_id).label("intervention_id"),
        col(BudgetLine.amount_ore).label("amount_ore"),
        col(BudgetLine.year).label("year"),
        col(BudgetLine.category).label("category"),
        col(BudgetLine.funding_source_code).label("funding_source"),
        col(BudgetLine.type).label("type"),
        col(BudgetLine.in_plan).label("in_plan"),
        col(BudgetLine.first_in_year).label("first_in_year"),
        col(BudgetLine.first_in_plan).label("first_in_plan"),
        *_intervention_columns(),
        *links,
    ).select_from(joined.join(BudgetLine, col(BudgetLine.intervention_id) == col(Intervention.id)))
    return stmt, col(BudgetLine.year), col(BudgetLine.funding_source_code)


POOL_GRANT_CATEGORY = "Bevilling fra pulje"
POOL_GRANT_TYPE = "pool_grant"  # a rollup line's type for granted pool money: plan money, not an original budget


def _pool_grant_lines() -> tuple[Select, Any, Any]:
    """Net granted pool money as rollup lines: one per allocation, in the pool's year and funding source.

    The rule against counting money twice: a grant is left out when its intervention already has a budget line
    (original or revised, not actual spending) of the pool's funding source in the pool's year, for then the
    money is taken to be entered there. Granted money is plan money: it counts in `revised` (and `amount`),
    not in the original `budget`."""
    entered = exists().where(
        col(BudgetLine.intervention_id) == col(Allocation.intervention_id),
        col(BudgetLine.year) == col(Pool.year),
        col(BudgetLine.funding_source_code) == col(Pool.funding_source_code),
        col(BudgetLine.type) != BudgetLineType.actual.value,
    )
    stmt = (
        select(
            col(Allocation.intervention_id).label("intervention_id"),
            (col(Allocation.granted_ore) - col(Allocation.released_ore)).label("amount_ore"),
            col(Pool.year).label("year"),
            literal_column(f"'{POOL_GRANT_CATEGORY}'").label("category"),
            col(Pool.funding_source_code).label("funding_source"),
            literal_column(f"'{POOL_GRANT_TYPE}'").label("type"),
            true().label("in_plan"),
            # Grants do not count interventions by flag (see _count_flag); the columns keep the UNION aligned.
            false().label("first_in_year"),
            false().label("first_in_plan"),
            *_intervention_columns(),
        )
        .join(Pool, col(Pool.id) == col(Allocation.pool_id))
        .join(Intervention, col(Intervention.id) == col(Allocation.intervention_id))
        .where(col(Allocation.granted_ore) > col(Allocation.released_ore), ~entered)
    )
    return stmt, col(Pool.year), col(Pool.funding_source_code)


def _rollup_lines(filters: RollupFilters, by: list[Dimension] | tuple = ()) -> Select:
    """The lines a rollup sums: budget lines, and with include_pool_grants the pool grants not entered as lines.
    Without grants each line carries the links of the split dimensions in `by` (_with_links); the UNION with the
    grants is a subquery SQLite does not flatten, and there the links are joined to its rows (_split_joins)."""
    if filters.include_pool_grants:
        sources = [_budget_lines([]), _pool_grant_lines()]
    else:
        sources = [_budget_lines(_linked(by))]
    # One set of subtree CTEs for every part: two CTEs of one name in a UNION would not compile.
    trees = subtrees(filters, parent_is_subtree=True)
    parts = [_filtered(stmt, year, funding, filters, trees) for stmt, year, funding in sources]
    if len(parts) == 1:
        return parts[0]
    union = parts[0].union_all(*parts[1:]).subquery("rollup_lines")
    return select(*union.c)


def _filtered(stmt: Select, year, funding_source, filters: RollupFilters, trees) -> Select:
    """Lines of the interventions that pass the filters, in the years and funding sources asked for."""
    if filters.year_from is not None:
        stmt = stmt.where(year >= filters.year_from)
    if filters.year_to is not None:
        stmt = stmt.where(year <= filters.year_to)
    if filters.funding_source:
        stmt = stmt.where(funding_source.in_(filters.funding_source))
    return where_filters(stmt, filters, parent_is_subtree=True, trees=trees)


# Line-level dimensions: one value per budget line, read straight from the filtered lines.
_LINE_DIMENSIONS = {
    Dimension.year,
    Dimension.category,
    Dimension.funding_source,
    Dimension.department,
    Dimension.track,
    Dimension.kind,
    Dimension.status,
}


def _ranked_goals():
    """Per (intervention, effect goal): its themes hold the consecutive ranks s … s+k-1 of the n themes
    (themes are ranked in code order, and each effect goal's theme codes are consecutive: T1–T4, T5–T6, T7–T9)."""
    it, th = InterventionTheme.__table__, Theme.__table__
    return (
        select(
            it.c.intervention_id,
            th.c.effect_goal_code.label("effect_goal"),
            func.max(it.c.siblings).label("n"),
            func.min(it.c.rank).label("s"),
            func.count().label("k"),
        )
        .join(th, th.c.code == it.c.theme_code)
        .group_by(it.c.intervention_id, th.c.effect_goal_code)
        .subquery("ranked_goal")
    )


ONE, ZERO = literal_column("1"), literal_column("0")


def _clamp(value, low, high):
    return case((value <= low, low), (value >= high, high), else_=value)


# Built statements of the rollups by filters and grouping: a rollup's SQL depends on nothing else, and building
# it (the SQLAlchemy constructs, then their cache key) costs about 2 ms of Python, a fifth of the whole
# computed rollup at 1,000 interventions. Bounded: emptied when full.
_STATEMENTS: dict[tuple, Select] = {}
_STATEMENTS_MAX = 512


def _statement(key: tuple, build: Callable[[], Select]) -> Select:
    stmt = _STATEMENTS.get(key)
    if stmt is None:
        if len(_STATEMENTS) >= _STATEMENTS_MAX:
            _STATEMENTS.clear()
        stmt = _STATEMENTS[key] = build()
    return stmt


def _budget_groups(
    session: Session,
    source: Select | Callable[[], Select],
    by: list[Dimension],
    *,
    count_interventions: bool = True,
    count_flag: str | None = None,
    count_total: bool = False,
    key: tuple | None = None,
) -> list[dict[str, Any]]:
    """Rows of (group keys..., amount_ore, gross_ore, interventions), computed in the database.

    A line is split over the combinations of its intervention's codes in the split dimensions, ordered with the
    theme (effect goal) first and the others after, like digits of a mixed-radix number: combination number
    c = s_theme * n_rest + r_rest. Over N = n_theme * n_rest combinations each gets amount // N, and the first
    amount % N combinations one øre more. An effect goal covers the consecutive theme ranks s … s+k-1, so its
    share is k * (amount // N) plus how many of its combinations fall below amount % N, in closed form: every
    (line, group) is one row, and the ranks n, s, r are stored on the link rows (services/intervention_links.py),
    so the query is the plain join a bare aggregate would do, plus arithmetic.

    `source` may be a function that builds the lines' select; with a `key` (which must determine `source`) the
    built statement is kept and reused (_statement)."""

    def build() -> Select:
        return _budget_groups_statement(
            source() if callable(source) else source,
            by,
            count_interventions=count_interventions,
            count_flag=count_flag,
            count_total=count_total,
        )

    stmt = (
        build() if key is None else _statement((*key, tuple(by), count_interventions, count_flag, count_total), build)
    )
    # On the session's connection: a plain SELECT of sums needs none of the ORM's execution (its events, its
    # loading of rows), and each row is a dict made from the tuple and the result's keys, read once.
    result = session.connection().execute(stmt)
    keys = list(result.keys())
    return [_measures_of(dict(zip(keys, row, strict=True))) for row in result.fetchall()]


def _budget_groups_statement(
    source: Select, by: list[Dimension], *, count_interventions: bool, count_flag: str | None, count_total: bool
) -> Select:
    lines = source.subquery("lines")
    split = _split_joins(lines, by)
    amount = lines.c.amount_ore
    share = _share(amount, split.primary, split.rest)
    columns = [
        *[split.keys[d].label(d.value) for d in by],
        *_measure_sums(share, lines),
        func.sum(amount).filter(lines.c.in_plan).label("gross_ore"),
        # COUNT(DISTINCT) is the priciest part on PostgreSQL; coverage counts interventions its own way.
        (_interventions(lines, count_flag) if count_interventions else ZERO).label("interventions"),
    ]
    if count_total:
        # Each intervention's first_in_plan line lands in exactly one row with the first code of every split
        # dimension (rank 0, or the none group): counted there, the rows add up to the interventions in all.
        firsts = ([split.primary[1]] if split.primary else []) + [r for _n, r in split.rest]
        columns.append(
            func.count().filter(and_(lines.c.first_in_plan, *[f == 0 for f in firsts])).label("total_interventions")
        )
    return select(*columns).select_from(split.joined).group_by(*[split.keys[d] for d in by])


@dataclass
class _Split:
    """The filtered lines joined to the link rows of the split dimensions in `by`: the group key of each
    dimension, and the ranks the money is split by."""

    joined: Any
    keys: dict[Dimension, Any]
    # The theme-level split: n themes, this group's first rank s, and k consecutive ranks in the group (None
    # for a single theme); None when neither theme nor effect goal is a dimension.
    primary: tuple | None
    rest: list[tuple]  # (n, r) of the other split dimensions, in order


def _split_joins(lines, by: list[Dimension]) -> _Split:
    keys: dict[Dimension, Any] = {d: lines.c[d.value] for d in by if d in _LINE_DIMENSIONS}
    joined: Any = lines
    primary: tuple | None = None
    if Dimension.theme in by:
        joined, theme, rank, siblings = _link_of(joined, lines, Dimension.theme)
        keys[Dimension.theme] = theme
        if Dimension.effect_goal in by:
            th = Theme.__table__.alias("th")
            joined = joined.outerjoin(th, th.c.code == theme)
            keys[Dimension.effect_goal] = th.c.effect_goal_code
        primary = (func.coalesce(siblings, ONE), func.coalesce(rank, ZERO), None)
    elif Dimension.effect_goal in by:
        goals = _ranked_goals()
        joined = joined.outerjoin(goals, goals.c.intervention_id == lines.c.intervention_id)
        keys[Dimension.effect_goal] = goals.c.effect_goal
        primary = (func.coalesce(goals.c.n, ONE), func.coalesce(goals.c.s, ZERO), func.coalesce(goals.c.k, ONE))

    rest: list[tuple] = []
    for dim in (Dimension.area, Dimension.indicator):
        if dim in by:
            joined, keys[dim], rank, siblings = _link_of(joined, lines, dim)
            rest.append((func.coalesce(siblings, ONE), func.coalesce(rank, ZERO)))
    return _Split(joined, keys, primary, rest)


def _link_of(joined, lines, dim: Dimension) -> tuple[Any, Any, Any, Any]:
    """(joined, code, rank, siblings) of a split dimension's link: the lines' own columns when they carry them
    (_rollup_lines), else its link table outer-joined to the lines (a pool summary's grants)."""
    name = f"split_{dim.value}"
    if name in lines.c:
        return joined, lines.c[name], lines.c[f"{name}_rank"], lines.c[f"{name}_n"]
    table, code = _LINKS[dim]
    link = table.__table__.alias(f"l_{dim.value}")
    joined = joined.outerjoin(link, link.c.intervention_id == lines.c.intervention_id)
    return joined, link.c[code], link.c.rank, link.c.siblings


def _one_rank(amount, n, r):
    """The share of rank r of n: amount // n, plus one øre when r < amount % n. With 0 <= amount % n < n and
    0 <= r < n that is (amount + n - 1 - r) // n, one division instead of a division, a remainder, a comparison
    and a CASE per line and group (amounts are never negative: a check constraint on every table of money)."""
    return (amount + n - ONE - r) // n


def _share(amount, primary: tuple | None, rest: list[tuple]):
    """The whole øre of `amount` that fall to one group (see _budget_groups)."""
    # `//`, not `/`: SQLAlchemy 2's `/` is true division; these are integers in øre.
    if primary is None and not rest:
        return amount
    if not rest:
        n, s, k = primary
        if k is None:  # one theme: amount // n, plus one øre for the first amount % n ranks
            return _one_rank(amount, n, s)
        # an effect goal: k ranks from s
        return k * (amount // n) + _clamp(amount % n - s, ZERO, k)
    n_rest, r_rest = rest[0]
    for n, r in rest[1:]:
        n_rest, r_rest = n_rest * n, r_rest * n + r
    if primary is None:
        return _one_rank(amount, n_rest, r_rest)
    n, s, k = primary
    k = ONE if k is None else k
    big_n = n * n_rest
    x = amount % big_n - r_rest
    # primary ranks c with c * n_rest + r_rest < amount % N: ceil(x / n_rest) of them
    below = case((x <= 0, 0), else_=(x + n_rest - 1) // n_rest)
    return k * (amount // big_n) + _clamp(below - s, ZERO, k)


def _measure_sums(share, lines) -> list:
    """The measures from one pass over the lines: the one split expression (`share`) summed, with FILTER, over
    the lines each concerns, so the split arithmetic is done only for them: the plan; the actual spending; and
    the correction from the plan to the original budget, the originals revised away (added back) less the plan
    lines that are not original, revisions and pool grants (taken off). For the common line, an original line
    in the plan, only the plan's sum does the arithmetic."""
    kind, in_plan = lines.c.type, lines.c.in_plan
    original = kind == BudgetLineType.budget.value
    return [
        func.sum(share).filter(in_plan).label("plan_ore"),
        func.sum(share).filter(kind == BudgetLineType.actual.value).label("actual_ore"),
        # Both corrections in one sum: an original line out of the plan is added back, a plan line that is not
        # original is taken off; where the two agree (an original in the plan, actual spending) nothing is done.
        func.sum(case((in_plan, -share), else_=share)).filter(original != in_plan).label("to_original_ore"),
    ]


def _measures_of(row: dict[str, Any]) -> dict[str, Any]:
    """Rows with the measures of _measure_sums as amount_ore (the plan), budget_ore and actual_ore (a sum over
    no line is NULL: 0)."""
    plan = int(row.pop("plan_ore") or 0)
    row.update(
        amount_ore=plan,
        actual_ore=int(row["actual_ore"] or 0),
        gross_ore=int(row["gross_ore"] or 0),
        budget_ore=plan + int(row.pop("to_original_ore") or 0),
    )
    return row


def _same(value: Any) -> Any:
    return value


def _share_text(share: Decimal | None) -> str | None:
    """A share as the model's Share writes it: four decimals."""
    return None if share is None else f"{share:.4f}"


def _measures(
    plan_ore: int,
    budget_ore: int,
    actual_ore: int,
    money: Callable[[int], Any] = from_ore,
    share: Callable[[Decimal | None], Any] = _same,
) -> dict[str, Any]:
    """The measures of a group as its model orders them (amount, then budget, revised, actual, difference and the
    share spent), each sum of money as `money` makes it of its øre."""
    plan = money(plan_ore)  # immutable (a Decimal or a str): the amount and the revised plan are one value
    return {
        "amount": plan,
        "budget": money(budget_ore),
        "revised": plan,
        "actual": money(actual_ore),
        "difference": money(plan_ore - actual_ore),
        "share_spent": share(share_of(actual_ore, plan_ore)),
    }


# The tables that name the codes of a dimension (the others are named by fixed labels or not at all).
_NAME_COLUMNS = {
    Dimension.theme: (Theme.code, Theme.name),
    Dimension.effect_goal: (EffectGoal.code, EffectGoal.name),
    Dimension.indicator: (Indicator.number, Indicator.name),
    Dimension.department: (Department.code, Department.name),
    Dimension.area: (Area.slug, Area.name),
    Dimension.funding_source: (FundingSource.code, FundingSource.name),
}
_LABELS = {Dimension.track: TRACK_LABELS, Dimension.kind: KIND_LABELS, Dimension.status: STATUS_LABELS}


def _names(session: Session, by: list[Dimension]) -> dict[Dimension, dict[Any, str]]:
    """The names of the codes of the dimensions in `by` that have names: one query per named table asked for
    (a rollup by theme and year reads the themes, not every reference table), kept while the reference data's
    version stays (the names are not to be changed: they are shared)."""
    names: dict[Dimension, dict[Any, str]] = {}
    for dim in by:
        if dim in _NAME_COLUMNS:
            names[dim] = at_reference_version(
                ("names", dim), lambda dim=dim: dict(session.execute(select(*_NAME_COLUMNS[dim])).all())
            )
        elif dim in _LABELS:
            names[dim] = _LABELS[dim]
    return names


def _sort_key(row: dict[str, Any], by: list[Dimension]) -> tuple:
    # The "none" group after the codes; codes in their natural order (T1 < T2, 2019 < 2020).
    return _sort_key_of([d.value for d in by])(row)


def _sort_key_of(keys: list[str]) -> Callable[[dict[str, Any]], tuple]:
    """_sort_key for the group keys named `keys`, with the names looked up once, not per row."""

    def key(row: dict[str, Any]) -> tuple:
        return tuple((row[k] is None, 0 if row[k] is None else row[k]) for k in keys)

    return key


def budget_columns(by: list[Dimension]) -> list[str]:
    columns = []
    for dim in by:
        columns.append(dim.value)
        if dim not in (Dimension.year, Dimension.category):
            columns.append(f"{dim.value}_name")
    return [*columns, "amount", "gross", "interventions", "budget", "revised", "actual", "difference", "share_spent"]


def _check_by(by: list[Dimension]) -> None:
    if not by:
        raise RuleViolation.at(["query", "by"], "give at least one dimension to group by, e.g. by=theme")
    if len(set(by)) != len(by):
        raise RuleViolation.at(["query", "by"], "a dimension is listed more than once")


def _count_flag(filters: RollupFilters, by: list[Dimension]) -> str | None:
    """The stored flag whose sum counts the interventions with plan lines in each group, where one does: a
    group's lines must then be whole years (grouped by year) or whole plans (no year bounds) of whole
    interventions, so not cut by category or funding source, and without pool grants, which carry no flag.
    None: count them with COUNT(DISTINCT)."""
    if (
        filters.include_pool_grants
        or filters.funding_source
        or {Dimension.category, Dimension.funding_source} & set(by)
    ):
        return None
    if Dimension.year in by:
        return "first_in_year"
    if filters.year_from is None and filters.year_to is None:
        return "first_in_plan"
    return None


def _interventions(lines, count_flag: str | None):
    """Interventions with plan lines among the lines: the sum of a flag held by one plan line per intervention
    (and year) where _count_flag allows it; COUNT(DISTINCT) otherwise, which PostgreSQL answers by sorting
    every group, the dearest part of a rollup."""
    if count_flag is not None:
        return func.count().filter(lines.c[count_flag])
    return func.count(distinct(lines.c.intervention_id)).filter(lines.c.in_plan)


def distinct_interventions(session: Session, filters: RollupFilters) -> int:
    """Interventions with plan lines among the filtered lines, for the total where no flag can count them."""
    lines = _rollup_lines(filters).subquery("lines")
    return int(session.execute(select(_interventions(lines, None))).scalar_one())


def _budget_rollup_parts(
    session: Session,
    filters: RollupFilters,
    by: list[Dimension],
    money: Callable[[int], Any],
    share: Callable[[Decimal | None], Any],
) -> dict[str, Any]:
    """The budget rollup as plain values: {by, rows, total}, each sum of money as `money` makes it of its øre and
    each share as `share` makes it of share_of's Decimal; the keys of a row in the order its model writes them
    (the fields, then the dimensions asked for)."""
    _check_by(by)
    check_rollup_filters(session, filters)
    # Without year bounds, funding-source filter or pool grants the same pass counts the total's interventions.
    count_total = _count_flag(filters, []) == "first_in_plan"
    groups = _budget_groups(
        session,
        lambda: _rollup_lines(filters, by),
        by,
        count_flag=_count_flag(filters, by),
        count_total=count_total,
        key=("lines", repr(filters)),
    )
    names = _names(session, by)
    # (key, its name column and the names) per dimension, looked up once rather than once per row
    dims = [(d.value, f"{d.value}_name", names.get(d)) for d in by]
    rows = []
    for group in sorted(groups, key=_sort_key_of([key for key, _, _ in dims])):
        measures = _measures(group["amount_ore"], group["budget_ore"], group["actual_ore"], money, share)
        # The row model's order: the amount, the gross and the interventions, then the other measures.
        row = {
            "amount": measures.pop("amount"),
            "gross": money(group["gross_ore"]),
            "interventions": int(group["interventions"]),
            **measures,
        }
        for key, name_key, named in dims:
            code = group[key]
            row[key] = code
            if named is not None:
                row[name_key] = NONE_LABEL if code is None else named.get(code, str(code))
        rows.append(row)
    # The money of the total is the sum of the rows: the split gives every øre of a line to exactly one row, so
    # they add up to the plain sum of the lines (tests check it against the lines themselves).
    total = {measure: sum(g[measure] for g in groups) for measure in ("amount_ore", "budget_ore", "actual_ore")}
    interventions = (
        sum(int(g["total_interventions"]) for g in groups) if count_total else distinct_interventions(session, filters)
    )
    measures = _measures(total["amount_ore"], total["budget_ore"], total["actual_ore"], money, share)
    return {
        "by": by,
        "rows": rows,
        "total": {"amount": measures.pop("amount"), "interventions": interventions, **measures},
    }


def budget_rollup(session: Session, filters: RollupFilters, by: list[Dimension]) -> BudgetRollup:
    # The rows and the total are made into models in one validation of plain dicts (pydantic's core, in one
    # call), not row by row: for the 90 rows of a rollup by theme and year a third of the cost of
    # BudgetRollupRow.model_construct per row, the answer the same (fields_set is the keys given, so
    # exclude_unset still leaves out the dimensions not asked for).
    return BudgetRollup.model_validate(_budget_rollup_parts(session, filters, by, from_ore, _same))


def budget_rollup_json(session: Session, filters: RollupFilters, by: list[Dimension]) -> bytes:
    """budget_rollup as the API answers it: the same bytes as its model's JSON with exclude_unset (tests hold them
    equal), written by pydantic's serializer from plain values in one call, the money and shares already text,
    without making the rows' models and their Decimals only to write them out again (at 1,000 interventions by
    theme and year, about a fifth of the request's CPU)."""
    return to_json(_budget_rollup_parts(session, filters, by, kroner_text, _share_text))


# --- coverage ----------------------------------------------------------------------------------------------

# Each coverage dimension's link table and code column (those of its split dimension), and that dimension.
_COVERAGE_LINKS = {c: (*_LINKS[Dimension(c.value)], Dimension(c.value)) for c in CoverageDimension}


def coverage_columns(by: CoverageDimension) -> list[str]:
    extra = (
        ["effect_goal"]
        if by is CoverageDimension.theme
        else ["theme"]
        if by is CoverageDimension.indicator
        else ["kind"]
    )
    return [
        by.value,
        f"{by.value}_name",
        *extra,
        "interventions",
        "active_or_planned",
        *(f"status_{s.value}" for s in Status),
        *(f"kind_{k.value}" for k in Kind),
        "amount",
        "gross",
        "covered",
    ]


def _reference_rows(session: Session, by: CoverageDimension) -> list[dict[str, Any]]:
    if by is CoverageDimension.theme:
        return [
            {"theme": t.code, "theme_name": t.name, "effect_goal": t.effect_goal_code}
            for t in session.execute(select(Theme).order_by(Theme.position)).scalars()
        ]
    if by is CoverageDimension.indicator:
        return [
            {"indicator": i.number, "indicator_name": i.name, "theme": i.theme_code}
            for i in session.execute(select(Indicator).order_by(Indicator.number)).scalars()
        ]
    return [
        {"area": a.slug, "area_name": a.name, "kind": a.kind}
        for a in session.execute(select(Area).order_by(Area.position)).scalars()
    ]


def coverage(session: Session, filters: RollupFilters, by: CoverageDimension) -> Coverage:
    """Every theme, indicator or area, with how many interventions and how much money address it."""
    check_rollup_filters(session, filters)
    link, link_column, dimension = _COVERAGE_LINKS[by]
    code = getattr(link, link_column)
    interventions = where_filters(select(Intervention), filters, parent_is_subtree=True)
    chosen = interventions.subquery("chosen")
    counts = session.execute(
        select(col(code), chosen.c.status, chosen.c.kind, func.count())
        .join(chosen, chosen.c.id == col(link.intervention_id))
        .group_by(col(code), chosen.c.status, chosen.c.kind)
    ).all()
    money = {
        g[dimension.value]: g
        for g in _budget_groups(
            session,
            lambda: _rollup_lines(filters, [dimension]),
            [dimension],
            count_interventions=False,
            key=("lines", repr(filters)),
        )
    }

    rows, uncovered = [], []
    for ref in _reference_rows(session, by):
        key = ref[by.value]
        row = {**ref, **{f"status_{s.value}": 0 for s in Status}, **{f"kind_{k.value}": 0 for k in Kind}}
        for value, status, kind, n in counts:
            if value == key:
                row[f"status_{status}"] += n
                row[f"kind_{kind}"] += n
        row["interventions"] = sum(row[f"status_{s.value}"] for s in Status)
        row["active_or_planned"] = row["status_active"] + row["status_planned"]
        group = money.get(key)
        row["amount"] = from_ore(int(group["amount_ore"]) if group else 0)
        row["gross"] = from_ore(int(group["gross_ore"]) if group else 0)
        row["covered"] = row["active_or_planned"] > 0
        if not row["covered"]:
            uncovered.append(key)
        rows.append(CoverageRow(**row))
    return Coverage(by=by, rows=rows, uncovered=uncovered)


def rows_for_table(rows: list[Any]) -> list[dict[str, Any]]:
    """Rollup rows as plain dicts with Decimal money, for CSV/XLSX."""
    return [{**row.model_extra, **{k: getattr(row, k) for k in type(row).model_fields}} for row in rows]


# --- pool summary ------------------------------------------------------------------------------------------


def pool_summary(session: Session, pool_id: int, by: PoolSummaryDimension) -> PoolSummary:
    """Where a pool's net granted money went, split like the budget rollup (never double counted)."""
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound(f"pool {pool_id} not found")
    grants = (
        select(
            col(Allocation.intervention_id).label("intervention_id"),
            func.sum(col(Allocation.granted_ore) - col(Allocation.released_ore)).label("amount_ore"),
            literal_column(f"'{POOL_GRANT_TYPE}'").label("type"),
            true().label("in_plan"),
            *_intervention_columns(),
        )
        .join(Intervention, col(Intervention.id) == col(Allocation.intervention_id))
        .where(col(Allocation.pool_id) == pool_id, col(Allocation.granted_ore) > col(Allocation.released_ore))
        .group_by(col(Allocation.intervention_id), *[c.element for c in _intervention_columns()])
    )
    if by is PoolSummaryDimension.intervention:
        names = dict(session.execute(select(Intervention.id, Intervention.name)).all())
        groups = [
            {
                "intervention": g.intervention_id,
                "amount_ore": g.amount_ore,
                "gross_ore": g.amount_ore,
                "interventions": 1,
            }
            for g in session.execute(grants)
        ]
        groups.sort(key=lambda g: (-g["amount_ore"], g["intervention"]))
        label = {g["intervention"]: names.get(g["intervention"]) for g in groups}
    else:
        dimension = Dimension(by.value)
        groups = sorted(_budget_groups(session, grants, [dimension]), key=lambda g: _sort_key(g, [dimension]))
        names = _names(session, [dimension])[dimension]
        label = {g[by.value]: (NONE_LABEL if g[by.value] is None else names.get(g[by.value])) for g in groups}
    rows = [
        PoolSummaryRow(
            **{
                by.value: g[by.value],
                f"{by.value}_name": label[g[by.value]],
                "amount": from_ore(int(g["amount_ore"])),
                "gross": from_ore(int(g["gross_ore"])),
                "interventions": int(g["interventions"]),
            }
        )
        for g in groups
    ]
    return PoolSummary(pool_id=pool_id, by=by, rows=rows, granted=from_ore(pool.granted_ore))
