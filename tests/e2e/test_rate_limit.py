"""Intake's per-client rate limit on a process of its own, started with a low limit (the shared
system's intake keeps the default, which the volume tests stay under): a burst over the limit
gets 429 with Retry-After, nothing refused is stored, and after Retry-After it is admitted."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import fault_card
from tests.support.databases import create_database, drop_database
from tests.support.env import kafka_bootstrap
from tests.support.services import ServiceProcess, token

PORT = 18111
BURST = 4
# One fault every 10 s after the burst: the test's requests all fall within one refill.
LIMITS = {"FLEETCARE_RATE_LIMIT_PER_MINUTE": "6", "FLEETCARE_RATE_LIMIT_BURST": str(BURST),
          # Not a member of the shared system's consumer group: it only takes reports.
          "FLEETCARE_RUN_CONSUMERS": "false"}
BJ = token("depot", depot_id="D-BJ")
GZ = token("depot", depot_id="D-GZ")


@pytest.fixture(scope="module")
async def throttled(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[str]:
    """The base URL of an intake process with a burst of 4 and 6 faults a minute."""
    url = await create_database("fleetcare_e2e_rate_limit")
    intake = ServiceProcess("intake", PORT, url, kafka_bootstrap(),
                            tmp_path_factory.mktemp("rate-limit-logs"), extra_env=LIMITS)
    intake.start()
    try:
        await intake.wait_ready()
        yield intake.url
    finally:
        intake.stop()
        await drop_database(url)


def card(depot: str, vehicle: str) -> dict[str, Any]:
    # A system no engineer is certified for and no parts: nothing downstream is kept busy.
    return fault_card(depot_id=depot, vehicle_number=vehicle, suspected_parts=[],
                      system="interior")


async def stored(client: httpx.AsyncClient, vehicle: str) -> int:
    page = await client.get("/v1/faults", params={"vehicle_number": vehicle, "limit": 500})
    assert page.status_code == 200, page.text
    return len(page.json()["items"])


async def test_a_burst_over_the_limit_is_refused_stores_nothing_and_waits_its_turn(
    throttled: str,
) -> None:
    vehicle = f"C70-{uuid.uuid4().hex[:8]}"
    async with httpx.AsyncClient(base_url=throttled, headers=BJ, timeout=10) as bj:
        batch = await bj.post("/v1/faults:batch",
                              json={"faults": [card("D-BJ", vehicle) for _ in range(3)]})
        singles = [await bj.post("/v1/faults", json=card("D-BJ", vehicle)) for _ in range(4)]
        too_big = await bj.post("/v1/faults:batch",
                                json={"faults": [card("D-BJ", vehicle) for _ in range(2)]})

        assert batch.status_code == 207 and batch.json()["created"] == 3, batch.text
        statuses = [r.status_code for r in singles]
        assert statuses[0] == 201 and set(statuses[1:]) == {429}, statuses
        assert too_big.status_code == 429
        refused = singles[-1]
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["status"] == 429
        retry_after = int(refused.headers["retry-after"])
        assert 1 <= retry_after <= 10
        assert await stored(bj, vehicle) == 3 + 1

        # Another depot has its own bucket.
        async with httpx.AsyncClient(base_url=throttled, headers=GZ, timeout=10) as gz:
            other = await gz.post("/v1/faults", json=card("D-GZ", vehicle))
        assert other.status_code == 201, other.text

        await asyncio.sleep(retry_after)
        admitted = await bj.post("/v1/faults", json=card("D-BJ", vehicle))
        assert admitted.status_code == 201, admitted.text
        assert await stored(bj, vehicle) == 3 + 1 + 1
