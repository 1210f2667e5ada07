"""Replay a consumer group's dead-letter topic after a fix.

    python -m shared.dlq replay --group parts [--dry-run] [--limit N] [--all] [--from-beginning]

Each dead letter of `fleetcare.dlt.<group>` goes back to the topic it came from with the same key
and value, so it lands in the same partition and keeps its event id. Every group consuming that
topic sees it again; their inboxes dedupe by event id, so only the group that failed applies it.
The replay has a consumer group of its own, `fleetcare-dlq-replay.<group>`, whose offsets are
committed only after the broker acknowledged the re-published messages: a run that stops early
resumes where it stopped, and a run after a complete one finds nothing to replay.
"""

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass
from typing import TypeAlias

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import KafkaError
from pydantic import ValidationError

from shared.events import (
    DLT_ERROR_HEADER,
    DLT_ORIGINAL_TOPIC_HEADER,
    Envelope,
    dead_letter_topic,
)
from shared.kafka import bounded, make_consumer, make_producer
from shared.settings import ServiceSettings

# Headers shared.consumer writes on every dead letter.
ORIGINAL_TOPIC = DLT_ORIGINAL_TOPIC_HEADER
DEAD_LETTER_REASON = DLT_ERROR_HEADER
# Written on every re-published message: where it was replayed from.
REPLAYED_FROM = "fleetcare-replayed-from"

Record: TypeAlias = ConsumerRecord[bytes, bytes]


def replay_group(group: str) -> str:
    return f"fleetcare-dlq-replay.{group}"


def destination(record: Record, include_malformed: bool) -> tuple[str | None, str]:
    """The topic a dead letter goes back to (None: it stays) and what it is, for the report.

    A value that is not an envelope fails again in every consumer, so it is re-published only
    with `include_malformed` (e.g. after a consumer learnt to read an older format).
    """
    headers = dict(record.headers)
    reason = headers.get(DEAD_LETTER_REASON, b"no reason recorded").decode(errors="replace")
    origin = headers.get(ORIGINAL_TOPIC, b"").decode(errors="replace")
    try:
        envelope = Envelope.from_bytes(record.value or b"")
    except (ValidationError, ValueError):
        what = f"not an envelope ({reason})"
        return (origin if include_malformed and origin else None), what
    what = f"{envelope.type} {envelope.id} subject {envelope.subject} ({reason})"
    if not origin:
        return None, f"{what}, no {ORIGINAL_TOPIC} header"
    return origin, what


@dataclass
class Tally:
    taken: int = 0
    replayed: int = 0
    skipped: int = 0
    reached_end: bool = False


async def replay(
    settings: ServiceSettings,
    group: str,
    *,
    dry_run: bool,
    limit: int,
    include_malformed: bool,
    from_beginning: bool,
    timeout: float,
) -> Tally:
    """Re-publish the dead letters present when the run starts, up to `limit`, within `timeout`.

    Letters dead-lettered again during the run (the fix did not work) wait for the next run.
    """
    topic = dead_letter_topic(group)
    wait = settings.kafka_timeout_seconds
    deadline = time.monotonic() + timeout
    consumer = make_consumer(settings, replay_group(group), [])
    # Opened in a dry run too: it is the client that knows a topic's partitions.
    producer = make_producer(settings)
    tally = Tally()
    try:
        await bounded(consumer.start(), wait)
        await bounded(producer.start(), wait)
        if topic not in await bounded(consumer.topics(), wait):
            raise LookupError(f"topic {topic} does not exist")
        numbers = await bounded(producer.partitions_for(topic), wait)
        partitions = [TopicPartition(topic, number) for number in sorted(numbers)]
        consumer.assign(partitions)
        if from_beginning:
            await bounded(consumer.seek_to_beginning(*partitions), wait)
        ends = await bounded(consumer.end_offsets(partitions), wait)
        while (
            tally.taken < limit
            and time.monotonic() < deadline
            and not await _at_end(consumer, ends, wait)
        ):
            batch = await bounded(
                consumer.getmany(timeout_ms=500, max_records=limit - tally.taken), wait + 5
            )
            for partition, records in batch.items():
                due = [r for r in records if r.offset < ends[partition]]
                if due:
                    await _replay_batch(consumer, None if dry_run else producer, partition,
                                        due, include_malformed, tally, wait)
        tally.reached_end = await _at_end(consumer, ends, wait)
    finally:
        stops = (asyncio.wait_for(client.stop(), 5) for client in (consumer, producer))
        await asyncio.shield(asyncio.gather(*stops, return_exceptions=True))
    return tally


