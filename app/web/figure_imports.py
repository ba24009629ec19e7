"""Loading the report's survey and register figures in the browser (/importer/tal): the same two steps as the
intervention import (app/web/imports.py): upload a file, read the dry run (what would be created, updated or left
alone, or every problem by row and column in Danish), then apply it with one click without uploading it again.
The same import service and permission as POST /api/v1/imports/observations; the file is kept between the two
steps by services/import_uploads.py. The template of a chosen round downloads from the page, with Danish
headings (the import reads them)."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse

from app.core import tabular
from app.core.attachment import attachment
from app.deps import SessionDep
from app.errors import AppError, Forbidden, NotFound, Unauthorized
from app.models.observation_import import COLUMNS, HEADINGS
from app.services import import_uploads, observation_imports, reference, survey_rounds
from app.web.common import UserDep, WebRoute, check_form_token, error_page, render, session_key
from app.web.imports import ACTION_LABELS, APPLIED_LABELS, GONE, SHOWN_ITEMS, UploadId, keep_dry_run, problems_of

router = APIRouter(route_class=WebRoute, include_in_schema=False)

KIND = import_uploads.OBSERVATIONS
NOT_ALLOWED = "Kun administratorer og redaktører for Social balance-enheden (SOB) kan indlæse tal til rapporten."
# The observation kinds as the Danish template writes them (the import reads both).
KIND_WORDS = {"actual": "måling", "baseline": "basis", "target": "mål"}


def _refused(request: Request) -> Response | None:
    """The observation import's permission rule: a Danish 403 page for those it refuses, else None."""
    try:
        import_uploads.require_right(KIND)
    except (Forbidden, Unauthorized):
        return error_page(request, 403, NOT_ALLOWED)
    return None


def column_label(column: str | None) -> str:
    """A column of the figures' file by its Danish heading (a header the import does not know, as written)."""
    return HEADINGS.get(column or "", column or "")


def _page(request: Request, session: Any, status_code: int = 200, **context: Any) -> Response:
    defaults = {
        "title": "Indlæs tal til rapporten",
        "active": "imports",
        "upload": None,
        "problems": None,
        "problem_count": 0,
        "shown_items": SHOWN_ITEMS,
        "rounds": survey_rounds.list_rounds(session).items,
        "chosen_round": request.query_params.get("runde", ""),
        "area_names": {a.slug: a.name for a in reference.list_areas(session)},
        "kind_words": KIND_WORDS,
    }
    return render(request, "figure_imports.html", status_code=status_code, **{**defaults, **context})


@router.get("/importer/tal", name="web_figures_import")
def figures_page(request: Request, session: SessionDep, user: UserDep) -> Response:
    return _refused(request) or _page(request, session)


@router.get("/importer/tal/skabelon", name="web_figures_template")
def figures_template(
    request: Request,
    session: SessionDep,
    user: UserDep,
    runde: Annotated[str, Query(max_length=40)] = "",
    format: tabular.OutputFormat = tabular.OutputFormat.xlsx,
) -> Response:
    """The import's template (services/observation_imports.template_rows) with Danish headings: with a round, a
    row per active indicator and area of its kind of data, the value left empty."""
    if refused := _refused(request):
        return refused
    try:
        rows = observation_imports.template_rows(session, runde or None)
    except NotFound:
        return error_page(request, 404, "Runden findes ikke. Vælg en runde på listen.")
    danish = [{HEADINGS[k]: KIND_WORDS.get(v, v) if k == "kind" else v for k, v in row.items()} for row in rows]
    columns = [HEADINGS[c] for c in COLUMNS]
    name = f"tal-skabelon-{runde}" if runde else "tal-skabelon"
    if format is tabular.OutputFormat.csv:
        return attachment(tabular.to_csv(columns, danish), tabular.CSV_MEDIA_TYPE, f"{name}.csv")
    body = tabular.to_xlsx(columns, danish, sheet="observations")
    return attachment(body, tabular.XLSX_MEDIA_TYPE, f"{name}.xlsx")


@router.post("/importer/tal", name="web_figures_dry_run")
async def figures_dry_run(request: Request, session: SessionDep, user: UserDep) -> Response:
    if refused := _refused(request):
        return refused
    form = await request.form(max_files=1, max_fields=10)
    check_form_token(request, user, form)
    upload = form.get("file")
    name, body, content_type = "", b"", None
    if isinstance(upload, UploadFile):
        name, body, content_type = upload.filename or "", await upload.read(), upload.content_type
    kept, problems, count = await keep_dry_run(
        request, session, filename=name, body=body, content_type=content_type, label=column_label, kind=KIND
    )
    if kept is None:
        return _page(request, session, 422, problems=problems, problem_count=count, filename=name)
    return RedirectResponse(request.url_for("web_figures_report", upload_id=kept.id).path, status_code=303)


def _report_page(
    request: Request, session: Any, upload: import_uploads.Upload, status_code: int = 200, **context: Any
) -> Response:
    applied = upload.applied_report is not None
    return _page(
        request,
        session,
        status_code,
        title="Tallene er indlæst" if applied else "Prøvekørsel af tallene",
        upload=upload,
        report=upload.applied_report if applied else upload.dry_run_report,
        applied=applied,
        labels=APPLIED_LABELS if applied else ACTION_LABELS,
        **context,
    )


@router.get("/importer/tal/{upload_id}", name="web_figures_report")
def figures_report(request: Request, session: SessionDep, user: UserDep, upload_id: UploadId) -> Response:
    if refused := _refused(request):
        return refused
    try:
        upload = import_uploads.get(session, session_key(request), upload_id, KIND)
    except NotFound:
        return error_page(request, 404, GONE.replace("importsiden", "siden Indlæs tal"))
    return _report_page(request, session, upload)


@router.post("/importer/tal/{upload_id}/anvend", name="web_figures_apply")
async def figures_apply(request: Request, session: SessionDep, user: UserDep, upload_id: UploadId) -> Response:
    if refused := _refused(request):
        return refused
    check_form_token(request, user, await request.form(max_files=0, max_fields=5))
    key = session_key(request)
    try:
        await run_in_threadpool(import_uploads.apply, session, key, upload_id, KIND)
    except NotFound:
        return error_page(request, 404, GONE.replace("importsiden", "siden Indlæs tal"))
    except AppError as exc:
        if exc.status in (401, 403) and not exc.errors:
            raise
        session.rollback()
        upload = await run_in_threadpool(import_uploads.get, session, key, upload_id, KIND)
        problems = problems_of(exc, column_label)
        count = exc.extra.get("problem_count") or len(problems)
        return _report_page(request, session, upload, 422, problems=problems, problem_count=count, apply_failed=True)
    return RedirectResponse(request.url_for("web_figures_report", upload_id=upload_id).path, status_code=303)
