"""Observations from a spreadsheet, and its template."""

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from app.core import tabular
from app.core.attachment import attachment
from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.auth import Role
from app.models.observation_import import COLUMNS, ObservationImportReport
from app.models.survey_round import ROUND_CODE
from app.routers.imports import IMPORT_RESPONSES, TEMPLATE_RESPONSE, UPLOAD_PART, TemplateFormat, _body
from app.services import observation_imports

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/imports",
    tags=["imports"],
    dependencies=[Depends(authorize(Role.admin, Role.editor))],
    responses=problem_responses(401),
)

DESCRIPTION = """
Survey and register figures from a spreadsheet: CSV (UTF-8 with or without BOM, or Windows-1252 as Danish Excel
writes it; comma- or semicolon-separated, a semicolon file may use decimal commas: `12,5`), XLSX (the sheet
`observations`, else the first), or a JSON array of objects with the same keys. Multipart uploads (`file`) work
as for the intervention import.

Columns (English or Danish header): `round` (runde: the round's code, GET /api/v1/rounds), `indicator`
(indikator: its number; "3 Oplevet sundhed" reads as 3), `area` (område: slug or name), `year` (år: needed only
without a round, e.g. for a target), `kind` (art: actual/måling — the default —, baseline/basis, target/mål),
`value` (værdi), `unit` (enhed), `source` (kilde), `note`. `indicator_name` and `area_name` are ignored (the
template fills them for the reader). Rows without a value are skipped and counted.

**All or nothing.** Every problem is reported at once with its row (the header is row 1) and column, and nothing
is written (422). **Idempotent.** Rows are matched on (indicator, area, year, kind): created, updated, or left
unchanged, so applying the same file twice writes nothing the second time. `dry_run=true` reports what would
happen and writes nothing. Admins and editors of SOB.
"""


REQUEST_BODY = {
    "required": True,
    "content": {
        "text/csv": {
            "schema": {"type": "string"},
            "example": "runde;indikator;område;værdi\nbu-2021;3;hoeje-gladsaxe;61,5",
        },
        tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
        "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
        **UPLOAD_PART,
    },
}


@router.post(
    "/observations",
    openapi_extra={"requestBody": REQUEST_BODY},
    summary="Import observations from a spreadsheet: all or nothing, every problem at once, safe to repeat",
    description=DESCRIPTION,
    responses=IMPORT_RESPONSES,
)
async def import_observations(request: Request, session: SessionDep, dry_run: bool = False) -> ObservationImportReport:
    body, media_type = await _body(request)
    return await run_in_threadpool(observation_imports.import_observations, session, body, media_type, dry_run=dry_run)


@router.get(
    "/observations/template",
    summary="The observation import's template (CSV or XLSX)",
    description=(
        "The header row; with `round`, also one row per active indicator of the round's kind of data (survey or "
        "register, by the indicator's likely source) and area, with the value left empty to fill in."
    ),
    responses={
        200: TEMPLATE_RESPONSE,
        **problem_responses(404, 422),
    },
    response_class=Response,
)
def get_observation_template(
    session: SessionDep,
    format: TemplateFormat = TemplateFormat.xlsx,
    round: Annotated[str | None, Query(max_length=40, pattern=ROUND_CODE, description="A round's code")] = None,
) -> Response:
    rows = observation_imports.template_rows(session, round)
    fmt = tabular.OutputFormat(format.value)
    body, media_type, _ = tabular.render(fmt, COLUMNS, rows, name="observations")
    return attachment(body, media_type, f"observations-template.{format.value}")
