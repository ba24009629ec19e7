"""The overview (/) for the steering group: plan and spending per year, the budget by effect goal and by theme,
coverage by theme and indicator, and the pools' balance; one filter form changes every figure, and each figure
downloads as CSV or XLSX with exactly what its table shows."""

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlmodel import Session

from app.core.tabular import OutputFormat
from app.deps import SessionDep
from app.errors import AppError, NotFound, RuleViolation
from app.models.filters import RollupFilters
from app.models.rollup import BudgetRollup, Coverage, CoverageDimension, Dimension
from app.services import overview, rollups
from app.services.overview import PoolFigure
from app.web import filters as web_filters
from app.web.charts import bar_chart
from app.web.common import UserDep, WebRoute, render, wants_fresh
from app.web.tables import TOTAL_LABEL, Column, Table

router = APIRouter(route_class=WebRoute, include_in_schema=False)

PLAN, ACTUAL = "Gældende budget", "Forbrug"
MEASURES = [
    Column("revised", "Gældende budget (kr.)", "money"),
    Column("actual", "Forbrug (kr.)", "money"),
    Column("difference", "Forskel (kr.)", "money"),
    Column("share_spent", "Forbrugt andel (%)", "percent"),
]


def _rows(result: BudgetRollup | Coverage) -> list[dict[str, Any]]:
    return rollups.rows_for_table(result.rows)


def _label(row: dict[str, Any], dim: str) -> str:
    code, name = row.get(dim), row.get(f"{dim}_name")
    if code is None:
        return name or "(ingen)"
    return f"{code} {name}" if name else str(code)


def _budget_table(name: str, caption: str, result: BudgetRollup, dim: str, heading: str) -> Table:
    rows = _rows(result)
    for row in rows:
        row["label"] = _label(row, dim) if dim != "year" else str(row["year"])
    total = {"label": TOTAL_LABEL, **result.total.model_dump()}
    columns = [Column("label", heading), *MEASURES, Column("interventions", "Indsatser", "int")]
    table = Table(name=name, caption=caption, columns=columns, rows=rows, total=total)
    table.chart = bar_chart(
        f"chart-{name}",
        f"{caption}: søjler for gældende budget og forbrug (tallene står i tabellen)",
        [r["label"] for r in rows],
        [(PLAN, [r["revised"] for r in rows]), (ACTUAL, [r["actual"] for r in rows])],
    )
    return table


def by_year_table(result: BudgetRollup) -> Table:
    return _budget_table("plan-og-forbrug-pr-aar", "Gældende budget og forbrug pr. år", result, "year", "År")


def by_effect_goal_table(result: BudgetRollup) -> Table:
    return _budget_table("budget-pr-effektmaal", "Budget pr. effektmål", result, "effect_goal", "Effektmål")


def by_theme_table(result: BudgetRollup) -> Table:
    return _budget_table("budget-pr-tema", "Budget pr. tema", result, "theme", "Tema")


def _coverage_table(name: str, caption: str, result: Coverage, dim: str, heading: str, parent: Column) -> Table:
    rows = _rows(result)
    for row in rows:
        row["label"] = _label(row, dim)
    columns = [
        Column("label", heading),
        parent,
        Column("interventions", "Indsatser", "int"),
        Column("active_or_planned", "Heraf i gang eller planlagt", "int"),
        Column("amount", "Gældende budget (kr.)", "money"),
        Column("covered", "Dækket", "yesno"),
    ]
    table = Table(name=name, caption=caption, columns=columns, rows=rows)
    table.extra["uncovered"] = [r["label"] for r in rows if not r["covered"]]
    table.chart = bar_chart(
        f"chart-{name}",
        f"{caption}: søjler for indsatser i gang eller planlagt (tallene står i tabellen)",
        [r["label"] for r in rows],
        [("Indsatser i gang eller planlagt", [r["active_or_planned"] for r in rows])],
    )
    return table


def coverage_theme_table(result: Coverage) -> Table:
    return _coverage_table(
        "daekning-pr-tema", "Dækning pr. tema", result, "theme", "Tema", Column("effect_goal", "Effektmål")
    )


def coverage_indicator_table(result: Coverage) -> Table:
    return _coverage_table(
        "daekning-pr-indikator", "Dækning pr. indikator", result, "indicator", "Indikator", Column("theme", "Tema")
    )


