"""Single reports stored together (group commit) on PostgreSQL: every request still gets the
answer it would have got alone, and reports arriving together share one transaction."""

import asyncio
import io
import json
import logging
import uuid
from typing import Any

import pytest
from fastapi.responses import JSONResponse
from prometheus_client import REGISTRY
from sqlalchemy import func, select

from services.intake.config import IntakeSettings
from services.intake.models import FaultCreate, IntakeFault
from services.intake.report_group import Report, store_group
from services.intake.report_queue import ReportQueue
from shared.db import Database
from shared.errors import Problem
from shared.idempotency import REPLAYED, fingerprint
from shared.logging import JsonFormatter, log_context
from tests.integration.test_intake_sla import card

pytestmark = pytest.mark.service("intake")
SCOPE = "depot:D-BJ"


def report(card_: FaultCreate, key: str | None = None) -> Report:
    return Report(card_, fingerprint(card_.model_dump(mode="json")), SCOPE, key)


def with_external_id(external_id: str, description: str = "制动缓解不良") -> FaultCreate:
    fields = card(f"C70-{uuid.uuid4().hex[:6]}").model_dump(mode="json")
    return FaultCreate.model_validate(fields | {"external_id": external_id,
                                                "description": description})


def body(answer: JSONResponse | Problem) -> dict[str, Any]:
    assert isinstance(answer, JSONResponse), answer
    return json.loads(bytes(answer.body))


def groups_stored() -> float:
    return REGISTRY.get_sample_value("fleetcare_intake_report_group_size_count",
                                     {"service": "intake"}) or 0.0


async def faults_stored(database: Database) -> int:
    async with database.session() as session:
        return int(await session.scalar(select(func.count()).select_from(IntakeFault)) or 0)


async def test_repeats_within_one_group_answer_as_resends(database: Database) -> None:
    first = with_external_id("WO-1")
    keyed = card(f"C70-{uuid.uuid4().hex[:6]}")
    reports = [
        report(first),
        report(first),                                  # the same card again: 200, same fault
        report(with_external_id("WO-1", "另一个故障")),  # same external_id, other content: 409
        report(keyed, key="K-1"),
        report(keyed, key="K-1"),                       # a retry with its key: replayed 201
        report(card("C70-other"), key="K-1"),           # the key with another body: 409
        report(card(f"C70-{uuid.uuid4().hex[:6]}")),
    ]
    async with database.session() as session:
        answers = await store_group(session, IntakeSettings(), reports)
        await session.commit()

    statuses = [a.status if isinstance(a, Problem) else a.status_code for a in answers]
    assert statuses == [201, 200, 409, 201, 201, 409, 201]
    assert body(answers[1])["id"] == body(answers[0])["id"]
    assert body(answers[4])["id"] == body(answers[3])["id"]
    assert answers[4].headers.get(REPLAYED) == "true"
    assert isinstance(answers[2], Problem) and answers[2].title == "external_id reused"
    assert isinstance(answers[5], Problem) and answers[5].title == "Idempotency-Key reused"
    created = [body(answers[i]) for i in (0, 3, 6)]
    assert len({fault["number"] for fault in created}) == 3
    assert all(len(fault["timeline"]) == 1 for fault in created)
    assert await faults_stored(database) == 3

    # Later, alone: the stored key and external_id answer as before, and nothing is added.
    async with database.session() as session:
        again = await store_group(session, IntakeSettings(),
                                  [report(keyed, key="K-1"), report(first)])
        await session.commit()
    assert [a.status_code for a in again if isinstance(a, JSONResponse)] == [201, 200]
    assert again[0].headers.get(REPLAYED) == "true"
    assert body(again[1])["id"] == body(answers[0])["id"]
    assert await faults_stored(database) == 3


async def test_reports_arriving_together_share_a_transaction(database: Database) -> None:
    queue = ReportQueue(IntakeSettings())
    writers = asyncio.create_task(queue.run(database))
    groups_before = groups_stored()
    try:
        answers = await asyncio.gather(*(
            queue.submit(report(card(f"C70-{uuid.uuid4().hex[:6]}"))) for _ in range(40)))
    finally:
        writers.cancel()
        await asyncio.gather(writers, return_exceptions=True)
    assert [a.status_code for a in answers] == [201] * 40
    assert len({body(a)["number"] for a in answers}) == 40
    assert await faults_stored(database) == 40
    groups = groups_stored() - groups_before
    assert 1 <= groups < 40  # stored together, not one transaction per report


async def test_a_report_stored_with_others_is_logged_as_its_own_request(
    database: Database,
) -> None:
    # The writer task stores the group; each fault's line still carries its request's fields.
    lines = io.StringIO()
    handler = logging.StreamHandler(lines)
    handler.setFormatter(JsonFormatter("intake"))
    logger = logging.getLogger("services.intake.reporting")
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    queue = ReportQueue(IntakeSettings())
    writers = asyncio.create_task(queue.run(database))

    async def from_request(name: str) -> JSONResponse:
        with log_context(correlation_id=name):
            return await queue.submit(report(card(f"C70-{uuid.uuid4().hex[:6]}")))

    try:
        answers = await asyncio.gather(*(from_request(f"request-{n}") for n in range(3)))
    finally:
        writers.cancel()
        await asyncio.gather(writers, return_exceptions=True)
        logger.removeHandler(handler)
        logger.setLevel(level)
    logged = [json.loads(line) for line in lines.getvalue().splitlines()]
    reported = {entry["fault_id"]: entry.get("correlation_id") for entry in logged
                if entry["message"] == "fault reported"}
    assert reported == {body(answer)["id"]: f"request-{n}" for n, answer in enumerate(answers)}
