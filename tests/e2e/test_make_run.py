"""`make run` on a fresh data directory: SQLite files, a local Kafka, demo data."""

import os
import shutil
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from shared.auth import issue_token
from shared.settings import DEV_JWT_SECRET
from tests.support.polling import eventually

REPO = Path(__file__).resolve().parents[2]
BASE = 18200
# Not 9090: a developer's own `make run` may hold it.
PROMETHEUS_PORT = 19390


async def test_make_run_brings_the_system_up_and_dispatches_a_fault(tmp_path: Path) -> None:
    env = os.environ.copy() | {
        "FLEETCARE_DATA_DIR": str(tmp_path / "run"),
        "FLEETCARE_PORT_BASE": str(BASE),
        "KAFKA_PORT": "19292",
        "KAFKA_CONTROLLER_PORT": "19293",
        "FLEETCARE_ENV": "dev",
        "PROMETHEUS_PORT": str(PROMETHEUS_PORT),
    }
    env.pop("FLEETCARE_JWT_SECRET", None)
    log = (tmp_path / "make-run.log").open("wb")
    run = subprocess.Popen(["make", "run"], cwd=REPO, env=env, stdout=log,
                           stderr=subprocess.STDOUT, start_new_session=True)
    try:
        await eventually(lambda: _printed(tmp_path / "make-run.log", "FleetCare is running"),
                         timeout=240, interval=1, what="make run ready")
        depot = {"Authorization": "Bearer " + issue_token(
            DEV_JWT_SECRET, "depot", "it", depot_id="D-BJ")}
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{BASE + 1}", headers=depot,
                                     timeout=10) as intake:
            created = await intake.post("/v1/faults", json={
                "depot_id": "D-BJ", "vehicle_number": "C70-4811", "vehicle_model": "C70",
                "reporter": {"name": "王师傅", "phone": "+86 10 5555 0101"},
                "description": "制动缓解不良", "system": "brake", "can_run": False,
                "location": {"site_code": "BJ-FENGTAI", "lat": 39.86, "lon": 116.29},
                "suspected_parts": [{"part_number": "BRK-VALVE-01", "qty": 1}],
            })
            assert created.status_code == 201, created.text
            fault_id = created.json()["id"]
            assert created.json()["vehicle_registered"] is True  # the demo data was loaded

            async def shown_dispatched() -> dict[str, object] | None:
                fault = (await intake.get(f"/v1/faults/{fault_id}")).json()
                return fault if fault["status"] == "dispatched" and fault["parts"] else None

            fault = await eventually(shown_dispatched, timeout=30, what="dispatched")
        assert fault["assignment"]["technician_id"] == "T-BJ-01"  # type: ignore[index]
        assert (tmp_path / "run" / "intake.db").exists()
        if shutil.which("prometheus"):  # make test installs it; then make run monitors too
            await eventually(_scraping_all_four, timeout=60, interval=2,
                             what="Prometheus scraping the four services")
    finally:
        os.killpg(run.pid, signal.SIGINT)
        try:
            run.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(run.pid, signal.SIGKILL)
            pytest.fail("make run did not stop on Ctrl-C within 60 s")
    assert "Stopped." in (tmp_path / "make-run.log").read_text()


async def _printed(log: Path, text: str) -> bool:
    return text in log.read_text(errors="replace")


async def _scraping_all_four() -> bool:
    async with httpx.AsyncClient(timeout=5) as client:
        try:
            answer = await client.get(f"http://127.0.0.1:{PROMETHEUS_PORT}/api/v1/targets")
        except httpx.HTTPError:
            return False
    targets = answer.json()["data"]["activeTargets"]
    return sum(target["health"] == "up" for target in targets) >= 4
