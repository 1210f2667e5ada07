"""JWT bearer auth (HS256, iss=fleetcare, aud=fleetcare-api) and the one place roles are checked.

Every route declares who may call it with a dependency that carries its `AccessPolicy`:
`require_role(...)` for the roles admitted, `public` for the few operational routes that need no
token. `shared/policies.py` reads those declarations back to publish them in OpenAPI and to refuse
an app with an undeclared route.

`python -m shared.auth --role depot --depot-id D-BJ` prints a token (see the README).
"""

import argparse
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from shared.errors import Problem
from shared.events import utcnow
from shared.settings import ServiceSettings

ISSUER = "fleetcare"
AUDIENCE = "fleetcare-api"
ROLES = ("depot", "technician", "dispatcher", "warehouse", "quality", "admin")


class Principal(BaseModel):
    sub: str
    role: str
    depot_id: str | None = None
    technician_id: str | None = None


def issue_token(
    secret: str,
    role: str,
    sub: str,
    *,
    depot_id: str | None = None,
    technician_id: str | None = None,
    ttl: timedelta = timedelta(hours=12),
) -> str:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    now = utcnow()
    claims: dict[str, Any] = {
        "sub": sub, "role": role, "iss": ISSUER, "aud": AUDIENCE,
        "iat": int(now.timestamp()), "exp": int((now + ttl).timestamp()),
    }
    if depot_id:
        claims["depot_id"] = depot_id
    if technician_id:
        claims["technician_id"] = technician_id
    return jwt.encode(claims, secret, algorithm="HS256")


def _unauthorized(detail: str) -> Problem:
    return Problem(401, "Unauthorized", detail, headers={"WWW-Authenticate": "Bearer"})


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


# What a refused caller is told: enough to fix their token, nothing about the secret.
_REFUSALS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "The token has expired."),
    (jwt.InvalidSignatureError, "The token's signature is not valid."),
    (jwt.InvalidAudienceError, f"The token is not meant for this API (audience {AUDIENCE})."),
    (jwt.InvalidIssuerError, f"The token was not issued by {ISSUER}."),
    (jwt.ImmatureSignatureError, "The token is not valid yet."),
    (jwt.InvalidAlgorithmError, "The token must be signed with HS256."),
    (jwt.DecodeError, "The token is malformed."),
)


def _refusal(error: jwt.PyJWTError) -> str:
    if isinstance(error, jwt.MissingRequiredClaimError):
        return f"The token lacks the {error.claim!r} claim."
    return next(
        (detail for kind, detail in _REFUSALS if isinstance(error, kind)), "The token is invalid."
    )


# A client sends the same token with every request: its signature and claims are checked the
# first time and the result kept (the newest _VERIFIED_MAX tokens); each later use only checks
# that it has not expired since. A refused token is never kept.
_VERIFIED_MAX = 1024
_verified: dict[tuple[str, str], tuple[Principal, float]] = {}


def decode_token(secret: str, token: str) -> Principal:
    known = _verified.get((secret, token))
    if known is not None:
        principal, expires = known
        if time.time() < expires:
            return principal
        del _verified[(secret, token)]
    principal, expires = _verify(secret, token)
    if len(_verified) >= _VERIFIED_MAX:
        del _verified[next(iter(_verified))]
    _verified[(secret, token)] = (principal, expires)
    return principal


def _verify(secret: str, token: str) -> tuple[Principal, float]:
    """The token's principal and expiry (epoch seconds), or 401 saying what is wrong."""
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise _unauthorized(_refusal(exc)) from exc
    role = claims.get("role")
    if role not in ROLES:
        raise _unauthorized("The token carries no known role.")
    principal = Principal(
        sub=str(claims["sub"]),
        role=role,
        depot_id=_optional_str(claims.get("depot_id")),
        technician_id=_optional_str(claims.get("technician_id")),
    )
    if principal.role == "depot" and not principal.depot_id:
        raise _unauthorized("A depot token must carry depot_id.")
    if principal.role == "technician" and not principal.technician_id:
        raise _unauthorized("A technician token must carry technician_id.")
    return principal, float(claims["exp"])


# Declared as an HTTP bearer scheme so that OpenAPI names it (`bearerAuth`) on every operation
# that needs a token; a missing or non-bearer header is answered below, as problem+json.
bearer = HTTPBearer(
    auto_error=False, scheme_name="bearerAuth", bearerFormat="JWT",
    description="HS256 JWT with exp, iss=fleetcare, aud=fleetcare-api and a role claim.",
)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    if credentials is None or not credentials.credentials.strip():
        raise _unauthorized("A bearer token is required.")
    return decode_token(request.app.state.settings.jwt_secret, credentials.credentials.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


@dataclass(frozen=True)
class AccessPolicy:
    """Who may call a route: the roles admitted, or anyone without a token (`public`)."""

    roles: frozenset[str]
    public: bool = False


class RoleCheck:
    """The dependency admitting a route's roles: no or a bad token is 401, another role 403."""

    def __init__(self, policy: AccessPolicy) -> None:
        self.policy = policy

    async def __call__(self, principal: CurrentPrincipal) -> Principal:
        if principal.role not in self.policy.roles:
            raise Problem(403, "Forbidden", f"Role {principal.role!r} may not do this.")
        return principal


class PublicRoute:
    """The dependency declaring that a route needs no token (health, readiness, metrics)."""

    policy = AccessPolicy(frozenset(), public=True)

    async def __call__(self) -> None:
        return None


public = PublicRoute()


def require_role(*roles: str, admin: bool = True) -> RoleCheck:
    """A dependency admitting the named roles, and admin unless `admin=False`.

    `admin=False` is for routes that act as the caller themself (a technician's own jobs):
    there is nobody for an admin to be there.
    """
    admitted = frozenset(roles) | ({"admin"} if admin else set())
    unknown = admitted - set(ROLES)
    if unknown or not admitted:
        raise ValueError(f"require_role needs known roles, got {sorted(roles)}")
    return RoleCheck(AccessPolicy(admitted))


def _signing_secret() -> str | None:
    """The secret the services verify with: the same rules, from the same environment."""
    try:
        return ServiceSettings().jwt_secret
    except ValidationError as error:
        reasons = (e.get("ctx", {}).get("error", e["msg"]) for e in error.errors())
        print("; ".join(str(reason) for reason in reasons), file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a FleetCare API token for a role.")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--sub", default=None, help="subject (user name); defaults to the role")
    parser.add_argument("--depot-id", default=None)
    parser.add_argument("--technician-id", default=None)
    parser.add_argument("--hours", type=float, default=12.0)
    args = parser.parse_args(argv)
    if args.role == "depot" and not args.depot_id:
        parser.error("--depot-id is required for role depot")
    if args.role == "technician" and not args.technician_id:
        parser.error("--technician-id is required for role technician")
    secret = _signing_secret()
    if secret is None:
        return 2
    print(issue_token(
        secret, args.role, args.sub or args.role, depot_id=args.depot_id,
        technician_id=args.technician_id, ttl=timedelta(hours=args.hours),
    ))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
