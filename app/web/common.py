"""What every page shares: the templates, who is signed in, the form token, Danish number formats, and the route
class that turns a service's error into a page instead of problem+json."""

from collections.abc import Callable, Coroutine
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import Depends, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse

from app.core import read_cache
from app.core.context import RequestContext, set_current
from app.db import open_session
from app.errors import AppError, Forbidden
from app.models.auth import Role
from app.models.intervention import KIND_LABELS, STATUS_LABELS, TRACK_LABELS
from app.models.pool import AllocationStatus
from app.services import framework, imports, observations, survey_rounds, web_sessions
from app.services.web_sessions import SignedIn
from app.web.messages import BY_PROBLEM

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
SESSION_COOKIE = "sbr_session"
LOGIN_CSRF_COOKIE = "sbr_login_csrf"
LOCAL_TIME = ZoneInfo("Europe/Copenhagen")

ROLE_LABELS = {
    Role.admin: "Administrator",
    Role.editor: "Redaktør",
    Role.pool_manager: "Puljeforvalter",
    Role.reader: "Læser",
}
ALLOCATION_STATUS_LABELS = {
    AllocationStatus.requested: "Ansøgt",
    AllocationStatus.changes_requested: "Ændringer ønsket",
    AllocationStatus.granted: "Bevilget",
    AllocationStatus.rejected: "Afvist",
    AllocationStatus.released: "Frigivet",
}

# Content Security Policy: everything from this service itself, nothing inline but markup (the charts are inline
# SVG with presentation attributes), no frames. A page that tried to load from another host would be refused.
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; font-src 'self'; "
    "connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)


# --- formats -----------------------------------------------------------------------------------------------


def kr(amount: Decimal | int | None) -> str:
    """477500.00 → "477.500,00" (Danish grouping and decimal comma); a minus sign for negative amounts."""
    if amount is None:
        return "–"
    amount = Decimal(amount)
    text = f"{abs(amount):,.2f}".replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return ("−" if amount < 0 else "") + text


def kr_short(amount: Decimal | int | None) -> str:
    """Whole kroner with grouping, for chart labels: 477500.00 → "477.500"."""
    if amount is None:
        return "–"
    amount = Decimal(amount)
    text = f"{abs(amount):,.0f}".replace(",", ".")
    return ("−" if amount < 0 else "") + text


def share(value: Decimal | None) -> str:
    """0.9512 → "95,1 %"; a dash when there is nothing to divide by."""
    if value is None:
        return "–"
    return f"{Decimal(value) * 100:.1f}".replace(".", ",") + " %"


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.astimezone(LOCAL_TIME).strftime("%d.%m.%Y %H:%M")


