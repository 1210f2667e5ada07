"""`make demo RATE=2 DURATION=300`: depots report faults at RATE a second, the demo engineers
work them through the mobile API, a storekeeper hands out the parts; a live display shows the
system (and its metrics) moving until Ctrl-C or DURATION seconds, then a summary."""

import argparse
import asyncio
import contextlib
import random
import signal
import sys
from collections.abc import Coroutine
from functools import partial
from typing import Any

import httpx
from pydantic import ValidationError

from demo.api import Endpoints, client, signing_secret
from demo.control_room import follow_faults, look_at_faults, read_metrics
from demo.depots import report_faults
from demo.display import Run, Screen, summary, where_to_look
from demo.engineers import FieldEngineer, Pace
from demo.preflight import NotReady, check
from demo.stores import Storekeeper
from demo.tally import Tally
from demo.world import DEPOTS, ENGINEERS

FINAL_LOOK_SECONDS = 10.0


def positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text} is not a positive number")
    return value


def share(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 1")
    return value


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="make demo", description=__doc__)
    parser.add_argument("--rate", type=positive, default=1.0, help="faults a second (1)")
    parser.add_argument("--duration", type=positive, default=None,
                        help="seconds to run (default: until Ctrl-C)")
    parser.add_argument("--accept-after", type=positive, default=1.0,
                        help="seconds before an engineer accepts an offer (1)")
    parser.add_argument("--travel", type=positive, default=2.0,
                        help="seconds from departing to arriving on site (2)")
    parser.add_argument("--repair", type=positive, default=3.0,
                        help="seconds on site before completing (3)")
    parser.add_argument("--cancel-share", type=share, default=0.05,
                        help="share of faults the depot withdraws (0.05)")
    parser.add_argument("--seed", type=int, default=None, help="for a reproducible run")
    return parser.parse_args(argv)


async def prometheus_answers(endpoints: Endpoints) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            return (await http.get(f"{endpoints.prometheus}/-/ready")).status_code == 200
    except httpx.TransportError:
        return False


async def show_progress(screen: Screen, tally: Tally, run: Run) -> None:
    while True:
        screen.show(tally, run)
        await asyncio.sleep(1.0 if screen.live else 5.0)


def note_crash(tally: Tally, task: asyncio.Task[None]) -> None:
    """A part of the demo that stopped on an error shows in the display and the summary."""
    if not task.cancelled() and task.exception() is not None:
        tally.note(f"{task.get_name()} stopped: {task.exception()!r}")


async def demo(args: argparse.Namespace, endpoints: Endpoints, secret: str) -> int:
    try:
        await check(endpoints, secret)
    except NotReady as exc:
        print(f"make demo: {exc}", file=sys.stderr)
        return 2
    print("\n".join(where_to_look(endpoints, await prometheus_answers(endpoints))) + "\n")
    rng = random.Random(args.seed)
    tally = Tally()
    run = Run(args.rate, args.duration)
    pace = Pace(args.accept_after, args.travel, args.repair)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with contextlib.AsyncExitStack() as clients:
        def opened(service: str, role: str, *, depot_id: str | None = None,
                   technician_id: str | None = None) -> httpx.AsyncClient:
            http = client(endpoints.url(service), secret, role, depot_id=depot_id,
                          technician_id=technician_id)
            clients.push_async_callback(http.aclose)
            return http

        depots = {depot: opened("intake", "depot", depot_id=depot) for depot in DEPOTS}
        storekeeper = Storekeeper(opened("parts", "warehouse"), tally)
        desk = opened("intake", "dispatcher")
        work: dict[str, Coroutine[Any, Any, None]] = {
            "depots": report_faults(depots, tally, args.rate, args.cancel_share, rng),
            "deliveries": storekeeper.take_deliveries(),
            "control room": follow_faults(desk, tally),
            "metrics": read_metrics(endpoints, tally),
            "display": show_progress(Screen(sys.stdout), tally, run),
        } | {
            e.technician_id: FieldEngineer(
                e.technician_id, opened("dispatch", "technician", technician_id=e.technician_id),
                storekeeper, tally, pace, random.Random(rng.random())).work()
            for e in ENGINEERS
        }
        tasks = [asyncio.create_task(job, name=name) for name, job in work.items()]
        for task in tasks:
            task.add_done_callback(partial(note_crash, tally))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), args.duration)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        # The last repairs reach intake through Kafka: one more look, a moment later.
        await asyncio.sleep(1.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(look_at_faults(desk, tally), FINAL_LOOK_SECONDS)
    print("\n" + "\n".join(summary(tally)))
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        secret = signing_secret()
    except ValidationError as exc:
        reasons = (str(e.get("ctx", {}).get("error", e["msg"])) for e in exc.errors())
        print(f"make demo: {'; '.join(reasons)}", file=sys.stderr)
        return 2
    try:
        return asyncio.run(demo(args, Endpoints.from_env(), secret))
    except KeyboardInterrupt:  # before the demo's own Ctrl-C handling is in place
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
