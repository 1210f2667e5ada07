"""Field dispatch on the running system: the mobile app's flow, replays, declines, certificates."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import System
from tests.e2e.test_saga import DEPOT, report
from tests.support.polling import eventually
from tests.support.services import token

DISPATCHER = token("dispatcher")


async def register(system: System, skill: str, lat: float = 39.95, lon: float = 116.30,
                   certified: bool = True, tech_id: str | None = None) -> str:
    """A technician certified (or only skilled) for `skill`; returns the id. With `tech_id`,
    that technician's record is replaced."""
    tech_id = tech_id or f"T-{skill[:4].upper()}-{uuid.uuid4().hex[:5]}"
    async with system.client("dispatch", DISPATCHER) as dispatch:
        response = await dispatch.put(f"/v1/technicians/{tech_id}", json={
            "name": f"Engineer {tech_id}", "station": "Beijing", "lat": lat, "lon": lon,
            "skills": [skill], "certifications": [skill] if certified else [],
            "regions": ["Beijing"], "shift": {}})
        response.raise_for_status()
    return tech_id


async def job_of(system: System, fault_id: str, assigned: bool = True) -> dict[str, Any]:
    async with system.client("dispatch", DISPATCHER) as dispatch:

        async def probe() -> dict[str, Any] | None:
            items = (await dispatch.get("/v1/jobs", params={"fault_id": fault_id})).json()["items"]
            if items and (not assigned or items[0]["technician_id"]):
                job: dict[str, Any] = items[0]
                return job
            return None

        return await eventually(probe, timeout=15, what=f"job for {fault_id}")


def app(technician_id: str, system: System) -> httpx.AsyncClient:
    return system.client("dispatch", token("technician", technician_id=technician_id))


def action(**fields: Any) -> dict[str, Any]:
    return {"client_event_id": str(uuid.uuid4()),
            "occurred_at": datetime.now(UTC).isoformat()} | fields


COMPLETION = {"cause": "制动阀卡滞 valve seized", "actions": "更换制动阀 replaced the valve",
              "parts_used": [], "notes": "tested twice"}


async def test_accept_depart_arrive_complete_resolves_the_fault_with_the_onsite_clock_met(
    system: System,
) -> None:
    tech = await register(system, "pantograph")
    fault = await report(system, system="pantograph", suspected_parts=[])
    job = await job_of(system, fault["id"])
    assert job["technician_id"] == tech and job["kind"] == "onsite_repair"

    async with app(tech, system) as phone:
        for step, body in (("accept", action()), ("depart", action()), ("arrive", action()),
                           ("complete", action(**COMPLETION))):
            response = await phone.post(f"/v1/jobs/{job['id']}/{step}", json=body)
            assert response.status_code == 200, (step, response.text)
        assert response.json()["status"] == "completed"

    async with system.client("intake", DEPOT) as intake:

        async def resolved() -> dict[str, Any] | None:
            shown: dict[str, Any] = (await intake.get(f"/v1/faults/{fault['id']}")).json()
            return shown if shown["status"] in ("resolved", "closed") else None

        shown = await eventually(resolved, timeout=15, what="fault resolved")
    assert shown["sla"]["onsite"]["state"] == "met"
    assert shown["sla"]["resolve"]["state"] == "met"
    completed = [e for e in shown["timeline"] if e["type"] == "dispatch.completed"]
    assert [e["status"] for e in completed] == ["resolved"]
    assert shown["status"] == "closed"  # the card had its cause and actions

    # Quality's service record (information card) assembled from the same events.
    async with system.client("quality") as quality:

        async def closed_card() -> dict[str, Any] | None:
            page = (await quality.get("/v1/service-records",
                                      params={"fault_id": fault["id"]})).json()
            cards: list[dict[str, Any]] = page["items"]
            # fault.closed (intake's topic) may be consumed before dispatch.completed.
            done = cards and cards[0]["status"] == "closed" and cards[0]["completed_at"]
            return cards[0] if done else None

        card = await eventually(closed_card, timeout=15, what="service record closed")
    assert card["technician_id"] == tech and card["cause"] == COMPLETION["cause"]
    assert card["fault_number"] == fault["number"] and card["severity"] == fault["severity"]
    assert card["sla"]["onsite"] == "met" and card["sla"]["resolve"] == "met"
    assert card["on_site_at"] is not None and card["repair_hours"] is not None


async def test_an_action_out_of_order_is_a_409_and_changes_nothing(system: System) -> None:
    tech = await register(system, "coupler")
    fault = await report(system, system="coupler", suspected_parts=[])
    job = await job_of(system, fault["id"])
    async with app(tech, system) as phone:
        early = await phone.post(f"/v1/jobs/{job['id']}/complete", json=action(**COMPLETION))
        shown = (await phone.get("/v1/me/jobs")).json()["items"]
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    assert early.json()["current_status"] == "assigned"
    assert [j["status"] for j in shown if j["id"] == job["id"]] == ["assigned"]


