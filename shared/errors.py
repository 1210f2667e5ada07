"""RFC 9457 problem+json for every error: clear 4xx for bad input, no stack traces ever."""

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


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


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return problem_response(
        500, "Internal error", "The request could not be completed.", request.url.path
    )


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Problem, _problem)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
