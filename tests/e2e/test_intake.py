"""Fault intake as depot systems and the service desk use it, on the running system."""

import json
import uuid
from typing import Any

from tests.e2e.conftest import System, fault_card
from tests.e2e.test_saga import DEPOT, dispatched, jobs_for, report, reservations
from tests.support.kafka import publish_raw, read_topic
from tests.support.polling import eventually
from tests.support.services import token

DESK = token("dispatcher")


def unique_vehicle() -> str:
    return f"C70-{uuid.uuid4().hex[:8]}"


async def faults_of(system: System, vehicle: str) -> list[dict[str, Any]]:
    async with system.client("intake") as intake:
        page = (await intake.get("/v1/faults", params={"vehicle_number": vehicle})).json()
    items: list[dict[str, Any]] = page["items"]
    return items


async def reported_events(fault_id: str) -> int:
    records = await read_topic("fleetcare.intake", until=99, timeout=3, key=fault_id.encode())
    return sum(1 for r in records if b'"fault.reported"' in r.value)


async def test_a_retry_with_the_same_idempotency_key_returns_the_original_and_creates_nothing(
    system: System,
) -> None:
    vehicle = unique_vehicle()
    headers = DEPOT | {"Idempotency-Key": str(uuid.uuid4())}
    async with system.client("intake", headers) as intake:
        first = await intake.post("/v1/faults", json=fault_card(vehicle_number=vehicle))
        again = await intake.post("/v1/faults", json=fault_card(vehicle_number=vehicle))
        other = await intake.post("/v1/faults", json=fault_card(vehicle_number=unique_vehicle()))

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert len(await faults_of(system, vehicle)) == 1
    await dispatched(system, first.json()["id"])
    assert await reported_events(first.json()["id"]) == 1
    assert len(await reservations(system, first.json()["id"])) == 1


async def test_a_resent_external_id_returns_the_original_and_a_changed_one_is_refused(
    system: System,
) -> None:
    vehicle, external_id = unique_vehicle(), f"DEPOT-TICKET-{uuid.uuid4().hex[:6]}"
    card = fault_card(vehicle_number=vehicle, external_id=external_id)
    async with system.client("intake", DEPOT) as intake:
        first = await intake.post("/v1/faults", json=card)
        again = await intake.post("/v1/faults", json=card)
        changed = await intake.post("/v1/faults", json=card | {"description": "another fault"})

    assert (first.status_code, again.status_code, changed.status_code) == (201, 200, 409)
    assert again.json()["id"] == first.json()["id"]
    assert len(await faults_of(system, vehicle)) == 1
    await dispatched(system, first.json()["id"])
    assert await reported_events(first.json()["id"]) == 1


async def test_a_batch_answers_each_card_in_order_and_stores_new_ones_once(
    system: System,
) -> None:
    vehicle, known_id = unique_vehicle(), f"DEPOT-TICKET-{uuid.uuid4().hex[:6]}"
    known = fault_card(vehicle_number=vehicle, external_id=known_id)
    twice = fault_card(vehicle_number=vehicle, external_id=f"DEPOT-TICKET-{uuid.uuid4().hex[:6]}")
    plain = fault_card(vehicle_number=vehicle)
    async with system.client("intake", DEPOT) as intake:
        original = (await intake.post("/v1/faults", json=known)).json()
        response = await intake.post("/v1/faults:batch", json={"faults": [
            plain, known, known | {"description": "another fault"}, twice, {"depot_id": "D-BJ"},
            twice, plain,
        ]})

    assert response.status_code == 207, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 200, 409, 201, 422, 200, 201]
    assert [r["index"] for r in results] == list(range(7))
    assert results[1]["fault"]["id"] == original["id"]
    assert results[5]["fault"]["id"] == results[3]["fault"]["id"]  # repeated within the batch
    numbers = [results[i]["fault"]["number"] for i in (0, 3, 6)]
    assert numbers == sorted(numbers) and len(set(numbers)) == 3  # numbered in card order
    assert (response.json()["created"], response.json()["failed"]) == (3, 2)
    assert len(await faults_of(system, vehicle)) == 4  # the original and three new ones
    for index in (0, 3, 6):
        await dispatched(system, results[index]["fault"]["id"], timeout=30)


def downstream(fault_id: str, type_: str, source: str, **data: Any) -> bytes:
    envelope = {
        "id": str(uuid.uuid4()), "type": type_, "source": source,
        "time": "2026-11-27T08:00:00+00:00", "subject": fault_id,
        "correlation_id": fault_id, "data": {"fault_id": fault_id, **data},
    }
    return json.dumps(envelope).encode()