async def test_the_same_20_app_actions_replayed_leave_the_same_state(system: System) -> None:
    tech = await register(system, "wheelset")
    faults = [await report(system, system="wheelset", suspected_parts=[]) for _ in range(5)]
    jobs = [await job_of(system, f["id"]) for f in faults]
    assert {j["technician_id"] for j in jobs} == {tech}
    queue = [
        (job["id"], step, action(**(COMPLETION if step == "complete" else {})))
        for job in jobs for step in ("accept", "depart", "arrive", "complete")
    ]
    assert len(queue) == 20

    async with app(tech, system) as phone:
        first = [(await phone.post(f"/v1/jobs/{j}/{s}", json=b)).json() for j, s, b in queue]
        state = (await phone.get("/v1/me/jobs", params={"limit": 500})).json()["items"]
        again = [(await phone.post(f"/v1/jobs/{j}/{s}", json=b)) for j, s, b in queue]
        replayed = (await phone.get("/v1/me/jobs", params={"limit": 500})).json()["items"]

    assert all(r.status_code == 200 for r in again)
    assert [r.json() for r in again] == first
    assert replayed == state
    assert all(j["status"] == "completed" for j in state if j["id"] in {x["id"] for x in jobs})


async def test_me_jobs_answers_304_while_nothing_changed(system: System) -> None:
    tech = await register(system, "lighting")
    fault = await report(system, system="lighting", suspected_parts=[])
    job = await job_of(system, fault["id"])
    async with app(tech, system) as phone:
        first = await phone.get("/v1/me/jobs")
        tag = first.headers["ETag"]
        unchanged = await phone.get("/v1/me/jobs", headers={"If-None-Match": tag})
        await phone.post(f"/v1/jobs/{job['id']}/accept", json=action())
        changed = await phone.get("/v1/me/jobs", headers={"If-None-Match": tag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert changed.status_code == 200 and changed.headers["ETag"] != tag


async def test_a_declined_job_goes_to_another_qualified_engineer(system: System) -> None:
    first = await register(system, "coupling", lat=39.95, lon=116.30)
    second = await register(system, "coupling", lat=40.00, lon=116.50)
    fault = await report(system, system="coupling", suspected_parts=[])
    job = await job_of(system, fault["id"])
    declining = job["technician_id"]
    assert declining in (first, second)
    async with app(declining, system) as phone:
        declined = await phone.post(f"/v1/jobs/{job['id']}/decline",
                                    json=action(reason="on leave from noon"))
    assert declined.status_code == 200

    async def reassigned() -> dict[str, Any] | None:
        current = await job_of(system, fault["id"])
        return current if current["technician_id"] not in (None, declining) else None

    again = await eventually(reassigned, timeout=15, what="reassigned after decline")
    assert again["technician_id"] == ({first, second} - {declining}).pop()


async def test_an_uncertified_engineer_is_never_chosen_even_when_nearest(system: System) -> None:
    near = await register(system, "bogie-frame", lat=39.861, lon=116.291, certified=False)
    far = await register(system, "bogie-frame", lat=40.50, lon=117.00)
    fault = await report(system, system="bogie-frame", suspected_parts=[])
    job = await job_of(system, fault["id"])
    assert job["technician_id"] == far != near


async def test_a_job_leaves_an_engineer_whose_certificate_lapsed(system: System) -> None:
    near = await register(system, "sanding", lat=39.861, lon=116.291)
    far = await register(system, "sanding", lat=40.50, lon=117.00)
    fault = await report(system, system="sanding", suspected_parts=[])
    job = await job_of(system, fault["id"])
    assert job["technician_id"] == near
    # The certificate lapses before the engineer accepted: the planner's next round moves it.
    await register(system, "sanding", lat=39.861, lon=116.291, certified=False, tech_id=near)

    async def moved() -> dict[str, Any] | None:
        current = await job_of(system, fault["id"])
        return current if current["technician_id"] == far else None

    await eventually(moved, timeout=20, what="job re-planned to the certified engineer")


async def test_a_technician_cannot_see_or_act_on_another_technicians_job(system: System) -> None:
    owner = await register(system, "hvac-roof")
    other = await register(system, "hvac-roof", lat=23.10, lon=113.30)
    fault = await report(system, system="hvac-roof", suspected_parts=[])
    job = await job_of(system, fault["id"])
    assert job["technician_id"] == owner
    async with app(other, system) as phone:
        seen = await phone.get(f"/v1/jobs/{job['id']}")
        acted = await phone.post(f"/v1/jobs/{job['id']}/accept", json=action())
        listed = (await phone.get("/v1/me/jobs")).json()["items"]
        listing_all = await phone.get("/v1/jobs")
    assert seen.status_code == 404 and acted.status_code == 404
    assert job["id"] not in {j["id"] for j in listed}
    assert listing_all.status_code == 403


async def test_an_app_action_from_the_future_is_refused(system: System) -> None:
    tech = await register(system, "pis")
    fault = await report(system, system="pis", suspected_parts=[])
    job = await job_of(system, fault["id"])
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    async with app(tech, system) as phone:
        refused = await phone.post(f"/v1/jobs/{job['id']}/accept",
                                   json=action(occurred_at=future))
    assert refused.status_code == 422
