"""The AppError family and the RFC 9457 problem+json handlers: every error leaves the service in one shape."""

import logging
import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.exc import DataError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("app.errors")

PROBLEM_JSON = "application/problem+json"


class FieldError(BaseModel):
    loc: list[str | int] = Field(description='Path to the field, e.g. ["body", "budget_lines", 0, "amount"]')
    msg: str
    type: str | None = None


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field(description="A URI reference naming the kind of problem, e.g. /problems/validation")
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[FieldError] | None = None


class AppError(Exception):
    status = 400
    slug = "bad-request"
    title = "Bad request"

    def __init__(
        self,
        detail: str,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra


class NotFound(AppError):
    status, slug, title = 404, "not-found", "Not found"


class Conflict(AppError):
    status, slug, title = 409, "conflict", "Conflict"


class RuleViolation(AppError):
    """The request is well-formed but breaks a rule of the domain (unknown code, cycle, year outside period)."""

    status, slug, title = 422, "rule-violation", "Rule violation"

    @classmethod
    def at(cls, loc: list[str | int], msg: str) -> "RuleViolation":
        return cls(msg, errors=[{"loc": loc, "msg": msg}])


class BadRequest(AppError):
    status, slug, title = 400, "bad-request", "Bad request"


class PayloadTooLarge(AppError):
    status, slug, title = 413, "payload-too-large", "Payload too large"


class PreconditionFailed(AppError):
    """If-Match named a version that is no longer the current one: someone changed the resource meanwhile."""

    status, slug, title = 412, "precondition-failed", "The resource has changed"


class Unauthorized(AppError):
    status, slug, title = 401, "unauthorized", "Authentication required"

    def __init__(self, detail: str):
        super().__init__(detail, headers={"WWW-Authenticate": 'Bearer realm="socialbalance-registry"'})


class Forbidden(AppError):
    status, slug, title = 403, "forbidden", "Forbidden"


class SignInFailed(AppError):
    """A sign-in through the OIDC identity provider did not succeed. `reason` names the step (the web page says
    it in Danish): expired, state, denied, refused, id_token, no_role, unavailable."""

    status, slug, title = 401, "sign-in-failed", "Sign-in failed"

    def __init__(self, detail: str, *, reason: str, status: int = 401):
        super().__init__(detail)
        self.reason = reason
        self.status = status


class ImportRejectedError(AppError):
    """An import refused as a whole: nothing was written. Its body is the ImportRejected schema
    (app/models/interchange.py): every problem with its row and column."""

    status, slug, title = 422, "import-rejected", "Import rejected: nothing was written"


class IdempotencyMismatch(AppError):
    status, slug, title = 422, "idempotency-key-reused", "Idempotency-Key reused with a different request"


class LastAdminToken(Conflict):
    slug, title = "last-admin-token", "The last admin token cannot be revoked"


class UnsupportedMediaType(AppError):
    status, slug, title = 415, "unsupported-media-type", "Unsupported media type"


class GrantRefused(AppError):
    status, slug, title = 409, "pool-exhausted", "The grant does not fit in the pool"


def problem_response(
    request: Request,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> JSONResponse:
    return problem_json(status, slug, title, detail, request.url.path, errors, **extra)


def problem_json(
    status: int,
    slug: str,
    title: str,
    detail: str,
    instance: str | None,
    errors: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> JSONResponse:
    """The problem+json answer; `instance` is the request's path."""
    body: dict[str, Any] = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def error_response(exc: AppError, instance: str | None) -> JSONResponse:
    """The answer to an AppError, from the exception handler or from a middleware outside the app (the 413)."""
    response = problem_json(exc.status, exc.slug, exc.title, exc.detail, instance, exc.errors, **exc.extra)
    response.headers.update(exc.headers)
    return response


def _loc_text(loc: list[str | int]) -> str:
    return ".".join(str(p) for p in loc)


def _clean_validation_errors(exc: RequestValidationError) -> tuple[list[dict[str, Any]], bool]:
    errors, malformed = [], False
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            malformed = True
            ctx = err.get("ctx") or {}
            position = err["loc"][1] if len(err["loc"]) > 1 else None
            msg = f"malformed JSON: {ctx.get('error', 'decode error')}" + (
                f" at character {position}" if position is not None else ""
            )
            errors.append({"loc": ["body"], "msg": msg, "type": "json_invalid"})
            continue
        msg = err.get("msg", "invalid")
        # pydantic prefixes messages of custom validators with "Value error, "; the field name says enough.
        msg = msg.removeprefix("Value error, ")
        errors.append({"loc": list(err.get("loc", [])), "msg": msg, "type": err.get("type")})
    return errors, malformed


def _allowed_methods(request: Request) -> str:
    """Every method any operation of this path answers, read from the app's own OpenAPI document: Starlette
    names only the methods of the first route it matched, and GET and POST /interventions are two routes."""
    allowed: set[str] = set()
    for template, item in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), request.url.path):
            allowed |= {method.upper() for method in item if method in _HTTP_METHODS}
    return ", ".join(sorted(allowed))


_HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        unchecked = getattr(request.state, "unchecked", None)  # app/deps.py checks_access_in_its_hop
        if unchecked is not None:
            try:
                await unchecked.check_apart()
            except AppError as denied:
                return error_response(denied, request.url.path)
        errors, malformed = _clean_validation_errors(exc)
        if malformed:
            return problem_response(request, 400, "malformed-json", "Malformed JSON", errors[0]["msg"], errors)
        detail = "; ".join(f"{_loc_text(e['loc'])}: {e['msg']}" for e in errors[:5])
        if len(errors) > 5:
            detail += f"; and {len(errors) - 5} more"
        return problem_response(request, 422, "validation", "Invalid request", detail, errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.detail == "There was an error parsing the body":
            # FastAPI's answer when json.loads fails with something other than a decode error
            # (an integer literal of thousands of digits, arrays nested thousands deep).
            msg = "the body could not be parsed as JSON (check for numbers absurdly long or nesting absurdly deep)"
            return problem_response(
                request, 400, "malformed-json", "Malformed JSON", msg, [{"loc": ["body"], "msg": msg}]
            )
        titles = {404: "Not found", 405: "Method not allowed", 400: "Bad request", 413: "Payload too large"}
        slug = {404: "not-found", 405: "method-not-allowed", 413: "payload-too-large"}.get(exc.status_code, "http")
        response = problem_response(
            request, exc.status_code, slug, titles.get(exc.status_code, "Error"), str(exc.detail)
        )
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        if exc.status_code == 405:
            response.headers["Allow"] = _allowed_methods(request)
        return response

    _install_database_handlers(app)


def _install_database_handlers(app: FastAPI) -> None:
    """The backstops for what the database refuses or cannot do, and the last resort for anything unexpected."""

    @app.exception_handler(IntegrityError)
    async def _integrity_error(request: Request, exc: IntegrityError) -> JSONResponse:
        # Services check rules first; this is the backstop for races (two creates of one external_id).
        log.warning("integrity error: %s", exc.orig)
        return problem_response(
            request, 409, "conflict", "Conflict", "the change conflicts with data written at the same time; retry"
        )

    @app.exception_handler(DataError)
    async def _data_error(request: Request, exc: DataError) -> JSONResponse:
        # A value that passed validation but that the database cannot hold (e.g. NUL in a PostgreSQL text).
        log.warning("data error: %s", exc.orig)
        return problem_response(
            request,
            422,
            "validation",
            "Invalid request",
            "a value cannot be stored or compared by the database (e.g. a NUL character)",
        )

    @app.exception_handler(OperationalError)
    async def _operational_error(request: Request, exc: OperationalError) -> JSONResponse:
        log.error("database unavailable: %s", exc.orig)
        response = problem_response(
            request, 503, "database-unavailable", "Service unavailable", "the database is busy or unreachable"
        )
        response.headers["Retry-After"] = "1"
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(request, 500, "internal", "Internal error", "an unexpected error occurred")


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries documenting the Problem body for each error status."""
    descriptions = {
        400: "Malformed request (e.g. broken JSON, bad cursor)",
        401: "No token, or a token that is not valid",
        403: "The token's role or department may not do this",
        404: "Not found",
        409: "Conflict with existing data",
        412: "If-Match names an old version: read the resource again",
        413: "Request body too large",
        422: "Invalid input or a broken rule; `errors` names each field",
    }
    return {
        status: {
            "model": Problem,
            "description": descriptions.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }
