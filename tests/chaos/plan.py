"""What a chaos run offers and breaks: the bounded run inside `make test`, the long one of
`make chaos`, and the outcome each fault's scenario implies."""

import os
from dataclasses import dataclass
from enum import StrEnum


class Outcome(StrEnum):
    """Where a fault's scenario leaves it once the system is quiet."""

    RESOLVED = "resolved"  # the engineer accepts, travels, repairs with the reserved part
    DISPATCHED = "dispatched"  # the engineer accepts and is still to go
    BACKORDERED = "backordered"  # its part is out of stock everywhere
    CANCELLED = "cancelled"  # the depot withdraws it a moment after reporting it


_BY_LETTER = {"R": Outcome.RESOLVED, "D": Outcome.DISPATCHED, "C": Outcome.CANCELLED,
              "B": Outcome.BACKORDERED}
# Every twenty faults: 8 resolved, 5 dispatched, 4 cancelled, 3 backordered, interleaved.
EVEN_MIX = "RDCRBDRCRDBRCDRBRDCR"
# Every fifty: 40 resolved, 8 cancelled, 1 dispatched, 1 backordered. Dispatched and
# backordered jobs stay in engineers' queues to the end: over 10,000 faults an even mix would
# leave each engineer a backlog no real one has, and every new fault late before it is placed.
WORKING_MIX = "RRRRCRRRRRDRRRRCRRRRRRRRCRRRRRBRRCRRRRRCRRRRRCRRRC"


def outcome_of(index: int, mix: str = EVEN_MIX) -> Outcome:
    return _BY_LETTER[mix[index % len(mix)]]


@dataclass(frozen=True)
class ChaosPlan:
    name: str
    faults: int
    rate_per_second: float  # offered open loop: fault i is posted at i / rate
    kills_per_service: int  # SIGKILL, then a restart after `down_seconds`
    broker_restarts: int
    postgres_outage_seconds: float  # 0: PostgreSQL is left running
    mix: str = EVEN_MIX  # the scenario of fault i is mix[i % len(mix)] (see outcome_of)
    down_seconds: float = 2.0
    # After the last fault is offered: how long the system may take to become quiet.
    settle_timeout_seconds: float = 300.0

    @property
    def load_seconds(self) -> float:
        return self.faults / self.rate_per_second


BOUNDED = ChaosPlan("bounded", faults=500, rate_per_second=6.0, kills_per_service=1,
                    broker_restarts=1, postgres_outage_seconds=5.0, settle_timeout_seconds=150.0)
FULL = ChaosPlan("full", faults=10_000, rate_per_second=6.0, kills_per_service=3,
                 broker_restarts=2, postgres_outage_seconds=12.0, mix=WORKING_MIX,
                 settle_timeout_seconds=900.0)


def chosen_plan() -> ChaosPlan:
    """`make chaos` sets FLEETCARE_CHAOS=full; `make test` runs the bounded plan."""
    return FULL if os.environ.get("FLEETCARE_CHAOS") == "full" else BOUNDED
