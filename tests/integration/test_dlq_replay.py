"""The dead-letter replay command, run as operators run it, against the real broker and database."""

import asyncio
import re
import sys
import uuid
from collections import Counter
from pathlib import Path

from shared.consumer import EventConsumer
from shared.db import Database
from shared.dlq import REPLAYED_FROM
from shared.events import dead_letter_topic
from shared.settings import ServiceSettings
from tests.integration.test_messaging import Recorder, _has, event
from tests.support.env import kafka_bootstrap
from tests.support.kafka import create_topic, lag, publish_raw, read_topic
from tests.support.polling import eventually

REPO = Path(__file__).resolve().parents[2]


async def replay_command(group: str, *options: str) -> tuple[int, str]:
    """`python -m shared.dlq replay` as a process; the test's consumer keeps running meanwhile."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "shared.dlq", "replay", "--group", group,
        "--bootstrap", kafka_bootstrap(), "--timeout", "60", *options,
        cwd=REPO, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), 90)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_dead_letters_replayed_after_a_fix_are_processed_once_and_not_replayed_again(
    database: Database, settings: ServiceSettings
) -> None:
    # A topic and group of the test's own, so the letters counted are only the ones made here.
    run = uuid.uuid4().hex[:8]
    source, group = f"fleetcare.it-dlq-{run}", f"it-dlq-{run}"
    await create_topic(source, partitions=2)
    await create_topic(dead_letter_topic(group), partitions=2)
    poison, good = event(str(uuid.uuid4())), event(str(uuid.uuid4()))
    await publish_raw(source, poison.to_bytes(), key=poison.subject.encode())
    await publish_raw(source, b'{"type": "half an envelope"', key=b"malformed")
    await publish_raw(source, good.to_bytes(), key=good.subject.encode())
    recorder = Recorder(fail_for={poison.subject})
    consumer = EventConsumer(
        settings, database, [source], {"quality.issue_opened": recorder}, group=group
    )
    consumer.start()
    try:
        await eventually(lambda: _has(recorder, good.subject), timeout=20, what="moved on")
        assert len(await read_topic(dead_letter_topic(group), until=2)) == 2

        code, output = await replay_command(group, "--dry-run")
        assert code == 0, output
        assert f"would replay fleetcare.dlt.{group}" in output
        assert f"-> {source}: quality.issue_opened {poison.id}" in output
        assert "skipped" in output and "not an envelope" in output
        assert "would replay 1, skipped 1; end of topic reached; dry run" in output

        recorder.fail_for.clear()  # the fix is deployed
        # Two runs, the first cut short by --limit: the second resumes where it stopped.
        code, first = await replay_command(group, "--limit", "1")
        assert code == 0, first
        assert "stopped before the end" in first
        code, second = await replay_command(group)
        assert code == 0, second
        assert "end of topic reached" in second
        assert _counts(first) + _counts(second) == Counter(replayed=1, skipped=1)
        await eventually(lambda: _has(recorder, poison.subject), timeout=20,
                         what="replayed event applied")

        code, output = await replay_command(group)
        assert (code, output.strip()) == (0, f"fleetcare.dlt.{group}: nothing to replay")

        # Replaying again from the start re-publishes an event already applied: the inbox
        # makes it a no-op, and nothing new is dead-lettered.
        code, output = await replay_command(group, "--from-beginning")
        assert code == 0, output
        assert "replayed 1, skipped 1" in output
        copies = await read_topic(source, until=3, key=poison.subject.encode())
        assert len(copies) == 3
        assert REPLAYED_FROM in dict(copies[-1].headers)
        await eventually(lambda: _caught_up(group, source), timeout=20, what="copies consumed")
    finally:
        await consumer.stop()

    assert recorder.applied.count(poison.subject) == 1
    assert len(await read_topic(dead_letter_topic(group), until=3, timeout=3)) == 2


async def _caught_up(group: str, topic: str) -> bool:
    return await lag(group, [topic]) == 0


def _counts(output: str) -> Counter[str]:
    """The summary line's figures: `replayed N, skipped M`."""
    found = re.search(r"replayed (\d+), skipped (\d+)", output)
    assert found, output
    return Counter(replayed=int(found[1]), skipped=int(found[2]))
