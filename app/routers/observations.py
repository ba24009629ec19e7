"""Indicator observations, the indicators' editable defaults, and the 2030 indicator report."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Response, status

from app.deps import OnceDep, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.observation import (
    IndicatorReport,
    IndicatorUpdate,
    ObservationCreate,
    ObservationKind,
    ObservationList,
    ObservationPublic,
    UpsertResult,
    Year,
)
from app.models.reference import IndicatorPublic
from app.services import observations
from app.services.tabular import CSV_MEDIA_TYPE, XLSX_MEDIA_TYPE, OutputFormat, render

router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(400, 401, 403),
)

IndicatorNumber = Annotated[int, Path(ge=1, le=2**31 - 1, description="The indicator's number (1–19)")]


@router.get(
    "/indicators/{number}/observations",
    tags=["indicator observations"],
    summary="List an indicator's observations",
    description=(
        "Ordered by year, area and kind (baseline, actual, target). Repeating a filter (`area=a&area=b`) means "
        "any of those values. The set is bounded (areas × years × kinds), so it is answered whole, not paged."
    ),
    responses=problem_responses(404, 422),
)
def list_observations(
    session: SessionDep,
    number: IndicatorNumber,
    area: Annotated[list[str], Query(max_length=20, description="Area slug(s)")] = [],
    year: Annotated[list[Year], Query(max_length=101)] = [],
    kind: Annotated[list[ObservationKind], Query(max_length=3)] = [],
) -> ObservationList:
    return observations.list_observations(session, number, area=area, year=year, kind=kind)


@router.post(
    "/indicators/{number}/observations",
    status_code=status.HTTP_201_CREATED,
    tags=["indicator observations"],
    summary="Add one observation",
    description="409 if the indicator already has a value of that kind for the area and year; PUT to change it.",
    responses=problem_responses(400, 404, 409, 413, 422),
)
def add_observation(
    session: SessionDep, number: IndicatorNumber, body: ObservationCreate, once: OnceDep
) -> ObservationPublic:
    return once(session, lambda: observations.add_observation(session, number, body))


@router.put(
    "/indicators/{number}/observations",
    tags=["indicator observations"],
    summary="Create or update many observations in one transaction",
    description=(
        "The body is a JSON array; each item is matched on (area, year, kind) and created, updated (every field "
        "replaced: an omitted unit, source or note becomes null) or left unchanged. Observations not named stay "
        "as they are. All or nothing: if any item is refused, nothing is written, and `errors` lists every "
        'problem with the item\'s index (`["body", 3, "area"]`).'
    ),
    responses=problem_responses(400, 404, 413, 422),
)
def upsert_observations(
    session: SessionDep,
    number: IndicatorNumber,
    body: Annotated[list[ObservationCreate], Body(max_length=2_000)],
) -> UpsertResult:
    return observations.upsert_observations(session, number, body)


@router.patch(
    "/indicators/{number}",
    tags=["reference"],
    summary="Change an indicator's editable defaults (higher_is_better, likely_source)",
    description=(
        "Which direction is better and where the figure most likely comes from are our reading, not the "
        "sources'; they can be corrected here. Omitted fields stay; null is refused. `higher_is_better` turns "
        "the gaps in the indicator report."
    ),
    responses=problem_responses(400, 404, 413, 422),
)
def update_indicator(session: SessionDep, number: IndicatorNumber, body: IndicatorUpdate) -> IndicatorPublic:
    return observations.update_indicator(session, number, body)


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
    "/rollups/indicators",
    tags=["rollups"],
    summary="The 2030 indicator report: focus areas' gaps and the municipality's progress",
    description=REPORT_DESCRIPTION,
    response_model=IndicatorReport,
    responses={
        200: {
            "description": "The report (JSON), or its per-indicator table as CSV or XLSX",
            "content": {
                CSV_MEDIA_TYPE.split(";")[0]: {"schema": {"type": "string"}},
                XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(422),
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
    body, media_type, filename = render(fmt, observations.REPORT_COLUMNS, rows, name=f"indicator-report-{year}")
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})
