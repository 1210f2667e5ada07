"""Two instances of parts and of dispatch in the same consumer groups, on the same databases:
a second instance joining mid-stream and one killed later move partitions between them, and
still every fault is reserved once, gets one job and is dispatched."""

import asyncio
from functools import partial
from pathlib import Path

import httpx

from tests.e2e.conftest import EXTRA_ENV, System
from tests.e2e.test_graceful_shutdown import Depot, faults_of, settled
from tests.e2e.test_intake import unique_vehicle
from tests.e2e.test_outages import restock
from tests.e2e.test_saga import dispatched, jobs_for, reservations
from tests.support.metrics import scrape, total
from tests.support.polling import eventually
from tests.support.services import ServiceProcess

SECOND_PORTS = {"parts": 18132, "dispatch": 18133}


async def stock_reserved(system: System) -> tuple[int, int]:
    """(on hand, reserved) of the brake valve over every warehouse."""
    async with system.client("parts") as parts:
        page = (await parts.get("/v1/stock", params={"part_number": "BRK-VALVE-01",
                                                     "limit": 500})).json()
    return (sum(line["on_hand"] for line in page["items"]),
            sum(line["reserved"] for line in page["items"]))


async def consumed_by(instance: ServiceProcess) -> float:
    async with httpx.AsyncClient(base_url=instance.url, timeout=10.0) as client:
        samples = await scrape(client)
    return total(samples, "fleetcare_events_consumed_total", outcome="processed")


async def test_second_instances_joining_and_one_killed_mid_stream_double_nothing(
    system: System, tmp_path: Path
) -> None:
    await settled(system)
    await restock(system, 200)
    on_hand, reserved_before = await stock_reserved(system)
    seconds = {
        name: ServiceProcess(name, port, system.services[name].database_url,
                             system.services[name].kafka, tmp_path, extra_env=EXTRA_ENV[name])
        for name, port in SECOND_PORTS.items()
    }
    vehicle = unique_vehicle()
    depot = Depot(system, vehicle, pace=0.15)
    stop = asyncio.Event()
    stream = asyncio.create_task(depot.report_until(stop))
    try:
        await asyncio.sleep(3)
        for second in seconds.values():
            second.start()
        await asyncio.gather(*(second.wait_ready() for second in seconds.values()))
        for name, second in seconds.items():
            # The group gave it partitions, and it works through them.
            await eventually(partial(consumed_by, second), timeout=60, interval=0.5,
                             what=f"the second {name} consuming")
        await asyncio.sleep(3)
        # The first parts instance crashes: its partitions go to the second after the
        # session timeout, uncommitted records with them.
        system.services["parts"].kill_hard()
        await asyncio.sleep(5)
        system.services["parts"].start()
        await system.services["parts"].wait_ready()
        await asyncio.sleep(3)
    finally:
        stop.set()
        await stream

    try:
        reported = await faults_of(system, vehicle)
        assert sorted(f["id"] for f in reported) == sorted(depot.accepted.values())
        for fault_id in depot.accepted.values():
            await dispatched(system, fault_id, timeout=120)
            assert len(await reservations(system, fault_id)) == 1
            jobs = await jobs_for(system, fault_id)
            assert len(jobs) == 1 and jobs[0]["technician_id"]
        # The stock ledger moved by one valve a fault: nothing reserved twice or lost.
        assert await stock_reserved(system) == (on_hand, reserved_before + len(reported))
        await settled(system)
    finally:
        for second in seconds.values():
            await asyncio.to_thread(second.stop)
