"""The audit trail on the running system: an approval, a reassignment, a cancellation, a
quarantine and a ruling each leave one entry saying who did it; only an admin reads them."""

import uuid
from typing import Any

import pytest

from tests.e2e.conftest import System
from tests.e2e.test_dispatch import DISPATCHER, job_of, register
from tests.e2e.test_parts import STOREKEEPER, held, part_number
from tests.e2e.test_quality_rulings import QUALITY, repaired_fault
from tests.e2e.test_saga import DEPOT, report
from tests.support.parts import stock_part

SERVICES = ("intake", "parts", "dispatch", "quality")


async def audit_of(system: System, service: str, **filters: str) -> list[dict[str, Any]]:
    """The entries matching `filters`, read as the admin (the system's default caller)."""
    async with system.client(service) as client:
        response = await client.get("/v1/audit", params=filters)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_each_decision_is_on_its_services_trail_with_who_made_it(system: System) -> None:
    part = part_number("AUDIT")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "AU-1", 3)])
    fault = await report(system, suspected_parts=[{"part_number": part, "qty": 1}])
    (line,) = await held(system, fault["id"])
    job = await job_of(system, fault["id"])
    standby = await register(system, "brake")
    cancel_id = f"audit-{uuid.uuid4().hex}"

    async with system.client("parts", STOREKEEPER) as parts:
        approved = await parts.post(f"/v1/reservations/{line['id']}/approve")
    async with system.client("dispatch", DISPATCHER) as dispatch:
        reassigned = await dispatch.post(f"/v1/jobs/{job['id']}/reassign",
                                         json={"technician_id": standby})
    async with system.client("intake", DEPOT | {"X-Correlation-ID": cancel_id}) as intake:
        cancelled = [await intake.post(f"/v1/faults/{fault['id']}/cancel",
                                       json={"reason": "vehicle towed to the works"})
                     for _ in range(2)]
    async with system.client("quality", QUALITY) as quality:
        quarantined = await quality.post("/v1/quarantines",
                                         json={"part_number": part, "reason": "cracked seals"})
    assert [approved.status_code, reassigned.status_code, quarantined.status_code,
            *(c.status_code for c in cancelled)] == [200, 200, 201, 200, 200], (
        approved.text, reassigned.text, quarantined.text)

    (approval,) = await audit_of(system, "parts", subject=line["id"])
    assert (approval["action"], approval["actor"], approval["role"]) == (
        "reservation.approved", "test-warehouse", "warehouse")
    assert approval["details"]["fault_id"] == fault["id"]
    (reassignment,) = await audit_of(system, "dispatch", subject=job["id"],
                                     action="job.reassigned")
    assert (reassignment["actor"], reassignment["role"]) == ("test-dispatcher", "dispatcher")
    details = reassignment["details"]
    assert (details["fault_id"], details["to_technician_id"]) == (fault["id"], standby)
    assert details["from_technician_id"].startswith("T-")  # whoever the planner had chosen
    # Cancelled twice, changed once: one entry, carrying the request's correlation id.
    (cancellation,) = await audit_of(system, "intake", subject=fault["id"])
    assert (cancellation["action"], cancellation["actor"], cancellation["role"]) == (
        "fault.cancelled", "test-depot", "depot")
    assert cancellation["details"]["reason"] == "vehicle towed to the works"
    assert cancellation["correlation_id"] == cancel_id
    (quarantine,) = await audit_of(system, "quality", subject=quarantined.json()["id"])
    assert (quarantine["action"], quarantine["actor"]) == ("part.quarantined", "test-quality")
    assert quarantine["details"]["part_number"] == part


async def test_a_ruling_and_its_claims_steps_are_on_qualitys_trail(system: System) -> None:
    record = await repaired_fault(system)
    async with system.client("quality", QUALITY) as quality:
        ruled = await quality.post("/v1/rulings", json={
            "fault_id": record["fault_id"], "responsibility": "supplier",
            "supplier_id": "SUP-AUDIT", "claim_amount": 900.0})
        assert ruled.status_code == 201, ruled.text
        claim_id = ruled.json()["claim"]["id"]
        disputed = await quality.post(f"/v1/claims/{claim_id}/dispute",
                                      json={"reason": "part was fitted wrongly"})
        assert disputed.status_code == 200, disputed.text

    (ruling,) = await audit_of(system, "quality", subject=record["fault_id"])
    assert (ruling["action"], ruling["actor"], ruling["role"]) == (
        "ruling.made", "test-quality", "quality")
    assert ruling["details"]["claim_id"] == claim_id
    assert ruling["details"]["responsibility"] == "supplier"
    (dispute,) = await audit_of(system, "quality", subject=claim_id)
    assert dispute["action"] == "claim.disputed"
    assert dispute["details"]["dispute_reason"] == "part was fitted wrongly"


@pytest.mark.parametrize("service", SERVICES)
async def test_only_an_admin_reads_the_trail(system: System, service: str) -> None:
    async with system.client(service, DISPATCHER) as client:
        forbidden = await client.get("/v1/audit")
    async with system.client(service, {"Authorization": ""}) as client:
        anonymous = await client.get("/v1/audit")
    async with system.client(service) as client:
        page = await client.get("/v1/audit", params={"limit": 1})

    assert (forbidden.status_code, anonymous.status_code, page.status_code) == (403, 401, 200)
    assert set(page.json()) == {"items", "next_cursor"}
