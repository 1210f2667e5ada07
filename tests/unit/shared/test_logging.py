"""JSON log lines: the fields that let one grep follow a fault, and no secrets."""

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import Depends, FastAPI

from shared.app import fault_log_context
from shared.logging import JsonFormatter, event_fields, log_context

SERVICE = "parts"
log = logging.getLogger("unit.logging")


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """What `log` writes through the service formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter(SERVICE))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        log.removeHandler(handler)


def written(output: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.getvalue().splitlines()]


def test_a_line_is_one_json_object_naming_its_service_level_and_logger(
    output: io.StringIO,
) -> None:
    log.info("reserved %d units", 3)

    (line,) = written(output)
    assert line["service"] == SERVICE
    assert line["level"] == "info"
    assert line["logger"] == "unit.logging"
    assert line["message"] == "reserved 3 units"
    assert line["time"].endswith("+00:00")


def test_lines_inside_a_log_context_carry_its_fields_and_later_lines_do_not(
    output: io.StringIO,
) -> None:
    with log_context(correlation_id="F-1", fault_id="F-1", event_type="fault.reported",
                     subject=None):
        log.info("inside")
    log.info("after")

    inside, after = written(output)
    assert inside["fault_id"] == "F-1"
    assert inside["event_type"] == "fault.reported"
    assert inside["correlation_id"] == "F-1"
    assert "subject" not in inside
    assert not {"fault_id", "event_type", "correlation_id"} & after.keys()


async def test_tasks_started_inside_a_log_context_log_its_fields(output: io.StringIO) -> None:
    async def work() -> None:
        log.info("in a task")

    with log_context(fault_id="F-2"):
        task = asyncio.create_task(work())
    await task

    assert written(output)[0]["fault_id"] == "F-2"


def test_a_lines_own_fields_win_over_its_context_but_never_replace_the_standard_ones(
    output: io.StringIO,
) -> None:
    with log_context(fault_id="F-outer", event_type="parts.reserved"):
        log.info("fault reported", extra={"fault_id": "F-3", "number": "FR-1",
                                          "service": "impostor"})

    (line,) = written(output)
    assert line["fault_id"] == "F-3"
    assert line["number"] == "FR-1"
    assert line["event_type"] == "parts.reserved"
    assert line["service"] == SERVICE


def test_an_event_about_a_fault_names_the_fault_and_others_their_subject() -> None:
    assert event_fields("parts.reserved", "F-4", {"fault_id": "F-4", "lines": []}) == {
        "event_type": "parts.reserved", "fault_id": "F-4"}
    assert event_fields("stock.low", "BRK-VALVE-01", {"part_number": "BRK-VALVE-01"}) == {
        "event_type": "stock.low", "subject": "BRK-VALVE-01"}
    assert event_fields("quality.issue_opened", "I-1", {"fault_ids": ["F-4", "F-5"]}) == {
        "event_type": "quality.issue_opened", "subject": "I-1"}


def test_database_passwords_and_bearer_tokens_never_reach_the_log(output: io.StringIO) -> None:
    url = "postgresql+asyncpg://fleetcare:s3cret-pw@127.0.0.1:55432/fleetcare_intake"
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
    log.warning("cannot reach %s", url)
    try:
        raise RuntimeError(f"rejected Authorization: Bearer {token}")
    except RuntimeError:
        log.exception("request failed")

    text = output.getvalue()
    assert "s3cret-pw" not in text
    assert token not in text
    warning, failure = written(output)
    assert warning["message"] == (
        "cannot reach postgresql+asyncpg://fleetcare:***@127.0.0.1:55432/fleetcare_intake"
    )
    assert "Bearer ***" in failure["exception"]


async def test_lines_logged_by_a_request_on_a_faults_route_carry_its_id(
    output: io.StringIO,
) -> None:
    app = FastAPI(dependencies=[Depends(fault_log_context)])

    @app.post("/v1/faults/{fault_id}/cancel")
    async def cancel(fault_id: str) -> dict[str, str]:
        log.info("cancelling")
        return {"id": fault_id}

    @app.get("/v1/jobs/{job_id}")
    def job(job_id: str) -> dict[str, str]:
        log.info("reading a job")
        return {"id": job_id}

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        assert (await client.post("/v1/faults/F-6/cancel")).status_code == 200
        assert (await client.get("/v1/jobs/J-1")).status_code == 200

    cancelling, reading = written(output)
    assert cancelling["fault_id"] == "F-6"
    assert "fault_id" not in reading


def test_uvicorns_coloured_copy_of_a_message_is_left_out(output: io.StringIO) -> None:
    log.info("Started server process [%d]", 7,
             extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"})

    (line,) = written(output)
    assert line["message"] == "Started server process [7]"
    assert "color_message" not in line
