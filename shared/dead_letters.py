"""A consumer group's dead-letter topic: a record that is not a valid event, or whose handler
failed every attempt, goes there as it came, with headers saying why and where it came from
(`make dlq-replay` sends it back once the cause is fixed)."""

import asyncio
import logging
from typing import NamedTuple

from aiokafka import AIOKafkaProducer, ConsumerRecord
from pydantic import ValidationError

from shared import metrics
from shared.events import (
    DLT_ERROR_HEADER,
    DLT_ORIGINAL_OFFSET_HEADER,
    DLT_ORIGINAL_PARTITION_HEADER,
    DLT_ORIGINAL_TOPIC_HEADER,
    dead_letter_topic,
)
from shared.kafka import bounded, make_producer
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)


class Refusal(NamedTuple):
    """Why a record goes to the dead-letter topic before it reaches the database."""

    reason: str
    detail: str
    type_: str = "unknown"


class DeadLetters:
    """The group's dead-letter topic, with a producer started on first use."""

    def __init__(self, settings: ServiceSettings, group: str) -> None:
        self.settings = settings
        self.group = group
        self._producer: AIOKafkaProducer | None = None

    async def refuse(self, record: ConsumerRecord[bytes, bytes], refusal: Refusal) -> None:
        """Dead-letter a message that is not a valid event; its type labels the metric only
        when it is a known one (a label must come from a bounded set)."""
        await self.send(record, refusal.reason, refusal.detail)
        metrics.EVENTS_CONSUMED.labels(
            self.settings.service_name, record.topic, refusal.type_, "dead_lettered"
        ).inc()

    async def send(self, record: ConsumerRecord[bytes, bytes], reason: str, detail: str) -> None:
        """Send the record as it came. `reason` (`malformed`, `unknown_type`, `invalid_data`,
        `handler_failed`) labels the metric and starts the `fleetcare-error` header,
        `reason: detail`."""
        timeout = self.settings.kafka_timeout_seconds
        if self._producer is None:
            producer = make_producer(self.settings)
            await bounded(producer.start(), timeout)
            self._producer = producer
        error = f"{reason}: {detail}"
        headers = [
            (DLT_ERROR_HEADER, error.encode()),
            (DLT_ORIGINAL_TOPIC_HEADER, record.topic.encode()),
            (DLT_ORIGINAL_PARTITION_HEADER, str(record.partition).encode()),
            (DLT_ORIGINAL_OFFSET_HEADER, str(record.offset).encode()),
        ]
        await bounded(
            self._producer.send_and_wait(
                dead_letter_topic(self.group), value=record.value, key=record.key, headers=headers
            ),
            timeout,
        )
        metrics.EVENTS_DEAD_LETTERED.labels(
            self.settings.service_name, record.topic, reason
        ).inc()
        log.warning(
            "dead-lettered %s[%d]@%d: %s", record.topic, record.partition, record.offset, error
        )

    async def close(self) -> None:
        if self._producer is not None:
            await asyncio.gather(asyncio.wait_for(self._producer.stop(), 5),
                                 return_exceptions=True)


def invalid_fields(exc: ValueError, limit: int = 400) -> str:
    """Where a message failed validation, for the dead-letter header and the log: each error's
    location and message, never the input (it may be huge or personal), cut at `limit`."""
    if not isinstance(exc, ValidationError):
        return exc.__class__.__name__
    found = ""
    for error in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(part)[:40] for part in error["loc"])
        found += ("; " if found else "") + (f"{where}: {error['msg']}" if where else error["msg"])
        if len(found) > limit:
            return f"{found[:limit - 3]}..."
    return found
