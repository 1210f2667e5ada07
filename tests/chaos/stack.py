"""The system under chaos: four service processes on their own databases, and the broker and
PostgreSQL that `deploy/local/test.sh` started, which the harness stops and starts again."""

import asyncio
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.databases import create_database, drop_database
from tests.support.env import kafka_bootstrap
from tests.support.services import REPO, ServiceProcess

SERVICES = ("intake", "parts", "dispatch", "quality")
PORTS = {"intake": 18241, "parts": 18242, "dispatch": 18243, "quality": 18244}
# The depots of a chaos run report far more than the per-depot limit a real depot needs; the
# limiter is not what is under test here. Its engineers repair within seconds: the planner is
# told repairs are short, so queues it plans stay as short as the real ones.
EXTRA_ENV = {
    "intake": {"FLEETCARE_RATE_LIMIT_PER_MINUTE": "600000", "FLEETCARE_RATE_LIMIT_BURST": "100000"},
    "dispatch": {"FLEETCARE_ESCALATION_INTERVAL_SECONDS": "10",
                 "FLEETCARE_ONSITE_REPAIR_MINUTES": "10", "FLEETCARE_MOBILISATION_MINUTES": "5"},
}


def _script(path: str, command: str) -> None:
    """deploy/kafka/kafka.sh or deploy/postgres/postgres.sh, with the ports test.sh exported."""
    subprocess.run([str(REPO / path), command], check=True, env=os.environ.copy(), timeout=180,
                   stdout=subprocess.DEVNULL)


@dataclass
class Stack:
    log_dir: Path
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    database_urls: dict[str, str] = field(default_factory=dict)

    async def start(self) -> None:
        for name in SERVICES:
            self.database_urls[name] = await create_database(f"fleetcare_chaos_{name}")
            self.services[name] = ServiceProcess(
                name, PORTS[name], self.database_urls[name], kafka_bootstrap(), self.log_dir,
                extra_env=EXTRA_ENV.get(name, {}),
            )
            self.services[name].start()
        await asyncio.gather(*(s.wait_ready(timeout=120) for s in self.services.values()))

    async def stop(self) -> None:
        for service in self.services.values():
            service.stop()
        for url in self.database_urls.values():
            await drop_database(url)

    def url(self, service: str) -> str:
        return self.services[service].url

    async def kill_and_restart(self, service: str, down_for: float) -> float:
        """SIGKILL, stay down `down_for` seconds, start again; returns seconds until ready."""
        process = self.services[service]
        process.kill_hard()
        await asyncio.sleep(down_for)
        began = time.monotonic()
        process.start()
        await process.wait_ready(timeout=120)
        return time.monotonic() - began

    async def restart_broker(self) -> float:
        """Stop the broker cleanly and start it again (same data); returns seconds it was down."""
        began = time.monotonic()
        await asyncio.to_thread(_script, "deploy/kafka/kafka.sh", "stop")
        await asyncio.to_thread(_script, "deploy/kafka/kafka.sh", "start")
        return time.monotonic() - began

    async def stop_postgres(self, down_for: float) -> float:
        """Stop PostgreSQL (fast shutdown: open transactions roll back) for `down_for` seconds;
        returns how long it was really unreachable."""
        began = time.monotonic()
        await asyncio.to_thread(_script, "deploy/postgres/postgres.sh", "stop")
        await asyncio.sleep(down_for)
        await asyncio.to_thread(_script, "deploy/postgres/postgres.sh", "start")
        return time.monotonic() - began
