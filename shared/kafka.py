"""Kafka clients with the project's safe defaults."""

import asyncio
from collections.abc import Awaitable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from shared.settings import ServiceSettings

T = TypeVar("T")


async def bounded(awaitable: Awaitable[T], timeout: float) -> T:
    """Await with a deadline: aiokafka calls can wait forever while the broker is down."""
    return await asyncio.wait_for(awaitable, timeout)


def make_producer(settings: ServiceSettings) -> AIOKafkaProducer:
    # Idempotence implies acks=all and keeps per-partition order across retries.
    return AIOKafkaProducer(
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=f"fleetcare-{settings.service_name}",
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        request_timeout_ms=int(settings.kafka_timeout_seconds * 1000),
    )


def make_consumer(settings: ServiceSettings, group: str, topics: list[str]) -> AIOKafkaConsumer:
    # Offsets are committed by hand after the database commit, never automatically.
    return AIOKafkaConsumer(
        *topics,
        bootstrap_servers=settings.kafka_bootstrap,
        client_id=f"fleetcare-{settings.service_name}",
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        request_timeout_ms=int(settings.kafka_timeout_seconds * 1000) + 30000,
        max_poll_records=200,
    )
