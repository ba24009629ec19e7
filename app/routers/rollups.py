"""Rollups: budget grouped by any dimensions, coverage of themes, indicators and areas, and the 2030 indicator
report."""

from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel

from app.core import read_cache, tabular
from app.core.attachment import attachment
from app.core.tabular import OutputFormat
from app.deps import FreshDep, OneHopRoute, RollupFiltersDep, SessionDep, authorize
from app.errors import problem_responses
from app.models.observation import REPORT_HEADINGS, IndicatorReport
from app.models.organisation_rollup import ORGANISATION_ROLLUP_COLUMNS, OrganisationRollup
from app.models.rollup import ADDITIVE_COLUMNS, ROLLUP_HEADINGS, BudgetRollup, Coverage, CoverageDimension, Dimension
from app.services import observations, organisation_rollup, overview, rollups

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/rollups",
    tags=["rollups"],
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)

SPREADSHEET_RESPONSES = {
    200: {
        "description": "JSON, or with `format=csv|xlsx` the same rows and figures as a spreadsheet",
        "content": {
            tabular.CSV_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}},
            tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


def _cached(key: tuple, build: Callable[[], BaseModel], fresh: bool, **dump: Any) -> Response:
    """The JSON answer from the worker's read cache: the rollups are read far more often than the data changes."""
    body = read_cache.cached_json(key, lambda: build().model_dump_json(**dump).encode(), fresh=fresh)
    return Response(body, media_type="application/json")


def _spreadsheet(fmt: OutputFormat, columns: list[str], rows: list, name: str, total: dict | None = None) -> Response:
    """CSV as the JSON rows; XLSX with Danish headings and, where the rows add up, their total row (I alt)."""
    if fmt is not OutputFormat.xlsx:
        return attachment(*tabular.render(fmt, columns, rollups.rows_for_table(rows), name=name))
    return attachment(
        *tabular.render(
            fmt,
            columns,
            rollups.rows_for_table(rows),
            name=name,
            headings=ROLLUP_HEADINGS,
            formats={"share_spent": tabular.PERCENT_FORMAT},
            total=total,
        )
    )


def _sum_total(columns: list[str], rows: list) -> dict:
    """The total row of the columns that add up: the sum of the rows, exactly."""
    table = rollups.rows_for_table(rows)
    return {c: sum((r.get(c) or 0 for r in table), Decimal("0.00")) for c in ADDITIVE_COLUMNS if c in columns}


@router.get(
    "/budget",
    summary="Budget summed by one or more dimensions, never double counted",
    description=(
        "Groups the budget lines of the non-archived interventions that pass the filters. A line of an "
        "intervention linked to several themes (effect goals, indicators, areas) is **split equally** over "
        "them in whole øre; the remainder goes one øre at a time to the first codes in code order, so the parts "
        "add up exactly (100.00 over three themes: 33.34 + 33.33 + 33.33). Effect goals take the sum of their "
        "themes' shares. Interventions without a code of a split dimension are in its **none group** (code "
        'null, name "(ingen)"). `amount` is the group\'s share; `gross` is the full amount of the lines '
        "touching the group (it double counts by design). The rows' `amount` add up to `total.amount`, which is "
        "the plain sum of the filtered lines. `parent_id` takes the intervention and its whole subtree."
    ),
    response_model=BudgetRollup,
    response_model_exclude_unset=True,
    responses={**SPREADSHEET_RESPONSES, **problem_responses(422)},
)
def get_budget_rollup(
    session: SessionDep,
    filters: RollupFiltersDep,
    fresh: FreshDep,
    by: Annotated[list[Dimension], Query(min_length=1, max_length=4, description="Group by, in this order")],
    format: OutputFormat = OutputFormat.json,
):
    if format is OutputFormat.json:
        return Response(overview.budget_json(session, filters, by, fresh=fresh), media_type="application/json")
    result = rollups.budget_rollup(session, filters, by)
    columns = rollups.budget_columns(by)
    total = {**_sum_total(columns, result.rows), "share_spent": result.total.share_spent}
    return _spreadsheet(format, columns, result.rows, "budget", total)


@router.get(
    "/coverage",
    summary="Which themes, indicators or areas are addressed, by how many interventions and how much money",
    description=(
        "Lists every theme (all nine, also the one without indicators), every indicator or every area, with "
        "the interventions linked to it directly, counted by status and by kind, and its budget in the chosen "
        "years (split as in the budget rollup; `gross` unsplit). A code is **uncovered** when no active or "
        "planned intervention addresses it."
    ),
    response_model=Coverage,
    responses={**SPREADSHEET_RESPONSES, **problem_responses(422)},
)
def get_coverage_rollup(
    session: SessionDep,
    filters: RollupFiltersDep,
    fresh: FreshDep,
    by: CoverageDimension = CoverageDimension.theme,
    format: OutputFormat = OutputFormat.json,
):
    if format is OutputFormat.json:
        return _cached(("rollup-coverage", repr(filters), by), lambda: rollups.coverage(session, filters, by), fresh)
    result = rollups.coverage(session, filters, by)
    columns = rollups.coverage_columns(by)
    return _spreadsheet(format, columns, result.rows, f"coverage-{by.value}", _sum_total(columns, result.rows))


@router.get(
    "/organisations",
    summary="Per organisation: the money it pays and the staff time it gives in kind, apart",
    description=(
        "Over the interventions the filters select (the filters of the budget rollup; `year_from`/`year_to` "
        "limit the years, `funding_source` the money's lines): every organisation they name, by role, as the "
        "funding organisation of a budget line or as the payer of in-kind staff time. `amount` and `actual` "
        "are money (the current plan and the actual spending of the lines it pays); `in_kind_hours` and "
        "`in_kind_staff` are the staff time it pays in kind, which is never money and never part of `amount`."
    ),
    response_model=OrganisationRollup,
    responses={**SPREADSHEET_RESPONSES, **problem_responses(422)},
)
def get_organisation_rollup(
    session: SessionDep, filters: RollupFiltersDep, fresh: FreshDep, format: OutputFormat = OutputFormat.json
):
    if format is OutputFormat.json:
        key = ("rollup-organisations", repr(filters))
        return _cached(key, lambda: organisation_rollup.organisation_rollup(session, filters), fresh)
    result = organisation_rollup.organisation_rollup(session, filters)
    table = tabular.render(
        format, ORGANISATION_ROLLUP_COLUMNS, organisation_rollup.table_rows(result.rows), name="organisations"
    )
    return attachment(*table)


REPORT_DESCRIPTION = """
The 2030 ambition, measured: *the whole municipality improves on all nine themes, and the gap between the
municipality and the three focus areas narrows*.

**Values.** An area's value in `year` is its `actual` observation of that year. Its value at baseline is its
`baseline` observation of `baseline_year` (default 2021), or, if there is none, its `actual` observation of that
year. Targets are not used.

**Orientation.** Every gap is oriented so that **a positive gap means the focus area is worse** than the
comparison area (`resten-af-gladsaxe`): `gap = comparison − focus` when the indicator's `higher_is_better` is
true, `gap = focus − comparison` when it is false (e.g. 9 Ensomhed, 7 Kriminalitet, 11 Skolefravær). A gap has
*narrowed* when `|gap| < |baseline_gap|`. The municipality (`hele-gladsaxe`) has *improved* when its value in
`year` is strictly higher than at baseline (strictly lower when `higher_is_better` is false).

**Missing data** gives null figures and null verdicts, never an error. Verdicts are three-valued: `true`,
`false`, or `null` (not known). Per indicator, `gaps_narrowed` is true when every focus area's gap narrowed and
false when any did not. Per theme, the indicators *with data* (any figure in either year) count: `ambition_met`
is true when all of them have narrowed gaps in every focus area and an improved municipality, false when one of
them has not, null when the theme has no data (T6, which has no indicator, is always null) or the data is
incomplete. `summary` applies the two 2030 tests over the themes that have indicators.

**Formats.** `format=csv` or `format=xlsx` answers the per-indicator figures as a flat table, one row per
indicator × focus area, with the same figures as the JSON (comparison and municipality figures repeated on each
row of their indicator); the theme rows and the summary are JSON only. CSV figures are exact decimal text with a
decimal point; XLSX figures are numbers.
"""


@router.get(
    "/indicators",
    summary="The 2030 indicator report: focus areas' gaps and the municipality's progress",
    description=REPORT_DESCRIPTION,
    response_model=IndicatorReport,
    responses={
        200: {
            "description": "The report (JSON), or its per-indicator table as CSV or XLSX",
            "content": {
                tabular.CSV_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}},
                tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(400, 403, 422),
    },
)
def get_indicator_rollup(
    session: SessionDep,
    year: Annotated[int, Query(ge=2000, le=2100, description="The year measured, e.g. 2024")],
    baseline_year: Annotated[int, Query(ge=2000, le=2100, description="Before `year`")] = 2021,
    fmt: Annotated[OutputFormat, Query(alias="format")] = OutputFormat.json,
) -> Any:
    report = observations.indicator_report(session, year, baseline_year)
    if fmt is OutputFormat.json:
        return report
    rows = observations.report_table(report)
    return attachment(
        *tabular.render(
            fmt, observations.REPORT_COLUMNS, rows, name=f"indicator-report-{year}", headings=REPORT_HEADINGS
        )
    )
