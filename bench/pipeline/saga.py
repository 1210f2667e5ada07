"""Saga latency at a fixed offered rate: faults are POSTed on a fixed schedule (a slow answer
delays nothing after it), and a group-less consumer on fleetcare.dispatch and fleetcare.parts
notes when each fault's first `dispatch.assigned` and `parts.reserved` arrive. Latency runs
from the scheduled send time, so time the generator itself lost counts against FleetCare,
never for it (no coordinated omission)."""

import asyncio
import json
import math
import time
from collections import Counter
from typing import Any

from aiokafka import AIOKafkaConsumer

from bench.pipeline import infra
from bench.pipeline.http import Connection, build_request
from bench.pipeline.stats import INF, schedule, summary, sustained, thirds
from bench.pipeline.world import DEPOTS, bearer, fault_card

# Reports awaiting an answer at most: past it a due report is shed (counted, never sent), so
# that an intake far slower than the offered rate does not drown in connections.
MAX_IN_FLIGHT = 500
WATCHED = {"fleetcare.dispatch": "dispatch.assigned", "fleetcare.parts": "parts.reserved"}


class Observer:
    """First arrival (perf_counter) of each watched event type, per fault id."""

    def __init__(self) -> None:
        self.arrivals: dict[str, dict[str, float]] = {}
        self._consumer = AIOKafkaConsumer(bootstrap_servers=infra.BOOTSTRAP, group_id=None,
                                          enable_auto_commit=False)
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self._consumer.start()
        self._consumer.assign(await infra.partitions(list(WATCHED)))
        await self._consumer.seek_to_end()
        for tp in self._consumer.assignment():
            await self._consumer.position(tp)
        self._task = asyncio.create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            batch = await self._consumer.getmany(timeout_ms=100)
            now = time.perf_counter()
            for tp, records in batch.items():
                wanted = WATCHED[tp.topic]
                for record in records:
                    if record.key is None or record.value is None:
                        continue
                    if json.loads(record.value).get("type") == wanted:
                        self.arrivals.setdefault(record.key.decode(), {}).setdefault(wanted, now)

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._consumer.stop()


class Depots:
    """POSTs faults on a schedule over a pool of keep-alive connections (a new one whenever
    all are busy, so a slow answer never holds back the next report)."""

    def __init__(self) -> None:
        self.port = infra.PORTS["intake"]
        self.tokens = {depot: bearer("depot", depot) for depot in DEPOTS}
        self.idle: list[Connection] = []
        self.fault_ids: dict[int, str] = {}
        self.answered: dict[int, float] = {}
        self.statuses: Counter[int] = Counter()
        self.errors = 0
        self.in_flight = 0
        self.shed = 0

    async def report(self, index: int) -> None:
        if self.in_flight >= MAX_IN_FLIGHT:
            self.shed += 1
            return
        self.in_flight += 1
        try:
            await self._report(index)
        finally:
            self.in_flight -= 1

    async def _report(self, index: int) -> None:
        depot = DEPOTS[index % len(DEPOTS)]
        request = build_request(self.port, "POST", "/v1/faults", fault_card(depot, index),
                                self.tokens[depot])
        connection = self.idle.pop() if self.idle else Connection(self.port)
        try:
            status, body = await connection.send(request)
        except (OSError, TimeoutError, asyncio.IncompleteReadError):
            self.errors += 1
            return
        self.idle.append(connection)
        self.answered[index] = time.perf_counter()
        self.statuses[status] += 1
        if status == 201:
            self.fault_ids[index] = json.loads(body)["id"]

    async def close(self) -> None:
        await asyncio.gather(*(c.close() for c in self.idle))


async def run_rate(rate: float, seconds: float, drain_seconds: float) -> dict[str, Any]:
    """One offered rate on a running stack; returns its figures and raw latencies."""
    observer, depots = Observer(), Depots()
    await observer.start()
    plan = schedule(rate, seconds)
    lag_start, events_start = await infra.group_lag("dispatch"), await infra.events_appended()
    tasks: list[asyncio.Task[None]] = []
    began = time.perf_counter()
    for index, due in enumerate(plan):
        await asyncio.sleep(max(0.0, began + due - time.perf_counter()))
        tasks.append(asyncio.create_task(depots.report(index)))
    window = time.perf_counter() - began
    lag_end, events_end = await infra.group_lag("dispatch"), await infra.events_appended()
    await asyncio.gather(*tasks)
    drained_at = time.perf_counter() + drain_seconds
    while time.perf_counter() < drained_at and not _all_seen(depots, observer):  # noqa: ASYNC110
        await asyncio.sleep(0.2)  # polled: the observer's task has no event to signal
    await observer.stop()
    await depots.close()
    return _figures(rate, window, plan, began, depots, observer, (lag_start, lag_end),
                    (events_end - events_start) / window)


def _all_seen(depots: Depots, observer: Observer) -> bool:
    return all(len(observer.arrivals.get(fid, {})) == len(WATCHED)
               for fid in depots.fault_ids.values())


def _figures(rate: float, window: float, plan: list[float], began: float, depots: Depots,
             observer: Observer, lags: tuple[int, int], events_per_second: float
             ) -> dict[str, Any]:
    latencies: dict[str, list[float]] = {event: [] for event in WATCHED.values()}
    in_window: Counter[str] = Counter()
    for index in sorted(depots.fault_ids):
        seen = observer.arrivals.get(depots.fault_ids[index], {})
        for event, values in latencies.items():
            values.append(seen[event] - (began + plan[index]) if event in seen else INF)
            in_window[event] += event in seen and seen[event] <= began + window
    post = [depots.answered[i] - (began + plan[i]) for i in sorted(depots.answered)]
    assigned = latencies["dispatch.assigned"]
    first_p50, last_p50 = thirds(assigned)
    missing = sum(1 for v in assigned if math.isinf(v))
    accepted = len(depots.fault_ids)
    return {
        "offered_per_second": rate, "seconds": window, "sent": len(plan), "accepted": accepted,
        "statuses": {str(k): v for k, v in sorted(depots.statuses.items())},
        "transport_errors": depots.errors, "shed_by_generator": depots.shed,
        "accepted_per_second": accepted / window,
        "assigned_per_second_in_window": in_window["dispatch.assigned"] / window,
        "reserved_per_second_in_window": in_window["parts.reserved"] / window,
        "fleetcare_events_per_second": events_per_second,
        "post_latency_s": summary(post),
        "assigned_latency_s": summary(assigned),
        "reserved_latency_s": summary(latencies["parts.reserved"]),
        "missing_assigned": missing,
        "missing_reserved": sum(1 for v in latencies["parts.reserved"] if math.isinf(v)),
        "dispatch_lag_start": lags[0], "dispatch_lag_end": lags[1],
        "assigned_p50_first_third_s": first_p50, "assigned_p50_last_third_s": last_p50,
        # Shed, failed and refused reports count like unassigned ones.
        "sustained": sustained(rate, lags[0], lags[1], first_p50, last_p50,
                               missing + len(plan) - accepted),
        "latencies_ms": {event: [round(v * 1000, 2) for v in values if not math.isinf(v)]
                         for event, values in latencies.items()},
    }
