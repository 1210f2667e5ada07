"""Every fault a chaos run offers, what its scenario asks, and what the clients saw of it."""

from dataclasses import dataclass, field

from tests.chaos.plan import Outcome, outcome_of


@dataclass
class Journey:
    index: int
    outcome: Outcome
    external_id: str
    depot_id: str
    fault_id: str | None = None  # set once the depot has its 201 (or 200 on a resend)
    worked: bool = False  # the engineer (and the depot, for a cancellation) did their part
    arrived_at: str | None = None  # occurred_at the app sent with `arrive`
    completed_at: str | None = None  # occurred_at the app sent with `complete`


@dataclass
class Journeys:
    run_id: str
    depots: list[str]
    mix: str
    all: list[Journey] = field(default_factory=list)
    by_fault: dict[str, Journey] = field(default_factory=dict)
    # Answers a scenario does not allow (e.g. a 409 on an action in order): invariant breaches.
    anomalies: list[str] = field(default_factory=list)

    def offer(self, index: int) -> Journey:
        journey = Journey(index, outcome_of(index, self.mix), f"chaos-{self.run_id}-{index:05d}",
                          self.depots[index % len(self.depots)])
        self.all.append(journey)
        return journey

    def accepted(self, journey: Journey, fault_id: str) -> None:
        journey.fault_id = fault_id
        self.by_fault[fault_id] = journey

    def pending_work(self) -> int:
        """Accepted faults whose scenario still waits for an engineer or the depot."""
        return sum(1 for j in self.all if j.fault_id and not j.worked
                   and j.outcome is not Outcome.BACKORDERED)
