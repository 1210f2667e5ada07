"""`python -m bench.dispatch --size small --seeds 10`: print the comparison table (Markdown)."""

import argparse
import time
from datetime import timedelta

from .report import table
from .runner import Settings, run
from .scenario import SIZES

HINDSIGHT_SECONDS = {"small": 5.0, "medium": 60.0, "large": 0.0}
# Large: 0.9 s, so that a move started just before the deadline still ends within 1 s.
REOPTIMISE_MS = {"small": 300.0, "medium": 500.0, "large": 900.0}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--stress", action="store_true", help="offered load 0.85 instead of 0.7")
    parser.add_argument("--flat", action="store_true", help="no morning/evening peaks")
    parser.add_argument("--hindsight-seconds", type=float, help="per seed; 0 skips it")
    parser.add_argument("--reoptimise-ms", type=float, help="budget per fault")
    parser.add_argument("--workers", type=int, default=2, help="seeds run in parallel")
    args = parser.parse_args()
    settings = Settings(
        size=args.size,
        seeds=args.seeds,
        first_seed=args.first_seed,
        load=0.85 if args.stress else 0.7,
        peaks=not args.flat,
        reoptimise=timedelta(milliseconds=args.reoptimise_ms or REOPTIMISE_MS[args.size]),
        hindsight=timedelta(
            seconds=HINDSIGHT_SECONDS[args.size]
            if args.hindsight_seconds is None
            else args.hindsight_seconds
        ),
        workers=args.workers,
    )
    began = time.perf_counter()
    print(table(settings, run(settings)))
    print(f"\n({time.perf_counter() - began:.0f} s wall clock, {settings.workers} workers)")


if __name__ == "__main__":
    main()
