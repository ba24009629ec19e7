"""The ASGI application: routers, error handlers, middleware."""

from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import web
from app.config import get_settings, threads_per_worker
from app.core.collector import settle_after_startup
from app.core.middleware import BodySizeLimit, CatchUnexpected, RequestId
from app.core.observability import AccessLogAndMetrics, configure_logging
from app.core.routes import build_routes
from app.core.security_headers import SecurityHeaders
from app.errors import install_error_handlers
from app.routers import (
    allocations,
    audit,
    auth,
    budget_lines,
    case,
    docs,
    evaluations,
    exports,
    health,
    imports,
    interventions,
    material,
    metrics,
    observation_imports,
    observations,
    organisations,
    parties,
    pools,
    reference,
    reports,
    rollups,
    success_criteria,
    survey_rounds,
)

DESCRIPTION = """
The registry of Gladsaxe Kommune's *Social balance* programme (2016–2030): the interventions (*indsatser*)
and trial actions (*prøvehandlinger*) of the administrations (*forvaltninger*), what they cost year by year,
and how they link to the results framework of 3 effect goals, 9 themes and 19 indicators.

Money is exact Danish kroner: send amounts as JSON numbers or decimal strings with at most two decimals;
they are answered as strings with exactly two decimals (`"143750.00"`). Errors are RFC 9457
`application/problem+json`; validation errors list each offending field in `errors`.
"""


def _operation_id(route: APIRoute) -> str:
    return route.name


def settle_worker(application: FastAPI) -> None:
    """What a worker's start-up readies before its first request (the lifespan; bench/cpu.py, which drives the app
    without one, does the same): every route built, then start-up's objects frozen out of the collector. In that
    order: what FastAPI would build on a worker's first requests is then built now, and frozen with the rest."""
    build_routes(application.router.routes)
    settle_after_startup()


@asynccontextmanager
async def _lifespan(application: FastAPI):
    anyio.to_thread.current_default_thread_limiter().total_tokens = threads_per_worker(get_settings())
    settle_worker(application)
    yield


def create_app() -> FastAPI:
    settings = get_settings()
    configure_logging(settings.log_level)
    app = FastAPI(
        lifespan=_lifespan,
        title="socialbalance-registry",
        version="1.0.0",
        description=DESCRIPTION,
        generate_unique_id_function=_operation_id,
        # One schema per model: clients read `BudgetLineCreate`, not `BudgetLineCreate-Input`.
        separate_input_output_schemas=False,
        # Served from the service itself, not a CDN (app/routers/docs.py).
        docs_url=None,
        redoc_url=None,
        # Starlette's redirect of /path/ to /path builds an absolute URL from the request's Host header: a
        # trailing slash answers 404 instead.
        redirect_slashes=False,
    )
    install_error_handlers(app)
    routers = (
        health,
        reference,
        interventions,
        budget_lines,
        success_criteria,
        rollups,
        reports,
        observations,
        pools,
        observation_imports,
        allocations,
        imports,
        survey_rounds,
        exports,
        auth,
        audit,
        evaluations,
        material,
        case,
        organisations,
        parties,
    )
    for module in routers:
        app.include_router(module.router)
    app.include_router(metrics.router)
    app.include_router(docs.router)
    app.mount(docs.ASSETS, docs.assets(), name="docs-assets")
    web.install(app)  # the web pages (not in the OpenAPI document) and their static files
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_credentials=False,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "If-Match", "Idempotency-Key", "X-Request-ID"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Idempotent-Replayed"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, large_bytes=settings.max_import_bytes)
    app.add_middleware(CatchUnexpected)  # a 500 answered without closing the connection (outside BodySizeLimit)
    app.add_middleware(AccessLogAndMetrics)
    app.add_middleware(RequestId)  # outermost: every answer, even a 413, carries the request id
    # Security headers wrap even Starlette's ServerErrorMiddleware, which sends the answer of an unexpected error
    # (our 500 problem) past every middleware added above.
    build_stack = app.build_middleware_stack
    app.build_middleware_stack = lambda: SecurityHeaders(build_stack())
    return app


app = create_app()
