"""Bulk import of interventions (JSON, CSV, XLSX), and the empty import template."""

from enum import StrEnum
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from app.core import tabular
from app.core.attachment import attachment
from app.deps import OneHopRoute, SessionDep, authorize
from app.errors import ImportRejectedError, problem_responses
from app.models.interchange import (
    COLUMNS,
    ImportRecord,
    ImportRejected,
    ImportReport,
    ImportStrategy,
)
from app.models.organisation import OrganisationCreate, OrganisationImportReport
from app.services import exports, imports, organisation_interchange

router = APIRouter(
    route_class=OneHopRoute,
    prefix="/api/v1/imports",
    tags=["imports"],
    dependencies=[Depends(authorize(*imports.IMPORT_ROLES))],
    responses=problem_responses(401),
)

CSV_TYPE = tabular.CSV_MEDIA_TYPE.split(";")[0]


class TemplateFormat(StrEnum):
    csv = "csv"
    xlsx = "xlsx"


# What every file import shares in the OpenAPI document: the multipart upload, the all-or-nothing refusal
# and the template download.
UPLOAD_PART = {
    "multipart/form-data": {
        "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}
    }
}
IMPORT_RESPONSES = {
    **problem_responses(400, 403, 413, 415),
    422: {
        "description": "Nothing was written; `errors` lists every problem with row and column",
        "content": {
            "application/problem+json": {
                "schema": {
                    "anyOf": [
                        {"$ref": "#/components/schemas/ImportRejected"},
                        {"$ref": "#/components/schemas/Problem"},
                    ]
                }
            }
        },
        "model": ImportRejected,
    },
}
TEMPLATE_RESPONSE = {
    "description": "The template as an attachment",
    "content": {
        CSV_TYPE: {"schema": {"type": "string"}},
        tabular.XLSX_MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    },
}

# The record schema inline (no route takes ImportRecord as a parameter, so FastAPI would not list it among the
# components); the schemas it refers to (BudgetLineCreate, Kind, …) are components already.
_IMPORT_RECORD = ImportRecord.model_json_schema(ref_template="#/components/schemas/{model}")
_IMPORT_RECORD.pop("$defs", None)

REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"type": "array", "items": _IMPORT_RECORD}},
        "text/csv": {
            "schema": {"type": "string"},
            "example": ",".join(COLUMNS[:6]) + "\nSOB-2026-1,Cykelværksted,trial_action,planned,physical,SOB",
        },
        next(iter(imports.XLSX_TYPES)): {"schema": {"type": "string", "format": "binary"}},
        **UPLOAD_PART,
    },
}


async def _body(request: Request) -> tuple[bytes, str]:
    """The file and its media type: the raw body, or the `file` part of a multipart upload."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ImportRejectedError(
                "the upload has no `file` part",
                errors=[{"row": None, "column": None, "loc": ["body", "file"], "msg": "missing file"}],
            )
        data = await upload.read()
        part_type = imports.upload_media_type(upload.filename, upload.content_type)
        if part_type is None:
            # An uploaded file of another kind is a bad file, reported like any unreadable one.
            raise ImportRejectedError(
                "the uploaded file is neither JSON, CSV nor XLSX (name it .json, .csv or .xlsx)",
                errors=[{"row": None, "column": None, "loc": ["body", "file"], "msg": "unsupported file type"}],
            )
        return data, part_type
    return await request.body(), media_type


@router.post(
    "/interventions",
    summary="Import interventions in bulk: all or nothing, every problem at once, safe to repeat",
    description=(
        "The body is a JSON array of records (as POST /interventions takes them, with a required `external_id` "
        "and the parent as `parent_external_id`), or a CSV/XLSX file in the long format: one row per budget "
        "line, the intervention's columns repeated, keyed by `external_id` (see the template). CSV may be "
        "UTF-8 with or without BOM or Windows-1252 (Danish Excel's semicolon CSV; the report's `encoding` says "
        "which was read), comma- or semicolon-separated; a semicolon file may use decimal commas. A cell "
        "written as `'=...` (how exports neutralise formulas) is read without the quote. "
        "Records are matched on `external_id`: `strategy=upsert` (default) creates the new ones and updates the "
        "changed ones (their lists, budget lines and criteria replaced), `create` and `update` refuse the other "
        "kind. Identical records are left alone. If anything is wrong nothing is written and the 422 answer "
        "lists every problem with its row (as the file counts rows; JSON: position from 1) and column, all "
        "at once: the file's shape, the fields, unknown codes, rules and, for an editor, other departments' "
        "records (403 when that is the only problem). At most 200 columns; an XLSX unpacking to more than "
        "300 MB or holding more than 5,000,000 cells is refused before it is parsed (413). "
        "`dry_run=true` reports what would happen and writes nothing. With an `Idempotency-Key` header a "
        "repeated request gets the first answer again (header `Idempotent-Replayed: true`) without being applied "
        "twice; the same key with a different body is refused."
    ),
    openapi_extra={"requestBody": REQUEST_BODY},
    responses=IMPORT_RESPONSES,
)
async def import_interventions(
    request: Request,
    session: SessionDep,
    strategy: ImportStrategy = ImportStrategy.upsert,
    dry_run: bool = False,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)] = None,
) -> ImportReport:
    body, media_type = await _body(request)
    answer, replayed = await run_in_threadpool(
        imports.import_interventions,
        session,
        body,
        media_type,
        strategy=strategy,
        dry_run=dry_run,
        idempotency_key=idempotency_key,
    )
    headers = {"Idempotent-Replayed": "true"} if replayed else {}
    return JSONResponse(answer.body, status_code=answer.status, headers=headers)


@router.get(
    "/interventions/template",
    summary="An empty import template (CSV or XLSX) with the header row of the long format",
    description=(
        "CSV: the header row only (UTF-8 with BOM). XLSX: the sheet `Indsatser` with the header row (Danish "
        "headings; the import reads them or the column codes) and "
        "drop-down lists of the valid codes for kind, status, track, department, budget_funding_source and "
        "criterion_indicator, and the sheet `koder` listing every code with its Danish name: kinds, statuses, "
        "tracks, departments, areas, themes, indicators and funding sources."
    ),
    responses={
        200: TEMPLATE_RESPONSE,
        **problem_responses(422),
    },
    response_class=Response,
)
def get_import_template(session: SessionDep, format: TemplateFormat = TemplateFormat.xlsx) -> Response:
    if format is TemplateFormat.csv:
        return attachment(exports.template_csv(), tabular.CSV_MEDIA_TYPE, "interventions-template.csv")
    return attachment(exports.template_xlsx(session), tabular.XLSX_MEDIA_TYPE, "interventions-template.xlsx")


@router.post(
    "/organisations",
    summary="Import organisations (a JSON array, as GET /exports/organisations answers it)",
    description=(
        "Matched by name: a new name is created, a known one takes the record's kind and CVR. All or nothing: "
        "a name twice in the body, or a CVR that would belong to two organisations, is 422 and nothing is "
        "written. `dry_run=true` reports what would happen."
    ),
    responses=problem_responses(400, 403, 413, 422),
)
def import_organisations(
    session: SessionDep,
    body: Annotated[list[OrganisationCreate], Body(max_length=5_000)],
    dry_run: bool = False,
) -> OrganisationImportReport:
    return organisation_interchange.import_organisations(session, body, dry_run=dry_run)
