"""SIGTERM: requests in flight are answered, a consumer commits exactly what it applied, and a
rolling restart under a steady stream of reports loses nothing and doubles nothing."""

import asyncio
import time
import uuid
from functools import partial
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import select
from sqlmodel import col

from shared.db import Database
from shared.events import Envelope
from shared.messaging import InboxMessage
from tests.e2e.conftest import System, caught_up, fault_card
from tests.e2e.test_intake import unique_vehicle
from tests.e2e.test_outages import restock
from tests.e2e.test_saga import dispatched, jobs_for, reservations
from tests.support.env import kafka_bootstrap
from tests.support.kafka import committed_offsets, lag
from tests.support.metrics import scrape, total
from tests.support.parts import all_pages
from tests.support.polling import eventually
from tests.support.services import ServiceProcess, token

INTAKE_TOPIC = "fleetcare.intake"


async def faults_of(system: System, vehicle: str) -> list[dict[str, Any]]:
    """Every fault intake holds for the vehicle, all pages."""
    async with system.client("intake") as intake:
        return await all_pages(intake, "/v1/faults", vehicle_number=vehicle)


async def restart(service: ServiceProcess) -> None:
    """SIGTERM, wait for the exit, start again: one step of a rolling restart."""
    await asyncio.to_thread(service.stop)
    service.start()
    await service.wait_ready()


async def settled(system: System) -> None:
    """Every group has worked through what the test caused, so later tests start quiet."""
    for group in system.services:
        await eventually(partial(caught_up, group), timeout=120, interval=1,
                         what=f"{group} caught up")


class Depot:
    """Reports faults one after another, as a depot's system does. A report that could not be
    sent (intake restarting) is sent again with the same `external_id`, so it never counts
    twice; `accepted` maps each external id to the fault intake answered with."""

    def __init__(self, system: System, vehicle: str, pace: float) -> None:
        self.url = system.services["intake"].url
        self.vehicle = vehicle
        self.pace = pace
        self.accepted: dict[str, str] = {}
        self.server_errors = 0

    async def report_until(self, stop: asyncio.Event) -> None:
        headers = token("depot", depot_id="D-BJ")
        while not stop.is_set():
            card = fault_card(vehicle_number=self.vehicle, external_id=uuid.uuid4().hex)
            # A fresh connection each time: a keep-alive connection to a stopping server
            # would fail for reasons of its own.
            async with httpx.AsyncClient(base_url=self.url, headers=headers,
                                         timeout=10.0) as intake:
                while True:
                    try:
                        response = await intake.post("/v1/faults", json=card)
                    except httpx.TransportError:
                        await asyncio.sleep(0.2)
                        continue
                    if response.status_code in (200, 201):
                        self.accepted[str(card["external_id"])] = response.json()["id"]
                        break
                    self.server_errors += response.status_code >= 500
                    await asyncio.sleep(0.2)
            await asyncio.sleep(self.pace)


async def test_a_request_in_flight_when_sigterm_arrives_is_answered_in_full(
    system: System,
) -> None:
    vehicle = unique_vehicle()
    depot = "D-TJ"  # a bucket of its own under intake's rate limit
    # A system nobody is certified for: dispatch opens the jobs and leaves them be.
    cards = [fault_card(depot_id=depot, vehicle_number=vehicle, system="interior",
                        suspected_parts=[]) for _ in range(300)]
    intake = system.services["intake"]
    async with httpx.AsyncClient(base_url=intake.url, timeout=60.0,
                                 headers=token("depot", depot_id=depot)) as client:
        request = asyncio.create_task(client.post("/v1/faults:batch", json={"faults": cards}))
        await asyncio.sleep(0.15)
        sigterm_at = time.monotonic()
        stopping = asyncio.create_task(asyncio.to_thread(intake.stop))
        response = await request
        answered_at = time.monotonic()
        await stopping
    intake.start()
    await intake.wait_ready()

    assert answered_at > sigterm_at  # it was in flight when the signal came
    assert response.status_code == 207 and response.json()["created"] == 300
    assert len(await faults_of(system, vehicle)) == 300
    await settled(system)


