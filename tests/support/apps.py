"""A service app as `create_service_app` builds it, with a test's own routes (not started:
no database or Kafka is touched), to check what the shared stack does to every answer."""

from pathlib import Path

import pytest
from fastapi import APIRouter, FastAPI

from shared.app import create_service_app
from shared.auth import issue_token
from shared.settings import ServiceSettings


def service_app(monkeypatch: pytest.MonkeyPatch, scratch: Path, *routers: APIRouter) -> FastAPI:
    # Building an app takes over the process's logging; pytest's own capture must stay.
    monkeypatch.setattr("shared.app.configure_logging", lambda service: None)
    settings = ServiceSettings(
        service_name="unit", database_url=f"sqlite+aiosqlite:///{scratch}/unit.db",
        run_consumers=False,
    )
    return create_service_app(settings, service_dir=scratch, title="unit", description="unit",
                              routers=list(routers))


def bearer(app: FastAPI, role: str, depot_id: str | None = None) -> dict[str, str]:
    """An Authorization header the app accepts."""
    token = issue_token(app.state.settings.jwt_secret, role, f"unit-{role}", depot_id=depot_id)
    return {"Authorization": f"Bearer {token}"}
