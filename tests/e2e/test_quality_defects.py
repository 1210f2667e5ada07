"""Recurring defects and quarantines on the running system: repairs completed in the field open
a quality issue over Kafka; a quarantine reaches parts and blocks that stock."""

import json
import uuid
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_dispatch import COMPLETION, action, app, job_of, register
from tests.e2e.test_parts import STOREKEEPER, held, part_number
from tests.e2e.test_saga import report
from tests.support.kafka import read_topic
from tests.support.parts import all_pages, stock_part
from tests.support.polling import eventually
from tests.support.services import token

QUALITY = token("quality")


async def repaired(system: System, tech: str, skill: str, vehicle_model: str,
                   vehicle_number: str, fault_code: str) -> dict[str, Any]:
    """A fault reported on the vehicle, then accepted, reached and completed in the app."""
    fault = await report(system, vehicle_model=vehicle_model, vehicle_number=vehicle_number,
                         fault_code=fault_code, system=skill, suspected_parts=[])
    job = await job_of(system, fault["id"])
    assert job["technician_id"] == tech
    async with app(tech, system) as phone:
        for step, body in (("accept", action()), ("depart", action()), ("arrive", action()),
                           ("complete", action(**COMPLETION))):
            response = await phone.post(f"/v1/jobs/{job['id']}/{step}", json=body)
            assert response.status_code == 200, (step, response.text)
    return fault


async def issues_of(system: System, vehicle_model: str) -> list[dict[str, Any]]:
    async with system.client("quality", QUALITY) as quality:
        return await all_pages(quality, "/v1/quality-issues", vehicle_model=vehicle_model,
                               basis="fault_code")


async def issue_with_evidence(system: System, vehicle_model: str, count: int
                              ) -> dict[str, Any]:
    async def probe() -> list[dict[str, Any]] | None:
        issues = await issues_of(system, vehicle_model)
        return issues if issues and issues[0]["evidence_count"] >= count else None

    (issue,) = await eventually(probe, timeout=20, what=f"an issue with {count} faults")
    return issue


async def test_the_same_fault_code_on_three_vehicles_opens_one_issue_and_a_fourth_links_to_it(
    system: System,
) -> None:
    run = uuid.uuid4().hex[:6]
    skill, model, code = f"qd{run}", f"QM-{run}", f"QD-{run}"
    tech = await register(system, skill)
    faults = [await repaired(system, tech, skill, model, f"{model}-{i}", code)
              for i in range(1, 4)]

    issue = await issue_with_evidence(system, model, 3)
    assert (issue["basis"], issue["key"], issue["status"]) == ("fault_code", code, "open")
    assert issue["number"].startswith("QI-") and issue["vehicle_count"] == 3
    (opened,) = [json.loads(r.value) for r in
                 await read_topic("fleetcare.quality", key=issue["id"].encode())]
    assert opened["type"] == "quality.issue_opened" and opened["subject"] == issue["id"]
    assert opened["data"]["vehicles"] == [f"{model}-{i}" for i in range(1, 4)]
    assert set(opened["data"]["fault_ids"]) == {f["id"] for f in faults}
    assert opened["data"]["reopened"] is False

    fourth = await repaired(system, tech, skill, model, f"{model}-4", code)
    linked = await issue_with_evidence(system, model, 4)
    assert linked["id"] == issue["id"] and linked["vehicle_count"] == 4
    async with system.client("quality", QUALITY) as quality:
        shown = (await quality.get(f"/v1/quality-issues/{issue['id']}")).json()
    assert [e["fault_id"] for e in shown["evidence"]][-1] == fourth["id"]
    # Linking announces nothing new: the issue's only event is still the opening.
    events = await read_topic("fleetcare.quality", until=99, timeout=3,
                              key=issue["id"].encode())
    assert [json.loads(r.value)["type"] for r in events] == ["quality.issue_opened"]


async def test_closing_an_issue_needs_a_fix_after_a_corrective_action_and_a_verification(
    system: System,
) -> None:
    run = uuid.uuid4().hex[:6]
    skill, model, code = f"qc{run}", f"QC-{run}", f"QD-{run}"
    tech = await register(system, skill)
    for i in range(1, 4):
        await repaired(system, tech, skill, model, f"{model}-{i}", code)
    issue = await issue_with_evidence(system, model, 3)
    url = f"/v1/quality-issues/{issue['id']}"

    async with system.client("quality", QUALITY) as quality:
        unverified = await quality.post(f"{url}/close")
        unfixed = await quality.post(f"{url}/fix", json={
            "fixed_at": action()["occurred_at"], "description": "new valve seal"})
        added = await quality.post(f"{url}/actions", json={
            "kind": "corrective", "description": "更换密封件 change the seal supplier",
            "owner": "Zhang Wei", "due_date": "2026-12-31"})
        done = await quality.patch(f"{url}/actions/{added.json()['id']}",
                                   json={"status": "done"})
        fixed = await quality.post(f"{url}/fix", json={
            "fixed_at": action()["occurred_at"], "description": "new valve seal"})
        too_early = await quality.post(f"{url}/close")

    assert unverified.status_code == 409
    assert unverified.headers["content-type"] == "application/problem+json"
    assert unverified.json()["issue_status"] == "open"
    assert unfixed.status_code == 409
    assert added.status_code == 201 and added.json()["status"] == "open"
    assert done.status_code == 200 and done.json()["done_at"] is not None
    assert fixed.status_code == 200 and fixed.json()["status"] == "verifying"
    # The default window is 30 days: the system has not verified the fix yet.
    assert too_early.status_code == 409 and too_early.json()["verifiable_from"]


async def test_a_quarantine_reaches_parts_and_blocks_that_stock(system: System) -> None:
    part = part_number("QTN")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "QT-1", 5, "BATCH-BAD"),
                                       ("GZ", "QT-1", 1, "BATCH-OK")])
    async with system.client("quality", QUALITY) as quality:
        response = await quality.post("/v1/quarantines", json={
            "part_number": part, "batch": "BATCH-BAD", "reason": "壳体裂纹 cracked housings"})
        listed = await all_pages(quality, "/v1/quarantines", part_number=part)
    assert response.status_code == 201, response.text
    quarantine = response.json()
    assert quarantine["id"].startswith("QR-") and listed == [quarantine]

    async with system.client("parts", STOREKEEPER) as parts:

        async def blocked() -> bool:
            lots = {s["batch"]: s for s in await all_pages(parts, "/v1/stock",
                                                           part_number=part)}
            return bool(lots["BATCH-BAD"]["quarantined"] == 5
                        and lots["BATCH-BAD"]["available"] == 0)

        await eventually(blocked, timeout=15, what="the batch quarantined in parts")

    # Beijing is nearest, but its lot is quarantined: the clean lot in Guangzhou serves.
    first = await report(system, suspected_parts=[{"part_number": part, "qty": 1}])
    (line,) = await held(system, first["id"])
    assert (line["warehouse"], line["batch"]) == ("GZ", "BATCH-OK")
    # Nothing clean is left: the next fault waits rather than take quarantined units.
    second = await report(system, suspected_parts=[{"part_number": part, "qty": 1}])
    async with system.client("parts", STOREKEEPER) as parts:

        async def backordered() -> list[dict[str, Any]] | None:
            return await all_pages(parts, "/v1/backorders", fault_id=second["id"]) or None

        (backorder,) = await eventually(backordered, timeout=15, what="a backorder")
        reserved = await all_pages(parts, "/v1/reservations", fault_id=second["id"])
    assert (backorder["status"], backorder["outstanding"]) == ("open", 1)
    assert reserved == []
