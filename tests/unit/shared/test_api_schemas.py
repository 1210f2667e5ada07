"""The API's input rules (strict bodies, storable text, dates in range) and its documented
problem+json answers, on a small app and on every service's OpenAPI."""

import json
import typing
from datetime import date, datetime
from enum import Enum
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Query
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, Strict

from shared.errors import ProblemDocument, install_problem_handlers, problem_response
from shared.schemas import (
    FROM_STRING,
    RequestBody,
    SQLRequestBody,
    Timestamp,
    storable_parameters,
)
from shared.settings import ServiceSettings

SERVICES = ("intake", "parts", "dispatch", "quality")


class Line(SQLRequestBody):
    part_number: str = Field(max_length=60)
    qty: int = Field(ge=1, le=100)


class Card(RequestBody):
    description: str = Field(max_length=100)
    lat: float = Field(ge=-90, le=90)
    reported_at: Timestamp | None = None
    lines: list[Line] = Field(default_factory=list, max_length=5)
    tags: dict[str, float] = Field(default_factory=dict, max_length=5)


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI(dependencies=[Depends(storable_parameters)])
    install_problem_handlers(app)

    @app.post("/cards/{code}")
    async def post_card(code: str, card: Card, q: Annotated[str | None, Query()] = None) -> str:
        return card.description

    @app.get("/down")
    async def down() -> None:
        raise ConnectionRefusedError("database")

    return TestClient(app)


JSON = {"content-type": "application/json"}
GOOD = {"description": "制动缓解不良", "lat": 39, "reported_at": "2026-11-27T08:00:00+08:00",
        "lines": [{"part_number": "BRK-1", "qty": 2}], "tags": {"a": 0.5}}


def _invalid_fields(client: TestClient, body: Any, url: str = "/cards/C1") -> set[str]:
    # Escaped JSON: a lone surrogate cannot be sent as UTF-8, only as `\ud800`.
    answer = client.post(url, content=json.dumps(body), headers=JSON)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    ProblemDocument.model_validate(answer.json())
    return {error["field"] for error in answer.json()["errors"]}


def test_a_good_card_in_chinese_is_accepted(client: TestClient) -> None:
    assert client.post("/cards/C1", json=GOOD).json() == "制动缓解不良"


@pytest.mark.parametrize(("change", "field"), [
    ({"severty": "A"}, "severty"),
    ({"lines": [{"part_number": "BRK-1", "qty": 2, "colour": "red"}]}, "lines.0.colour"),
    ({"lat": True}, "lat"),
    ({"lines": [{"part_number": "BRK-1", "qty": "2"}]}, "lines.0.qty"),
    ({"lines": [{"part_number": "BRK-1", "qty": 2.5}]}, "lines.0.qty"),
    ({"description": 5}, "description"),
    ({"reported_at": 1764230400}, "reported_at"),
    ({"reported_at": "1764230400"}, "reported_at"),
    ({"reported_at": "2026-11-27T08:00:00"}, "reported_at"),
    ({"reported_at": "0001-01-01T00:00:00+01:00"}, "reported_at"),
    ({"reported_at": "9999-12-31T23:59:59-01:00"}, "reported_at"),
    ({"description": "a\u0000b"}, "description"),
    ({"description": "a\ud800b"}, "description"),
    ({"lines": [{"part_number": "\u0000", "qty": 1}]}, "lines.0.part_number"),
    ({"tags": {"\u0000": 1.0}}, "tags"),
], ids=lambda value: str(value)[:40])
def test_unknown_fields_wrong_json_types_unstorable_text_and_far_dates_are_422_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str
) -> None:
    assert _invalid_fields(client, GOOD | change) == {field}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_numbers_must_be_finite(client: TestClient, literal: str) -> None:
    body = '{"description": "x", "lat": 1, "tags": {"a": LITERAL}}'.replace("LITERAL", literal)
    answer = client.post("/cards/C1", content=body, headers=JSON)
    assert answer.status_code == 422
    assert {e["field"] for e in answer.json()["errors"]} == {"tags.a"}


def test_unstorable_text_in_a_path_or_query_parameter_is_422_naming_it(client: TestClient) -> None:
    assert _invalid_fields(client, GOOD, "/cards/C%00?q=%00") == {"path.code", "query.q"}


def test_a_database_that_cannot_be_reached_is_503_with_retry_after(client: TestClient) -> None:
    answer = client.get("/down")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == "5"
    assert ProblemDocument.model_validate(answer.json()).status == 503


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FastAPI]:
    """Each service's app as `create_app` builds it (not started: no database, no Kafka)."""
    scratch: Path = tmp_path_factory.mktemp("api-schemas")
    with pytest.MonkeyPatch.context() as patch:
        # Building an app takes over the process's logging; pytest's own capture must stay.
        patch.setattr("shared.app.configure_logging", lambda service: None)
        built = {}
        for service in SERVICES:
            config = import_module(f"services.{service}.config")
            (settings,) = [
                kind for kind in vars(config).values()
                if isinstance(kind, type) and issubclass(kind, ServiceSettings)
                and kind is not ServiceSettings
            ]
            built[service] = import_module(f"services.{service}.main").create_app(
                settings(database_url=f"sqlite+aiosqlite:///{scratch}/{service}.db",
                         run_consumers=False)
            )
        return built


