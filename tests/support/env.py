"""Where the real broker and PostgreSQL started by `make test` are (see deploy/local/test.sh)."""

import os

import pytest

JWT_SECRET = "fleetcare-test-secret-0123456789abcdef"


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run these tests through `make test`", pytrace=False)
    return value


def kafka_bootstrap() -> str:
    return _required("FLEETCARE_TEST_KAFKA")


def postgres_server_url() -> str:
    """postgresql+asyncpg://user:password@host:port (no database)."""
    return _required("FLEETCARE_TEST_PG")
