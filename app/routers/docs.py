"""The API documentation pages, Swagger UI at /docs and ReDoc at /redoc, public like the OpenAPI document
they show. Their files come from the service itself (issue 13, item 17): the Swagger UI and ReDoc bundles
that the fastapi-offline package ships, and app/static/swagger-init.js, so the pages work in a closed network.

Neither page has an inline script, so their Content-Security-Policy allows scripts from the service only."""

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"
TITLE = "socialbalance-registry"
# Swagger UI and ReDoc style their elements inline; ReDoc runs its search in a worker made from a blob: URL.
DOCS_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; worker-src 'self' blob:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

router = APIRouter(include_in_schema=False)


def assets() -> StaticFiles:
    """The files the pages load: the bundles of fastapi-offline and app/static/swagger-init.js."""
    return StaticFiles(packages=[("fastapi_offline", "static"), ("app", "static")])


def _page(request: Request, title: str, head: str, body: str) -> HTMLResponse:
    html = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<link rel="icon" type="image/png" href="{_url(request, ASSETS + "/favicon.png")}">
{head}
</head>
<body>
{body}
</body>
</html>
"""
    return HTMLResponse(html, headers={"Content-Security-Policy": DOCS_POLICY})


def _url(request: Request, path: str) -> str:
    """A path on this service, behind the proxy prefix it is served under (root_path), escaped for HTML."""
    return escape(request.scope.get("root_path", "") + path)


@router.api_route("/docs", methods=["GET", "HEAD"])
async def get_docs(request: Request) -> HTMLResponse:
    return _page(
        request,
        f"{TITLE} – Swagger UI",
        f'<link rel="stylesheet" href="{_url(request, ASSETS + "/swagger-ui.css")}">',
        f'<div id="swagger-ui" data-openapi-url="{_url(request, request.app.openapi_url)}"></div>\n'
        f'<script src="{_url(request, ASSETS + "/swagger-ui-bundle.js")}"></script>\n'
        f'<script src="{_url(request, ASSETS + "/swagger-init.js")}"></script>',
    )


@router.api_route("/redoc", methods=["GET", "HEAD"])
async def get_redoc(request: Request) -> HTMLResponse:
    return _page(
        request,
        f"{TITLE} – ReDoc",
        "",
        f'<redoc spec-url="{_url(request, request.app.openapi_url)}"></redoc>\n'
        f'<script src="{_url(request, ASSETS + "/redoc.standalone.js")}"></script>',
    )
