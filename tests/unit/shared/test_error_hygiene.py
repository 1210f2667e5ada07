"""No stack trace, SQL or secret ever reaches an answer; the log has the traceback, with the
request's correlation id, and never a secret."""

import io
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Depends
from sqlalchemy.exc import IntegrityError, InternalError, OperationalError, ProgrammingError

from shared.auth import require_role
from shared.errors import PROBLEM_JSON
from shared.logging import JsonFormatter, mask_in_logs
from shared.settings import ServiceSettings
from tests.support.apps import bearer, service_app

SQL = "INSERT INTO intake_fault (id, depot_id) VALUES (?, ?)"
DB_URL = "postgresql+asyncpg://fleetcare:s3cret-pw@127.0.0.1:55432/fleetcare_intake"


def _failing_router() -> APIRouter:
    router = APIRouter(prefix="/v1/fail", dependencies=[Depends(require_role("admin"))])

    @router.get("/bug")
    async def bug() -> None:
        raise RuntimeError(f"cannot reach {DB_URL} while running SELECT * FROM intake_fault")

    @router.get("/duplicate")
    async def duplicate() -> None:
        raise IntegrityError(SQL, ("F-1", "D-BJ"), Exception("UNIQUE constraint failed"))

    @router.get("/bad-sql")
    async def bad_sql() -> None:
        raise ProgrammingError(SQL, ("F-1", "D-BJ"), Exception("column depot_id does not exist"))

    @router.get("/database-down")
    async def database_down() -> None:
        raise OperationalError(SQL, ("F-1", "D-BJ"), Exception(f"connection to {DB_URL} lost"))

    @router.get("/server-shutting-down")
    async def server_shutting_down() -> None:
        # What a statement raised in the chaos run while PostgreSQL shut down under it.
        driver = asyncpg.exceptions.InternalClientError(
            "cannot switch to state 11; another operation (2) is in progress")
        raise InternalError(SQL, ("F-1", "D-BJ"), driver) from driver

    return router


@pytest.fixture
async def client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    app = service_app(monkeypatch, tmp_path, _failing_router())
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://unit", headers=bearer(app, "admin")
    ) as client:
        yield client


def _assert_clean(response: httpx.Response) -> None:
    assert response.headers["content-type"] == PROBLEM_JSON
    text = response.text
    for leak in ("Traceback", "File \"", "INSERT", "SELECT", "intake_fault", "s3cret-pw",
                 "UNIQUE", "depot_id", "Error"):
        assert leak not in text, f"{leak!r} in {text}"


@pytest.mark.parametrize("path", ["/v1/fail/bug", "/v1/fail/duplicate", "/v1/fail/bad-sql"])
async def test_a_bug_or_database_error_is_a_generic_500_naming_the_correlation_id(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 500
    _assert_clean(response)
    body = response.json()
    assert body["title"] == "Internal error"
    assert body["correlation_id"] == response.headers["x-correlation-id"]
    assert response.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("path", ["/v1/fail/database-down", "/v1/fail/server-shutting-down"])
async def test_a_database_that_is_down_is_a_503_without_sql(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 503
    assert response.headers["retry-after"]
    _assert_clean(response)


async def test_the_traceback_goes_to_the_log_with_the_correlation_id(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="shared.errors"):
        response = await client.get("/v1/fail/duplicate")

    (line,) = [r for r in caplog.records if r.name == "shared.errors"]
    assert line.exc_info is not None and isinstance(line.exc_info[1], IntegrityError)
    assert line.__dict__["correlation_id"] == response.json()["correlation_id"]


def test_the_jwt_secret_and_database_password_never_reach_a_log_line() -> None:
    settings = ServiceSettings(jwt_secret="unit-signing-secret-0123456789abcdef",
                               database_url=DB_URL)
    mask_in_logs(settings.jwt_secret)
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter("unit"))
    log = logging.getLogger("unit.secrets")
    log.addHandler(handler)
    try:
        log.warning("started with %r", settings)
        try:
            raise ValueError(f"bad signature for key {settings.jwt_secret}")
        except ValueError:
            log.exception("token check failed")
    finally:
        log.removeHandler(handler)

    written = stream.getvalue()
    assert "database_url" in written and "jwt_secret" in written
    assert settings.jwt_secret not in written
    assert "s3cret-pw" not in written