def _annotations(annotation: Any) -> list[tuple[Any, list[Any]]]:
    """Every type inside an annotation, with the metadata it was declared with."""
    found: list[tuple[Any, list[Any]]] = []
    if typing.get_origin(annotation) is Annotated:
        inner, *metadata = typing.get_args(annotation)
        return [(inner, metadata), *_annotations(inner)]
    for argument in typing.get_args(annotation):
        found += [(argument, []), *_annotations(argument)]
    return found


def _body_models(app: FastAPI) -> set[type[BaseModel]]:
    """The request body models of every route, with the models nested in them."""
    pending = [
        parameter.field_info.annotation
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        for parameter in route.original_route.dependant.body_params
    ]
    models: set[type[BaseModel]] = set()
    while pending:
        annotation = pending.pop()
        for kind, _ in [(annotation, []), *_annotations(annotation)]:
            if isinstance(kind, type) and issubclass(kind, BaseModel) and kind not in models:
                models.add(kind)
                pending += [field.annotation for field in kind.model_fields.values()]
    return models


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_is_strict_and_takes_enums_and_dates_as_strings(
    apps: dict[str, FastAPI], service: str
) -> None:
    models = _body_models(apps[service])
    assert models
    for model in models:
        assert issubclass(model, RequestBody | SQLRequestBody), model
        for name, field in model.model_fields.items():
            declared = [(field.annotation, list(field.metadata)), *_annotations(field.annotation)]
            for kind, metadata in declared:
                if isinstance(kind, type) and issubclass(kind, Enum | date | datetime):
                    assert FROM_STRING in metadata or Strict(False) in metadata, (model, name)


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_documents_its_problems_with_the_problem_schema(
    apps: dict[str, FastAPI], service: str
) -> None:
    spec = apps[service].openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["Problem"]["title"] == "Problem"
    for path, method, operation in _operations(spec):
        responses = operation["responses"]
        where = f"{method.upper()} {path}"
        for status, response in responses.items():
            if int(status) >= 400:
                assert response["content"] == {"application/problem+json": {
                    "schema": {"$ref": "#/components/schemas/Problem"}}}, where
        statuses = {int(status) for status in responses}
        if operation.get("security") != []:
            assert {401, 403, 503} <= statuses, where
        parameters = operation.get("parameters", [])
        if any(parameter["in"] == "path" for parameter in parameters):
            assert 404 in statuses, where
        if "requestBody" in operation:
            assert {400, 413, 422} <= statuses, where
        if any(parameter["name"] == "cursor" for parameter in parameters):
            assert 400 in statuses, where
        if method != "get":
            assert {409, 413} <= statuses, where


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_body_schema_refuses_unknown_fields(
    apps: dict[str, FastAPI], service: str
) -> None:
    spec = apps[service].openapi()
    schemas = spec["components"]["schemas"]
    pending = [
        content["schema"]
        for _, _, operation in _operations(spec)
        for content in operation.get("requestBody", {}).get("content", {}).values()
    ]
    seen: set[str] = set()
    while pending:
        schema = pending.pop()
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[1]
            if name in seen:
                continue
            seen.add(name)
            schema = schemas[name]
        if "properties" in schema:
            assert schema.get("additionalProperties") is False, schema.get("title")
            pending += list(schema["properties"].values())
        pending += [*schema.get("anyOf", []), *schema.get("allOf", [])]
        if isinstance(schema.get("items"), dict):
            pending.append(schema["items"])
    assert seen


def test_the_technicians_job_list_declares_its_304(apps: dict[str, FastAPI]) -> None:
    responses = apps["dispatch"].openapi()["paths"]["/v1/me/jobs"]["get"]["responses"]
    assert "304" in responses and "content" not in responses["304"]


def test_readiness_documents_its_503_and_health_no_problem(apps: dict[str, FastAPI]) -> None:
    paths = apps["intake"].openapi()["paths"]
    assert set(paths["/healthz"]["get"]["responses"]) == {"200"}
    # 422: an unknown `require` (only "all" and "database" are).
    assert set(paths["/readyz"]["get"]["responses"]) == {"200", "422", "503"}


def test_what_the_handlers_answer_fits_the_problem_schema() -> None:
    answer = problem_response(409, "Conflict", "Not now.", "/v1/x", current_status="closed")
    document = ProblemDocument.model_validate_json(bytes(answer.body))
    assert (document.status, document.model_extra) == (409, {"current_status": "closed"})
