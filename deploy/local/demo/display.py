"""The progress display: a few lines redrawn in place on a terminal (plain ANSI), one line every
few seconds otherwise (a log, a pipe), and the summary at the end. Rendering is pure."""

import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TextIO

from demo.api import Endpoints
from demo.tally import JOB_STATUSES, Tally, percentile

SERVER_JOB_STATUSES = ("unassigned", "assigned", "accepted", "en_route", "on_site")


@dataclass(frozen=True)
class Run:
    rate: float
    duration: float | None  # seconds; None: until Ctrl-C


def clock(seconds: float) -> str:
    minutes, rest = divmod(int(seconds), 60)
    return f"{minutes:02d}:{rest:02d}"


def seconds_or_dash(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


def fault_line(tally: Tally) -> str:
    late = f" ({tally.cancel_too_late} too late)" if tally.cancel_too_late else ""
    return (f"faults   posted {tally.offered}  accepted {tally.accepted}  "
            f"dispatched {tally.dispatched()}  resolved {tally.resolved()}  "
            f"cancelled {tally.cancelled_by_depot}{late}  refused {tally.rejected}  "
            f"failed {tally.failed}")


def latency_line(tally: Tally) -> str:
    waits = tally.assignment_latencies()
    return (f"latency  report→assigned p50 {seconds_or_dash(percentile(waits, 50))}  "
            f"p95 {seconds_or_dash(percentile(waits, 95))}  ({len(waits)} faults)")


def http_line(tally: Tally) -> str:
    answers = "  ".join(f"{kind} {tally.http[kind]}"
                        for kind in ("2xx", "304", "4xx", "5xx", "unreachable"))
    return (f"http     {answers}  retries {tally.retries}  · parts: {tally.lines_issued} lines "
            f"issued, {tally.units_delivered} units delivered")


def render(tally: Tally, run: Run) -> list[str]:
    """The live lines."""
    of = f" of {clock(run.duration)}" if run.duration else ""
    jobs = tally.job_statuses()
    server = tally.server
    lines = [
        f"FleetCare demo · {run.rate:g} faults/s · {clock(tally.elapsed())}{of} · Ctrl-C stops",
        fault_line(tally),
        "jobs     " + "  ".join(f"{status} {jobs[status]}" for status in JOB_STATUSES),
        http_line(tally),
        latency_line(tally),
        (f"metrics  intake reported {server.get('reported', 0):g}, SLA met "
         f"{server.get('sla met', 0):g} breached {server.get('sla breached', 0):g} · parts "
         f"lines reserved {server.get('lines reserved', 0):g} transfer "
         f"{server.get('lines transfer', 0):g} backordered {server.get('lines backordered', 0):g}"),
        "         dispatch open jobs " + "  ".join(
            f"{status} {server.get(f'jobs {status}', 0):g}" for status in SERVER_JOB_STATUSES),
    ]
    if tally.problems:
        lines.append(f"last problem: {tally.problems[-1]}")
    return lines


def one_line(tally: Tally) -> str:
    """The progress as a single log line."""
    waits = tally.assignment_latencies()
    return (f"[{clock(tally.elapsed())}] posted {tally.offered} accepted {tally.accepted} "
            f"dispatched {tally.dispatched()} resolved {tally.resolved()} "
            f"cancelled {tally.cancelled_by_depot} · 5xx {tally.http['5xx']} retries "
            f"{tally.retries} · report→assigned p50 {seconds_or_dash(percentile(waits, 50))} "
            f"p95 {seconds_or_dash(percentile(waits, 95))}")


def where_to_look(endpoints: Endpoints, prometheus_up: bool) -> list[str]:
    services = ("intake", "parts", "dispatch", "quality")
    lines = ["Where to look:",
             "  /metrics  " + "  ".join(f"{endpoints.url(s)}/metrics" for s in services)]
    if prometheus_up:
        lines.append(f"  Prometheus {endpoints.prometheus} (try "
                     "rate(fleetcare_faults_reported_total[1m]), fleetcare_dispatch_jobs)")
    else:
        lines.append(f"  Prometheus: none at {endpoints.prometheus} (make run starts one when "
                     "`prometheus` is installed)")
    lines.append("  Grafana dashboards: deploy/grafana/dashboards (SLA overview, pipeline "
                 "health, parts and technicians; `docker compose up` serves them)")
    return lines


def summary(tally: Tally) -> list[str]:
    statuses = tally.fault_statuses()
    return [
        f"FleetCare demo ran {clock(tally.elapsed())}.",
        fault_line(tally),
        "faults now " + "  ".join(f"{status} {count}" for status, count in
                                  sorted(statuses.items())),
        http_line(tally),
        latency_line(tally),
        *(f"problem: {problem}" for problem in tally.problems),
    ]


class Screen:
    """Redraws the live lines in place on a terminal; elsewhere writes one line per call."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.live = stream.isatty()
        self.drawn = 0

    def show(self, tally: Tally, run: Run) -> None:
        if self.live:
            self._redraw(render(tally, run))
        else:
            self.stream.write(one_line(tally) + "\n")
        self.stream.flush()

    def _redraw(self, lines: Sequence[str]) -> None:
        width = shutil.get_terminal_size().columns
        # Lines cut to the width: a wrapped line would throw the cursor count off.
        up = f"\x1b[{self.drawn}F" if self.drawn else ""
        self.stream.write(up + "\x1b[J" + "".join(line[: width - 1] + "\n" for line in lines))
        self.drawn = len(lines)
