"""One benchmark run: every method on the same scenarios, scored by the same evaluator."""

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from .evaluate import Score, score
from .hindsight import rank, solve
from .policies import CheapestInsertion, Greedy, Ours, Scheduler
from .scenario import SIZES, Scenario, generate
from .simulator import simulate


@dataclass(frozen=True)
class Settings:
    size: str
    seeds: int
    first_seed: int = 0
    load: float = 0.7
    peaks: bool = True
    reoptimise: timedelta = timedelta(milliseconds=300)
    hindsight: timedelta = timedelta(seconds=5)  # zero: no hindsight plan
    workers: int = 2


@dataclass(frozen=True)
class SeedResult:
    scenario: str
    seed: int
    mean_service_min: float
    scores: dict[str, Score]
    hindsight_source: str | None
    hindsight_s: float | None


def run(settings: Settings) -> list[SeedResult]:
    seeds = range(settings.first_seed, settings.first_seed + settings.seeds)
    if settings.workers <= 1:
        return [run_seed(settings, seed) for seed in seeds]
    with ProcessPoolExecutor(settings.workers) as pool:
        return list(pool.map(run_seed, [settings] * len(seeds), seeds))


def run_seed(settings: Settings, seed: int) -> SeedResult:
    scenario = generate(SIZES[settings.size], seed, settings.load, settings.peaks)
    schedulers: list[Scheduler] = [Greedy(), CheapestInsertion(), Ours(settings.reoptimise)]
    scores, executions = {}, {}
    for scheduler in schedulers:
        outcome = simulate(scenario, scheduler)
        result = score(scenario, scheduler.name, outcome.executed)
        result.decision_ms = [e.decision_s * 1000 for e in outcome.efforts]
        result.reoptimise_ms = [
            e.reoptimise_s * 1000 for e in outcome.efforts if e.reoptimise_s is not None
        ]
        result.reassignments_per_100 = 100 * outcome.reassignments / len(scenario.faults)
        scores[scheduler.name] = result
        executions[scheduler.name] = outcome.executed
    source = seconds = None
    if settings.hindsight > timedelta():
        best = min(executions, key=lambda name: rank(scenario, executions[name]))
        plan = solve(scenario, executions[best], settings.hindsight)
        scores["hindsight"] = score(scenario, "hindsight", plan.executed)
        source, seconds = f"{plan.source} (warm start: {best})", plan.seconds
    return SeedResult(
        scenario.name, seed, _minutes(scenario), scores, source, seconds
    )


def _minutes(scenario: Scenario) -> float:
    return scenario.mean_service / timedelta(minutes=1)
