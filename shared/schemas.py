"""What every service's API schema shares: strict request bodies and documented problems.

- **Strict JSON**: every request body model derives from `RequestBody` (plain pydantic) or
  `SQLRequestBody` (SQLModel families whose base is also a table's), so a field the API does not
  know is refused with 422 naming it, never silently dropped: a misspelt optional field
  (`severty`) would otherwise change what the client meant without telling it. Values must have
  their JSON types (strict mode: `true` is no number, `"5"` no integer); enums, dates and times,
  which JSON writes as strings, are declared `FROM_STRING`. Numbers must be finite: `NaN`,
  `Infinity` and overflowing literals (`1e999`), which Python's JSON parser accepts, are 422.
- **Storable text**: a string holding NUL (`\u0000`, which PostgreSQL text cannot store) or an
  unpaired surrogate (`\ud800`, which is not Unicode and cannot be encoded as UTF-8) is 422,
  in a body field (`RequestBody`) as in a path or query parameter (`storable_parameters`).
- **Dates in range**: `Timestamp` (an RFC 3339 string with offset, not a number of seconds) and
  `Day` take the years 1900–2099 only, far from Python's year 1 and 9999, where an offset, an
  SLA clock or a period overflows.
- **Documented problems**: `document_problems(app)` adds to each OpenAPI operation the
  problem+json answers it can give, so clients (and Schemathesis) see every status and its body.
"""

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any, TypeVar

from fastapi import FastAPI, Request
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    Strict,
    field_validator,
)
from sqlmodel import SQLModel
from sqlmodel.main import SQLModelConfig

from shared.errors import PROBLEM_JSON, Problem, ProblemDocument

UNSTORABLE_TEXT = "must not contain NUL characters or unpaired surrogates"
FIRST_YEAR, END_YEAR = 1900, 2100
D = TypeVar("D", bound=date)
# JSON writes enums, dates and times as strings: such fields take them in strict bodies too.
FROM_STRING = Strict(False)
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _rfc3339(value: Any) -> Any:
    # Lax parsing would also take a number (or numeric string) of seconds since 1970.
    if isinstance(value, datetime) or (isinstance(value, str) and _RFC3339.match(value)):
        return value
    raise ValueError("must be an RFC 3339 date-time string with a UTC offset")


def _day(value: Any) -> Any:
    if isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise ValueError("must be a date string, YYYY-MM-DD")


def _in_years(value: D) -> D:
    # The local date's year: with it in range, converting the offset cannot overflow.
    if not FIRST_YEAR <= value.year < END_YEAR:
        raise ValueError(f"must lie in the years {FIRST_YEAR} to {END_YEAR - 1}")
    return value


_YEARS = f"Years {FIRST_YEAR}–{END_YEAR - 1}."
Timestamp = Annotated[
    AwareDatetime, FROM_STRING, BeforeValidator(_rfc3339), AfterValidator(_in_years),
    Field(description=f"RFC 3339 with a UTC offset. {_YEARS}"),
]
Day = Annotated[
    date, FROM_STRING, BeforeValidator(_day), AfterValidator(_in_years),
    Field(description=_YEARS),
]


def is_storable(text: str) -> bool:
    """Whether PostgreSQL can store the text and it can be answered as UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _strings(value: Any) -> list[str]:
    """The strings in a field's value; nested models check their own fields."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for key, item in value.items() for s in _strings(key) + _strings(item)]
    if isinstance(value, list | tuple | set | frozenset):
        return [s for item in value for s in _strings(item)]
    return []


def _storable_text(cls: type, value: Any) -> Any:
    if not all(is_storable(text) for text in _strings(value)):
        raise ValueError(UNSTORABLE_TEXT)
    return value


class RequestBody(BaseModel):
    """Base of the request bodies that are plain pydantic models."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
    _storable = field_validator("*")(_storable_text)


class SQLRequestBody(SQLModel):
    """Base of the request bodies in SQLModel families (see `RequestBody`)."""

    model_config = SQLModelConfig(extra="forbid", strict=True, allow_inf_nan=False)
    _storable = field_validator("*")(_storable_text)


async def storable_parameters(request: Request) -> None:
    """An app-wide dependency: a path or query parameter with unstorable text is 422."""
    sources = {"path": request.path_params.items(), "query": request.query_params.multi_items()}
    errors = [
        {"field": f"{source}.{name}", "message": UNSTORABLE_TEXT}
        for source, items in sources.items()
        for name, value in items
        if isinstance(value, str) and not is_storable(value)
    ]
    if errors:
        raise Problem(422, "Invalid request", f"{len(errors)} field(s) failed validation.",
                      errors=errors)


PROBLEM_REF = "#/components/schemas/Problem"
WRITE_METHODS = frozenset({"post", "put", "patch", "delete"})
PROBLEM_DESCRIPTIONS = {
    400: "Malformed JSON body, or a cursor this API did not issue",
    401: "Missing, expired or invalid bearer token (`WWW-Authenticate: Bearer`)",
    403: "The token's role or scope does not allow this",
    404: "No such resource, or none the caller may see",
    409: "Conflicts with the resource's current state, or an Idempotency-Key reused with "
         "another body",
    413: "Request body over the size limit (1 MiB by default)",
    422: "Invalid request; `errors` names each bad field",
    429: "Too many requests; retry after `Retry-After` seconds",
    503: "A dependency (the database) is unavailable; retry after `Retry-After` seconds",
}


def problem_statuses(method: str, operation: dict[str, Any]) -> set[int]:
    """The error statuses an operation can answer, from what it takes and who may call it.

    A public operation declares an empty `security` requirement; every other needs a token.
    Statuses a route declares itself (e.g. 429 where it is rate-limited) are kept as well.
    """
    parameters = operation.get("parameters", [])
    has_body = "requestBody" in operation
    statuses: set[int] = set()
    if operation.get("security") != []:
        statuses |= {401, 403, 503}
    if has_body or any(p["in"] == "query" and p["name"] == "cursor" for p in parameters):
        statuses.add(400)
    if any(p["in"] == "path" for p in parameters):
        statuses.add(404)
    if method in WRITE_METHODS:
        statuses |= {409, 413}
    if parameters or has_body:
        statuses.add(422)
    return statuses


def add_problem_responses(spec: dict[str, Any]) -> dict[str, Any]:
    """Declare every operation's problem+json answers, all with the one `Problem` schema.

    FastAPI's own 422 (`HTTPValidationError`, application/json) is replaced: ours is a problem.
    """
    problem = ProblemDocument.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    content = {PROBLEM_JSON: {"schema": {"$ref": PROBLEM_REF}}}
    for operations in spec.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in problem_statuses(method, operation):
                responses.setdefault(str(status), {"description": PROBLEM_DESCRIPTIONS[status]})
            for status, response in responses.items():
                if status.isdigit() and int(status) >= 400:
                    response["content"] = content
                    if response.get("description") == "Validation Error":
                        response["description"] = PROBLEM_DESCRIPTIONS[422]
    return spec


def document_problems(app: FastAPI) -> None:
    """Make the app's OpenAPI document carry its problem+json answers (built once, cached)."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = add_problem_responses(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
