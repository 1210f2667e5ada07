"""Responsibility rulings and supplier claims on the running system: a repaired fault is ruled
the supplier's, the repair's cost is claimed, accepted and settled, and totals show it."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_dispatch import COMPLETION, action, app, job_of, register
from tests.e2e.test_parts import STOREKEEPER, events_of, held, part_number
from tests.e2e.test_saga import report
from tests.support.parts import stock_part
from tests.support.polling import eventually
from tests.support.services import token

QUALITY = token("quality")
UNIT_COST = 125.5
LABOUR_RATE = 300.0  # quality's default labour_rate_per_hour


async def repaired_fault(system: System) -> dict[str, Any]:
    """A fault whose engineer worked two hours on site and used one catalogued part; returns
    quality's service record once it shows the repair done and the part consumed."""
    skill = f"damper-{uuid.uuid4().hex[:4]}"
    tech = await register(system, skill)
    part = part_number("RULE")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "R-1", 4)], unit_cost=UNIT_COST)
    now = datetime.now(UTC)
    fault = await report(system, system=skill, reported_at=(now - timedelta(hours=3)).isoformat(),
                         suspected_parts=[{"part_number": part, "qty": 1}])
    (line,) = await held(system, fault["id"])
    async with system.client("parts", STOREKEEPER) as parts:
        for step in ("approve", "issue"):
            response = await parts.post(f"/v1/reservations/{line['id']}/{step}")
            assert response.status_code == 200, (step, response.text)

    job = await job_of(system, fault["id"])
    assert job["technician_id"] == tech
    # Two hours on site, from arrival to completion: what labour is charged for.
    at = {"accept": now - timedelta(minutes=170), "depart": now - timedelta(minutes=165),
          "arrive": now - timedelta(hours=2), "complete": now}
    used = {"parts_used": [{"part_number": part, "qty": 1}]}
    async with app(tech, system) as phone:
        for step, when in at.items():
            fields = COMPLETION | used if step == "complete" else {}
            response = await phone.post(f"/v1/jobs/{job['id']}/{step}",
                                        json=action(**fields) | {"occurred_at": when.isoformat()})
            assert response.status_code == 200, (step, response.text)

    async with system.client("quality", QUALITY) as quality:

        async def repair_done() -> dict[str, Any] | None:
            page = (await quality.get("/v1/service-records",
                                      params={"fault_id": fault["id"]})).json()
            record: dict[str, Any] | None = page["items"][0] if page["items"] else None
            done = record and record["status"] in ("completed", "closed") and \
                record["completed_at"]
            return record if done and record and record["parts_consumed"] else None

        return await eventually(repair_done, timeout=20, what="service record repaired")


async def test_a_supplier_ruling_raises_a_claim_that_is_accepted_settled_and_totalled(
    system: System,
) -> None:
    record = await repaired_fault(system)
    fault_id = record["fault_id"]
    supplier = f"SUP-{uuid.uuid4().hex[:6]}"
    expected_total = UNIT_COST + 2 * LABOUR_RATE
    ruling_request = {"fault_id": fault_id, "responsibility": "supplier", "supplier_id": supplier}

    async with system.client("quality", QUALITY) as quality:
        made = await quality.post("/v1/rulings", json=ruling_request)
        assert made.status_code == 201, made.text
        ruling = made.json()
        again = await quality.post("/v1/rulings", json=ruling_request)
        other = await quality.post("/v1/rulings", json={"fault_id": fault_id,
                                                         "responsibility": "design"})
        claim = ruling["claim"]
        early = await quality.post(f"/v1/claims/{claim['id']}/settle")
        accepted = await quality.post(f"/v1/claims/{claim['id']}/accept")
        settled = await quality.post(f"/v1/claims/{claim['id']}/settle")
        listed = (await quality.get("/v1/claims", params={"supplier_id": supplier})).json()
        totals = (await quality.get("/v1/claims/totals", params={
            "supplier_id": supplier, "from": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        })).json()
        by_fault = (await quality.get("/v1/rulings", params={"fault_id": fault_id})).json()

    assert (ruling["parts_cost"], ruling["labour_hours"]) == (UNIT_COST, 2.0)
    assert ruling["labour_cost"] == 2 * LABOUR_RATE
    assert ruling["total_cost"] == expected_total
    assert (claim["status"], claim["supplier_id"], claim["amount"]) == (
        "raised", supplier, expected_total)
    assert again.status_code == 200 and again.json()["id"] == ruling["id"]
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert early.status_code == 409 and early.json()["current_status"] == "raised"
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert settled.status_code == 200
    assert (settled.json()["status"], settled.json()["settled_amount"]) == (
        "settled", expected_total)
    assert [c["id"] for c in listed["items"]] == [claim["id"]]
    assert totals["items"] == [{"supplier_id": supplier, "count": 1, "claimed": expected_total,
                                "accepted": expected_total, "settled": expected_total,
                                "open": 0}]
    assert [r["id"] for r in by_fault["items"]] == [ruling["id"]]
    assert by_fault["items"][0]["claim"]["status"] == "settled"

    (event,) = await events_of("fleetcare.quality", fault_id, "quality.ruling_made")
    assert event["subject"] == fault_id
    assert event["data"] | {"ruled_at": None} == {
        "fault_id": fault_id, "ruling_id": ruling["id"], "responsibility": "supplier",
        "supplier_id": supplier, "parts_cost": UNIT_COST, "labour_hours": 2.0,
        "labour_cost": 2 * LABOUR_RATE, "total_cost": expected_total, "claim_id": claim["id"],
        "claim_amount": expected_total, "ruled_by": "test-quality", "ruled_at": None,
    }


async def test_a_fault_whose_repair_is_not_done_cannot_be_ruled_on(system: System) -> None:
    fault = await report(system, system="teleporter", suspected_parts=[])  # nobody is sent
    async with system.client("quality", QUALITY) as quality:
        refused = await quality.post("/v1/rulings", json={
            "fault_id": fault["id"], "responsibility": "operator"})
        listed = (await quality.get("/v1/rulings", params={"fault_id": fault["id"]})).json()
    assert refused.status_code == 409
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["record_status"] in (None, "open")
    assert listed["items"] == []
