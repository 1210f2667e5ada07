"""What breaks during a chaos run, spread evenly over the time faults are offered: every
service killed with SIGKILL and restarted, the broker restarted, PostgreSQL stopped. One
disruption at a time, so each is visible in the logs and the figures."""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from tests.chaos.plan import ChaosPlan
from tests.chaos.stack import SERVICES, Stack

log = logging.getLogger(__name__)


@dataclass
class Disruption:
    what: str
    at_seconds: float  # after the first fault was offered
    seconds: float = 0.0  # how long it lasted (down and back, ready again)


@dataclass
class Disruptions:
    done: list[Disruption] = field(default_factory=list)

    def count(self, prefix: str) -> int:
        return sum(1 for d in self.done if d.what.startswith(prefix))


def schedule(plan: ChaosPlan, stack: Stack) -> list[tuple[str, Callable[[], Awaitable[float]]]]:
    """The disruptions in the order they happen: rounds of the four kills, the broker and
    PostgreSQL interleaved with them."""
    steps: list[tuple[str, Callable[[], Awaitable[float]]]] = []
    rounds = max(plan.kills_per_service, plan.broker_restarts, 1)
    for round_ in range(rounds):
        if round_ < plan.kills_per_service:
            for service in SERVICES:
                steps.append((f"kill {service}", _kill(stack, service, plan.down_seconds)))
        if round_ < plan.broker_restarts:
            steps.append(("restart broker", stack.restart_broker))
        if round_ == 0 and plan.postgres_outage_seconds > 0:
            steps.append(("stop postgres",
                          lambda: stack.stop_postgres(plan.postgres_outage_seconds)))
    return steps


def _kill(stack: Stack, service: str, down: float) -> Callable[[], Awaitable[float]]:
    async def kill() -> float:
        return down + await stack.kill_and_restart(service, down)
    return kill


async def disrupt(plan: ChaosPlan, stack: Stack, began: float, record: Disruptions) -> None:
    """Run the schedule over the load window (the last step starting at 90 % of it)."""
    steps = schedule(plan, stack)
    gap = 0.9 * plan.load_seconds / len(steps)
    for number, (what, act) in enumerate(steps, start=1):
        await asyncio.sleep(max(0.0, began + number * gap - time.monotonic()))
        at = time.monotonic() - began
        log.warning("chaos: %s at %.0f s", what, at)
        record.done.append(Disruption(what, at, await act()))
