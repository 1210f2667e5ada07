"""Intake throughput: closed-loop single POSTs or batches on a running stack, then the check
that every accepted fault reaches `dispatched` (read from intake's own database)."""

import asyncio
import contextlib
import time
from typing import Any

import asyncpg

from bench.pipeline import closed_loop, infra
from bench.pipeline.http import build_request
from bench.pipeline.world import DEPOTS, bearer, fault_card

# Statuses at or past `dispatched` (the benchmark's engineers never move a job further).
DISPATCHED_OR_LATER = ("dispatched", "en_route", "on_site", "resolved", "closed")


def requests(connections: int, batch_size: int) -> list[bytes]:
    """One request per connection, each from one depot (its own token); a batch of
    `batch_size` cards when batch_size > 0, else a single card."""
    port = infra.PORTS["intake"]
    built = []
    for index in range(connections):
        depot = DEPOTS[index % len(DEPOTS)]
        token = bearer("depot", depot)
        if batch_size:
            body = {"faults": [fault_card(depot, index * batch_size + j)
                               for j in range(batch_size)]}
            built.append(build_request(port, "POST", "/v1/faults:batch", body, token))
        else:
            built.append(build_request(port, "POST", "/v1/faults", fault_card(depot, index),
                                       token))
    return built


async def statuses(database_url: str) -> dict[str, int]:
    conn = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        rows = await conn.fetch("SELECT status, count(*) AS n FROM intake_fault GROUP BY status")
    finally:
        await conn.close()
    return {row["status"]: row["n"] for row in rows}


async def lock_waits(database_url: str, stop: asyncio.Event) -> dict[str, float]:
    """Once a second: intake's database sessions running a statement, and those of them
    waiting for a lock (by wait event), averaged over the load."""
    name = database_url.rsplit("/", 1)[1]
    conn = await asyncpg.connect(f"{infra.PG_SERVER}/{name}")
    samples: list[tuple[int, int]] = []
    try:
        while not stop.is_set():
            row = await conn.fetchrow(
                "SELECT count(*) FILTER (WHERE state = 'active') AS active, "
                "count(*) FILTER (WHERE wait_event_type = 'Lock') AS waiting "
                "FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()", name)
            samples.append((row["active"], row["waiting"]))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)
    finally:
        await conn.close()
    count = max(len(samples), 1)
    return {"active_sessions_mean": sum(a for a, _ in samples) / count,
            "sessions_waiting_for_a_lock_mean": sum(w for _, w in samples) / count}


async def run(stack: infra.Stack, seconds: float, connections: int, batch_size: int,
              processes: int, drain_seconds: float) -> dict[str, Any]:
    load = closed_loop.Load(infra.PORTS["intake"], requests(connections, batch_size),
                            connections, seconds, batch=batch_size > 0)
    events_start = await infra.events_appended()
    stop = asyncio.Event()
    waits = asyncio.create_task(lock_waits(stack.database_urls["intake"], stop))
    outcome = await asyncio.to_thread(closed_loop.run, load, processes)
    stop.set()
    events_end = await infra.events_appended()
    figures = outcome.figures() | await waits | {
        "connections": connections, "batch_size": batch_size, "generator_processes": processes,
        "fleetcare_events_per_second": (events_end - events_start) / outcome.seconds,
    }
    return figures | await drain(stack.database_urls["intake"], outcome.accepted, drain_seconds)


async def drain(database_url: str, accepted: int, timeout: float) -> dict[str, Any]:
    """Wait (bounded) until every accepted fault is dispatched; how many were, and when."""
    began = time.monotonic()
    at_load_end = None
    while True:
        found = await statuses(database_url)
        dispatched = sum(found.get(s, 0) for s in DISPATCHED_OR_LATER)
        at_load_end = dispatched if at_load_end is None else at_load_end
        waited = time.monotonic() - began
        if dispatched >= accepted or waited >= timeout:
            break
        await asyncio.sleep(2.0)
    return {"faults_in_database": sum(found.values()), "dispatched": dispatched,
            "all_dispatched": dispatched >= accepted, "drain_seconds": waited,
            "drain_timeout_seconds": timeout, "statuses_after_drain": found,
            "dispatched_at_load_end": at_load_end,
            "dispatched_per_second_while_draining":
                (dispatched - at_load_end) / waited if waited else 0.0}
