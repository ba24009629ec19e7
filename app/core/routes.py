"""The app's routes made ready at start-up, not on a worker's first requests.

FastAPI (0.165) builds each included router's per-route state lazily: the first request that the router is
asked to match builds, for every route of it that the match tries, the route's dependency tree, its parameters'
pydantic validators and its response field. Measured in-process on this project's app (2026-12-04, a slow moment
of a 2-core machine): a worker's first request to the rollups cost 174 ms of CPU against 16 ms for the second,
the first to the list 156 ms against 22, the first to an unknown path 111 ms, each leaving 2,000–6,000 new
objects. In a served worker that cost falls on its first requests to each router after every start (a deploy,
a restart), and what it makes is made after start-up's objects were frozen out of the collector
(app/core/collector.py), so the collector walks it again and again for the worker's whole life.

`build_routes` asks every route to match a request that no route matches, which makes FastAPI build all of
them: by Starlette's public `BaseRoute.matches`, which only matches and never runs an endpoint. A route whose
state is already built (a second start of the same app, as a test suite does) is only matched again.
"""

from typing import Any

from starlette.routing import BaseRoute

# A request no route takes: no route answers this method, and the path names none of them.
_MATCHES_NOTHING: dict[str, Any] = {
    "type": "http",
    "asgi": {"version": "3.0"},
    "http_version": "1.1",
    "method": "BUILD-ROUTES",
    "scheme": "http",
    "path": "/\x00build-routes",
    "raw_path": b"/%00build-routes",
    "root_path": "",
    "query_string": b"",
    "headers": [],
}


def build_routes(routes: list[BaseRoute]) -> None:
    """Make FastAPI build the state of every route in `routes` (an app's `router.routes`) now."""
    for route in routes:
        route.matches(dict(_MATCHES_NOTHING))
