"""`python -m bench.pipeline [--quick] [--seconds 60] [--rates 10,25,50,100,200] [--profile]`:
the ceilings, intake throughput, saga latency and memory, in one run on a broker and a
PostgreSQL of its own; prints Markdown tables, writes bench/results/pipeline.json and the
plots in docs/img/."""

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable
from typing import Any

from bench.pipeline import ceiling, infra, intake_load, profiling, report, saga
from bench.pipeline.memory import MemorySampler
from bench.pipeline.stats import highest_sustained
from bench.pipeline.world import seed

RESULTS = infra.REPO / "bench" / "results"
IMAGES = infra.REPO / "docs" / "img"
LOGS = infra.REPO / ".data" / "bench-pipeline-logs"
# Raw py-spy stacks are megabytes: kept out of git; pipeline.json has their summaries.
PROFILES = infra.REPO / ".data" / "bench-pipeline-profiles"


def options() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.pipeline", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="10 s phases, rates 10/25/50")
    parser.add_argument("--seconds", type=float, help="each phase's load (default 60; quick 10)")
    parser.add_argument("--rates", help="offered faults/s, comma-separated")
    parser.add_argument("--drain-seconds", type=float,
                        help="bounded wait for the backlog after each phase (120; quick 20)")
    parser.add_argument("--connections", type=int, default=32, help="single POSTs in flight")
    parser.add_argument("--batch-connections", type=int, default=4, help="batches in flight")
    parser.add_argument("--batch-size", type=int, default=250)
    parser.add_argument("--generators", type=int, default=2, help="load generator processes")
    parser.add_argument("--kafka-latency-rate", type=float, default=200.0)
    parser.add_argument("--profile", action="store_true",
                        help="py-spy the services for 15 s in the intake and top-rate phases")
    args = parser.parse_args()
    args.seconds = args.seconds or (10.0 if args.quick else 60.0)
    args.drain_seconds = args.drain_seconds or (20.0 if args.quick else 120.0)
    args.rates = [float(r) for r in (args.rates or ("10,25,50" if args.quick
                                                    else "10,25,50,100,200")).split(",")]
    return args


class Run:
    """Phases on fresh stacks, each with its load average, memory peaks and figures."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.stack = infra.Stack(LOGS)
        self.memory = MemorySampler(self.pids)
        self.results: dict[str, Any] = {
            "meta": {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "quick": args.quick,
                     "seconds": args.seconds, "rates": args.rates, "cores": os.cpu_count(),
                     "drain_seconds": args.drain_seconds},
            "intake": {}, "saga": [], "memory": {"idle": {}, "peak": {}}, "profiles": {}}

    def pids(self) -> dict[str, int]:
        found = {"kafka": infra.kafka_pid(), "postgres": infra.postgres_pid()}
        return self.stack.pids() | {name: pid for name, pid in found.items() if pid}

    async def phase(self, label: str, body: Awaitable[dict[str, Any]]) -> dict[str, Any]:
        print(f"-- {label} (load average {os.getloadavg()[0]:.1f})", flush=True)
        start = os.getloadavg()[0]
        self.memory.begin()
        figures = await body
        self.results["memory"]["peak"][label], cores = self.memory.end()
        figures |= {"loadavg_start": start, "loadavg_end": os.getloadavg()[0],
                    "cpu_cores": cores}
        print(f"   done (load average {figures['loadavg_end']:.1f})", flush=True)
        return figures

    async def fresh_stack(self) -> None:
        await self.stack.stop()
        await self.stack.start()
        await seed(self.stack.url("parts"), self.stack.url("dispatch"))
        if not self.results["memory"]["idle"]:
            await asyncio.sleep(5)  # settled after the seeding requests
            self.results["memory"]["idle"] = self.memory.snapshot()

    async def profile_while(self, label: str, body: Awaitable[dict[str, Any]]
                            ) -> dict[str, Any]:
        if not self.args.profile:
            return await body
        pids = {n: p for n, p in self.stack.pids().items() if n != "quality"}

        async def later() -> dict[str, Any]:
            await asyncio.sleep(min(5.0, self.args.seconds / 4))
            return await profiling.record(pids, min(15.0, self.args.seconds / 2),
                                          PROFILES, label)

        figures, self.results["profiles"][label] = await asyncio.gather(body, later())
        return figures

    async def run(self) -> None:
        args = self.args
        LOGS.mkdir(parents=True, exist_ok=True)
        self.results["ceiling"] = await self.phase("ceiling", self.ceilings())
        for kind, connections, size in (("single", args.connections, 0),
                                        ("batch", args.batch_connections, args.batch_size)):
            await self.fresh_stack()
            body = intake_load.run(self.stack, args.seconds, connections, size,
                                   args.generators, args.drain_seconds)
            self.results["intake"][kind] = await self.phase(
                f"intake-{kind}", self.profile_while(f"intake-{kind}", body))
        for rate in args.rates:
            await self.fresh_stack()
            body = saga.run_rate(rate, args.seconds, min(args.drain_seconds, 60.0))
            if rate == max(args.rates):
                body = self.profile_while(f"saga-{rate:g}", body)
            self.results["saga"].append(await self.phase(f"saga-{rate:g}", body))
        await self.stack.stop()
        self.summarise()

    async def ceilings(self) -> dict[str, Any]:
        args = self.args
        return {
            "kafka_throughput": await ceiling.kafka_throughput(args.seconds),
            "kafka_latency": await ceiling.kafka_latency(args.kafka_latency_rate,
                                                         min(args.seconds, 20.0)),
            "bare_http": await ceiling.bare_http(args.seconds, args.connections,
                                                 args.generators, LOGS),
        }

    def summarise(self) -> None:
        runs = self.results["saga"]
        best = highest_sustained((r["offered_per_second"], r["sustained"]) for r in runs)
        events = next((r["fleetcare_events_per_second"] for r in runs
                       if r["offered_per_second"] == best), float("nan"))
        self.results["summary"] = {"highest_sustained_rate": best,
                                   "sustained_events_per_second": events}


async def main() -> None:
    args = options()
    run = Run(args)
    began = time.monotonic()
    await asyncio.to_thread(infra.start_infrastructure)
    try:
        await run.run()
    finally:
        await run.stack.stop()
        await asyncio.to_thread(infra.stop_infrastructure)
    report.write_json(run.results, RESULTS / "pipeline.json")
    images = report.plots(run.results, IMAGES)
    print(report.markdown(run.results))
    print(f"\n({time.monotonic() - began:.0f} s wall clock; results in "
          f"{(RESULTS / 'pipeline.json').relative_to(infra.REPO)}, plots "
          f"{', '.join(str(p.relative_to(infra.REPO)) for p in images)})")


if __name__ == "__main__":
    asyncio.run(main())
