"""Closed-loop load: N connections, each sending its next request as soon as the last one is
answered, spread over several generator processes so that the generator is not what limits
the figure. Each process reports its own CPU time."""

import asyncio
import json
import multiprocessing
import time
from collections import Counter
from dataclasses import dataclass, field

from bench.pipeline.http import Connection
from bench.pipeline.stats import summary


@dataclass
class Load:
    port: int
    requests: list[bytes]  # connection i sends requests[i % len(requests)]
    connections: int
    seconds: float
    batch: bool  # a 207 counts the faults it created, a 201 counts one
    # A request unanswered after this is a transport error (a batch of 500 may take long).
    timeout: float = 120.0


@dataclass
class Outcome:
    """What the generators saw: accepted faults, answers by status, the request latencies, and
    the generators' own CPU time (seconds, all processes)."""

    seconds: float = 0.0
    accepted: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    cpu_seconds: float = 0.0

    def merge(self, other: "Outcome") -> None:
        self.seconds = max(self.seconds, other.seconds)
        self.accepted += other.accepted
        self.statuses += other.statuses
        self.latencies += other.latencies
        self.errors += other.errors
        self.cpu_seconds += other.cpu_seconds

    def figures(self) -> dict[str, object]:
        return {"seconds": self.seconds, "accepted": self.accepted,
                "accepted_per_second": self.accepted / self.seconds if self.seconds else 0.0,
                "requests_per_second": sum(self.statuses.values()) / self.seconds
                if self.seconds else 0.0,
                "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
                "transport_errors": self.errors, "request_latency_s": summary(self.latencies),
                "generator_cpu_seconds": self.cpu_seconds,
                "generator_cores": self.cpu_seconds / self.seconds if self.seconds else 0.0}


def accepted_by(status: int, body: bytes, batch: bool) -> int:
    if batch:
        return int(json.loads(body)["created"]) if status == 207 else 0
    return 1 if status == 201 else 0


async def _connection(load: Load, index: int, until: float, out: Outcome) -> None:
    connection = Connection(load.port)
    request = load.requests[index % len(load.requests)]
    try:
        while time.monotonic() < until:
            began = time.monotonic()
            try:
                status, body = await connection.send(request, load.timeout)
            except (OSError, TimeoutError, asyncio.IncompleteReadError):
                out.errors += 1
                await asyncio.sleep(0.1)
                continue
            out.latencies.append(time.monotonic() - began)
            out.statuses[status] += 1
            out.accepted += accepted_by(status, body, load.batch)
    finally:
        await connection.close()


async def _generate(load: Load, indices: range, start_at: float) -> Outcome:
    await asyncio.sleep(max(0.0, start_at - time.time()))
    out = Outcome()
    cpu, began = time.process_time(), time.monotonic()
    until = began + load.seconds
    await asyncio.gather(*(_connection(load, i, until, out) for i in indices))
    out.seconds = time.monotonic() - began  # the last answers arrive a little after `until`
    out.cpu_seconds = time.process_time() - cpu
    return out


def _worker(load: Load, indices: range, start_at: float) -> Outcome:
    return asyncio.run(_generate(load, indices, start_at))


def run(load: Load, processes: int) -> Outcome:
    """Blocks for the duration (call it in a thread from async code)."""
    processes = max(1, min(processes, load.connections))
    shares = [range(p, load.connections, processes) for p in range(processes)]
    # Spawned, not forked: the caller runs an event loop and threads.
    context = multiprocessing.get_context("spawn")
    start_at = time.time() + 5.0  # every process has started and imported by then
    with context.Pool(processes) as pool:
        parts = pool.starmap(_worker, [(load, share, start_at) for share in shares])
    total = Outcome()
    for part in parts:
        total.merge(part)
    return total
