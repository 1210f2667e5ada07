"""Every route of every service declares who may call it, and its OpenAPI says so."""

import re
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI

from shared.auth import ROLES, public, require_role
from shared.policies import publish_policies, route_policies, undeclared_routes
from shared.settings import ServiceSettings

SERVICES = ("intake", "parts", "dispatch", "quality")
OPERATIONAL = {"/healthz", "/readyz", "/metrics"}
HTTP_METHODS = {"get", "put", "post", "patch", "delete"}


def _settings_class(service: str) -> type[ServiceSettings]:
    config = import_module(f"services.{service}.config")
    (kind,) = [
        value for name, value in vars(config).items()
        if isinstance(value, type) and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
    ]
    return kind


@pytest.fixture(scope="module")
def apps(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FastAPI]]:
    """Each service's app as `create_app` builds it (not started: no database, no Kafka)."""
    scratch: Path = tmp_path_factory.mktemp("route-policies")
    with pytest.MonkeyPatch.context() as patch:
        # Building an app takes over the process's logging; pytest's own capture must stay.
        patch.setattr("shared.app.configure_logging", lambda service: None)
        yield {
            service: import_module(f"services.{service}.main").create_app(
                _settings_class(service)(
                    database_url=f"sqlite+aiosqlite:///{scratch}/{service}.db",
                    run_consumers=False,
                )
            )
            for service in SERVICES
        }


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_declares_its_policy(apps: dict[str, FastAPI], service: str) -> None:
    assert undeclared_routes(apps[service]) == []


@pytest.mark.parametrize("service", SERVICES)
def test_only_the_operational_routes_are_public(apps: dict[str, FastAPI], service: str) -> None:
    policies = route_policies(apps[service])
    public_paths = {route.path for route in policies if route.policy and route.policy.public}
    assert public_paths == OPERATIONAL
    for route in policies:
        assert route.policy is not None
        assert route.policy.roles <= set(ROLES), route.path


@pytest.mark.parametrize("service", SERVICES)
def test_every_operation_publishes_its_roles_and_security(
    apps: dict[str, FastAPI], service: str
) -> None:
    schema = apps[service].openapi()
    assert schema["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "HS256 JWT with exp, iss=fleetcare, aud=fleetcare-api and a role claim.",
    }
    operations: list[tuple[str, dict[str, Any]]] = [
        (path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    ]
    assert operations
    for path, operation in operations:
        if path in OPERATIONAL:
            assert operation["x-fleetcare-public"] is True
            assert (operation["x-fleetcare-roles"], operation["security"]) == ([], [])
        else:
            assert operation["x-fleetcare-roles"], path
            assert operation["security"] == [{"bearerAuth": []}], path


def _documented() -> set[tuple[str, str, str]]:
    """(service, "METHOD /path", roles) from the policy table in docs/security.md."""
    table = (Path(__file__).parents[3] / "docs" / "security.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| (\w+) \| `([A-Z]+ \S+)` \| ([a-z, ]+) \|", table, re.MULTILINE)
    return {
        (service, route, roles)
        for scope, route, roles in rows
        for service in (SERVICES if scope == "all" else (scope,))
    }


def test_the_policy_table_in_the_security_doc_is_the_codes(apps: dict[str, FastAPI]) -> None:
    in_code = {
        (service, f"{method} {route.path}",
         "public" if route.policy.public else ", ".join(sorted(route.policy.roles)))
        for service, app in apps.items()
        for route in route_policies(app)
        if route.policy is not None
        for method in route.methods
    }
    documented = _documented()
    assert (in_code - documented, documented - in_code) == (set(), set())


def test_the_technicians_own_app_admits_nobody_else(apps: dict[str, FastAPI]) -> None:
    roles = {r.path: r.policy.roles for r in route_policies(apps["dispatch"]) if r.policy}
    assert roles["/v1/me/jobs"] == roles["/v1/jobs/{job_id}/complete"] == {"technician"}


def test_reference_data_that_decides_who_pays_or_where_stock_comes_from_is_admin_only(
    apps: dict[str, FastAPI],
) -> None:
    vehicles = {r.path: r.policy for r in route_policies(apps["intake"])}
    warehouses = {r.path: r.policy for r in route_policies(apps["parts"])}
    assert vehicles["/v1/vehicles/{number}"] == warehouses["/v1/warehouses/{code}"]
    assert warehouses["/v1/warehouses/{code}"] is not None
    assert warehouses["/v1/warehouses/{code}"].roles == {"admin"}


def test_an_app_with_an_undeclared_route_is_refused() -> None:
    app = FastAPI()

    @app.get("/v1/secrets")
    async def secrets() -> dict[str, str]:
        return {}

    @app.get("/v1/declared", dependencies=[Depends(require_role("quality"))])
    async def declared() -> dict[str, str]:
        return {}

    @app.get("/healthz", dependencies=[Depends(public)])
    async def healthz() -> dict[str, str]:
        return {}

    assert undeclared_routes(app) == ["GET /v1/secrets"]
    with pytest.raises(RuntimeError, match="GET /v1/secrets"):
        publish_policies(app)


def test_two_role_checks_on_one_route_admit_only_the_roles_they_share() -> None:
    app = FastAPI()

    @app.get("/v1/both", dependencies=[Depends(require_role("quality", "dispatcher")),
                                       Depends(require_role("dispatcher", admin=False))])
    async def both() -> dict[str, str]:
        return {}

    (route,) = route_policies(app)
    assert route.policy is not None and route.policy.roles == {"dispatcher"}


def test_require_role_admits_admin_unless_told_not_to_and_knows_only_the_contracts_roles(
) -> None:
    assert require_role("depot").policy.roles == {"depot", "admin"}
    assert require_role("technician", admin=False).policy.roles == {"technician"}
    with pytest.raises(ValueError, match="known roles"):
        require_role("pilot")
    with pytest.raises(ValueError, match="known roles"):
        require_role(admin=False)
