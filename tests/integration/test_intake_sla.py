"""The SLA watchdog on PostgreSQL, publishing through the real broker."""

import asyncio
import uuid

import pytest

from services.intake.config import IntakeSettings
from services.intake.models import FaultCreate
from services.intake.reporting import report_fault
from services.intake.sla_watch import watch_sla
from shared.db import Database
from shared.events import Envelope
from shared.relay import OutboxRelay
from tests.support.env import kafka_bootstrap
from tests.support.kafka import read_topic

pytestmark = pytest.mark.service("intake")


def card(vehicle: str) -> FaultCreate:
    return FaultCreate.model_validate({
        "depot_id": "D-BJ", "vehicle_number": vehicle, "vehicle_model": "C70",
        "reporter": {"name": "王师傅", "phone": "+86 10 5555 0101"},
        "description": "制动缓解不良", "system": "brake",
        "location": {"site_code": "BJ", "lat": 39.86, "lon": 116.29},
    })


async def test_an_onsite_time_passing_unmet_gives_exactly_one_breach_for_that_clock(
    database: Database,
) -> None:
    settings = IntakeSettings(
        kafka_bootstrap=kafka_bootstrap(), kafka_timeout_seconds=5, outbox_poll_seconds=0.2,
        sla_onsite_hours=1.5 / 3600, sla_watch_interval_seconds=0.2,
    )
    async with database.session() as session:
        fault = await report_fault(session, settings, card(f"C70-{uuid.uuid4().hex[:6]}"))
        await session.commit()
    relay = OutboxRelay(settings, database)
    relay.start()
    # Two watchdogs, as two intake processes would run: still one breach per clock.
    watchdogs = [asyncio.create_task(watch_sla(settings, database)) for _ in range(2)]
    try:
        await asyncio.sleep(4)  # the 1.5 s on-site clock passes; about 20 rounds each
    finally:
        for task in watchdogs:
            task.cancel()
        await asyncio.gather(*watchdogs, return_exceptions=True)
    try:
        records = await read_topic("fleetcare.intake", until=99, timeout=4,
                                   key=fault.id.encode())
    finally:
        await relay.stop()

    events = [Envelope.from_bytes(r.value) for r in records]
    breaches = [e.data for e in events if e.type == "sla.breached"]
    assert [b["clock"] for b in breaches] == ["onsite"]
    assert breaches[0]["due"].startswith(fault.onsite_due.isoformat()[:19])
