"""Pure figures of the pipeline benchmark: percentiles, the open-loop schedule, ratios to the
ceiling, whether a rate was sustained, and profile summaries. No I/O."""

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

INF = math.inf
_LINE = re.compile(r":\d+\)$")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0..100) by the nearest-rank method: always one of the values, so a
    p99 of 100 samples is the 99th slowest and never interpolated below a real one. A missing
    answer is passed as `INF` and counts as slower than every answer."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 and max of latencies in seconds, and how many there were."""
    return {"n": len(values), "p50": percentile(values, 50), "p95": percentile(values, 95),
            "p99": percentile(values, 99), "max": max(values) if values else math.nan}


def schedule(rate: float, seconds: float) -> list[float]:
    """Send times (seconds from the start) of a fixed arrival rate: the i-th request is due at
    i / rate whatever happened to the ones before it (open loop)."""
    if rate <= 0 or seconds <= 0:
        return []
    return [i / rate for i in range(math.floor(rate * seconds))]


def ratio(figure: float, ceiling: float) -> float:
    """A FleetCare figure as a share of its ceiling (nan when the ceiling is unknown)."""
    if not ceiling or math.isnan(ceiling) or math.isnan(figure):
        return math.nan
    return figure / ceiling


def thirds(latencies_in_order: Sequence[float]) -> tuple[float, float]:
    """Median latency of the first and the last third of the arrivals (by send time): a
    backlog that grows shows as a last third much slower than the first."""
    third = len(latencies_in_order) // 3
    if third == 0:
        return math.nan, math.nan
    return (percentile(latencies_in_order[:third], 50),
            percentile(latencies_in_order[-third:], 50))


def sustained(rate: float, lag_start: int, lag_end: int, first_p50: float, last_p50: float,
              missing: int) -> bool:
    """A rate is sustained when every scheduled fault was accepted and assigned (`missing`
    counts those that were not), the dispatch group's lag grew by no more than one second of
    arrivals (at least 5 events, for the one in flight), and the last third's median latency
    is at most twice the first third's plus 50 ms."""
    if missing or math.isnan(first_p50) or math.isnan(last_p50):
        return False
    lag_ok = lag_end - lag_start <= max(5.0, rate)
    return lag_ok and last_p50 <= 2 * first_p50 + 0.05


def highest_sustained(results: Iterable[tuple[float, bool]]) -> float | None:
    """The highest offered rate sustained, with every lower rate tried sustained as well
    (a rate that passes above one that failed is luck, not capacity)."""
    best = None
    for rate, ok in sorted(results):
        if not ok:
            break
        best = rate
    return best


# Leaf frames of a thread that waits: py-spy does not always see these threads as idle.
IDLE_LEAVES = ("EpollSelector.select (", "Condition.wait (", "_worker (concurrent/futures",
               "Queue.get (")


def profile_summary(collapsed: Iterable[str], top: int = 12) -> dict[str, Any]:
    """py-spy's raw (collapsed stack) lines `frame;frame;leaf count` as the functions with the
    most busy samples: `self` (the leaf frame) and `total` (anywhere on the stack, once per
    stack), each as a share of the busy samples; `busy` is the share of samples not waiting."""
    own: Counter[str] = Counter()
    total: Counter[str] = Counter()
    samples = busy = 0
    for line in collapsed:
        stack, _, count_text = line.rstrip().rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        # "fn (path:line)" -> "fn (path)": a function's lines count as one.
        frames = [_LINE.sub(")", frame) for frame in stack.split(";")]
        samples += count
        if frames[-1].startswith(IDLE_LEAVES):
            continue
        busy += count
        own[frames[-1]] += count
        for frame in set(frames):
            total[frame] += count
    if not busy:
        return {"self": [], "total": [], "busy": 0.0}
    return {kind: [(frame, n / busy) for frame, n in counter.most_common(top)]
            for kind, counter in (("self", own), ("total", total))} | {"busy": busy / samples}