async def _at_end(
    consumer: AIOKafkaConsumer, ends: dict[TopicPartition, int], wait: float
) -> bool:
    for partition, end in ends.items():
        if await bounded(consumer.position(partition), wait) < end:
            return False
    return True


async def _replay_batch(
    consumer: AIOKafkaConsumer,
    producer: AIOKafkaProducer | None,
    partition: TopicPartition,
    records: list[Record],
    include_malformed: bool,
    tally: Tally,
    wait: float,
) -> None:
    """Re-publish one partition's batch; commit past it once the broker acknowledged it all.

    Without a producer (a dry run) it only reports what it would do.
    """
    lines, acks = [], []
    for record in records:
        where = f"{record.topic}[{record.partition}]@{record.offset}"
        target, what = destination(record, include_malformed)
        tally.taken += 1
        if target is None:
            tally.skipped += 1
            lines.append(f"skipped {where}: {what}")
            continue
        tally.replayed += 1
        lines.append(f"{'replayed' if producer else 'would replay'} {where} -> {target}: {what}")
        if producer is not None:
            headers = [(REPLAYED_FROM, where.encode())]
            acks.append(await bounded(
                producer.send(target, value=record.value, key=record.key, headers=headers), wait
            ))
    if producer is not None:
        await bounded(asyncio.gather(*acks), wait)
        await bounded(consumer.commit({partition: records[-1].offset + 1}), wait)
    print("\n".join(lines), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.dlq", description="Replay a consumer group's dead-letter topic."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    cmd = commands.add_parser("replay", help="re-publish dead letters to their original topics")
    cmd.add_argument("--group", required=True, help="whose dead-letter topic (a service name)")
    cmd.add_argument("--dry-run", action="store_true", help="only list what it would do")
    cmd.add_argument("--limit", type=int, default=10_000, help="at most this many letters")
    cmd.add_argument("--all", dest="include_malformed", action="store_true",
                     help="re-publish values that are not envelopes too")
    cmd.add_argument("--from-beginning", action="store_true",
                     help="start at the topic's first retained letter, not the last replay's end")
    cmd.add_argument("--bootstrap", help="Kafka host:port (default FLEETCARE_KAFKA_BOOTSTRAP)")
    cmd.add_argument("--timeout", type=float, default=120.0, help="seconds for the whole run")
    args = parser.parse_args(argv)
    if args.limit < 1:
        parser.error("--limit must be at least 1")
    overrides = {"kafka_bootstrap": args.bootstrap} if args.bootstrap else {}
    settings = ServiceSettings(service_name="dlq-replay", **overrides)
    try:
        tally = asyncio.run(replay(
            settings, args.group, dry_run=args.dry_run, limit=args.limit,
            include_malformed=args.include_malformed, from_beginning=args.from_beginning,
            timeout=args.timeout,
        ))
    except (LookupError, KafkaError, TimeoutError) as exc:
        print(f"replay of {dead_letter_topic(args.group)} failed: {exc!r}", file=sys.stderr)
        return 1
    print(_summary(args.group, tally, args.dry_run))
    # Stopped by the deadline: what was committed stays done; the next run continues from there.
    return 0 if tally.reached_end or tally.taken >= args.limit else 1


def _summary(group: str, tally: Tally, dry_run: bool) -> str:
    topic = dead_letter_topic(group)
    if tally.taken == 0 and tally.reached_end:
        return f"{topic}: nothing to replay"
    verb = "would replay" if dry_run else "replayed"
    ending = "end of topic reached" if tally.reached_end else "stopped before the end"
    note = "; dry run: nothing published or committed" if dry_run else ""
    return f"{topic}: {verb} {tally.replayed}, skipped {tally.skipped}; {ending}{note}"


if __name__ == "__main__":
    sys.exit(main())
