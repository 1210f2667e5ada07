"""Simulated field engineers: each polls `GET /v1/me/jobs` as the app does (with its ETag)
and works the jobs their scenario asks for; a storekeeper issues the part before the repair.
Every action keeps its `client_event_id` and `occurred_at` across resends."""

import asyncio
import time
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from tests.chaos.journeys import Journey, Journeys
from tests.chaos.plan import Outcome
from tests.chaos.resilient import GaveUp, send
from tests.chaos.site import ADMIN, PART
from tests.support.services import token

POLL_SECONDS = 1.0
COMPLETION = {"cause": "制动阀卡滞 valve seized", "actions": "更换制动阀 replaced the valve",
              "parts_used": [{"part_number": PART, "qty": 1}], "notes": "chaos run"}


class JobMoved(Exception):
    """The job went to another engineer before this one accepted it (re-planning)."""


def _action(**fields: Any) -> dict[str, Any]:
    return {"client_event_id": str(uuid.uuid4()),
            "occurred_at": datetime.now(UTC).isoformat()} | fields


class Engineer:
    def __init__(self, tech_id: str, dispatch_url: str, parts_url: str, journeys: Journeys,
                 deadline: float) -> None:
        self.tech_id = tech_id
        self.journeys = journeys
        self.deadline = deadline
        self.phone = httpx.AsyncClient(base_url=dispatch_url, timeout=10.0,
                                       headers=token("technician", technician_id=tech_id))
        self.store = httpx.AsyncClient(base_url=parts_url, timeout=10.0, headers=ADMIN)

    async def work(self, done: asyncio.Event) -> None:
        etag: str | None = None
        try:
            while not done.is_set():
                answer = await send(self.phone, "GET", "/v1/me/jobs", self.deadline,
                                    params={"status": "assigned", "limit": 100},
                                    headers={"If-None-Match": etag} if etag else {})
                if answer.status_code == 200:
                    etag = answer.headers.get("ETag")
                    if not await self._work_through(answer.json()["items"]):
                        etag = None  # a job whose report is not answered yet: look again
                await asyncio.sleep(POLL_SECONDS)
        except GaveUp as exc:
            self.journeys.anomalies.append(f"engineer {self.tech_id}: {exc}")
        finally:
            await self.phone.aclose()
            await self.store.aclose()

    async def _work_through(self, jobs: list[dict[str, Any]]) -> bool:
        """Works what it knows; False when some job belongs to a report not answered yet."""
        all_known = True
        for job in jobs:
            journey = self.journeys.by_fault.get(job["fault_id"])
            if journey is None:
                all_known = False
            elif journey.outcome in (Outcome.RESOLVED, Outcome.DISPATCHED) and not journey.worked:
                try:
                    await self._work(job["id"], journey)
                except JobMoved:
                    continue
        return all_known

    async def _work(self, job_id: str, journey: Journey) -> None:
        await self._act(job_id, "accept", _action())
        if journey.outcome is Outcome.RESOLVED:
            await self._issue_parts(journey)
            await self._act(job_id, "depart", _action())
            arrive = _action()
            await self._act(job_id, "arrive", arrive)
            journey.arrived_at = arrive["occurred_at"]
            complete = _action(**COMPLETION)
            await self._act(job_id, "complete", complete)
            journey.completed_at = complete["occurred_at"]
        journey.worked = True

    async def _act(self, job_id: str, step: str, body: dict[str, Any]) -> None:
        answer = await send(self.phone, "POST", f"/v1/jobs/{job_id}/{step}", self.deadline,
                            json=body)
        if answer.status_code in (403, 404) and step == "accept":
            raise JobMoved(job_id)
        if answer.status_code != 200:
            self.journeys.anomalies.append(
                f"{self.tech_id} {step} {job_id}: {answer.status_code} {answer.text[:200]}")
            raise JobMoved(job_id)

    async def _issue_parts(self, journey: Journey) -> None:
        """The storekeeper approves and issues the fault's reserved line (waiting for it)."""
        while True:
            answer = await send(self.store, "GET", "/v1/reservations", self.deadline,
                                params={"fault_id": journey.fault_id})
            lines = answer.json()["items"] if answer.status_code == 200 else []
            if lines:
                break
            if time.monotonic() > self.deadline:
                raise GaveUp(f"no reservation for {journey.fault_id}")
            await asyncio.sleep(POLL_SECONDS)
        for line in lines:
            for step in ("approve", "issue"):
                result = await send(self.store, "POST", f"/v1/reservations/{line['id']}/{step}",
                                    self.deadline)
                if result.status_code != 200:
                    self.journeys.anomalies.append(
                        f"storekeeper {step} {line['id']}: {result.status_code} "
                        f"{result.text[:200]}")
