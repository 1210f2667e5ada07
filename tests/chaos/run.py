"""One chaos run: start the stack, offer the load while disrupting it, wait for quiet, check
every invariant, and report the figures (printed, and written to .data/chaos/<plan>.json)."""

import asyncio
import json
import logging
import shutil
import time
import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from functools import partial
from importlib import import_module

from aiokafka import AIOKafkaConsumer

from tests.chaos import invariants
from tests.chaos.depots import report_all
from tests.chaos.disruption import Disruptions, disrupt
from tests.chaos.engineers import Engineer
from tests.chaos.journeys import Journeys
from tests.chaos.plan import ChaosPlan, Outcome
from tests.chaos.resilient import TRANSIENT
from tests.chaos.site import DEPOTS, engineer_ids, seed
from tests.chaos.stack import SERVICES, Stack
from tests.support.env import kafka_bootstrap
from tests.support.kafka import lag, partitions
from tests.support.polling import eventually
from tests.support.services import REPO

log = logging.getLogger(__name__)


@dataclass
class ChaosResult:
    plan: str
    faults_offered: int = 0
    faults_accepted: int = 0
    by_outcome: dict[str, int] = field(default_factory=dict)
    disruptions: list[dict[str, object]] = field(default_factory=list)
    transient_answers: dict[str, int] = field(default_factory=dict)
    invariants_checked: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    load_seconds: float = 0.0
    settle_seconds: float = 0.0
    total_seconds: float = 0.0


async def dead_letter_ends() -> dict[str, int]:
    """Messages on every dead-letter topic so far (their end offsets, summed per topic)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap(), group_id=None)
    await consumer.start()
    try:
        topics = [t for t in await consumer.topics() if t.startswith("fleetcare.dlt.")]
        ends = await consumer.end_offsets(await partitions(topics))
        return {t: sum(o for tp, o in ends.items() if tp.topic == t) for t in topics}
    finally:
        await consumer.stop()


async def backlog(stack: Stack) -> dict[str, int]:
    """Events each consumer group has yet to apply, and outbox rows yet to be published."""
    waiting = {group: await lag(group, list(
        import_module(f"services.{group}.handlers").CONSUMED_TOPICS)) for group in SERVICES}
    return waiting | {"outboxes": await invariants.outbox_backlog(stack.database_urls.values())}


async def quiet(stack: Stack) -> bool:
    """No group has anything left to consume and no outbox anything left to publish."""
    return not any((await backlog(stack)).values())


OUT = REPO / ".data" / "chaos"


async def run_chaos(plan: ChaosPlan) -> ChaosResult:
    """The services' logs go to .data/chaos/<plan>-logs (kept for the next run's start)."""
    result = ChaosResult(plan.name, invariants_checked=list(invariants.CHECKS))
    TRANSIENT.clear()
    started = time.monotonic()
    log_dir = OUT / f"{plan.name}-logs"
    shutil.rmtree(log_dir, ignore_errors=True)
    log_dir.mkdir(parents=True)
    stack = Stack(log_dir)
    await stack.start()
    try:
        await seed(stack.url("parts"), stack.url("dispatch"), units_per_warehouse=plan.faults)
        dead_letters_before = await dead_letter_ends()
        journeys = Journeys(uuid.uuid4().hex[:8], DEPOTS, plan.mix)
        deadline = time.monotonic() + plan.load_seconds + plan.settle_timeout_seconds
        worked = asyncio.Event()
        engineers = [asyncio.create_task(Engineer(
            tech, stack.url("dispatch"), stack.url("parts"), journeys, deadline).work(worked))
            for tech in engineer_ids()]
        disruptions = Disruptions()
        began = time.monotonic()
        await asyncio.gather(report_all(stack.url("intake"), plan, journeys, deadline),
                             disrupt(plan, stack, began, disruptions))
        result.load_seconds = time.monotonic() - began

        settling = time.monotonic()

        async def all_worked() -> bool:
            return journeys.pending_work() == 0

        try:
            await eventually(all_worked, timeout=max(1.0, deadline - time.monotonic()),
                             interval=1.0, what="engineers and depots done")
        except AssertionError as exc:
            result.violations.append(f"{exc}: {journeys.pending_work()} faults left")
        finally:
            worked.set()
            await asyncio.gather(*engineers)
        try:
            await eventually(partial(quiet, stack), timeout=max(30.0, deadline - time.monotonic()),
                             interval=2.0, what="system quiet")
            await asyncio.sleep(3)  # and still quiet a moment later (nothing was in flight)
            await eventually(partial(quiet, stack), timeout=60, interval=2.0, what="still quiet")
        except AssertionError as exc:
            result.violations.append(f"{exc}: {await backlog(stack)}")
        result.settle_seconds = time.monotonic() - settling

        result.violations += journeys.anomalies
        urls = stack.database_urls
        result.violations += await invariants.check_intake(urls["intake"], journeys)
        result.violations += await invariants.check_dispatch(urls["dispatch"], journeys)
        result.violations += await invariants.check_reservations(urls["parts"], journeys)
        result.violations += await invariants.check_stock(urls["parts"])
        result.violations += await invariants.check_quality(urls["quality"], journeys)
        dead_letters = {t: n - dead_letters_before.get(t, 0)
                        for t, n in (await dead_letter_ends()).items()}
        result.violations += [f"dead-lettered: {n} on {t}" for t, n in dead_letters.items() if n]

        result.faults_offered = len(journeys.all)
        result.faults_accepted = len(journeys.by_fault)
        result.by_outcome = {o.value: sum(1 for j in journeys.by_fault.values() if j.outcome is o)
                             for o in Outcome}
        result.disruptions = [asdict(d) for d in disruptions.done]
        result.transient_answers = dict(TRANSIENT)
    finally:
        await stack.stop()
    result.total_seconds = time.monotonic() - started
    _publish(result)
    return result


def _publish(result: ChaosResult) -> None:
    (OUT / f"{result.plan}.json").write_text(json.dumps(asdict(result), indent=2,
                                                        ensure_ascii=False))
    kills = Counter(str(d["what"]) for d in result.disruptions)
    print(f"\nchaos run '{result.plan}': {result.faults_offered} faults offered, "
          f"{result.faults_accepted} accepted {result.by_outcome}; disruptions {dict(kills)}; "
          f"transient answers retried {result.transient_answers}; "
          f"load {result.load_seconds:.0f} s, "
          f"settle {result.settle_seconds:.0f} s, total {result.total_seconds:.0f} s; "
          f"{len(result.invariants_checked)} invariants, {len(result.violations)} violations")

