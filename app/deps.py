"""Annotated dependency aliases shared by the routers, and the authorization every router declares."""

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Header, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from sqlmodel import Session

from app.config import get_settings
from app.core import read_cache
from app.core.context import RequestContext, set_current
from app.db import _session_factory, get_engine, get_session
from app.errors import Forbidden, Unauthorized
from app.models.auth import Role
from app.models.filters import InterventionFilters, RollupFilters
from app.services.auth import ANONYMOUS, authenticate

SessionDep = Annotated[Session, Depends(get_session)]


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
