"""Simulated depots: fault cards offered open loop at a fixed rate (a slow answer never delays
the next card), a small share withdrawn by the depot a few seconds later."""

import asyncio
import random
import time
from datetime import UTC, datetime

import httpx

from demo.api import GaveUp, send
from demo.tally import FaultTrack, Tally
from demo.world import Card, fault_card

# Cards being sent or cancelled at once: bounds the demo's own load when the system is slow.
IN_FLIGHT = 100


def due_at(index: int, rate: float) -> float:
    """Seconds after the start at which card `index` (from 0) is due: the schedule is fixed in
    advance, so a late answer does not push the later cards back (no coordinated omission)."""
    return index / rate


def cards_due(elapsed: float, rate: float) -> int:
    """How many cards the schedule has asked for by `elapsed` seconds after the start."""
    return 0 if elapsed < 0 else int(elapsed * rate) + 1


async def report_faults(depots: dict[str, httpx.AsyncClient], tally: Tally, rate: float,
                        cancel_share: float, rng: random.Random) -> None:
    """Send cards on schedule until cancelled (which cancels the cards still in flight)."""
    slots = asyncio.Semaphore(IN_FLIGHT)
    in_flight: set[asyncio.Task[None]] = set()
    began = time.monotonic()
    index = 0
    try:
        while True:
            await asyncio.sleep(max(0.0, began + due_at(index, rate) - time.monotonic()))
            card = fault_card(rng, datetime.now(UTC), cancel_share)
            await slots.acquire()
            task = asyncio.create_task(_report(depots[card.depot_id], card, tally))
            in_flight.add(task)
            task.add_done_callback(in_flight.discard)
            task.add_done_callback(lambda _: slots.release())
            index += 1
    finally:
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)


async def _report(depot: httpx.AsyncClient, card: Card, tally: Tally) -> None:
    tally.offered += 1
    sent_at = datetime.now(UTC)
    try:
        answer = await send(depot, tally, "POST", "/v1/faults", json=card.body)
    except GaveUp as exc:
        tally.failed += 1
        tally.note(f"gave up reporting: {exc}")
        return
    if answer.status_code not in (200, 201):
        tally.rejected += 1
        tally.note(f"card refused: {answer.status_code} {answer.text}")
        return
    tally.accepted += 1
    fault_id = answer.json()["id"]
    tally.faults[fault_id] = FaultTrack(fault_id, card.depot_id, sent_at,
                                        card.body.get("suspected_parts", []))
    if card.cancel_after is not None:
        await asyncio.sleep(card.cancel_after)
        await _cancel(depot, fault_id, tally)


async def _cancel(depot: httpx.AsyncClient, fault_id: str, tally: Tally) -> None:
    try:
        answer = await send(depot, tally, "POST", f"/v1/faults/{fault_id}/cancel",
                            json={"reason": "车辆已自行恢复 the crew got it going again"})
    except GaveUp as exc:
        tally.note(f"gave up cancelling: {exc}")
        return
    if answer.status_code == 200:
        tally.cancelled_by_depot += 1
        tally.faults[fault_id].moved_to("cancelled")
    elif answer.status_code == 409:  # already repaired: nothing to withdraw
        tally.cancel_too_late += 1
    else:
        tally.note(f"cancel refused: {answer.status_code} {answer.text}")
