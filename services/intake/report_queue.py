"""Reports that arrive together are stored together (group commit).

Stored one transaction each, single `POST /v1/faults` requests spend most of their time on
round trips to PostgreSQL (lock, lookups, inserts, commit), which is what bounded intake
(docs/performance.md). Here each request's card waits in a queue; a few writers each take
everything that has gathered (up to `report_group_max`) and store it in one transaction
(`report_group.store_group`). Under light load a group is one report and nothing waits; under
heavy load a request waits at most for the group before it. Each answer is sent only after
its group committed, so a crash loses no acknowledged fault.
"""

import asyncio
import contextvars
import dataclasses
import logging

from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from services.intake.config import IntakeSettings
from services.intake.metrics import REPORT_GROUP_SIZE, SERVICE
from services.intake.report_group import Answer, Report, store_group
from shared.db import Database
from shared.errors import Problem
from shared.idempotency import concurrent_change
from shared.transient import is_transient

log = logging.getLogger(__name__)

Outcome = Answer | BaseException
Waiting = tuple[Report, "asyncio.Future[Outcome]"]


class ReportQueue:
    """The reports waiting to be stored; `run` is the service's background job."""

    def __init__(self, settings: IntakeSettings) -> None:
        self.settings = settings
        self._waiting: list[Waiting] = []
        self._arrived = asyncio.Event()

    async def submit(self, report: Report) -> JSONResponse:
        """Store the report with whatever arrived alongside; its own answer, or its Problem.
        A client that hangs up meanwhile does not withdraw it: a retry finds it."""
        answer: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        # Stored by a writer task: the fault's log line and trace still belong to the request.
        self._waiting.append((dataclasses.replace(report, context=contextvars.copy_context()),
                              answer))
        self._arrived.set()
        outcome = await asyncio.shield(answer)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    async def run(self, db: Database) -> None:
        writers = [self._writer(db) for _ in range(self.settings.report_writers)]
        try:
            await asyncio.gather(*writers)
        finally:
            # Shutting down: uvicorn has answered the requests in flight; any left get a 503.
            for _, answer in self._take(len(self._waiting)):
                _settle(answer, Problem(503, "Service unavailable", "Intake is stopping.",
                                        headers={"Retry-After": "5"}))

    async def _writer(self, db: Database) -> None:
        while True:
            await self._arrived.wait()
            group = self._take(self.settings.report_group_max)
            if not self._waiting:
                self._arrived.clear()
            if group:
                await self._store(db, group)

    def _take(self, most: int) -> list[Waiting]:
        group, self._waiting = self._waiting[:most], self._waiting[most:]
        return group

    async def _store(self, db: Database, group: list[Waiting]) -> None:
        """Store the group; if it fails for a reason of its own (not an outage), each report
        alone, so that one bad report cannot refuse the others."""
        try:
            outcomes: list[Outcome] = list(await self._attempt(db, [r for r, _ in group]))
        except Exception as exc:
            if len(group) > 1 and not is_transient(exc):
                log.warning("a group of %d reports failed (%s); storing them one by one",
                            len(group), type(exc).__name__)
                for one in group:
                    await self._store(db, [one])
                return
            outcomes = [concurrent_change() if isinstance(exc, IntegrityError) else exc
                        for _ in group]
        REPORT_GROUP_SIZE.labels(SERVICE).observe(len(group))
        for (_, answer), outcome in zip(group, outcomes, strict=True):
            _settle(answer, outcome)

    async def _attempt(self, db: Database, reports: list[Report]) -> list[Answer]:
        """One transaction; once more if a concurrent request stored one of the same
        external_ids or keys meanwhile (the second time the lookups find it)."""
        for tries_left in (1, 0):
            try:
                async with db.session() as session:
                    answers = await store_group(session, self.settings, reports)
                    await session.commit()
                return answers
            except IntegrityError:
                if not tries_left:
                    raise
        raise AssertionError("unreachable")


def _settle(answer: "asyncio.Future[Outcome]", outcome: Outcome) -> None:
    if not answer.done():
        answer.set_result(outcome)
