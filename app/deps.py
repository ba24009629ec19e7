"""Annotated dependency aliases shared by the routers, and the authorization every router declares."""

import functools
import hmac
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from app.config import get_settings
from app.core import read_cache
from app.core.context import RequestContext, set_current
from app.db import WriterBusy, open_session, writer_queue, writes_in_event_loop, wrote
from app.errors import Forbidden, Unauthorized
from app.models.auth import Role
from app.models.filters import InterventionFilters, RollupFilters
from app.services import idempotency
from app.services.auth import ANONYMOUS, TOKEN_PREFIX, authenticate_with_version


async def _close(session: Session) -> None:
    """Close a session; in the thread pool only when it still holds a connection (closing then talks to the
    database), else at once: a request whose session ended its transaction costs no thread hop here."""
    if session.in_transaction():
        await run_in_threadpool(session.close)
    else:
        session.close()


async def request_session(request: Request) -> AsyncIterator[Session]:
    """The request's one session: the one `authorize` opened to check the token, or (on the routes without
    authorization, /health) a new one. Services commit; this only closes, rolling back anything uncommitted.
    Async: handing the session over costs no thread hop."""
    session = getattr(request.state, "session", None)
    if session is not None:
        yield session
        return
    session = open_session()
    try:
        yield session
    finally:
        await _close(session)


SessionDep = Annotated[Session, Depends(request_session)]
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


# The intervention filters (app/models/filters.py), each field a query parameter of its own; no dependency
# function runs, so they cost no thread-pool hop.
InterventionFiltersDep = Annotated[InterventionFilters, Query()]
RollupFiltersDep = Annotated[RollupFilters, Query()]
InterventionId = Annotated[int, Path(ge=1, le=2**31 - 1, description="The intervention's id")]

READ_METHODS = {"GET", "HEAD", "OPTIONS"}

# Declares the bearer token in the OpenAPI document (components.securitySchemes, and `security` on every operation
# whose dependencies use it), so Swagger UI has an Authorize button and generated clients know the header. It
# never answers by itself (auto_error=False): the token is checked, and a 401 answered, as before.
bearer = HTTPBearer(
    scheme_name="bearer",
    auto_error=False,
    description="An API token (`sbr_…`, from `registry token create` or `POST /api/v1/tokens`) or, when OIDC is "
    "configured, an access token of the identity provider: `Authorization: Bearer <token>`.",
)
BearerDep = Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]


def _authenticate(session: Session, authorization: str | None, *, keep: bool = False):
    """The principal and the data version, read in one trip to the database. The read transaction ends here, in
    the same thread, unless `keep`: the endpoint then reads on in it (see checked_in_one_hop)."""
    try:
        return authenticate_with_version(session, authorization)
    finally:
        if not keep:
            session.rollback()


# Endpoints that check the request's access themselves, in their one thread-pool hop (checked_in_one_hop).
_CHECKED_IN_HOP: set[Callable] = set()


def checks_access_in_its_hop(endpoint: Callable[..., T]) -> Callable[..., T]:
    """Mark an async endpoint whose database work runs in one hop with the token check: `authorize` then only
    notes the request's access rule, and the endpoint calls checked_in_one_hop, which applies it first. The
    endpoint must do so on every path (it is tested with an invalid token)."""
    _CHECKED_IN_HOP.add(endpoint)
    return endpoint


@dataclass
class _Unchecked:
    """The access rule of a request not checked yet: authorize hands it to checked_in_one_hop."""

    request: Request
    allowed: set[str]

    def check(self, session: Session, *, keep: bool) -> RequestContext:
        """Authenticate in this thread, set the request context (raises Unauthorized or Forbidden)."""
        principal, version, reference = _authenticate(session, self.request.headers.get("authorization"), keep=keep)
        if getattr(self.request.state, "unchecked", None) is self:  # (a short write may run twice: WriterBusy)
            del self.request.state.unchecked
        return _check(self.request, principal, version, reference, self.allowed)

    async def check_apart(self) -> None:
        """Apply the rule in a hop of its own, for a request whose endpoint did not run: the error handlers answer
        a request's invalid parameters only to whom may send it (raises Unauthorized or Forbidden)."""
        session = self.request.state.session
        set_current(await anyio.to_thread.run_sync(lambda: self.check(session, keep=False)))


