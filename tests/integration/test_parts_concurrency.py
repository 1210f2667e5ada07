"""200 faults race for 50 units on PostgreSQL, handled by two parts processes at once."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.events import Envelope, FaultReported, Location, PartLine, dead_letter_topic
from tests.support.databases import create_database, drop_database
from tests.support.env import kafka_bootstrap
from tests.support.kafka import create_topic, publish_raw
from tests.support.metrics import scrape, total
from tests.support.parts import all_pages, stock_part
from tests.support.polling import eventually
from tests.support.services import ServiceProcess, token

WAREHOUSES = {"TS": (39.63, 118.18), "BJ": (39.90, 116.40), "GZ": (23.13, 113.26)}
UNITS = {"TS": 20, "BJ": 20, "GZ": 10}


@pytest.fixture
async def two_parts_processes(tmp_path: Path) -> AsyncIterator[list[ServiceProcess]]:
    url = await create_database("fleetcare_it_parts_race")
    group = f"parts-race-{uuid.uuid4().hex[:6]}"
    await create_topic(dead_letter_topic(group))
    processes = [
        ServiceProcess("parts", port, url, kafka_bootstrap(), tmp_path,
                       extra_env={"FLEETCARE_CONSUMER_GROUP": group})
        for port in (18301, 18302)
    ]
    processes[0].start()
    await processes[0].wait_ready()  # the first one migrates the database
    processes[1].start()
    await processes[1].wait_ready()
    try:
        yield processes
    finally:
        for process in processes:
            process.stop()
        await drop_database(url)


def fault_reported(part_number: str) -> Envelope:
    now = datetime.now(UTC)
    fault_id = str(uuid.uuid4())
    data = FaultReported(
        fault_id=fault_id, number="FR-RACE", depot_id="D-BJ", vehicle_number="C70-R",
        # "interior": no engineer serves it, so the dispatch services that also read these
        # events spend nothing on them.
        vehicle_model="C70", severity="B", description="race", system="interior",
        location=Location(site_code="BJ", lat=39.86, lon=116.29),
        suspected_parts=[PartLine(part_number=part_number, qty=1)],
        reported_at=now, onsite_due=now + timedelta(hours=8),
    )
    return Envelope(type="fault.reported", source="intake", subject=fault_id,
                    correlation_id=fault_id, data=data.model_dump(mode="json"))


async def handled(processes: list[ServiceProcess], outcome: str) -> float:
    seen = 0.0
    for process in processes:
        async with httpx.AsyncClient(base_url=process.url) as client:
            seen += total(await scrape(client), "fleetcare_events_consumed_total",
                          type="fault.reported", outcome=outcome)
    return seen


async def test_200_faults_racing_for_50_units_reserve_exactly_50_and_a_replay_changes_nothing(
    two_parts_processes: list[ServiceProcess],
) -> None:
    part = f"RACE-{uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=two_parts_processes[0].url, headers=token("admin"),
                                 timeout=30) as parts:
        for code, (lat, lon) in WAREHOUSES.items():
            (await parts.put(f"/v1/warehouses/{code}", json={
                "name": code, "city": code, "lat": lat, "lon": lon})).raise_for_status()
        await stock_part(parts, part, [(code, "R-01", qty) for code, qty in UNITS.items()])

        events = [fault_reported(part) for _ in range(200)]
        await asyncio.gather(*(publish_raw("fleetcare.intake", e.to_bytes(), e.subject.encode())
                               for e in events))

        async def all_processed() -> bool:
            reserved, backordered, *_ = await snapshot(parts, part)
            return len({line["fault_id"] for line in reserved + backordered}) == 200

        await eventually(all_processed, timeout=90, interval=0.5, what="200 faults handled")
        shares = [await handled([p], "processed") for p in two_parts_processes]
        assert all(share > 0 for share in shares), f"both processes should share: {shares}"
        before = await snapshot(parts, part)

        for e in events:  # the broker redelivers every one of them
            await publish_raw("fleetcare.intake", e.to_bytes(), e.subject.encode())

        async def all_replayed() -> bool:
            return await handled(two_parts_processes, "duplicate") >= 200

        await eventually(all_replayed, timeout=90, interval=0.5, what="200 replays skipped")
        after = await snapshot(parts, part)

    reserved, backordered, stock, ledger = before
    assert sum(r["qty"] for r in reserved) == 50
    assert len(backordered) == 150 and all(b["qty"] == 1 for b in backordered)
    assert {r["fault_id"] for r in reserved}.isdisjoint({b["fault_id"] for b in backordered})
    assert all(s["available"] == 0 and s["reserved"] == s["on_hand"] for s in stock)
    for row in stock:
        moves = [m for m in ledger if (m["warehouse"], m["bin"]) == (row["warehouse"], row["bin"])]
        assert sum(m["on_hand_delta"] for m in moves) == row["on_hand"]
        assert sum(m["reserved_delta"] for m in moves) == row["reserved"]
    assert after == before


async def snapshot(parts: httpx.AsyncClient, part: str) -> tuple[list[dict[str, Any]], ...]:
    reserved = [r for r in await all_pages(parts, "/v1/reservations")
                if r["part_number"] == part]
    backordered = [b for b in await all_pages(parts, "/v1/backorders")
                   if b["part_number"] == part]
    stock = await all_pages(parts, "/v1/stock", part_number=part)
    ledger = await all_pages(parts, "/v1/stock/ledger", part_number=part)
    return reserved, backordered, stock, ledger
