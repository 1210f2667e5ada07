"""Simulated depots: report faults open loop at a fixed rate, cancel the ones their scenario
withdraws. A report is resent with the same `external_id` until it is answered."""

import asyncio
import logging
import random
import time

import httpx

from tests.chaos.journeys import Journey, Journeys
from tests.chaos.plan import ChaosPlan, Outcome
from tests.chaos.resilient import GaveUp, send
from tests.chaos.site import NO_STOCK_PART, PART, depot_site
from tests.support.services import token

log = logging.getLogger(__name__)
# Faults being reported or cancelled at once: bounds the harness's own load on the machine.
IN_FLIGHT = 200


def fault_card(journey: Journey) -> dict[str, object]:
    site_code, lat, lon = depot_site(journey.depot_id)
    part = NO_STOCK_PART if journey.outcome is Outcome.BACKORDERED else PART
    return {
        "depot_id": journey.depot_id,
        "vehicle_number": f"C70-{journey.index % 997:04d}",
        "vehicle_model": "C70",
        "reporter": {"name": "值班员", "phone": "+86 10 5555 0101"},
        "description": f"chaos fault {journey.index}: brake does not release",
        "location": {"site_code": site_code, "lat": lat, "lon": lon},
        "system": "brake",
        "can_run": journey.index % 3 == 0,  # a third class C, the rest class B
        "repairable_on_site": True,
        "suspected_parts": [{"part_number": part, "qty": 1}],
        "external_id": journey.external_id,
    }


async def report_all(intake_url: str, plan: ChaosPlan, journeys: Journeys,
                     deadline: float) -> None:
    """Offer `plan.faults` faults at `plan.rate_per_second`, each on its own schedule (open
    loop: a slow answer does not delay the next report)."""
    clients = {depot: httpx.AsyncClient(base_url=intake_url, timeout=10.0,
                                        headers=token("depot", depot_id=depot))
               for depot in journeys.depots}
    slots = asyncio.Semaphore(IN_FLIGHT)
    tasks: list[asyncio.Task[None]] = []
    began = time.monotonic()
    try:
        for index in range(plan.faults):
            await asyncio.sleep(max(0.0, began + index / plan.rate_per_second - time.monotonic()))
            journey = journeys.offer(index)
            await slots.acquire()
            task = asyncio.create_task(_report(clients[journey.depot_id], journey, journeys,
                                               deadline))
            task.add_done_callback(lambda _: slots.release())
            tasks.append(task)
        await asyncio.gather(*tasks)
    finally:
        for client in clients.values():
            await client.aclose()


async def _report(depot: httpx.AsyncClient, journey: Journey, journeys: Journeys,
                  deadline: float) -> None:
    try:
        answer = await send(depot, "POST", "/v1/faults", deadline, json=fault_card(journey))
        if answer.status_code not in (200, 201):
            journeys.anomalies.append(f"report {journey.external_id}: {answer.status_code} "
                                      f"{answer.text[:200]}")
            return
        journeys.accepted(journey, answer.json()["id"])
        if journey.outcome is Outcome.CANCELLED:
            await asyncio.sleep(random.uniform(0.2, 3.0))
            await _cancel(depot, journey, journeys, deadline)
    except GaveUp as exc:
        journeys.anomalies.append(f"report {journey.external_id}: {exc}")


async def _cancel(depot: httpx.AsyncClient, journey: Journey, journeys: Journeys,
                  deadline: float) -> None:
    answer = await send(depot, "POST", f"/v1/faults/{journey.fault_id}/cancel", deadline,
                        json={"reason": "chaos: the depot fixed it itself"})
    if answer.status_code == 200:
        journey.worked = True
    else:
        journeys.anomalies.append(f"cancel {journey.fault_id}: {answer.status_code} "
                                  f"{answer.text[:200]}")
