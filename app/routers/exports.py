"""Export of interventions: in the import formats, and as IATI activities."""

from fastapi import APIRouter, Depends, Response

from app.core import tabular
from app.core.attachment import attachment
from app.core.tabular import OutputFormat
from app.deps import InterventionFiltersDep, OneHopRoute, SessionDep, authorize
from app.errors import problem_responses
from app.models.organisation import OrganisationCreate
from app.services import exports, iati, organisation_interchange
from app.services.exports import ExportRecord

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1",
    dependencies=[Depends(authorize())],
    responses=problem_responses(401),
)

CSV_TYPE = tabular.CSV_MEDIA_TYPE.split(";")[0]
IATI_MEDIA_TYPE = "application/xml"


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
        "`T1, T4`; dates `YYYY-MM-DD`; CSV is UTF-8 with BOM, comma-separated, with a decimal point; XLSX (sheet "
        "`Indsatser`) has Danish headings in a frozen first row, amounts as numbers formatted `#,##0.00`, dates as "
        "dates, and under the rows a total row per type of budget line (`I alt`, which the import skips); "
        "a text a spreadsheet would take for a formula is neutralised: `'=...` in CSV, a "
        "text cell in XLSX), sent as an attachment. A parent comes before its children, then ids ascend, so the "
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
    return attachment(body, media_type, filename)


@router.get(
    "/exports/iati",
    tags=["exports"],
    summary="The selected interventions as IATI activity XML (standard 2.03)",
    description=(
        "Takes the filters of `GET /interventions` and answers one `iati-activities` file (UTF-8) with an "
        "`iati-activity` for each matching intervention, valid against the IATI 2.03 activity schema. "
        "Identifier: the reporting organisation's ref (`" + iati.REPORTING_ORG_REF + "`), a hyphen and the "
        "`external_id` (`REG-<id>` when there is none). Status: idea, planned → 1 (pipeline); active → 2 "
        "(implementation); completed, anchored → 4 (closed); stopped → 4, or 5 (cancelled) when it never "
        "started. Start and end dates are actual once the status says they happened, planned before. The "
        "owning department is the accountable organisation (role 2), each funding source a funding "
        "organisation (role 1). Budgets per calendar year in DKK; success criteria become results whose "
        "indicators name our indicator numbers with vocabulary 99; material becomes document links. When no "
        "intervention matches the answer is 404: an IATI file must hold at least one activity."
    ),
    response_class=Response,
    responses={
        200: {
            "content": {IATI_MEDIA_TYPE: {"schema": {"type": "string"}}},
            "description": "The IATI activities file, as an attachment",
        },
        **problem_responses(401, 404, 422),
    },
)
def export_iati(session: SessionDep, filters: InterventionFiltersDep) -> Response:
    body = iati.export_iati(session, filters)
    return attachment(body, f"{IATI_MEDIA_TYPE}; charset=utf-8", "iati-activities.xml")


@router.get(
    "/exports/organisations",
    tags=["exports"],
    summary="Export the organisations (JSON, CSV or XLSX), ready for POST /imports/organisations",
    description=(
        "Every organisation as `{name, kind, cvr}`, by name. Import them into another registry before the "
        "interventions that name them (an import of interventions refuses an organisation it does not know)."
    ),
    response_model=list[OrganisationCreate],
    responses={
        200: {
            "description": "The records (JSON), or the same columns as a CSV or XLSX attachment",
            "content": {
                CSV_TYPE: {"schema": {"type": "string"}},
                tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
            },
        },
        **problem_responses(401, 422),
    },
)
def export_organisations(session: SessionDep, format: OutputFormat = OutputFormat.json):
    records = organisation_interchange.export_organisations(session)
    if format is OutputFormat.json:
        return records
    rows = [{"name": r.name, "kind": str(r.kind), "cvr": r.cvr} for r in records]
    return attachment(*tabular.render(format, organisation_interchange.COLUMNS, rows, name="organisations"))
