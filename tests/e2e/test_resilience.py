"""Crashes and outages: nothing is lost, nothing is doubled."""

import asyncio
import os
import subprocess
from pathlib import Path

from tests.e2e.conftest import System
from tests.e2e.test_saga import dispatched, report, reservations

REPO = Path(__file__).resolve().parents[2]


async def test_parts_killed_right_after_reports_still_reserves_each_fault_exactly_once(
    system: System,
) -> None:
    faults = await asyncio.gather(*(report(system) for _ in range(8)))
    parts = system.services["parts"]
    parts.kill_hard()  # some of the eight are mid-flight: consumed, not yet committed
    parts.start()
    await parts.wait_ready()

    for fault in faults:
        await dispatched(system, fault["id"], timeout=30)
        assert len(await reservations(system, fault["id"])) == 1


def kafka(command: str) -> None:
    # deploy/local/test.sh exported the test broker's ports and data directory.
    subprocess.run([str(REPO / "deploy/kafka/kafka.sh"), command], check=True,
                   env=os.environ.copy(), timeout=180)


async def test_a_fault_reported_while_the_broker_is_down_flows_once_it_is_back(
    system: System,
) -> None:
    await asyncio.to_thread(kafka, "stop")
    try:
        fault = await report(system)  # the outbox keeps it; the depot gets its 201
        await asyncio.sleep(2)
        async with system.client("intake") as intake:
            assert (await intake.get(f"/v1/faults/{fault['id']}")).json()["status"] == "reported"
    finally:
        await asyncio.to_thread(kafka, "start")

    shown = await dispatched(system, fault["id"], timeout=90)
    assert len(await reservations(system, fault["id"])) == 1
    assert shown["assignment"]["technician_id"]