# The access rule of the request being served, when its blocking endpoint applies it (OneHopRoute).
_UNCHECKED: ContextVar["_Unchecked | None"] = ContextVar("registry_unchecked", default=None)


class OneHopRoute(APIRoute):
    """The route class of the API's routers. A blocking (`def`) endpoint runs in one thread-pool hop that first
    applies the request's access rule: the token check, the data version and the endpoint's work share one hop,
    one session and (for a read) one transaction, which ends in that hop, so that closing the session costs no
    hop. The answer is then validated and serialised in the event loop (FastAPI would hop again to validate a
    blocking endpoint's answer). Async endpoints are unchanged: those that read in a hop of their own are marked
    checks_access_in_its_hop."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        self.checks_in_endpoint_hop = not inspect.iscoroutinefunction(endpoint)
        if self.checks_in_endpoint_hop:
            endpoint = _in_one_hop(endpoint)
        super().__init__(path, endpoint, **kwargs)


def _in_one_hop(endpoint: Callable[..., T]) -> Callable[..., Awaitable[T]]:
    @functools.wraps(endpoint)  # FastAPI reads the endpoint's parameters through __wrapped__
    async def call(**values: Any) -> T:
        unchecked = _UNCHECKED.get()
        if unchecked is None or getattr(unchecked.request.state, "unchecked", None) is not unchecked:
            # No access rule to apply (a route without authorize): the endpoint as FastAPI would run it.
            return await anyio.to_thread.run_sync(lambda: endpoint(**values))
        return await _checked_hop(unchecked, unchecked.request.state.session, lambda _session: endpoint(**values))

    return call


async def checked_in_one_hop(request: Request, session: Session, work: Callable[[Session], T]) -> T:
    """The token check, the data version and `work(session)` in one read transaction of the request's session,
    in one thread-pool hop; the transaction ends in the same hop, so closing the session costs none. The
    request context is set in the hop (for `work`) and in the event loop (for what follows)."""
    return await _checked_hop(getattr(request.state, "unchecked", None), session, work)


async def _checked_hop(unchecked: "_Unchecked | None", session: Session, work: Callable[[Session], T]) -> T:
    """Apply the access rule (if not yet applied) and do `work(session)` in one thread-pool hop, then end the
    session's transaction there: a read is committed (nothing written; a commit, not a rollback, so that what
    `work` returns is not expired before FastAPI validates it, expire_on_commit being off), anything a service
    left uncommitted, or the work of a request that failed, is rolled back, as _close would. The request
    context is set in the hop (for `work`) and in the event loop (for what follows)."""

    def run() -> tuple[RequestContext | None, T]:
        try:
            context = unchecked.check(session, keep=True) if unchecked is not None else None
            result = work(session)
        except BaseException:
            session.rollback()
            raise
        if session.in_transaction():
            if wrote(session) or session.new or session.dirty or session.deleted:
                session.rollback()
            else:
                session.commit()
        return context, result

    if _short_write_on_sqlite(unchecked, session):
        try:
            with writes_in_event_loop():
                context, result = run()
        except WriterBusy:
            context, result = await anyio.to_thread.run_sync(run)
    else:
        context, result = await anyio.to_thread.run_sync(run)
    if context is not None:
        set_current(context)
    return result


# A write whose body is larger than this runs in the thread pool on SQLite too (an import may take seconds).
INLINE_WRITE_MAX_BODY = 64 * 1024


def _short_write_on_sqlite(unchecked: "_Unchecked | None", session: Session) -> bool:
    """Whether a request's work runs in the event loop's thread rather than in a thread-pool hop: a small write
    on a SQLite file.

    SQLite lets one transaction write at a time and answers from the process's own memory in microseconds, so a
    short write gains nothing from a thread but pays for it: the thread and the event loop contend for the GIL
    while SQLite's write lock is held, which stretches every writer's turn (bench/run.py W2). Its write waits for
    the registry's writers' lock in the event loop only briefly (app/db.py writes_in_event_loop); if another writer
    keeps it longer (an import, say), the work, which has not written yet, is done again in the thread pool.
    A large write (or one of unknown length), a read, a request with an OIDC token, and PostgreSQL (a round trip
    per statement) hop as before."""
    if unchecked is None or unchecked.request.method in READ_METHODS:
        return False
    headers = unchecked.request.headers
    # An API token only: an OIDC token's check may fetch the provider's keys over the network.
    if not headers.get("authorization", "").startswith(f"Bearer {TOKEN_PREFIX}"):
        return False
    length = headers.get("content-length")  # none: a chunked body, of any size
    if length is None or not length.isdigit() or int(length) > INLINE_WRITE_MAX_BODY:
        return False
    return writer_queue(session.get_bind()) is not None


def authorize(*write_roles: Role) -> Callable[..., AsyncIterator[None]]:
    """A router's access rule: who may write through it (deny by default: no roles, no writes); reads need a
    token unless PUBLIC_READ is set. Services refine it (an editor's department, an SOB editor's observations).

    It opens the request's one session (SessionDep hands the same one to the endpoint) and closes it when the
    request is done. Async on purpose: the request context it sets must be visible to the endpoint, which a
    dependency run in the thread pool could not do. An endpoint marked checks_access_in_its_hop gets the rule
    to apply in its own hop instead: one hop, one transaction for the whole request."""
    allowed = {r.value for r in write_roles}

    async def dependency(request: Request, _declared: BearerDep) -> AsyncIterator[None]:
        session = request.state.session = open_session()
        try:
            route = request.scope.get("route")
            if getattr(route, "checks_in_endpoint_hop", False) or getattr(route, "endpoint", None) in _CHECKED_IN_HOP:
                request.state.unchecked = _Unchecked(request, allowed)
                _UNCHECKED.set(request.state.unchecked)
            else:
                check = await run_in_threadpool(_authenticate, session, request.headers.get("authorization"))
                _check(request, *check, allowed)
            yield
        finally:
            await _close(session)

    return dependency


def _check(
    request: Request, principal, version: int | None, reference: int | None, allowed: set[str]
) -> RequestContext:
    """Set the request context (in the calling context) and apply the access rule (raises Unauthorized or
    Forbidden); the context, to set in another."""
    principal = principal or ANONYMOUS
    context = RequestContext(
        principal=principal,
        request_id=getattr(request.state, "request_id", None),
        if_match=request.headers.get("if-match"),
        data_version=version,
        reference_version=reference,
    )
    set_current(context)
    if request.method in READ_METHODS:
        if principal is ANONYMOUS and not get_settings().public_read:
            raise Unauthorized("reads need a token here (or set PUBLIC_READ=true)")
        return context
    if principal is ANONYMOUS:
        raise Unauthorized("changes need a token")
    if principal.role not in allowed:
        raise Forbidden(f"a {principal.role} may not change this")
    return context


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


def _authenticate_alone(authorization: str | None):
    session = open_session()
    try:
        return _authenticate(session, authorization)[0]
    finally:
        session.close()


async def metrics_access(request: Request, _declared: BearerDep) -> None:
    """`/metrics` needs a token even with PUBLIC_READ: METRICS_TOKEN when it is set (a scrape secret that opens
    nothing else), or any valid token of the registry."""
    authorization = request.headers.get("authorization")
    scrape_token = get_settings().metrics_token
    if scrape_token and authorization:
        scheme, _, given = authorization.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), scrape_token.encode()):
            return
    if await run_in_threadpool(_authenticate_alone, authorization) is None:
        raise Unauthorized("the metrics need a token: METRICS_TOKEN or any API token")
