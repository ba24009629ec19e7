"""Importing interventions from a spreadsheet in the browser: upload a file, read the dry run's report (what would
be created, updated or left alone, or every problem by row and column), then apply it with one click without
uploading it again. The same import service and permission as POST /api/v1/imports/interventions; the file is
kept between the two steps by services/import_uploads.py."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse

from app.core import tabular
from app.core.attachment import attachment
from app.deps import SessionDep
from app.errors import AppError, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized
from app.models.interchange import ImportStrategy
from app.services import exports, import_uploads, imports
from app.web.common import UserDep, WebRoute, check_form_token, error_page, render, session_key
from app.web.import_messages import column_label, danish

router = APIRouter(route_class=WebRoute, include_in_schema=False)

UploadId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_-]{16,64}$")]
STRATEGIES = {
    ImportStrategy.upsert: "Opret nye og opdatér ændrede indsatser",
    ImportStrategy.create: "Kun nye indsatser (en nøgle, der findes, er en fejl)",
    ImportStrategy.update: "Kun eksisterende indsatser (en ukendt nøgle er en fejl)",
}
ACTION_LABELS = {"created": "Oprettes", "updated": "Opdateres", "unchanged": "Uændret"}
APPLIED_LABELS = {"created": "Oprettet", "updated": "Opdateret", "unchanged": "Uændret"}
SHOWN_ITEMS = 500  # rows of a report listed on the page (the counts cover them all)
NOT_ALLOWED = "Kun administratorer og redaktører kan importere indsatser."
GONE = "Filen gemmes ikke længere (den gemmes i en time efter prøvekørslen). Vælg den igen på importsiden."


def _refused(request: Request) -> Response | None:
    """The import service's permission rule: a Danish 403 page for those it refuses, else None."""
    try:
        imports.require_import_right()
    except (Forbidden, Unauthorized):
        return error_page(request, 403, NOT_ALLOWED)
    return None


def problems_of(exc: AppError, label: Callable[[str | None], str] = column_label) -> list[dict[str, Any]]:
    """An import's refusal as rows of the page's table: row, column (its Danish heading, by `label`) and message
    in Danish."""
    if exc.errors:
        return [{"row": p.get("row"), "column": label(p.get("column")), "message": danish(p)} for p in exc.errors]
    if isinstance(exc, PayloadTooLarge):
        message = "Filen er for stor til at blive importeret; del den op i flere filer."
    elif isinstance(exc, Conflict):
        message = "Importen stødte sammen med en samtidig ændring. Intet blev gemt; prøv igen."
    else:
        message = exc.detail
    return [{"row": None, "column": "", "message": message}]


def _page(request: Request, status_code: int = 200, **context: Any) -> Response:
    defaults = {
        "title": "Importér indsatser",
        "active": "imports",
        "strategies": STRATEGIES,
        "strategy": ImportStrategy.upsert,
        "upload": None,
        "problems": None,
        "problem_count": 0,
        "shown_items": SHOWN_ITEMS,
    }
    return render(request, "imports.html", status_code=status_code, **{**defaults, **context})


@router.get("/importer", name="web_import")
def import_page(request: Request, user: UserDep) -> Response:
    return _refused(request) or _page(request)


@router.get("/importer/skabelon", name="web_import_template")
def import_template(
    request: Request, session: SessionDep, user: UserDep, format: tabular.OutputFormat = tabular.OutputFormat.xlsx
) -> Response:
    if refused := _refused(request):
        return refused
    if format is tabular.OutputFormat.csv:
        return attachment(exports.template_csv(), tabular.CSV_MEDIA_TYPE, "indsatser-skabelon.csv")
    return attachment(exports.template_xlsx(session), tabular.XLSX_MEDIA_TYPE, "indsatser-skabelon.xlsx")


