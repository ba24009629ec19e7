"""Sign in with a personal token, sign out."""

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from starlette.responses import RedirectResponse

from app.deps import SessionDep
from app.errors import Forbidden, Unauthorized
from app.services import web_sessions
from app.web.common import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    WebRoute,
    error_page,
    render,
    same_origin,
    set_cookie,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)


def _safe_next(target: str | None) -> str:
    """Back to the page asked for, on this site only (never //other.host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, status_code: int = 200, *, error: str | None = None, next_: str = "/") -> Response:
    # Before a session exists, the form's token is a random value also set as a cookie (double submit).
    csrf = secrets.token_urlsafe(32)
    notice = "Du er logget ud." if request.query_params.get("ud") else None
    if request.query_params.get("udloebet"):
        notice = "Din session er udløbet. Log ind igen."
    response = render(
        request,
        "login.html",
        status_code=status_code,
        title="Log ind",
        csrf_token=csrf,
        next=_safe_next(next_),
        error=error,
        notice=notice,
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, csrf, max_age=3600)
    return response


@router.get("/login", name="web_login_form")
def login_form(request: Request) -> Response:
    return _login_page(request, next_=request.query_params.get("next") or "/")


@router.post("/login", name="web_login")
def login(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    if not same_origin(request) or not csrf_token or not secrets.compare_digest(expected, csrf_token):
        return _login_page(request, 403, error="Formularen var for gammel. Prøv igen.", next_=next)
    try:
        session_id, _ = web_sessions.sign_in(session, token)
    except (Unauthorized, Forbidden):
        return _login_page(request, 401, error="Tokenet er ukendt eller spærret. Tjek det og prøv igen.", next_=next)
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/logout", name="web_logout")
def logout(request: Request, session: SessionDep, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    session_id = request.cookies.get(SESSION_COOKIE)
    signed_in = web_sessions.load(session, session_id)
    if signed_in is not None and (not same_origin(request) or not web_sessions.csrf_matches(signed_in, csrf_token)):
        return error_page(request, 403, "Formularen kunne ikke godkendes. Gå tilbage, genindlæs siden og prøv igen.")
    web_sessions.sign_out(session, session_id)
    response = RedirectResponse("/login?ud=1", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
