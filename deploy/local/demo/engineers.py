"""Simulated field engineers, one per demo technician: the phone polls `GET /v1/me/jobs` with
its ETag and accepts new offers after a moment; in the field the engineer takes the head of
their queue, collects its parts from the storekeeper, sets off, arrives and completes after
short delays, so the SLA clocks visibly run. Every action carries a `client_event_id` and the
`occurred_at` of the moment it happened; a resend keeps both."""

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from demo.api import GaveUp, send
from demo.stores import Storekeeper
from demo.tally import Tally

POLL_SECONDS = 1.0
REPAIR_REPORTS = {
    "brake": ("制动阀卡滞 valve seized", "更换制动阀 replaced the valve"),
    "bogie": ("轴承润滑不良 bearing short of grease", "更换轴承 replaced the bearing"),
    "traction": ("IGBT 模块击穿 IGBT module failed", "更换模块 replaced the module"),
    "hvac": ("压缩机损坏 compressor worn out", "更换压缩机 replaced the compressor"),
    "door": ("门电机烧损 door motor burnt out", "更换门电机 replaced the motor"),
}
GENERAL_REPORT = ("接插件松动 loose connector", "紧固并测试 re-seated and tested")


@dataclass(frozen=True)
class Pace:
    """Seconds each step takes (each varied by up to half either way)."""

    accept_after: float
    travel: float
    repair: float


def varied(seconds: float, rng: random.Random) -> float:
    return seconds * rng.uniform(0.5, 1.5)


def app_action(**fields: Any) -> dict[str, Any]:
    """An action as the app queues it: its own id, and when it happened on the phone."""
    return {"client_event_id": str(uuid.uuid4()),
            "occurred_at": datetime.now(UTC).isoformat()} | fields


class FieldEngineer:
    def __init__(self, technician_id: str, phone: httpx.AsyncClient, storekeeper: Storekeeper,
                 tally: Tally, pace: Pace, rng: random.Random) -> None:
        self.technician_id = technician_id
        self.phone = phone
        self.storekeeper = storekeeper
        self.tally = tally
        self.pace = pace
        self.rng = rng
        self.lists: dict[str, tuple[str | None, list[dict[str, Any]]]] = {}
        self.offered_at: dict[str, float] = {}

    async def work(self) -> None:
        """The phone and the field work, side by side, until cancelled."""
        await asyncio.gather(self._keep_going(self._answer_offers),
                             self._keep_going(self._work_queue))

    async def _keep_going(self, step: Callable[[], Awaitable[bool]]) -> None:
        """Repeat the step, pausing only when it found nothing to do."""
        while True:
            try:
                busy = await step()
            except GaveUp as exc:
                self.tally.note(f"{self.technician_id}: {exc}")
                busy = False
            if not busy:
                await asyncio.sleep(POLL_SECONDS)

    async def _jobs(self, status: str) -> list[dict[str, Any]]:
        """The engineer's jobs in `status`, as last seen: a 304 keeps the previous list."""
        etag, jobs = self.lists.get(status, (None, []))
        answer = await send(self.phone, self.tally, "GET", "/v1/me/jobs",
                            params={"status": status, "limit": 100},
                            headers={"If-None-Match": etag} if etag else {})
        if answer.status_code == 200:
            jobs = answer.json()["items"]
            self.lists[status] = (answer.headers.get("ETag"), jobs)
            for job in jobs:
                self._saw(job)
        return jobs

    def _saw(self, job: dict[str, Any]) -> None:
        track = self.tally.faults.get(job["fault_id"])
        if track is not None:
            track.job_id, track.job_status = job["id"], job["status"]

    async def _answer_offers(self) -> bool:
        """Accept the offers seen for `accept_after` seconds; then look again after a pause."""
        now = time.monotonic()
        for job in await self._jobs("assigned"):
            offered = self.offered_at.setdefault(job["id"], now)
            if now - offered >= self.pace.accept_after:
                await self._act(job["id"], "accept")
                self.offered_at.pop(job["id"], None)
        return False

    async def _work_queue(self) -> bool:
        """Repair the head of the queue; False when the queue is empty."""
        queue = await self._jobs("accepted")
        if not queue:
            return False
        head = min(queue, key=lambda job: (job["queue_position"] is None,
                                           job["queue_position"] or 0, job["created_at"]))
        await self._repair(head)
        return True

    async def _repair(self, job: dict[str, Any]) -> None:
        track = self.tally.faults.get(job["fault_id"])
        parts = await self.storekeeper.hand_over(job["fault_id"],
                                                 bool(track and track.suspected_parts))
        departed = await self._act(job["id"], "depart")
        if departed is None:
            return
        await asyncio.sleep(varied(self.pace.travel, self.rng))
        if await self._act(job["id"], "arrive") is None:
            return
        await asyncio.sleep(varied(self.pace.repair, self.rng))
        cause, actions = REPAIR_REPORTS.get(job["required_skill"], GENERAL_REPORT)
        await self._act(job["id"], "complete", cause=cause, actions=actions, parts_used=parts,
                        notes="make demo")

    async def _act(self, job_id: str, step: str, **fields: Any) -> dict[str, Any] | None:
        """The job after the action, or None when it cannot be taken (moved, withdrawn)."""
        answer = await send(self.phone, self.tally, "POST", f"/v1/jobs/{job_id}/{step}",
                            json=app_action(**fields))
        if answer.status_code == 200:
            job: dict[str, Any] = answer.json()
            self._saw(job)
            return job
        problem = answer.json() if answer.headers.get("content-type", "").endswith("json") else {}
        if answer.status_code == 409 and problem.get("active_job_id"):
            # Set off for another job in an earlier run and never finished: finish that first.
            await self._finish(problem["active_job_id"])
        elif answer.status_code not in (404, 409):  # 404/409: reassigned or withdrawn meanwhile
            self.tally.note(f"{self.technician_id} {step}: {answer.status_code} {answer.text}")
        return None

    async def _finish(self, job_id: str) -> None:
        answer = await send(self.phone, self.tally, "GET", f"/v1/jobs/{job_id}")
        if answer.status_code != 200:
            return
        job = answer.json()
        if job["status"] == "en_route" and await self._act(job_id, "arrive") is None:
            return
        cause, actions = REPAIR_REPORTS.get(job["required_skill"], GENERAL_REPORT)
        await self._act(job_id, "complete", cause=cause, actions=actions, notes="make demo")