async def test_late_and_repeated_events_never_move_the_status_back_nor_repeat_on_the_timeline(
    system: System,
) -> None:
    fault = await report(system, suspected_parts=[], system="teleporter")  # nobody qualifies
    fid, key = fault["id"], fault["id"].encode()
    on_site = downstream(fid, "dispatch.on_site", "dispatch", job_id="J-1", technician_id="T-X",
                         occurred_at="2026-11-27T09:00:00+08:00")
    await publish_raw("fleetcare.dispatch", on_site, key=key)
    await publish_raw("fleetcare.dispatch", downstream(
        fid, "dispatch.assigned", "dispatch", job_id="J-1", technician_id="T-X",
        technician_name="X", eta="2026-11-27T08:30:00+08:00", distance_km=3.0), key=key)
    await publish_raw("fleetcare.parts", downstream(fid, "parts.reserved", "parts", lines=[]),
                      key=key)
    await publish_raw("fleetcare.dispatch", on_site, key=key)  # redelivered

    async with system.client("intake", DEPOT) as intake:

        async def settled() -> dict[str, Any] | None:
            shown: dict[str, Any] = (await intake.get(f"/v1/faults/{fid}")).json()
            types = [e["type"] for e in shown["timeline"]]
            return shown if {"dispatch.assigned", "parts.reserved"} <= set(types) else None

        shown = await eventually(settled, timeout=15, what="downstream events applied")
    assert shown["status"] == "on_site"
    assert [e["status"] for e in shown["timeline"]].count("reported") == 1
    event_ids = [e["event_id"] for e in shown["timeline"]]
    assert len(event_ids) == len(set(event_ids)) == 4
    assert shown["sla"]["onsite"]["state"] == "met"


async def test_acknowledging_meets_the_respond_clock_once(system: System) -> None:
    fault = await report(system, suspected_parts=[], system="teleporter")
    async with system.client("intake", DESK) as desk:
        first = (await desk.post(f"/v1/faults/{fault['id']}/acknowledge")).json()
        again = (await desk.post(f"/v1/faults/{fault['id']}/acknowledge")).json()
    assert first["status"] == "acknowledged" and first["sla"]["respond"]["state"] == "met"
    assert [e["type"] for e in again["timeline"]].count("fault.acknowledged") == 1


async def test_cancelling_a_fault_releases_its_parts_and_withdraws_its_job(system: System) -> None:
    fault = await report(system)
    await dispatched(system, fault["id"])
    async with system.client("intake", DEPOT) as intake:
        cancelled = await intake.post(f"/v1/faults/{fault['id']}/cancel",
                                      json={"reason": "depot fixed it themselves"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"

    async def released() -> bool:
        held = await reservations(system, fault["id"])
        return bool(held) and all(r["status"] == "released" for r in held)

    async def withdrawn() -> bool:
        jobs = await jobs_for(system, fault["id"])
        return len(jobs) == 1 and jobs[0]["status"] == "withdrawn"

    await eventually(released, timeout=15, what="reservation released")
    await eventually(withdrawn, timeout=15, what="job withdrawn")


async def test_another_depots_fault_is_invisible(system: System) -> None:
    fault = await report(system, suspected_parts=[])
    other = token("depot", depot_id="D-GZ")
    async with system.client("intake", other) as intake:
        assert (await intake.get(f"/v1/faults/{fault['id']}")).status_code == 404
        cancel = await intake.post(f"/v1/faults/{fault['id']}/cancel", json={"reason": "x"})
        assert cancel.status_code == 404
        listed = (await intake.get("/v1/faults", params={"limit": 500})).json()["items"]
    assert fault["id"] not in {f["id"] for f in listed}


async def test_bad_input_is_a_precise_problem_and_changes_nothing(system: System) -> None:
    vehicle = unique_vehicle()
    async with system.client("intake", DEPOT) as intake:
        future = await intake.post("/v1/faults", json=fault_card(
            vehicle_number=vehicle, reported_at="2099-01-01T00:00:00+08:00"))
        naive = await intake.post("/v1/faults", json=fault_card(
            vehicle_number=vehicle, reported_at="2026-01-01T00:00:00"))
        far_away = await intake.post("/v1/faults", json=fault_card(
            vehicle_number=vehicle, location={"site_code": "X", "lat": 39.9, "lon": 181}))
        too_long = await intake.post("/v1/faults", json=fault_card(
            vehicle_number=vehicle, description="长" * 4001))
        huge = await intake.post("/v1/faults", content=b'{"pad": "' + b"x" * (1 << 20) + b'"}',
                                 headers={"Content-Type": "application/json"})
        broken = await intake.post("/v1/faults", content=b'{"depot_id": ',
                                   headers={"Content-Type": "application/json"})

    for response in (future, naive, far_away, too_long, huge, broken):
        assert response.headers["content-type"] == "application/problem+json"
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "reported_at"
    assert naive.status_code == 422 and naive.json()["errors"][0]["field"] == "reported_at"
    assert far_away.status_code == 422
    assert far_away.json()["errors"][0]["field"] == "location.lon"
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "description"
    assert huge.status_code == 413
    assert broken.status_code == 400
    assert await faults_of(system, vehicle) == []


async def test_chinese_text_comes_back_unchanged(system: System) -> None:
    description = "转向架轴箱温度异常，司机报告异响；请派员检查。"
    fault = await report(system, suspected_parts=[], description=description,
                         reporter={"name": "李建国", "phone": "+86 311 8888 0000"})
    async with system.client("intake", DEPOT) as intake:
        shown = (await intake.get(f"/v1/faults/{fault['id']}")).json()
    assert shown["description"] == description
    assert shown["reporter"]["name"] == "李建国"
