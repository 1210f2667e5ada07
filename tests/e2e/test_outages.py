"""A broker outage: intake keeps accepting, readiness says Kafka is down while the requests are
still served, the backlog shows on /metrics, and everything drains once the broker is back."""

import asyncio
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_resilience import kafka
from tests.e2e.test_saga import dispatched, jobs_for, report, reservations
from tests.support.metrics import Samples, scrape, total
from tests.support.polling import eventually

SERVICES = ("intake", "parts", "dispatch", "quality")
FAULTS = 4


async def restock(system: System, faults: int) -> None:
    """Beijing receives a brake valve per fault a test will report: the session's seeded stock
    is for the other tests."""
    async with system.client("parts") as parts:
        (await parts.post("/v1/stock/receipts", json={
            "warehouse": "BJ", "bin": "A-01-01", "part_number": "BRK-VALVE-01", "qty": faults,
        })).raise_for_status()


async def readiness(
    system: System, service: str, require: str = "all"
) -> tuple[int, dict[str, Any]]:
    async with system.client(service) as client:
        response = await client.get("/readyz", params={"require": require}, headers={})
    return response.status_code, response.json()


async def test_while_the_broker_is_down_faults_are_accepted_readiness_degrades_and_all_drains(
    system: System,
) -> None:
    await restock(system, FAULTS)
    await asyncio.to_thread(kafka, "stop")
    try:
        faults = [await report(system) for _ in range(FAULTS)]  # each a 201

        async def every_service_degraded() -> bool:
            # The contract's /readyz: 503 naming Kafka; a load balancer's (database only): 200.
            answers = [await readiness(system, name) for name in SERVICES]
            balancers = [await readiness(system, name, "database") for name in SERVICES]
            unreachable = {"database": "ok", "kafka": "unreachable"}
            return all(
                status == 503 and body["checks"] == unreachable for status, body in answers
            ) and all(
                status == 200 and body["status"] == "degraded" and body["checks"] == unreachable
                for status, body in balancers
            )

        # A probe every FLEETCARE_KAFKA_TIMEOUT_SECONDS (5), each bounded by as much.
        await eventually(every_service_degraded, timeout=20, interval=0.5,
                         what="every service reporting Kafka unreachable")
        async with system.client("intake") as intake:

            async def backlog_shown() -> Samples | None:
                # Set at the relay's last look: one try to publish takes up to the timeout.
                samples = await scrape(intake)
                pending = total(samples, "fleetcare_outbox_pending", service="intake")
                return samples if pending >= FAULTS else None

            samples = await eventually(backlog_shown, timeout=20, interval=0.5,
                                       what="intake's outbox backlog on /metrics")
        assert total(samples, "fleetcare_outbox_oldest_pending_age_seconds",
                     service="intake") > 0
        assert total(samples, "fleetcare_ready", service="intake", dependency="kafka") == 0
        assert total(samples, "fleetcare_ready", service="intake", dependency="database") == 1
        async with system.client("intake") as intake:
            for fault in faults:
                shown = (await intake.get(f"/v1/faults/{fault['id']}")).json()
                assert shown["status"] == "reported"
    finally:
        await asyncio.to_thread(kafka, "start")

    for fault in faults:
        await dispatched(system, fault["id"], timeout=90)
        assert len(await reservations(system, fault["id"])) == 1
        assert len(await jobs_for(system, fault["id"])) == 1

    async def every_service_ready() -> bool:
        answers = [await readiness(system, name) for name in SERVICES]
        return all(status == 200 and body["status"] == "ready" for status, body in answers)

    await eventually(every_service_ready, timeout=30, interval=0.5,
                     what="every service ready again")
    async with system.client("intake") as intake:

        async def drained() -> bool:
            # The gauge is set at the relay's last look: one after the backlog went out.
            return total(await scrape(intake), "fleetcare_outbox_pending", service="intake") == 0

        await eventually(drained, timeout=15, interval=0.5, what="intake's outbox drained")
