"""RFC 9457 problem+json for every error: clear 4xx for bad input, no stack traces ever."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared import correlation
from shared.transient import is_transient

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
# How long a client should wait before retrying when the database cannot be reached.
UNAVAILABLE_RETRY_AFTER_SECONDS = 5


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the bad field, e.g. `reporter.phone`.")
    message: str


class ProblemDocument(BaseModel):
    """The body of every error answer (RFC 9457), as published in each service's OpenAPI.

    Extension members may follow, e.g. `current_status` on a 409 or `checks` on /readyz's 503.
    """

    model_config = ConfigDict(extra="allow", title="Problem")

    type: str
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str | None = Field(default=None, description="The path that was called.")
    errors: list[FieldError] | None = Field(
        default=None, description="Validation errors (400 and 422), one per bad field."
    )


class Problem(Exception):
    """Raise from a route or the domain to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.headers = headers or {}
        self.title = title
        self.detail = detail or title
        self.extra = extra


def problem_response(
    status: int, title: str, detail: str, instance: str = "", **extra: Any
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"https://fleetcare.dev/problems/{status}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def field_errors(errors: Sequence[Any]) -> list[dict[str, str]]:
    """Pydantic's errors as `{field, message}` pairs, the field as a dotted path."""
    return [
        {"field": _field(err.get("loc", ())), "message": str(err.get("msg", "invalid"))}
        for err in errors
    ]


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = field_errors(exc.errors())
    if any(err.get("type") == "json_invalid" for err in exc.errors()):
        return problem_response(
            400, "Malformed JSON", "The request body is not valid JSON.",
            request.url.path, errors=errors,
        )
    return problem_response(
        422, "Invalid request", f"{len(errors)} field(s) failed validation.",
        request.url.path, errors=errors,
    )


async def _problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    response = problem_response(
        exc.status, exc.title, exc.detail, request.url.path, **exc.extra
    )
    response.headers.update(exc.headers)
    return response


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {401: "Unauthorized", 403: "Forbidden", 404: "Not found", 405: "Method not allowed"}
    response = problem_response(
        exc.status_code, titles.get(exc.status_code, "Request failed"), str(exc.detail),
        request.url.path,
    )
    if exc.headers:
        response.headers.update(exc.headers)
    return response


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return unavailable(request.method, request.url.path, exc)


def unavailable(method: str, path: str, exc: BaseException) -> JSONResponse:
    """The database (or another dependency) is down or refused the work for now: the request
    was not wrong and may succeed later, so it is 503 with Retry-After, not a 500."""
    log.warning("dependency unavailable on %s %s: %s", method, path, type(exc).__name__)
    response = problem_response(
        503, "Service unavailable", "A dependency of this service is unavailable; retry later.",
        path,
    )
    response.headers["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER_SECONDS)
    return response


def internal_error(method: str, path: str, exc: BaseException) -> JSONResponse:
    """The answer to a bug: a generic 500 naming the request's correlation id. The traceback
    (and any SQL in it) goes to the log only, on a line carrying the same id."""
    correlation_id = correlation.current()
    log.error("unhandled error on %s %s", method, path, exc_info=exc,
              extra={"correlation_id": correlation_id})
    extra = {"correlation_id": correlation_id} if correlation_id else {}
    return problem_response(
        500, "Internal error",
        "The request could not be completed; quote the correlation id when reporting it.",
        path, **extra,
    )


def unexpected(method: str, path: str, exc: BaseException) -> JSONResponse:
    """The answer to an exception nothing else handled: 503 when it is one of the outages the
    consumers wait out (a server shutting down mid-statement, a connection dropped under the
    driver, whatever type wraps it), else a bug's 500."""
    if is_transient(exc):
        return unavailable(method, path, exc)
    return internal_error(method, path, exc)


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    return unexpected(request.method, request.url.path, exc)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    # Connection refused or lost, timeouts (OSError covers them), pool exhaustion, a database
    # that cannot take the work right now (OperationalError: locked, deadlock, shutting down).
    for unavailable in (OSError, sa_exc.OperationalError, sa_exc.InterfaceError,
                        sa_exc.TimeoutError):
        app.add_exception_handler(unavailable, _unavailable)
    app.add_exception_handler(Exception, _unexpected)
