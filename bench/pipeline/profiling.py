"""py-spy profiles of the services under load (`--profile`): raw collapsed stacks kept under
.data/bench-pipeline-profiles/, summarised as the functions that hold the most samples."""

import asyncio
import shutil
import sys
from pathlib import Path
from typing import Any

from bench.pipeline.infra import REPO
from bench.pipeline.stats import profile_summary

PY_SPY = Path(sys.executable).with_name("py-spy")


async def record(pids: dict[str, int], seconds: float, out_dir: Path,
                 label: str) -> dict[str, Any]:
    """Sample each process at 100 Hz for `seconds`, all at once; returns each one's summary."""
    if not PY_SPY.exists() and not shutil.which("py-spy"):
        return {"error": "py-spy not installed (pip install -e '.[dev]')"}
    await asyncio.to_thread(out_dir.mkdir, parents=True, exist_ok=True)
    files = {name: out_dir / f"{label}-{name}.txt" for name in pids}
    runs = [await asyncio.create_subprocess_exec(
        str(PY_SPY if PY_SPY.exists() else "py-spy"), "record", "-p", str(pid),
        "-d", str(max(1, int(seconds))), "-f", "raw", "-o", str(files[name]), "-r", "100",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)
        for name, pid in pids.items()]
    await asyncio.gather(*(run.wait() for run in runs))
    summaries: dict[str, Any] = {}
    for name, path in files.items():
        if path.exists():
            with path.open() as lines:
                summaries[name] = profile_summary(lines, top=40) | {
                    "file": str(path.relative_to(REPO))}
    return summaries
