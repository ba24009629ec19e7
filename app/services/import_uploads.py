"""The web import page's two steps on the import services: a dry run of an uploaded file, kept server-side, then
its application with one click, without uploading it again. A file holds interventions (services/imports.py) or
the survey and register figures of the report (services/observation_imports.py): its `kind`.

The file is kept in the table import_upload (app/models/import_upload.py), owned by the web session that
uploaded it and expiring after UPLOAD_TTL, so that any worker serving the next request can apply it. Applying
runs the import again in full (the registry may have changed since the dry run), under an Idempotency-Key made
from the upload's id, so a second click or a reload after a lost answer never imports twice. The rows are
bookkeeping, not registry data: written through the connection, below the ORM, as the web sessions are, so they
do not give the data a new version."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlmodel import Session

from app.core.context import current
from app.errors import ImportRejectedError, NotFound
from app.models.import_upload import ImportUpload
from app.models.interchange import ImportStrategy
from app.models.types import utcnow
from app.services import idempotency, imports, observation_imports, observations

UPLOAD_TTL = timedelta(hours=1)
_TABLE = ImportUpload.__table__
INTERVENTIONS, OBSERVATIONS = "interventions", "observations"
OBSERVATION_SCOPE = "web-import:observations"


def require_right(kind: str) -> None:
    """The permission of the import service that reads this kind of file (403, 401 for nobody)."""
    if kind == OBSERVATIONS:
        observations.require_observer()
    else:
        imports.require_import_right()


@dataclass(frozen=True)
class Upload:
    id: str
    kind: str
    filename: str
    strategy: ImportStrategy
    dry_run_report: dict[str, Any]
    applied_report: dict[str, Any] | None
    expires_at: datetime


def _upload(row: Any) -> Upload:
    return Upload(
        id=row.id,
        kind=row.kind,
        filename=row.filename,
        strategy=ImportStrategy(row.strategy),
        dry_run_report=row.dry_run_report,
        applied_report=row.applied_report,
        expires_at=row.expires_at,
    )


def _unreadable(msg: str, type_: str) -> ImportRejectedError:
    problem = {"row": None, "column": None, "loc": ["body", "file"], "msg": msg, "type": type_}
    return ImportRejectedError(f"1 problem(s), nothing was written: {msg}", errors=[problem], problem_count=1)


def dry_run(
    session: Session,
    web_session_key: str,
    *,
    filename: str,
    content_type: str | None,
    body: bytes,
    strategy: ImportStrategy = ImportStrategy.upsert,
    kind: str = INTERVENTIONS,
) -> Upload:
    """Check an uploaded file as the import would (nothing is written to the registry) and keep it for
    `apply`. Raises ImportRejectedError with every problem; then nothing is kept."""
    require_right(kind)
    media_type = imports.upload_media_type(filename, content_type)
    if not body:
        raise _unreadable("no file was chosen, or the file is empty", "no_file")
    if media_type is None:
        raise _unreadable("the file is neither CSV, XLSX nor JSON (name it .csv, .xlsx or .json)", "unsupported_file")
    if kind == OBSERVATIONS:
        report = observation_imports.import_observations(session, body, media_type, dry_run=True).model_dump(
            mode="json"
        )
    else:
        answer, _replayed = imports.import_interventions(
            session, body, media_type, strategy=strategy, dry_run=True, idempotency_key=None
        )
        report = answer.body
    now, upload_id = utcnow(), secrets.token_urlsafe(24)
    connection = session.connection()
    connection.execute(delete(_TABLE).where(_TABLE.c.expires_at < now))  # whatever nobody applied in time
    connection.execute(
        insert(_TABLE).values(
            id=upload_id,
            web_session_id=web_session_key,
            actor=current().principal.actor,
            filename=filename[:255],
            media_type=media_type,
            strategy=strategy.value,
            kind=kind,
            body=body,
            dry_run_report=report,
            created_at=now,
            expires_at=now + UPLOAD_TTL,
        )
    )
    session.commit()
    return get(session, web_session_key, upload_id, kind)


def _row(session: Session, web_session_key: str, upload_id: str, kind: str, *, with_body: bool = False) -> Any:
    columns = [c for c in _TABLE.c if with_body or c.name != "body"]
    row = session.execute(
        select(*columns).where(
            _TABLE.c.id == upload_id[:64],
            _TABLE.c.web_session_id == web_session_key,
            _TABLE.c.kind == kind,
            _TABLE.c.expires_at >= utcnow(),
        )
    ).one_or_none()
    if row is None:
        raise NotFound("the uploaded file is no longer kept (it expires after an hour); upload it again")
    return row


def get(session: Session, web_session_key: str, upload_id: str, kind: str = INTERVENTIONS) -> Upload:
    """An upload of this kind and web session that has not expired (404 otherwise: another session's is not
    shown)."""
    return _upload(_row(session, web_session_key, upload_id, kind))


def _apply_observations(session: Session, row: Any, key: str) -> dict[str, Any]:
    """The observation import applied once under the upload's key (the idempotency store, as an API client's
    Idempotency-Key): a second click, or one at the same moment, answers what the first did."""
    keyed = idempotency.KeyedRequest(key, OBSERVATION_SCOPE, idempotency.request_hash(row.media_type, row.body))
    result, _replayed = idempotency.run(
        session,
        keyed,
        lambda: observation_imports.import_observations(session, row.body, row.media_type, dry_run=False),
        lambda report: idempotency.Stored(200, report.model_dump(mode="json")),
    )
    return result.body if isinstance(result, idempotency.Stored) else result.model_dump(mode="json")


def apply(session: Session, web_session_key: str, upload_id: str, kind: str = INTERVENTIONS) -> Upload:
    """Import the kept file for real: checked again in full against the registry as it is now (ImportRejectedError
    with every problem, and nothing written, when it no longer passes). Applying twice imports once."""
    require_right(kind)
    row = _row(session, web_session_key, upload_id, kind, with_body=True)
    if row.applied_report is not None:
        return _upload(row)
    session.rollback()  # the import opens its own write transaction
    key = f"web-import:{upload_id}"
    if kind == OBSERVATIONS:
        report = _apply_observations(session, row, key)
    else:
        answer, _replayed = imports.import_interventions(
            session,
            row.body,
            row.media_type,
            strategy=ImportStrategy(row.strategy),
            dry_run=False,
            idempotency_key=key,
        )
        report = answer.body
    # Applied: the file is not needed any more (the report stays until the upload expires).
    session.connection().execute(update(_TABLE).where(_TABLE.c.id == row.id).values(applied_report=report, body=b""))
    session.commit()
    return get(session, web_session_key, upload_id, kind)
