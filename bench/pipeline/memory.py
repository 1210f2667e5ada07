"""Resident memory of processes and their children, sampled in a thread (VmRSS from /proc),
and the CPU they used meanwhile."""

import os
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

SAMPLE_SECONDS = 1.0


def children_of() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc/<pid>/stat."""
    tree: dict[int, list[int]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command name (2nd field) may hold spaces: the fields after its ")" are fixed.
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        tree[int(fields[1])].append(int(stat.parent.name))
    return tree


def cpu_seconds(pid: int, tree: dict[int, list[int]]) -> float:
    """User + system CPU of the process and its live descendants (utime, stime of stat)."""
    ticks, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
        except (OSError, IndexError):
            pass
        todo += tree.get(current, [])
    return ticks / os.sysconf("SC_CLK_TCK")


def _kb_field(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def rss_bytes(pid: int) -> int:
    return _kb_field(f"/proc/{pid}/status", "VmRSS:")


def pss_bytes(pid: int) -> int:
    """Proportional set size: shared pages divided among the processes sharing them."""
    return _kb_field(f"/proc/{pid}/smaps_rollup", "Pss:")


def tree_memory(pid: int, tree: dict[int, list[int]]) -> tuple[int, int]:
    """(RSS, PSS) of the process plus all its descendants. Summed RSS counts PostgreSQL's
    shared buffers once per backend that touched them; summed PSS counts them once."""
    rss = pss = 0
    todo = [pid]
    while todo:
        current = todo.pop()
        rss += rss_bytes(current)
        pss += pss_bytes(current)
        todo += tree.get(current, [])
    return rss, pss


class MemorySampler:
    """Peak RSS per named process tree between `begin` and `end`; `snapshot` for one sample."""

    def __init__(self, pids: Callable[[], dict[str, int]]) -> None:
        self.pids = pids
        self._peaks: dict[str, int] = {}
        self._cpu_start: dict[str, float] = {}
        self._began = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def snapshot(self) -> dict[str, int]:
        """RSS per process tree, and the whole stack's footprint as the sum of PSS."""
        tree = children_of()
        found = {name: tree_memory(pid, tree) for name, pid in self.pids().items()}
        return ({name: rss for name, (rss, _) in found.items()}
                | {"stack (PSS)": sum(pss for _, pss in found.values())})

    def cpu(self) -> dict[str, float]:
        tree = children_of()
        return {name: cpu_seconds(pid, tree) for name, pid in self.pids().items()}

    def begin(self) -> None:
        self._peaks = {}
        self._cpu_start, self._began = self.cpu(), time.monotonic()
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)
        self._thread.start()

    def end(self) -> tuple[dict[str, int], dict[str, float]]:
        """Peak RSS per process tree, and the cores each used on average since `begin`."""
        self._stop.set()
        if self._thread:
            self._thread.join()
        elapsed = max(time.monotonic() - self._began, 1e-9)
        cores = {name: (used - self._cpu_start.get(name, used)) / elapsed
                 for name, used in self.cpu().items()}
        return dict(self._peaks), cores

    def _run(self) -> None:
        while not self._stop.is_set():
            for name, value in self.snapshot().items():
                self._peaks[name] = max(self._peaks.get(name, 0), value)
            time.sleep(SAMPLE_SECONDS)
