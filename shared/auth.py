"""JWT bearer auth (HS256, iss=fleetcare, aud=fleetcare-api) and role checks.

`python -m shared.auth --role depot --depot-id D-BJ` prints a token (see the README).
"""

import argparse
import os
import sys
from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request
from pydantic import BaseModel

from shared.errors import Problem
from shared.events import utcnow
from shared.settings import DEV_JWT_SECRET

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


def decode_token(secret: str, token: str) -> Principal:
    try:
        claims = jwt.decode(
            token, secret, algorithms=["HS256"], audience=AUDIENCE, issuer=ISSUER,
            options={"require": ["exp", "iss", "aud", "sub"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("The token has expired.") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("The token is invalid.") from exc
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
    return principal


async def current_principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("A bearer token is required.")
    return decode_token(request.app.state.settings.jwt_secret, token.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_role(*roles: str) -> Callable[..., Coroutine[Any, Any, Principal]]:
    """A dependency admitting the named roles (and admin); others get 403."""

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role != "admin" and principal.role not in roles:
            raise Problem(403, "Forbidden", f"Role {principal.role!r} may not do this.")
        return principal

    return check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Print a FleetCare API token for a role.")
    parser.add_argument("--role", required=True, choices=ROLES)
    parser.add_argument("--sub", default=None, help="subject (user name); defaults to the role")
    parser.add_argument("--depot-id", default=None)
    parser.add_argument("--technician-id", default=None)
    parser.add_argument("--hours", type=float, default=12.0)
    args = parser.parse_args(argv)
    secret = os.environ.get("FLEETCARE_JWT_SECRET", "")
    if not secret:
        if os.environ.get("FLEETCARE_ENV", "dev") != "dev":
            print("FLEETCARE_JWT_SECRET is required outside FLEETCARE_ENV=dev", file=sys.stderr)
            return 2
        secret = DEV_JWT_SECRET
    if args.role == "depot" and not args.depot_id:
        parser.error("--depot-id is required for role depot")
    if args.role == "technician" and not args.technician_id:
        parser.error("--technician-id is required for role technician")
    print(issue_token(
        secret, args.role, args.sub or args.role, depot_id=args.depot_id,
        technician_id=args.technician_id, ttl=timedelta(hours=args.hours),
    ))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
