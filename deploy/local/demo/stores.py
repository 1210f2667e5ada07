"""The storekeeper: approves and issues a fault's reserved lines before the engineer sets off,
and takes in a supplier's delivery for whatever is on backorder, so the demo never runs dry."""

import asyncio
import time
import uuid
from collections import Counter
from typing import Any

import httpx

from demo.api import send
from demo.tally import Tally
from demo.world import HOME_BIN

# How long an engineer waits at the counter for a fault's parts to be reserved (the job can be
# assigned before the reservation, or the part be on backorder until the next delivery).
PARTS_WAIT_SECONDS = 10.0
DELIVERY_INTERVAL_SECONDS = 5.0
# Delivered on top of what the backorders need, as a supplier rounds up an order.
DELIVERY_MARGIN = 2
STEPS_TO_ISSUE = {"reserved": ("approve", "issue"), "approved": ("issue",), "issued": ()}


class Storekeeper:
    def __init__(self, store: httpx.AsyncClient, tally: Tally) -> None:
        self.store = store
        self.tally = tally

    async def hand_over(self, fault_id: str, expects_parts: bool) -> list[dict[str, Any]]:
        """Approve and issue the fault's lines; the parts the engineer takes (as parts_used)."""
        give_up_at = time.monotonic() + (PARTS_WAIT_SECONDS if expects_parts else 0.0)
        while True:
            answer = await send(self.store, self.tally, "GET", "/v1/reservations",
                                params={"fault_id": fault_id, "limit": 100})
            items = answer.json()["items"] if answer.status_code == 200 else []
            lines = [line for line in items if line["status"] in STEPS_TO_ISSUE]
            if lines or time.monotonic() >= give_up_at or await self._held_back(fault_id):
                break
            await asyncio.sleep(1.0)
        taken: Counter[str] = Counter()
        for line in lines:
            issued = await self._issue(line)
            if issued:
                taken[line["part_number"]] += line["qty"]
        return [{"part_number": part, "qty": qty} for part, qty in taken.items()]

    async def _held_back(self, fault_id: str) -> bool:
        """Whether the stock policy keeps the fault's parts back (emergency spares are for
        classes A and B): no delivery brings them, so nobody waits for them."""
        answer = await send(self.store, self.tally, "GET", "/v1/backorders",
                            params={"fault_id": fault_id, "status": "open"})
        return answer.status_code == 200 and any(
            backorder["reason"] for backorder in answer.json()["items"])

    async def _issue(self, line: dict[str, Any]) -> bool:
        """Approve the line if it is only reserved, then issue it; True once it is issued."""
        steps = STEPS_TO_ISSUE[line["status"]]
        for step in steps:
            answer = await send(self.store, self.tally, "POST",
                                f"/v1/reservations/{line['id']}/{step}")
            if answer.status_code != 200:
                self.tally.note(f"storekeeper {step}: {answer.status_code} {answer.text}")
                return False
        if steps:
            self.tally.lines_issued += 1
        return True

    async def take_deliveries(self) -> None:
        """Every few seconds, receive what the open shortages wait for into the part's home
        bin, once per backorder."""
        delivered_for: set[str] = set()
        while True:
            answer = await send(self.store, self.tally, "GET", "/v1/backorders",
                                params={"status": "open", "limit": 500})
            waiting: Counter[str] = Counter()
            if answer.status_code == 200:
                for backorder in answer.json()["items"]:
                    # A backorder with a reason is a policy hold, not a shortage.
                    if backorder["reason"] is None and backorder["id"] not in delivered_for:
                        delivered_for.add(backorder["id"])
                        waiting[backorder["part_number"]] += backorder["outstanding"]
            for part, qty in waiting.items():
                if part in HOME_BIN and qty > 0:
                    await self._receive(part, qty + DELIVERY_MARGIN)
            await asyncio.sleep(DELIVERY_INTERVAL_SECONDS)

    async def _receive(self, part: str, qty: int) -> None:
        warehouse, bin_ = HOME_BIN[part]
        note = f"demo-delivery-{uuid.uuid4().hex[:12]}"
        # The same key on a retry: one delivery, however often it is sent.
        answer = await send(self.store, self.tally, "POST", "/v1/stock/receipts",
                            headers={"Idempotency-Key": note},
                            json={"warehouse": warehouse, "bin": bin_, "part_number": part,
                                  "qty": qty, "reference": note})
        if answer.status_code == 201:
            self.tally.units_delivered += qty
        else:
            self.tally.note(f"delivery of {part}: {answer.status_code} {answer.text}")