def danish_date(value: date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else ""


def role_label(principal) -> str:
    label = ROLE_LABELS.get(principal.role, principal.role)
    return f"{label} for {principal.department}" if principal.department else label


TEMPLATES.env.filters.update(kr=kr, kr_short=kr_short, share=share, local_time=local_time, danish_date=danish_date)
TEMPLATES.env.globals.update(
    KIND_LABELS=KIND_LABELS,
    STATUS_LABELS=STATUS_LABELS,
    TRACK_LABELS=TRACK_LABELS,
    ALLOCATION_STATUS_LABELS=ALLOCATION_STATUS_LABELS,
    role_label=role_label,
)


def url_with(request: Request, path: str | None = None, **changes: Any) -> str:
    """The request's URL (or `path`) with some query parameters replaced (None drops one); lists repeat."""
    params: list[tuple[str, str]] = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        for item in value if isinstance(value, list | tuple) else [value]:
            params.append((key, str(item)))
    query = urlencode(params)
    return (path or request.url.path) + (f"?{query}" if query else "")


TEMPLATES.env.globals["url_with"] = url_with


def allowed(check: Callable[[], None]) -> bool:
    """Whether a service's permission check lets the signed-in person through (for menus and links)."""
    try:
        check()
    except AppError:
        return False
    return True


def may_import() -> bool:
    """Whether the signed-in person may import (the import service's own rule), for the menu."""
    return allowed(imports.require_import_right)


def may_load_figures() -> bool:
    """Whether the signed-in person may load the report's survey and register figures (the observations' rule)."""
    return allowed(observations.require_observer)


def may_change_rounds() -> bool:
    return allowed(survey_rounds.require_round_right)


def may_change_framework() -> bool:
    return allowed(framework.require_framework_right)


TEMPLATES.env.globals.update(
    may_import=may_import,
    may_load_figures=may_load_figures,
    may_change_rounds=may_change_rounds,
    may_change_framework=may_change_framework,
)


# --- who is signed in --------------------------------------------------------------------------------------


class SignInRequired(Exception):
    """No valid session: the page answers with a redirect to /login (and back here afterwards)."""


def _load(session_id: str | None) -> tuple[SignedIn | None, int | None]:
    """The session and the data version (for the read cache), read in one session."""
    with open_session() as session:
        version = read_cache.data_version(session)
        return web_sessions.load(session, session_id), version


async def signed_in(request: Request) -> SignedIn:
    """The signed-in person (their session), set as the request's principal, so that the services apply the same
    roles and department scope as for the API and the audit log names the person. Async for the same reason as
    deps.authorize: the context it sets must be visible to the page route."""
    user, version = await run_in_threadpool(_load, request.cookies.get(SESSION_COOKIE))
    if user is None:
        raise SignInRequired()
    request_id = getattr(request.state, "request_id", None)
    set_current(RequestContext(principal=user.principal, request_id=request_id, data_version=version))
    request.state.user = user
    return user


UserDep = Annotated[SignedIn, Depends(signed_in)]


def wants_fresh(request: Request) -> bool:
    """Cache-Control: no-cache (a hard reload) asks for figures computed now rather than from the read cache."""
    return read_cache.wants_fresh(request.headers.get("cache-control"))


def is_https(request: Request) -> bool:
    """HTTPS to the browser: the request's own scheme, or the proxy's X-Forwarded-Proto in front of us."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_https(request))


def same_origin(request: Request) -> bool:
    """A form post from a page of this service: when the browser names the origin, it is ours."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


# --- forms -------------------------------------------------------------------------------------------------

MAX_FORM_FIELDS = 6000  # an intervention form with a few hundred budget lines


async def _posted_form(request: Request) -> FormData:
    return await request.form(max_fields=MAX_FORM_FIELDS, max_files=0)


FormDep = Annotated[FormData, Depends(_posted_form)]


def check_form_token(request: Request, user: SignedIn, form: FormData) -> None:
    """Every form post of a signed-in person carries the session's form token and comes from a page of this
    service (CSRF): 403 otherwise, before anything is read or written."""
    check_csrf_token(request, user, form.get("csrf_token"))


def check_csrf_token(request: Request, user: SignedIn, csrf_token: str | None) -> None:
    """`check_form_token` for a route that reads its fields one by one (`Form(...)`)."""
    if not same_origin(request) or not web_sessions.csrf_matches(user, csrf_token):
        raise Forbidden("Formularen kunne ikke godkendes. Gå tilbage, genindlæs siden og prøv igen.", csrf=True)


def redirect(path: str) -> Response:
    """After a successful post: the browser asks for the page anew (Post/Redirect/Get)."""
    return RedirectResponse(path, status_code=303)


def session_key(request: Request) -> str:
    """The signed-in session's stored key (what rows that belong to the session refer to)."""
    return web_sessions.key_of(request.cookies.get(SESSION_COOKIE) or "")


# --- rendering ---------------------------------------------------------------------------------------------


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> Response:
    user = getattr(request.state, "user", None)
    response = TEMPLATES.TemplateResponse(
        request,
        template,
        {"user": user, "principal": user.principal if user else None, **context},
        status_code=status_code,
    )
    return response


def error_page(request: Request, status_code: int, message: str) -> Response:
    titles = {
        400: "Forespørgslen kan ikke forstås",
        403: "Det har du ikke adgang til",
        404: "Siden findes ikke",
        409: "Det kan ikke lade sig gøre lige nu",
        422: "Oplysningerne kan ikke bruges",
    }
    return render(
        request,
        "error.html",
        status_code=status_code,
        title=titles.get(status_code, "Der opstod en fejl"),
        message=message,
    )


def _secure(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    # Pages show data the person is signed in to see: not kept by the browser or proxies after they leave.
    response.headers.setdefault("Cache-Control", "no-store")
    return response


class WebRoute(APIRoute):
    """A page: errors of the services (and of the parameters) become a Danish page with the same status,
    a missing session a redirect to the sign-in page, and every answer carries the page security headers."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except SignInRequired:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                expired = "&udloebet=1" if request.cookies.get(SESSION_COOKIE) else ""
                response = RedirectResponse(f"/login?next={quote(target, safe='')}{expired}", status_code=303)
                if expired:
                    response.delete_cookie(SESSION_COOKIE, path="/")
            except AppError as exc:
                # The service's detail is English, for developers: the page says it in Danish.
                message = exc.detail if exc.extra.get("csrf") else BY_PROBLEM.get(exc.slug, exc.detail)
                response = error_page(request, exc.status, message)
            except RequestValidationError as exc:
                fields = ", ".join(str(e["loc"][-1]) for e in exc.errors()[:5])
                response = error_page(request, 422, f"Ugyldig værdi i: {fields}")
            except StarletteHTTPException as exc:
                response = error_page(request, exc.status_code, str(exc.detail))
            return _secure(response)

        return route
