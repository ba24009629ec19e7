"""Sign in with a personal token or with Microsoft (the OIDC identity provider, when configured), sign out."""

import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from starlette.responses import RedirectResponse

from app.config import get_settings
from app.deps import SessionDep
from app.errors import Forbidden, SignInFailed, Unauthorized
from app.services import oidc_sign_in, web_sessions
from app.web.common import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    WebRoute,
    error_page,
    is_https,
    render,
    same_origin,
    set_cookie,
)

router = APIRouter(route_class=WebRoute, include_in_schema=False)
log = logging.getLogger("app.web.signin")

OIDC_COOKIE = "sbr_oidc"
# What the person is told when signing in with Microsoft does not succeed, by SignInFailed.reason.
OIDC_MESSAGES = {
    "expired": "Log ind med Microsoft tog for lang tid eller blev startet i et andet vindue. Prøv igen.",
    "state": "Svaret fra Microsoft hørte ikke til dette log ind. Prøv igen.",
    "denied": "Microsoft loggede dig ikke ind. Prøv igen.",
    "refused": "Microsoft godkendte ikke log ind. Prøv igen.",
    "id_token": "Svaret fra Microsoft kunne ikke godkendes, så du er ikke logget ind. Prøv igen, "
    "eller kontakt registrets administrator, hvis det sker igen.",
    "no_role": "Din Microsoft-konto har ingen rolle i registret. Bed registrets administrator om at give dig "
    "adgang, eller log ind med et personligt token.",
    "unavailable": "Microsoft kan ikke nås lige nu. Prøv igen om lidt, eller log ind med et personligt token.",
}


def _safe_next(target: str | None) -> str:
    """Back to the page asked for, on this site only (never //other.host or a scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(
    request: Request, status_code: int = 200, *, error: str | None = None, next_: str = "/", token_error: bool = False
) -> Response:
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
        token_error=token_error,
        notice=notice,
        oidc=get_settings().oidc_web_sign_in,
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
        return _login_page(
            request, 401, error="Tokenet er ukendt eller spærret. Tjek det og prøv igen.", next_=next, token_error=True
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_cookie(request, response, SESSION_COOKIE, session_id)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


def _redirect_uri(request: Request) -> str:
    """Where Microsoft sends the browser back: OIDC_REDIRECT_URI, or this site's callback as the browser sees it."""
    configured = get_settings().oidc_redirect_uri
    if configured:
        return configured
    scheme = "https" if is_https(request) else request.url.scheme
    return f"{scheme}://{request.url.netloc}{request.app.url_path_for('web_login_oidc_callback')}"


@router.get("/login/oidc", name="web_login_oidc")
def login_oidc(request: Request, session: SessionDep, next: Annotated[str, Query(max_length=2000)] = "/") -> Response:
    """Sign in with Microsoft: off to the identity provider, with a cookie that lets this browser finish."""
    if not get_settings().oidc_web_sign_in:
        return error_page(request, 404, "Log ind med Microsoft er ikke sat op for dette register.")
    try:
        started = oidc_sign_in.begin(session, redirect_uri=_redirect_uri(request), next_path=_safe_next(next))
    except SignInFailed as exc:
        log.warning("sign-in with OIDC could not start: %s", exc.detail)
        return _login_page(request, exc.status, error=OIDC_MESSAGES[exc.reason], next_=next)
    response = RedirectResponse(started.url, status_code=303)
    set_cookie(request, response, OIDC_COOKIE, started.flow_id, max_age=int(oidc_sign_in.FLOW_LIFETIME.total_seconds()))
    return response


@router.get("/login/oidc/callback", name="web_login_oidc_callback")
def login_oidc_callback(request: Request, session: SessionDep) -> Response:
    """Microsoft's answer: signed in with the role the claims map to, or the sign-in page saying why not."""
    if not get_settings().oidc_web_sign_in:
        return error_page(request, 404, "Log ind med Microsoft er ikke sat op for dette register.")
    answer = {key: value[:4000] for key, value in request.query_params.items()}
    try:
        finished = oidc_sign_in.finish(session, request.cookies.get(OIDC_COOKIE), answer)
    except SignInFailed as exc:
        log.warning("sign-in with OIDC refused (%s): %s", exc.reason, exc.detail)
        response = _login_page(request, exc.status, error=OIDC_MESSAGES[exc.reason])
    else:
        session_id, _ = web_sessions.start(session, finished.principal)
        log.info("signed in with OIDC: %s as %s", finished.principal.actor, finished.principal.role)
        response = RedirectResponse(_safe_next(finished.next_path), status_code=303)
        set_cookie(request, response, SESSION_COOKIE, session_id)
    response.delete_cookie(OIDC_COOKIE, path="/")
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
