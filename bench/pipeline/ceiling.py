"""The ceilings FleetCare is compared with, measured on the same broker and PostgreSQL in the
same run: raw aiokafka produce -> consume of fault.reported-sized messages keyed like fault ids,
and a bare FastAPI endpoint writing one row per request."""

import asyncio
import contextlib
import multiprocessing
import time
import uuid
from datetime import timedelta
from multiprocessing.queues import Queue
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from bench.pipeline import closed_loop, infra
from bench.pipeline.http import build_request
from bench.pipeline.stats import schedule, summary
from bench.pipeline.world import DEPOTS, fault_card
from shared.events import Envelope, EventType, FaultReported, utcnow

TOPIC = "bench.ceiling"
BARE_PORT = 18405
# Outstanding sends of the flat-out producer: enough to fill batches, bounded in memory.
IN_FLIGHT = 5000


def fault_reported(fault_id: str) -> Envelope:
    """A fault.reported envelope as intake publishes it for the benchmark's fault card."""
    card = fault_card(DEPOTS[0], 123456)
    now = utcnow()
    data = FaultReported(fault_id=fault_id, number="FR-20260101-123456", severity="B",
                         reported_at=now, onsite_due=now + timedelta(hours=8),
                         **{k: card[k] for k in ("depot_id", "vehicle_number", "vehicle_model",
                                                 "description", "system", "location",
                                                 "suspected_parts")})
    return Envelope(type=EventType.FAULT_REPORTED, source="intake", subject=fault_id,
                    correlation_id=fault_id, data=data.model_dump(mode="json"))


def producer() -> AIOKafkaProducer:
    # The outbox relay's settings (shared/kafka.py): idempotent, acks=all, linger 2 ms.
    return AIOKafkaProducer(bootstrap_servers=infra.BOOTSTRAP, enable_idempotence=True,
                            acks="all", linger_ms=2)


async def _partitions() -> list[TopicPartition]:
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.BOOTSTRAP)
    await admin.start()
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            await admin.create_topics([NewTopic(TOPIC, 6, 1)])
    finally:
        await admin.close()
    return [TopicPartition(TOPIC, p) for p in range(6)]


async def _observer() -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(bootstrap_servers=infra.BOOTSTRAP, group_id=None,
                                enable_auto_commit=False)
    await consumer.start()
    consumer.assign(await _partitions())
    await consumer.seek_to_end()
    for tp in consumer.assignment():
        await consumer.position(tp)  # resolve "end" now, before anything is produced
    return consumer


async def _count(ready: Any, results: "Queue[tuple[int, float, float]]", idle: float) -> None:
    consumer = await _observer()
    ready.set()
    count, first, last, started = 0, 0.0, 0.0, time.time()
    try:
        while True:
            batch = await consumer.getmany(timeout_ms=500, max_records=5000)
            now = time.time()
            got = sum(len(records) for records in batch.values())
            if got:
                first = first or now
                count, last = count + got, now
            elif (count and now - last > idle) or (not count and now - started > 120):
                break
    finally:
        await consumer.stop()
    results.put((count, first, last))


def _consumer_process(ready: Any, results: "Queue[tuple[int, float, float]]") -> None:
    asyncio.run(_count(ready, results, idle=3.0))


async def kafka_throughput(seconds: float) -> dict[str, Any]:
    """Produce flat out for `seconds` while another process consumes; messages/s is what was
    consumed over first send -> last arrival."""
    await _partitions()
    context = multiprocessing.get_context("spawn")
    ready, results = context.Event(), context.Queue()
    consumer = context.Process(target=_consumer_process, args=(ready, results))
    consumer.start()
    await asyncio.to_thread(ready.wait, 120)
    envelope = fault_reported(str(uuid.uuid4()))
    value = envelope.to_bytes()
    sender = producer()
    await sender.start()
    sent, began = 0, time.time()
    try:
        pending: list[asyncio.Future[Any]] = []
        while time.time() - began < seconds:
            key = str(uuid.uuid4())
            pending.append(await sender.send(TOPIC, value=value, key=key.encode()))
            sent += 1
            if len(pending) >= IN_FLIGHT:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        produced = time.time() - began
    finally:
        await sender.stop()
    count, _, last = await asyncio.to_thread(results.get, True, 180)
    consumer.join(30)
    return {"value_bytes": len(value), "key_bytes": 36, "sent": sent,
            "produce_per_second": sent / produced, "consumed": count,
            "messages_per_second": count / (last - began) if last > began else 0.0}


async def kafka_latency(rate: float, seconds: float) -> dict[str, Any]:
    """Open loop at `rate` messages/s; latency send -> arrival at a group-less consumer."""
    consumer = await _observer()
    sender = producer()
    await sender.start()
    sent_at: dict[bytes, float] = {}
    latencies: list[float] = []
    plan = schedule(rate, seconds)

    async def observe() -> None:
        while len(latencies) < len(plan):
            batch = await consumer.getmany(timeout_ms=200)
            now = time.perf_counter()
            latencies.extend(now - sent_at[r.key] for records in batch.values() for r in records
                             if r.key in sent_at)

    value = fault_reported(str(uuid.uuid4())).to_bytes()
    watcher = asyncio.create_task(observe())
    try:
        began = time.perf_counter()
        for due in plan:
            await asyncio.sleep(max(0.0, began + due - time.perf_counter()))
            key = str(uuid.uuid4()).encode()
            sent_at[key] = began + due  # from the scheduled time, as for the saga
            await sender.send(TOPIC, value=value, key=key)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(watcher), 30)
    finally:
        watcher.cancel()
        await sender.stop()
        await consumer.stop()
    return {"rate": rate, "latency_s": summary(latencies), "missing": len(plan) - len(latencies)}


async def bare_http(seconds: float, connections: int, processes: int,
                    log_dir: Path) -> dict[str, Any]:
    """Rows/s of the bare FastAPI + PostgreSQL app under the intake generator's load."""
    url = await infra.create_database("fleetcare_bench_bare")
    env = {"BENCH_DATABASE_URL": url.replace("postgresql+asyncpg://", "postgresql://")}
    process = infra.uvicorn("bench.pipeline.bare_app:create_app", BARE_PORT, env,
                            log_dir / "bare.log")
    try:
        await _wait_up(process)
        requests = [build_request(BARE_PORT, "POST", "/rows", fault_card(depot, i), "none")
                    for i, depot in enumerate(DEPOTS)]
        load = closed_loop.Load(BARE_PORT, requests, connections, seconds, batch=False)
        outcome = await asyncio.to_thread(closed_loop.run, load, processes)
    finally:
        infra.stop_process(process)
        await infra.drop_database(url)
    return outcome.figures()


async def _wait_up(process: Any) -> None:
    for _ in range(240):
        if process.poll() is not None:
            raise RuntimeError("the bare FastAPI app exited (see bare.log)")
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", BARE_PORT)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.5)
    raise RuntimeError("the bare FastAPI app did not start")
