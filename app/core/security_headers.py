"""Security headers on every answer, as a small pure-ASGI middleware (issue 13, item 11).

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer` and `X-Frame-Options: DENY` on all answers,
  unless the route set its own (the web pages say `Referrer-Policy: same-origin`, so that the browser names
  their origin on a form post, which their CSRF check reads).
- A Content-Security-Policy on all answers: an API answer may load nothing and be framed by nobody; an HTML page
  (the case page) may use its own inline style and nothing else. A route that needs more (the documentation
  pages) sets its own policy, which is kept.
- `Cache-Control: no-store` on the answer to every request that carries an `Authorization` header (what a token
  may see, and a token just created, stays out of browser and proxy caches), unless the route set its own.
  The read cache's handling of a *request's* `Cache-Control: no-cache` is untouched: that is a request header."""

from starlette.datastructures import MutableHeaders
from starlette.types import Message, Receive, Scope, Send

from app.core.middleware import HTTPMiddleware

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HTML_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


class SecurityHeaders(HTTPMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        authenticated = any(name == b"authorization" for name, _ in scope.get("headers", []))

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in ALWAYS.items():
                    if name not in headers:  # a route's own, stricter or page-specific value is kept
                        headers[name] = value
                if "content-security-policy" not in headers:
                    html = headers.get("content-type", "").startswith("text/html")
                    headers["Content-Security-Policy"] = HTML_POLICY if html else API_POLICY
                if authenticated and "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