async def test_a_consumer_stopped_mid_burst_commits_exactly_the_records_it_applied(
    system: System,
) -> None:
    burst = 100
    await restock(system, burst)
    vehicle = unique_vehicle()
    parts = system.services["parts"]
    async with system.client("parts") as client:
        applied_before = await applied_by_parts(client)
    # Parts reserves their valves; no engineer is certified for the system, so the test
    # measures parts alone.
    cards = [fault_card(vehicle_number=vehicle, system="interior") for _ in range(burst)]
    async with system.client("intake", token("depot", depot_id="D-BJ")) as intake:
        response = await intake.post("/v1/faults:batch", json={"faults": cards})
    assert response.json()["created"] == burst
    ids = {r["fault"]["id"] for r in response.json()["results"]}

    async with system.client("parts") as client:

        async def started() -> bool:
            return await applied_by_parts(client) >= applied_before + 3

        await eventually(started, timeout=30, interval=0.05, what="parts applying the burst")
    await asyncio.to_thread(parts.stop)  # SIGTERM mid-burst

    committed = await committed_offsets("parts")
    records = await fault_reports(ids)
    applied = await inbox_of(parts, "parts", {event_id for _, event_id in records.values()})
    assert len(records) == burst
    for (partition, offset), (_, event_id) in records.items():
        below = offset < committed.get(TopicPartition(INTAKE_TOPIC, partition), 0)
        assert (event_id in applied) == below, (
            f"{INTAKE_TOPIC}[{partition}]@{offset}: applied {event_id in applied}, "
            f"committed up to {committed.get(TopicPartition(INTAKE_TOPIC, partition))}")

    parts.start()
    await parts.wait_ready()
    for fault_id in ids:
        await eventually(partial(reservations, system, fault_id), timeout=60,
                         what=f"fault {fault_id} reserved")
        assert len(await reservations(system, fault_id)) == 1
    async with system.client("parts") as client:
        samples = await scrape(client)
    # Nothing it had applied came back after the restart.
    assert total(samples, "fleetcare_events_consumed_total", service="parts",
                 type="fault.reported", outcome="duplicate") == 0

    # With nothing more arriving, a SIGTERM leaves the group committed to the end of the topic.
    await eventually(partial(caught_up, "parts"), timeout=60, interval=0.5,
                     what="parts caught up")
    await asyncio.to_thread(parts.stop)
    assert await lag("parts", [INTAKE_TOPIC]) == 0
    parts.start()
    await parts.wait_ready()
    await settled(system)


async def test_a_rolling_restart_under_a_steady_stream_of_reports_loses_and_doubles_nothing(
    system: System,
) -> None:
    await restock(system, 200)
    vehicle = unique_vehicle()
    depot = Depot(system, vehicle, pace=0.2)
    stop = asyncio.Event()
    stream = asyncio.create_task(depot.report_until(stop))
    try:
        await asyncio.sleep(2)
        for name in ("parts", "dispatch", "intake"):
            await restart(system.services[name])
            await asyncio.sleep(1)
        await asyncio.sleep(2)
    finally:
        stop.set()
        await stream

    assert depot.server_errors == 0
    reported = await faults_of(system, vehicle)
    assert sorted(f["id"] for f in reported) == sorted(depot.accepted.values())  # none twice
    for fault_id in depot.accepted.values():
        await dispatched(system, fault_id, timeout=120)
        assert len(await reservations(system, fault_id)) == 1
        assert len(await jobs_for(system, fault_id)) == 1
    await settled(system)


async def applied_by_parts(client: httpx.AsyncClient) -> float:
    samples = await scrape(client)
    return total(samples, "fleetcare_events_consumed_total", service="parts",
                 type="fault.reported", outcome="processed")


async def fault_reports(fault_ids: set[str]) -> dict[tuple[int, int], tuple[str, str]]:
    """The `fault.reported` records of these faults on the intake topic, read to its end:
    (partition, offset) -> (fault id, event id)."""
    consumer = AIOKafkaConsumer(INTAKE_TOPIC, bootstrap_servers=kafka_bootstrap(),
                                group_id=None, auto_offset_reset="earliest",
                                enable_auto_commit=False)
    await consumer.start()
    found: dict[tuple[int, int], tuple[str, str]] = {}
    try:
        partitions = [TopicPartition(INTAKE_TOPIC, p)
                      for p in consumer.partitions_for_topic(INTAKE_TOPIC) or ()]
        ends = await consumer.end_offsets(partitions)
        deadline = time.monotonic() + 30
        while [tp for tp, end in ends.items() if await consumer.position(tp) < end]:
            assert time.monotonic() < deadline, "the intake topic not read to its end in 30 s"
            batch = await consumer.getmany(timeout_ms=500)
            for record in (r for records in batch.values() for r in records):
                report = _fault_report(record)
                if report and report[0] in fault_ids:
                    found[(record.partition, record.offset)] = report
    finally:
        await consumer.stop()
    return found


def _fault_report(record: ConsumerRecord[bytes, bytes]) -> tuple[str, str] | None:
    try:
        envelope = Envelope.from_bytes(record.value or b"")
    except ValueError:  # other tests' malformed messages
        return None
    return (envelope.subject, str(envelope.id)) if envelope.type == "fault.reported" else None


async def inbox_of(service: ServiceProcess, group: str, event_ids: set[str]) -> set[str]:
    """Which of these events the group applied, from its service's own database."""
    database = Database(service.database_url)
    try:
        async with database.session() as session:
            rows = await session.scalars(
                select(col(InboxMessage.event_id)).where(
                    col(InboxMessage.consumer) == group, col(InboxMessage.event_id).in_(event_ids)
                )
            )
            return set(rows.all())
    finally:
        await database.dispose()
