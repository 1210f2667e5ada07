"""Who may do what, on the running system.

The matrix is generated from each service's own /openapi.json: every operation is called as every
role and with four kinds of bad token, and answers as its published `x-fleetcare-roles` says.
Path ids are placeholders nobody has and bodies are `{}`, so nothing is ever written. Then
cross-depot and cross-technician attempts on real records.
"""

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest

from shared.auth import ISSUER, ROLES, issue_token
from shared.events import utcnow
from tests.e2e.conftest import System, fault_card
from tests.e2e.test_dispatch import action, app, job_of
from tests.support.env import JWT_SECRET
from tests.support.services import token

MATRIX_DEPOT = "D-MATRIX"
MATRIX_TECHNICIAN = "T-MATRIX"
# Shaped like the ids the services hand out, held by nothing.
PLACEHOLDER = "00000000-0000-4000-8000-00000000dead"
HTTP_METHODS = ("get", "put", "post", "patch", "delete")
CONCURRENCY = 16


def _bearer(jwt_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {jwt_token}"}


def _wrong_audience() -> str:
    claims = {"sub": "matrix", "role": "admin", "iss": ISSUER, "aud": "someone-else",
              "exp": int((utcnow() + timedelta(hours=1)).timestamp())}
    return jwt.encode(claims, JWT_SECRET, algorithm="HS256")


# Each bad token claims admin: accepting it would open every door.
BAD_TOKENS: dict[str, dict[str, str]] = {
    "no token": {},
    "expired": _bearer(issue_token(JWT_SECRET, "admin", "matrix",
                                   ttl=timedelta(minutes=-5))),
    "wrong signature": _bearer(issue_token("another-secret-entirely-0123456789abcdef",
                                           "admin", "matrix")),
    "wrong audience": _bearer(_wrong_audience()),
}
ROLE_TOKENS: dict[str, dict[str, str]] = {
    role: token(role, depot_id=MATRIX_DEPOT if role == "depot" else None,
                technician_id=MATRIX_TECHNICIAN if role == "technician" else None)
    for role in ROLES
}


@dataclass(frozen=True)
class Operation:
    service: str
    method: str
    path: str
    roles: frozenset[str]
    public: bool
    has_body: bool

    @property
    def url(self) -> str:
        # A technician may look at their own record only: their own id reaches the lookup.
        return re.sub(
            r"\{(\w+)\}",
            lambda m: MATRIX_TECHNICIAN if m[1] == "technician_id" else PLACEHOLDER,
            self.path,
        )

    def __str__(self) -> str:
        return f"{self.service} {self.method.upper()} {self.path}"


async def published_operations(system: System) -> list[Operation]:
    found = []
    async with httpx.AsyncClient(timeout=10.0) as client:
        for service, process in system.services.items():
            schema = (await client.get(f"{process.url}/openapi.json")).raise_for_status().json()
            for path, item in schema["paths"].items():
                for method in HTTP_METHODS:
                    if method not in item:
                        continue
                    operation = item[method]
                    assert "x-fleetcare-roles" in operation, f"{service} {method} {path}"
                    found.append(Operation(
                        service, method, path, frozenset(operation["x-fleetcare-roles"]),
                        bool(operation.get("x-fleetcare-public")), "requestBody" in operation,
                    ))
    return found


def judge(operation: Operation, caller: str, response: httpx.Response) -> str | None:
    """What is wrong with this answer for this caller, or None."""
    status = response.status_code
    if status >= 500:
        return f"{status} (never 5xx)"
    if operation.public:
        return f"{status} for a public route" if status in (401, 403) else None
    if caller in BAD_TOKENS:
        if status != 401:
            return f"{status}, expected 401"
        if response.headers.get("www-authenticate") != "Bearer":
            return "401 without WWW-Authenticate: Bearer"
        return None
    if caller not in operation.roles:
        return None if status == 403 else f"{status}, expected 403 ({sorted(operation.roles)})"
    if status in (401, 403):
        return f"{status} for an admitted role: {response.text[:200]}"
    if operation.method != "get" and status < 400:
        return f"{status}: a placeholder write changed something"
    return None


async def test_every_operation_answers_every_caller_as_its_published_policy_says(
    system: System,
) -> None:
    operations = await published_operations(system)
    assert len(operations) > 50
    callers = BAD_TOKENS | ROLE_TOKENS
    gate = asyncio.Semaphore(CONCURRENCY)
    clients = {name: httpx.AsyncClient(base_url=process.url, timeout=15.0)
               for name, process in system.services.items()}

    async def call(operation: Operation, caller: str) -> str | None:
        body: dict[str, Any] = {"json": {}} if operation.has_body else {}
        async with gate:
            response = await clients[operation.service].request(
                operation.method, operation.url, headers=callers[caller], **body)
        wrong = judge(operation, caller, response)
        return f"{operation} as {caller}: {wrong}" if wrong else None

    try:
        verdicts = await asyncio.gather(
            *(call(operation, caller) for operation in operations for caller in callers))
    finally:
        await asyncio.gather(*(client.aclose() for client in clients.values()))
    wrong = [verdict for verdict in verdicts if verdict]
    assert not wrong, f"{len(wrong)} of {len(verdicts)} answers break the policy:\n" + "\n".join(
        wrong)


@pytest.mark.parametrize("path", ["/healthz", "/readyz", "/metrics", "/docs", "/openapi.json"])
async def test_operational_routes_need_no_token(system: System, path: str) -> None:
    for process in system.services.values():
        async with httpx.AsyncClient(base_url=process.url, timeout=10.0) as anonymous:
            assert (await anonymous.get(path)).status_code == 200, f"{process.name} {path}"


async def test_a_refusal_is_a_problem_document_naming_the_reason(system: System) -> None:
    async with httpx.AsyncClient(base_url=system.services["intake"].url, timeout=10.0) as intake:
        expired = await intake.get("/v1/faults", headers=BAD_TOKENS["expired"])
        forbidden = await intake.get("/v1/faults", headers=ROLE_TOKENS["technician"])
    assert expired.headers["content-type"] == "application/problem+json"
    assert expired.json()["detail"] == "The token has expired."
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert "technician" in forbidden.json()["detail"]


# Cross-depot and cross-technician attempts on real records.

def _depot(depot_id: str) -> dict[str, str]:
    return token("depot", depot_id=depot_id)


def _card(depot_id: str, **fields: Any) -> dict[str, Any]:
    # Nobody is certified for this system: no job is planned, no stock is held.
    return fault_card(depot_id=depot_id, suspected_parts=[], system="teleporter") | fields


async def _reported(
    client: httpx.AsyncClient, card: dict[str, Any], headers: dict[str, str] | None = None
) -> dict[str, Any]:
    response = await client.post("/v1/faults", json=card, headers=headers)
    assert response.status_code == 201, response.text
    fault: dict[str, Any] = response.json()
    return fault


async def _cancel_all(client: httpx.AsyncClient, faults: list[dict[str, Any]]) -> None:
    for fault in faults:
        await client.post(f"/v1/faults/{fault['id']}/cancel", json={"reason": "test over"})


async def test_a_depot_sees_and_touches_only_its_own_faults(system: System) -> None:
    suffix = uuid.uuid4().hex[:6]
    depot_a, depot_b = f"D-A-{suffix}", f"D-B-{suffix}"
    vehicle = f"C70-{suffix}"
    key = {"Idempotency-Key": f"shared-key-{suffix}"}
    async with system.client("intake", _depot(depot_a)) as a, \
            system.client("intake", _depot(depot_b)) as b:
        external = {"vehicle_number": vehicle, "external_id": f"EXT-{suffix}"}
        theirs = await _reported(a, _card(depot_a, **external), key)
        # B's own card under the same external id and Idempotency-Key: a new fault of B's,
        # never A's answer.
        ours = await _reported(b, _card(depot_b, **external), key)
        assert ours["id"] != theirs["id"] and ours["depot_id"] == depot_b

        assert (await b.get(f"/v1/faults/{theirs['id']}")).status_code == 404
        for step, body in (("cancel", {"reason": "not yours"}), ("acknowledge", None)):
            refused = await b.post(f"/v1/faults/{theirs['id']}/{step}", json=body)
            assert refused.status_code in (403, 404), step
        listed = (await b.get("/v1/faults", params={"limit": 500})).json()["items"]
        assert {f["depot_id"] for f in listed} == {depot_b}
        by_vehicle = (await b.get("/v1/faults", params={"vehicle_number": vehicle})).json()
        assert [f["id"] for f in by_vehicle["items"]] == [ours["id"]]
        assert (await b.get("/v1/faults", params={"depot_id": depot_a})).status_code == 403

        # Reporting for another depot, alone or in a batch, is refused and stores nothing.
        card = _card(depot_a, vehicle_number=vehicle)
        assert (await b.post("/v1/faults", json=card)).status_code == 403
        batch = await b.post("/v1/faults:batch", json={"faults": [card]})
        assert batch.status_code == 207 and batch.json()["results"][0]["status"] == 403

        # The vehicle's file shows each depot only its own faults; a stranger learns nothing.
        file_b = (await b.get(f"/v1/vehicles/{vehicle}/history")).json()
        assert [f["id"] for f in file_b["faults"]] == [ours["id"]]
        async with system.client("intake", _depot(f"D-C-{suffix}")) as stranger:
            history = await stranger.get(f"/v1/vehicles/{vehicle}/history")
            assert history.status_code == 404
        await _cancel_all(b, [ours])
        await _cancel_all(a, [theirs])
    async with system.client("intake") as admin:
        everyone = (await admin.get(f"/v1/vehicles/{vehicle}/history")).json()
    assert len(everyone["faults"]) == 2


async def test_a_technician_sees_and_acts_on_only_their_own_jobs(system: System) -> None:
    depot = f"D-T-{uuid.uuid4().hex[:6]}"
    async with system.client("intake", _depot(depot)) as intake:
        response = await intake.post("/v1/faults", json=fault_card(
            depot_id=depot, suspected_parts=[]))
        assert response.status_code == 201
        fault = response.json()
        try:
            job = await job_of(system, fault["id"])
            owner = job["technician_id"]
            other = "T-BJ-1" if owner != "T-BJ-1" else "T-BJ-2"
            await _trespass(system, job, owner, other)
        finally:
            await _cancel_all(intake, [fault])


async def _trespass(system: System, job: dict[str, Any], owner: str, other: str) -> None:
    async with app(other, system) as intruder:
        assert (await intruder.get(f"/v1/jobs/{job['id']}")).status_code == 404
        for step in ("accept", "depart", "decline"):
            body = action(reason="not mine") if step == "decline" else action()
            answer = await intruder.post(f"/v1/jobs/{job['id']}/{step}", json=body)
            assert answer.status_code == 404, step
        mine = (await intruder.get("/v1/me/jobs", params={"limit": 500})).json()["items"]
        assert job["id"] not in {j["id"] for j in mine}
        for request in _about(owner):
            assert (await request(intruder)).status_code == 403
    # Nobody else can act for the engineer either: not the dispatcher, not an admin.
    for role in ("dispatcher", "admin"):
        async with system.client("dispatch", token(role)) as desk:
            answer = await desk.post(f"/v1/jobs/{job['id']}/accept", json=action())
            assert answer.status_code == 403, role
    async with system.client("dispatch") as admin:
        untouched = (await admin.get(f"/v1/jobs/{job['id']}")).json()
    assert (untouched["accepted_at"], untouched["departed_at"]) == (None, None)


def _about(technician_id: str) -> list[Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]]:
    """Reading or reporting for another engineer's record."""
    path = f"/v1/technicians/{technician_id}"
    return [
        lambda client: client.get(path),
        lambda client: client.get(f"{path}/schedule"),
        lambda client: client.post(f"{path}/status", json={
            "status": "off_duty", "occurred_at": utcnow().isoformat()}),
    ]
