"""Schemathesis against each running service's OpenAPI: no 5xx, every answer as documented.

Every operation gets a bounded number of generated requests that fit its schema (positive) and,
when it takes parameters or a body, requests that do not (negative), sent with an admin token.
Generation is derandomised (a fixed seed per operation) and never shrinks, so a run is
repeatable and its length bounded. The checks, by Schemathesis's names:

- `not_a_server_error`: no 5xx, whatever the input;
- `status_code_conformance`, `content_type_conformance`, `response_schema_conformance`,
  `response_headers_conformance`: every answer, errors included, is one the OpenAPI declares;
- `missing_required_header`, `ignored_auth`, `unsupported_method`: a request without a
  required header or a valid token, or with an undeclared method, is refused.

Left out: `positive_data_acceptance` (what the schema cannot say refuses schema-valid input:
unknown ids are 404, opaque cursors not issued here 400, cross-field and domain rules 422 or
409); `negative_data_rejection` (FastAPI ignores query parameters an operation does not declare
and takes the last of a repeated one, as HTTP APIs commonly do; bodies are strict, see
shared/schemas.py); `allow_header_conformance` (Starlette's 405 lists the methods of the first
route matching the path, not of every route on it); `use_after_free` and
`ensure_resource_availability` (stateful: they need deletions and links this API does not
have); `object_level_authorization` (needs a second identity: the authorisation matrix test
covers cross-depot and cross-technician access); `max_response_time` (no budget declared).
"""

import asyncio
from functools import partial
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import Case, GenerationMode

from shared.auth import issue_token
from tests.e2e.conftest import PORTS, System
from tests.support.env import JWT_SECRET

CHECKS = (
    "not_a_server_error", "status_code_conformance", "content_type_conformance",
    "response_schema_conformance", "response_headers_conformance",
    "missing_required_header", "ignored_auth", "unsupported_method",
)
# Generated requests per service, shared among its operations (at least 8 each), 60 % of each
# share positive: the four services in about half a minute against the running system.
BUDGET = 400
MIN_PER_OPERATION = 8
POSITIVE_SHARE = 0.6
# Its own subject, so that its writes count against a rate-limit bucket no other test uses.
ADMIN = {"Authorization": f"Bearer {issue_token(JWT_SECRET, 'admin', 'schemathesis')}"}
CONFIG: dict[str, Any] = {
    "request-timeout": 10,
    "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
}
# Shown per failure: enough for the request, the answer and the curl line that reproduces it.
REPORT_CHARS = 2500


def _takes_input(operation: Any) -> bool:
    """Negative data needs something to break: a parameter or a body."""
    definition = operation.definition.raw
    return bool(definition.get("parameters") or definition.get("requestBody"))


def _shares(operation: Any, per_operation: int) -> dict[GenerationMode, int]:
    """How many positive and negative cases the operation gets."""
    if not _takes_input(operation):
        return {GenerationMode.POSITIVE: per_operation}
    positive = round(per_operation * POSITIVE_SHARE)
    return {GenerationMode.POSITIVE: positive, GenerationMode.NEGATIVE: per_operation - positive}


def _fuzz(
    operation: Any, mode: GenerationMode, examples: int, headers: dict[str, str]
) -> str | None:
    """Run one operation's cases; the failure report, or None when every check passed."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples, derandomize=True, deadline=None, database=None,
        phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
    )
    def cases(case: Case) -> None:
        case.call_and_validate(headers=headers)

    try:
        cases()
    except BaseExceptionGroup as failures:  # Schemathesis's FailureGroup: the checks that failed
        return f"{operation.label} ({mode.value}): {failures}"[:REPORT_CHARS]
    return None


def fuzz_service(url: str, headers: dict[str, str]) -> tuple[int, list[str]]:
    """Every operation of the service at `url`: how many were tested, and the failures."""
    schema = schemathesis.openapi.from_url(
        f"{url}/openapi.json", config=schemathesis.Config.from_dict(CONFIG), timeout=10
    )
    operations = [schema[path][method] for path in schema for method in schema[path]]
    per_operation = max(MIN_PER_OPERATION, BUDGET // max(len(operations), 1))
    failures = [
        report
        for operation in operations
        for mode, examples in _shares(operation, per_operation).items()
        if (report := _fuzz(operation, mode, examples, headers)) is not None
    ]
    return len(operations), failures


@pytest.mark.parametrize("service", list(PORTS))
async def test_every_operation_answers_as_its_openapi_says_and_never_with_a_5xx(
    system: System, service: str
) -> None:
    tested, failures = await asyncio.to_thread(
        partial(fuzz_service, system.services[service].url, ADMIN)
    )
    assert tested > 0
    assert not failures, f"{len(failures)} operation(s) of {service} failed:\n\n" + "\n\n".join(
        failures
    )