def pools_table(figures: list[PoolFigure], selection: bool) -> Table:
    rows = [
        {
            "label": f"{f.pool.name} ({f.pool.year})",
            "year": f.pool.year,
            "amount": f.pool.balance.amount,
            "granted": f.pool.balance.granted,
            "requested": f.pool.balance.requested,
            "remaining": f.pool.balance.remaining,
            "selection": f.granted_to_selection,
            "href": f"/puljer/{f.pool.id}",
        }
        for f in figures
    ]
    columns = [
        Column("label", "Pulje"),
        Column("amount", "Puljens beløb (kr.)", "money"),
        Column("granted", "Bevilget (kr.)", "money"),
        Column("requested", "Ansøgt, ikke afgjort (kr.)", "money"),
        Column("remaining", "Tilbage (kr.)", "money"),
    ]
    if selection:
        columns.append(Column("selection", "Heraf bevilget til de valgte indsatser (kr.)", "money"))
    total = None
    if rows:
        total = {"label": TOTAL_LABEL, **{c.key: sum(r[c.key] for r in rows) for c in columns[1:]}}
    table = Table(name="puljer", caption="Puljernes saldo", columns=columns, rows=rows, total=total)
    table.chart = bar_chart(
        "chart-puljer",
        "Puljernes saldo: søjler for bevilget og tilbage (tallene står i tabellen)",
        [r["label"] for r in rows],
        [("Bevilget", [r["granted"] for r in rows]), ("Tilbage", [r["remaining"] for r in rows])],
    )
    table.note = (
        "Puljerne i de valgte år. Saldoen er hele puljens; med filter på område, forvaltning eller spor viser "
        "den sidste kolonne, hvad puljen har bevilget til de valgte indsatser."
    )
    return table


def _selects(filters: RollupFilters) -> bool:
    return bool(filters.department or filters.area or filters.track)


# One entry per figure: how its download computes it (the same service function the page and the API use), and
# how it becomes a table.
FIGURES: dict[str, Callable[[Session, RollupFilters], Table]] = {
    "plan-og-forbrug-pr-aar": lambda s, f: by_year_table(overview.budget(s, f, [Dimension.year])),
    "budget-pr-effektmaal": lambda s, f: by_effect_goal_table(overview.budget(s, f, [Dimension.effect_goal])),
    "budget-pr-tema": lambda s, f: by_theme_table(overview.budget(s, f, [Dimension.theme])),
    "daekning-pr-tema": lambda s, f: coverage_theme_table(overview.coverage(s, f, CoverageDimension.theme)),
    "daekning-pr-indikator": lambda s, f: coverage_indicator_table(
        overview.coverage(s, f, CoverageDimension.indicator)
    ),
    "puljer": lambda s, f: pools_table(overview.pools_in_years(s, f), _selects(f)),
}


@router.get("/", name="web_overview")
def overview_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    filters, form = web_filters.rollup_filters(request.query_params)
    tables: list[Table] = []
    try:
        figures = overview.overview(session, filters, fresh=wants_fresh(request))
    except AppError as exc:
        form.add_service_error(exc)
    else:
        tables = [
            by_year_table(figures.by_year),
            by_effect_goal_table(figures.by_effect_goal),
            by_theme_table(figures.by_theme),
            coverage_theme_table(figures.coverage_theme),
            coverage_indicator_table(figures.coverage_indicator),
            pools_table(figures.pools, _selects(filters)),
        ]
    status = 422 if form.errors else 200
    return render(
        request,
        "overview.html",
        status_code=status,
        form=form,
        tables=tables,
        download_base="/oversigt",
        choices=web_filters.choices(session),
        years=web_filters.YEARS,
    )


@router.get("/oversigt/{figure}.{fmt}", name="web_overview_download")
def overview_download(request: Request, session: SessionDep, user: UserDep, figure: str, fmt: str) -> Response:
    if figure not in FIGURES or fmt not in ("csv", "xlsx"):
        raise NotFound("Der er ingen sådan figur at hente")
    filters, form = web_filters.rollup_filters(request.query_params)
    if form.errors:
        raise RuleViolation("Filtrene kan ikke bruges: " + "; ".join(form.errors.values()))
    return FIGURES[figure](session, filters).download(OutputFormat(fmt))
