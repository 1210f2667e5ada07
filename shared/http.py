"""ASGI middleware: request size limit (413), Prometheus request metrics, the request's
correlation id (and the generic 500 naming it) and security headers."""

import time
from typing import Any

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared import correlation, metrics
from shared.errors import problem_response, unexpected
from shared.logging import log_context


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413, whether or not Content-Length is sent."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(scope, receive, send)
            return
        seen = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(scope, receive, send)

    async def _reject(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem_response(
            413, "Payload too large", f"The request body exceeds {self.max_bytes} bytes."
        )
        await response(scope, receive, send)


class RequestMetrics:
    """Count and time requests by route template and status class, never by raw path or
    exact code (no ids as labels, few series)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def capture(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            route: Any = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "GET")
            status_class = f"{status // 100}xx"
            metrics.HTTP_REQUESTS.labels(self.service, method, template, status_class).inc()
            metrics.HTTP_DURATION.labels(self.service, method, template).observe(
                time.perf_counter() - started
            )


def response_headers(message: Message) -> MutableHeaders:
    """The headers of an `http.response.start` message, to change in place (ASGI lets a
    server-side sender leave them out)."""
    message.setdefault("headers", [])
    return MutableHeaders(scope=message)


class CorrelationId:
    """Give each request its correlation id (`shared/correlation.py`): sent back in
    `X-Correlation-ID`, carried by its log lines and audit entries.

    An unhandled error is answered here, with the generic 500 naming that id, rather than by
    Starlette's outermost handler: so that answer too carries the id and passes back through
    `SecurityHeaders`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = correlation.choose(Headers(scope=scope).get(correlation.HEADER))
        started = False

        async def tagged(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                response_headers(message)[correlation.HEADER] = correlation_id
            await send(message)

        token = correlation.bind(correlation_id)
        try:
            with log_context(correlation_id=correlation_id):
                await self.app(scope, receive, tagged)
        except Exception as exc:
            if started:  # too late to answer; the server logs it and drops the connection
                raise
            response = unexpected(scope["method"], scope["path"], exc)
            await response(scope, receive, tagged)
        finally:
            correlation.unbind(token)


# On every answer: no MIME sniffing, never framed (clickjacking), no Referer leaking ids in URLs.
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
}
# An HTML page that sets no policy of its own may load nothing at all.
HTML_CSP = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# FastAPI's /docs (Swagger UI) and /redoc pages start with an inline script and load scripts,
# styles, fonts and icons from these hosts; everything else stays shut.
DOCS_PATHS = ("/docs", "/redoc")
DOCS_CSP = (
    "default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src https://fonts.gstatic.com; "
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly; "
    "connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)


def _is_docs(path: str) -> bool:
    return any(path == docs or path.startswith(f"{docs}/") for docs in DOCS_PATHS)


class SecurityHeaders:
    """Add `SECURITY_HEADERS` to every answer, and a Content-Security-Policy to HTML answers
    that bring none of their own (quality's reports do); a route's own values win."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = DOCS_CSP if _is_docs(scope["path"]) else HTML_CSP

        async def secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = response_headers(message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", policy)
            await send(message)

        await self.app(scope, receive, secured)
