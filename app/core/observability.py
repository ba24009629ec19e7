"""Logs as JSON lines carrying the request id, one access line per request, and Prometheus metrics.

The request id comes from the RequestId middleware (app/core/middleware.py); it is kept in a context variable for
the duration of the request so that every log line written while handling it, in the event loop or in a
worker thread, carries it."""

import json
import logging
import time
from contextvars import ContextVar
from datetime import UTC, datetime

from prometheus_client import Counter, Histogram
from starlette.types import Message, Receive, Scope, Send

from app.core.middleware import HTTPMiddleware

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("app.access")

REQUESTS = Counter("registry_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer an HTTP request",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or request_id_var.get(),
        }
        for key in ("method", "path", "route", "status", "duration_ms"):
            if hasattr(record, key):
                line[key] = getattr(record, key)
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(level: str) -> None:
    """JSON lines on stderr for the app and uvicorn's own loggers (uvicorn's access log is replaced by ours)."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").disabled = True


def _route(scope: Scope) -> str:
    route = scope.get("route")
    # The path template (/api/v1/interventions/{intervention_id}), never the raw path: bounded label values.
    return getattr(route, "path", None) or "unmatched"


class AccessLogAndMetrics(HTTPMiddleware):
    """One JSON access line and one metrics observation per HTTP request, with the request id in context."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        token = request_id_var.set(scope.get("state", {}).get("request_id"))
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            elapsed = time.perf_counter() - start
            route, method = _route(scope), scope["method"]
            if route != "/metrics":
                REQUESTS.labels(method, route, str(status)).inc()
                LATENCY.labels(method, route, str(status)).observe(elapsed)
            access_log.info(
                "%s %s %s",
                method,
                scope.get("path"),
                status,
                extra={
                    "method": method,
                    "path": scope.get("path"),
                    "route": route,
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "request_id": request_id_var.get(),
                },
            )
            request_id_var.reset(token)
