"""Kafka clients with the project's safe defaults, and whether the broker answers."""

import asyncio
import logging
from collections.abc import Awaitable
from typing import TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.client import AIOKafkaClient

from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

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


class KafkaHealth:
    """Whether this service can use the broker: the broker answered the last metadata request
    (one every `kafka_timeout_seconds`) and the outbox relay has no failed publish outstanding.

    A consumer's poll is no such signal: aiokafka's `getmany` keeps returning empty batches
    while the broker is stopped. A metadata request is a round trip the broker must answer
    (a TCP connect alone would pass a broker that accepts connections but does not serve).
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self._probe_ok = False
        self._publish_ok = True

    @property
    def reachable(self) -> bool:
        return self._probe_ok and self._publish_ok

    def note_publish(self, ok: bool) -> None:
        """The outbox relay's last round: False when publishing failed, True when it
        published or found nothing waiting (another replica may have published it)."""
        self._set(self._probe_ok, ok)

    async def probe(self) -> bool:
        """Ask the broker for its metadata over a fresh connection, bounded in time."""
        timeout = self.settings.kafka_timeout_seconds
        client = AIOKafkaClient(
            bootstrap_servers=self.settings.kafka_bootstrap,
            client_id=f"fleetcare-{self.settings.service_name}-probe",
            request_timeout_ms=int(timeout * 1000),
        )
        try:
            await bounded(client.bootstrap(), timeout)
            ok = True
        except Exception as exc:
            log.debug("kafka probe failed: %s", exc)
            ok = False
        finally:
            await asyncio.shield(
                asyncio.gather(bounded(client.close(), 5), return_exceptions=True)
            )
        self._set(ok, self._publish_ok)
        return ok

    async def watch(self) -> None:
        """Probe every `kafka_timeout_seconds` until cancelled."""
        while True:
            await self.probe()
            await asyncio.sleep(self.settings.kafka_timeout_seconds)

    def _set(self, probe_ok: bool, publish_ok: bool) -> None:
        was = self.reachable
        self._probe_ok, self._publish_ok = probe_ok, publish_ok
        if self.reachable and not was:
            log.info("kafka reachable at %s", self.settings.kafka_bootstrap)
        elif was and not self.reachable:
            log.warning("kafka unreachable at %s (%s): events wait in the outbox",
                        self.settings.kafka_bootstrap,
                        "publish failed" if probe_ok else "no answer to a metadata request")
