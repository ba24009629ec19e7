"""Annotated dependency aliases shared by the routers, and the authorization every router declares."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from sqlmodel import Session

from app.config import get_settings
from app.context import RequestContext, set_current
from app.db import _session_factory, get_engine, get_session
from app.models.auth import Role
from app.models.budget_line import Year
from app.models.intervention import Kind, Status, Track
from app.models.types import IndicatorNumber
from app.services import idempotency, read_cache
from app.services.auth import ANONYMOUS, Forbidden, Unauthorized, authenticate
from app.services.interventions import InterventionFilters

SessionDep = Annotated[Session, Depends(get_session)]
T = TypeVar("T")


async def fresh_answer(
    cache_control: Annotated[
        str | None,
        Header(
            max_length=200, description="`no-cache` asks for an answer computed now rather than from the read cache"
        ),
    ] = None,
) -> bool:
    return read_cache.wants_fresh(cache_control)


FreshDep = Annotated[bool, Depends(fresh_answer)]


async def intervention_filters(
    department: Annotated[list[str], Query(max_length=50, description="Department code(s)")] = [],
    area: Annotated[list[str], Query(max_length=50, description="Area slug(s)")] = [],
    theme: Annotated[list[str], Query(max_length=50, description="Theme code(s), T1–T9")] = [],
    indicator: Annotated[list[IndicatorNumber], Query(max_length=50, description="Indicator number(s)")] = [],
    kind: Annotated[list[Kind], Query(max_length=10)] = [],
    status: Annotated[list[Status], Query(max_length=10)] = [],
    track: Annotated[list[Track], Query(max_length=10)] = [],
    year: Annotated[list[Year], Query(max_length=101, description="Has a budget line in this year")] = [],
    parent_id: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="Direct children of")] = None,
    external_id: Annotated[str | None, Query(max_length=100)] = None,
    q: Annotated[str | None, Query(max_length=200, description="Search in name and description")] = None,
    include_archived: bool = False,
) -> InterventionFilters:
    """The intervention list's filters, shared by every endpoint that selects interventions the same way.
    Async because it does no I/O: a plain `def` dependency would cost a thread-pool hop on every request."""
    return InterventionFilters(
        department=department,
        area=area,
        theme=theme,
        indicator=indicator,
        kind=kind,
        status=status,
        track=track,
        year=year,
        parent_id=parent_id,
        external_id=external_id,
        q=q,
        include_archived=include_archived,
    )


InterventionFiltersDep = Annotated[InterventionFilters, Depends(intervention_filters)]
InterventionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The intervention's id")]

READ_METHODS = {"GET", "HEAD", "OPTIONS"}


def _authenticate(authorization: str | None):
    """The principal and the data version, read in one session: one trip to the database per request."""
    with _session_factory(get_engine())() as session:
        version = read_cache.data_version(session)
        return authenticate(session, authorization, data_version=version), version


def authorize(*write_roles: Role) -> Callable[[Request], Awaitable[None]]:
    """A router's access rule: who may write through it (deny by default: no roles, no writes); reads need a
    token unless PUBLIC_READ is set. Services refine it (an editor's department, an SOB editor's observations).

    Async on purpose: the request context it sets must be visible to the endpoint, which a dependency run in
    the thread pool could not do."""
    allowed = {r.value for r in write_roles}

    async def dependency(request: Request) -> None:
        principal, version = await run_in_threadpool(_authenticate, request.headers.get("authorization"))
        principal = principal or ANONYMOUS
        set_current(
            RequestContext(
                principal=principal,
                request_id=getattr(request.state, "request_id", None),
                if_match=request.headers.get("if-match"),
                data_version=version,
            )
        )
        if request.method in READ_METHODS:
            if principal is ANONYMOUS and not get_settings().public_read:
                raise Unauthorized("reads need a token here (or set PUBLIC_READ=true)")
            return
        if principal is ANONYMOUS:
            raise Unauthorized("changes need a token")
        if principal.role not in allowed:
            raise Forbidden(f"a {principal.role} may not change this")

    return dependency


# --- Idempotency-Key on the POSTs that create something ----------------------------------------------------

IDEMPOTENCY_KEY_DESCRIPTION = (
    "Makes a retry safe: a request repeated with the same key (by the same token) and the same body is not "
    "applied again but answered with the first answer and `Idempotent-Replayed: true`. The same key with another "
    "request is refused (422). Use a new random key (e.g. a UUID) for each new request."
)


@dataclass
class Once:
    """The request's Idempotency-Key, ready to wrap the creating service call (app/services/idempotency.py)."""

    keyed: idempotency.KeyedRequest | None
    response: Response
    status_code: int

    def __call__(
        self, session: Session, write: Callable[[], T], headers: Callable[[T], dict[str, str]] | None = None
    ) -> T | Response:
        """Run `write` (a service call) once per key; `headers` gives the answer's headers (Location, ETag)."""

        def set_headers(result: T) -> dict[str, str]:
            extra = headers(result) if headers else {}
            self.response.headers.update(extra)
            return extra

        def answer(result: T) -> idempotency.Stored:
            extra = set_headers(result)
            return idempotency.Stored(self.response.status_code or self.status_code, jsonable_encoder(result), extra)

        if self.keyed is None:
            result = write()
            set_headers(result)
            return result
        result, replayed = idempotency.run(session, self.keyed, write, answer)
        if not replayed:
            return result
        return JSONResponse(
            result.body, status_code=result.status, headers={**result.headers, idempotency.REPLAYED_HEADER: "true"}
        )


async def idempotent(
    request: Request,
    response: Response,
    idempotency_key: Annotated[
        str | None, Header(alias=idempotency.HEADER, max_length=200, description=IDEMPOTENCY_KEY_DESCRIPTION)
    ] = None,
) -> Once:
    route = request.scope.get("route")
    status_code = getattr(route, "status_code", None) or 200
    if not idempotency_key:
        return Once(None, response, status_code)
    keyed = idempotency.KeyedRequest(
        key=idempotency_key,
        scope=f"{request.method} {getattr(route, 'path_format', request.url.path)}"[:100],
        request_hash=idempotency.request_hash(
            request.method, request.url.path, request.url.query, idempotency.canonical_json(await request.body())
        ),
    )
    return Once(keyed, response, status_code)


OnceDep = Annotated[Once, Depends(idempotent)]
