"""The service's pure-ASGI middleware: the request body limit (413 problem+json), request ids, and the last
resort for unexpected errors; HTTPMiddleware is the base every middleware of the service shares."""

import logging
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import PayloadTooLarge, error_response, problem_json

log = logging.getLogger("app.errors")


class HTTPMiddleware:
    """A pure-ASGI middleware for HTTP requests: other scopes (lifespan) pass through untouched; `handle` is
    what a subclass does with a request."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class StartTracker:
    """A `send` that notes whether the answer has begun: after that no other answer can be sent."""

    def __init__(self, send: Send):
        self.send = send
        self.started = False

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        await self.send(message)


class _TooLarge(Exception):
    pass


class BodySizeLimit(HTTPMiddleware):
    """`max_bytes` for every request, `large_bytes` for paths under `large_prefix` (the bulk imports, through the
    API and the web page)."""

    def __init__(
        self,
        app: ASGIApp,
        max_bytes: int,
        large_bytes: int | None = None,
        large_prefix: tuple[str, ...] = ("/api/v1/imports", "/importer"),
    ):
        super().__init__(app)
        self.max_bytes = max_bytes
        self.large_bytes = large_bytes or max_bytes
        self.large_prefix = large_prefix

    async def _reject(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        # Outside the app, so not through its exception handlers, but answered by the same function they use.
        too_large = PayloadTooLarge(
            f"the request body exceeds the limit of {limit} bytes; split it into smaller requests", limit_bytes=limit
        )
        await error_response(too_large, scope.get("path"))(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self.large_bytes if scope.get("path", "").startswith(self.large_prefix) else self.max_bytes
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await self._reject(scope, receive, send, limit)
                    return
        received = 0
        tracked = StartTracker(send)

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, limited_receive, tracked)
        except _TooLarge:
            if not tracked.started:
                await self._reject(scope, receive, send, limit)


_SAFE_ID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:")


class RequestId(HTTPMiddleware):
    """Give every request an id (the caller's X-Request-ID when it is sane, else a new one), keep it in
    `request.state.request_id` for the audit log and the logs, and echo it in the answer's X-Request-ID."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        given = dict(scope.get("headers", [])).get(b"x-request-id", b"").decode("latin-1")
        request_id = given if 0 < len(given) <= 100 and set(given) <= _SAFE_ID else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        await self.app(scope, receive, send_with_id)


class CatchUnexpected(HTTPMiddleware):
    """Answer an unexpected exception with a 500 problem+json and end the request normally.

    Starlette's ServerErrorMiddleware answers through the app's handler for Exception but then raises again, and
    uvicorn closes the connection on an exception that leaves the application: every 500 dropped the client's
    keep-alive connection (and whatever it had pipelined on it). Here the exception ends with the answer; only
    when part of an answer was sent already is it raised on, as then closing is the only way to tell."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        tracked = StartTracker(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception:
            log.exception("unhandled error on %s %s", scope.get("method"), scope.get("path"))
            if tracked.started:
                raise
            response = problem_json(
                500, "internal", "Internal error", "an unexpected error occurred", scope.get("path")
            )
            await response(scope, receive, send)
