"""Every route's access policy, read back from its dependencies and published in its OpenAPI.

Roles are enforced by the dependencies in `shared/auth.py` (`require_role`, `public`); this module
only reads those declarations, so what OpenAPI and docs/security.md say is what the code does.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts

from shared.auth import AccessPolicy, PublicRoute, RoleCheck

ROLES_EXTENSION = "x-fleetcare-roles"
PUBLIC_EXTENSION = "x-fleetcare-public"


def _declared(dependant: Dependant) -> Iterator[AccessPolicy]:
    for dependency in dependant.dependencies:
        if isinstance(dependency.call, RoleCheck | PublicRoute):
            yield dependency.call.policy
        yield from _declared(dependency)


def route_policy(route: RouteContext) -> AccessPolicy | None:
    """The policy in force on an API route, or None when it declares none.

    Each role check must pass, so several declared on one route admit only the roles they share;
    a route is public only when everything it declares is public.
    """
    dependant = getattr(route, "dependant", None)
    declared = list(_declared(dependant)) if isinstance(dependant, Dependant) else []
    if not declared:
        return None
    checks = [policy.roles for policy in declared if not policy.public]
    if not checks:
        return AccessPolicy(frozenset(), public=True)
    return AccessPolicy(frozenset.intersection(*checks))


@dataclass(frozen=True)
class RoutePolicy:
    path: str
    methods: tuple[str, ...]
    policy: AccessPolicy | None


def route_policies(app: FastAPI) -> list[RoutePolicy]:
    """Every API route of the app (routers included) with the policy it declares."""
    return [
        RoutePolicy(str(route.path_format), tuple(sorted(route.methods or ())),
                    route_policy(route))
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
    ]


def framework_paths(app: FastAPI) -> set[str]:
    """The routes FastAPI adds itself (OpenAPI document, Swagger UI, ReDoc): public."""
    paths = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    return {path for path in paths if path}


def undeclared_routes(app: FastAPI) -> list[str]:
    """Routes that say nothing about who may call them (`METHODS /path`)."""
    missing = [
        f"{','.join(route.methods)} {route.path}"
        for route in route_policies(app)
        if route.policy is None
    ]
    public_paths = framework_paths(app)
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) and route.path not in public_paths:
            missing.append(str(route.path or route.original_route))
    return missing


def _published(policy: AccessPolicy) -> dict[str, Any]:
    if policy.public:
        return {ROLES_EXTENSION: [], PUBLIC_EXTENSION: True, "security": []}
    return {ROLES_EXTENSION: sorted(policy.roles)}


def publish_policies(app: FastAPI) -> None:
    """Refuse an app with an undeclared route; put each route's roles into its OpenAPI operation.

    Call once every router is included. Protected operations carry `x-fleetcare-roles` and the
    `bearerAuth` security requirement (from the bearer dependency); public ones
    `x-fleetcare-public: true`, no roles and an empty security requirement.
    """
    missing = undeclared_routes(app)
    if missing:
        raise RuntimeError(
            "Routes without an access policy (declare require_role(...) or public): "
            + "; ".join(missing)
        )
    operations = [
        (route.path, method.lower(), _published(route.policy))
        for route in route_policies(app)
        if route.policy is not None
        for method in route.methods
    ]
    generate = app.openapi

    # FastAPI's documented way to extend its schema: wrap the generator (it caches its result).
    def openapi() -> dict[str, Any]:
        schema = generate()
        for path, method, published in operations:
            operation = schema.get("paths", {}).get(path, {}).get(method)
            if operation is not None:
                operation.update(published)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
