"""The four services as real uvicorn processes, as they run in production."""

import ctypes
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared.auth import issue_token
from tests.support.env import JWT_SECRET
from tests.support.polling import eventually

REPO = Path(__file__).resolve().parents[2]


def _die_with_parent() -> None:
    """In the child: SIGKILL when the test process dies, however it dies. A service left over
    from an aborted run would otherwise join the next run's consumer groups on the same broker
    port and take events from the services under test."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


@dataclass
class ServiceProcess:
    name: str
    port: int
    database_url: str
    kafka: str
    log_dir: Path
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        env = os.environ | {
            "FLEETCARE_ENV": "dev",
            "FLEETCARE_JWT_SECRET": JWT_SECRET,
            "FLEETCARE_DATABASE_URL": self.database_url,
            "FLEETCARE_KAFKA_BOOTSTRAP": self.kafka,
            "FLEETCARE_KAFKA_TIMEOUT_SECONDS": "5",
        } | self.extra_env
        log = (self.log_dir / f"{self.name}.log").open("ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", f"services.{self.name}.main:create_app",
             "--host", "127.0.0.1", "--port", str(self.port), "--no-access-log"],
            cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent,
        )

    def kill_hard(self) -> None:
        """kill -9: no shutdown hooks, no flushing — the crash the outbox must survive."""
        if self.process:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
            self.process = None

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
            self.process = None

    async def wait_ready(self, timeout: float = 60.0) -> None:
        async with httpx.AsyncClient(base_url=self.url, timeout=2.0) as client:

            async def ready() -> bool:
                if self.process and self.process.poll() is not None:
                    raise AssertionError(f"{self.name} exited; see {self.log_dir}/{self.name}.log")
                try:
                    return (await client.get("/readyz")).status_code == 200
                except httpx.TransportError:
                    return False

            await eventually(ready, timeout=timeout, interval=0.3, what=f"{self.name} ready")


def token(
    role: str, depot_id: str | None = None, technician_id: str | None = None
) -> dict[str, str]:
    """Authorization header for a role, scoped to a depot or technician as the role needs."""
    jwt = issue_token(
        JWT_SECRET, role, f"test-{role}", depot_id=depot_id, technician_id=technician_id
    )
    return {"Authorization": f"Bearer {jwt}"}
