"""Export of interventions in the import formats, and the empty import template."""

from enum import StrEnum

from fastapi import APIRouter, Depends, Response

from app.core import tabular
from app.core.tabular import OutputFormat
from app.deps import InterventionFiltersDep, SessionDep, authorize
from app.errors import problem_responses
from app.services import exports
from app.services.exports import ExportRecord

router = APIRouter(
    prefix="/api/v1",
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)

CSV_TYPE = tabular.CSV_MEDIA_TYPE.split(";")[0]


class TemplateFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


def _attachment(body: bytes, media_type: str, filename: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get(
    "/exports/interventions",
    tags=["exports"],
    summary="Export interventions in the import format (JSON, CSV or XLSX), ready to import again",
    description=(
        "Takes the filters of `GET /interventions` and answers every matching intervention, not a page. "
        "`format=json` (default) is an array of import records: the fields of an import record with the parent "
        "as `parent_external_id` (`parent_id` is always null), budget lines and success criteria without ids, "
        "amounts as strings with two decimals. `format=csv|xlsx` is the long format of the import (one row per "
        "budget line and success criterion, the intervention's columns repeated on each row; list cells as "
        "`T1, T4`; dates `YYYY-MM-DD`; CSV is UTF-8 with BOM, comma-separated, with a decimal point; XLSX holds "
        "amounts as numbers), sent as an attachment. A parent comes before its children, then ids ascend, so the "
        "file imports again in one pass with `POST /imports/interventions`.\n\n"
        "An intervention registered **without an `external_id`** is exported with `external_id` null (an empty "
        "cell), so that nothing is missing; an import refuses such a record until it is given a key. A parent "
        "outside the filtered set is still named by its `external_id`; the import then needs it in the registry."
    ),
    response_model=list[ExportRecord],
    responses={
        200: {
            "description": "The records (JSON), or the long format as a CSV or XLSX attachment",
            "content": {
                CSV_TYPE: {"schema": {"type": "string"}},
                tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 422),
    },
)
def export_interventions(
    session: SessionDep, filters: InterventionFiltersDep, format: OutputFormat = OutputFormat.json
) -> Response:
    body, media_type, filename = exports.render_export(exports.export_records(session, filters), format)
    if format is OutputFormat.json:
        return Response(body, media_type=media_type)
    return _attachment(body, media_type, filename)


@router.get(
    "/imports/interventions/template",
    tags=["imports"],
    summary="An empty import template (CSV or XLSX) with the header row of the long format",
    description=(
        "CSV: the header row only (UTF-8 with BOM). XLSX: the sheet `interventions` with the header row and "
        "drop-down lists of the valid codes for kind, status, track, department, budget_funding_source and "
        "criterion_indicator, and the sheet `koder` listing every code with its Danish name: kinds, statuses, "
        "tracks, departments, areas, themes, indicators and funding sources."
    ),
    responses={
        200: {
            "description": "The template as an attachment",
            "content": {
                CSV_TYPE: {"schema": {"type": "string"}},
                tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 422),
    },
    response_class=Response,
)
def get_import_template(session: SessionDep, format: TemplateFormat = TemplateFormat.xlsx) -> Response:
    if format is TemplateFormat.csv:
        return _attachment(exports.template_csv(), tabular.CSV_MEDIA_TYPE, "interventions-template.csv")
    return _attachment(exports.template_xlsx(session), tabular.XLSX_MEDIA_TYPE, "interventions-template.xlsx")