async def _form(request: Request, user: Any) -> tuple[str, bytes, str | None, str]:
    """(file name, bytes, its content type, strategy) of the upload form, once its form token is checked."""
    form = await request.form(max_files=1, max_fields=10)
    check_form_token(request, user, form)
    upload = form.get("file")
    name, body, content_type = "", b"", None
    if isinstance(upload, UploadFile):
        name, body, content_type = upload.filename or "", await upload.read(), upload.content_type
    return name, body, content_type, str(form.get("strategy") or "upsert")


async def keep_dry_run(
    request: Request,
    session: Any,
    *,
    filename: str,
    body: bytes,
    content_type: str | None,
    label: Callable[[str | None], str] = column_label,
    **options: Any,
) -> tuple[import_uploads.Upload | None, list[dict[str, Any]], int]:
    """The dry run of an uploaded file, kept for *Anvend*: the kept upload, or (None, the problems as the page's
    rows, how many there are in all) when the file is refused. A refusal of the person themselves is raised."""
    try:
        kept = await run_in_threadpool(
            import_uploads.dry_run,
            session,
            session_key(request),
            filename=filename,
            content_type=content_type,
            body=body,
            **options,
        )
    except AppError as exc:
        if exc.status in (401, 403) and not exc.errors:
            raise
        session.rollback()
        problems = problems_of(exc, label)
        return None, problems, exc.extra.get("problem_count") or len(problems)
    return kept, [], 0


@router.post("/importer", name="web_import_dry_run")
async def import_dry_run(request: Request, session: SessionDep, user: UserDep) -> Response:
    if refused := _refused(request):
        return refused
    name, body, content_type, strategy_text = await _form(request, user)
    strategy = ImportStrategy(strategy_text) if strategy_text in STRATEGIES else ImportStrategy.upsert
    upload, problems, count = await keep_dry_run(
        request, session, filename=name, body=body, content_type=content_type, strategy=strategy
    )
    if upload is None:
        return _page(request, 422, problems=problems, problem_count=count, filename=name, strategy=strategy)
    return RedirectResponse(request.url_for("web_import_report", upload_id=upload.id).path, status_code=303)


@router.get("/importer/{upload_id}", name="web_import_report")
def import_report(request: Request, session: SessionDep, user: UserDep, upload_id: UploadId) -> Response:
    if refused := _refused(request):
        return refused
    try:
        upload = import_uploads.get(session, session_key(request), upload_id)
    except NotFound:
        return error_page(request, 404, GONE)
    return _report_page(request, upload)


def _report_page(request: Request, upload: import_uploads.Upload, status_code: int = 200, **context: Any) -> Response:
    applied = upload.applied_report is not None
    report = upload.applied_report if applied else upload.dry_run_report
    return _page(
        request,
        status_code,
        title="Importen er gennemført" if applied else "Prøvekørsel af importen",
        upload=upload,
        report=report,
        applied=applied,
        labels=APPLIED_LABELS if applied else ACTION_LABELS,
        strategy=upload.strategy,
        **context,
    )


@router.post("/importer/{upload_id}/anvend", name="web_import_apply")
async def import_apply(request: Request, session: SessionDep, user: UserDep, upload_id: UploadId) -> Response:
    if refused := _refused(request):
        return refused
    check_form_token(request, user, await request.form(max_files=0, max_fields=5))
    key = session_key(request)
    try:
        await run_in_threadpool(import_uploads.apply, session, key, upload_id)
    except NotFound:
        return error_page(request, 404, GONE)
    except AppError as exc:
        if exc.status in (401, 403) and not exc.errors:
            raise
        session.rollback()
        upload = await run_in_threadpool(import_uploads.get, session, key, upload_id)
        problems = problems_of(exc)
        count = exc.extra.get("problem_count") or len(problems)
        return _report_page(request, upload, 422, problems=problems, problem_count=count, apply_failed=True)
    return RedirectResponse(request.url_for("web_import_report", upload_id=upload_id).path, status_code=303)
