"""One running system for the end-to-end tests: four processes, real Kafka, real PostgreSQL."""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial
from importlib import import_module
from pathlib import Path

import httpx
import pytest

from tests.support.databases import create_database, drop_database
from tests.support.env import kafka_bootstrap
from tests.support.kafka import lag
from tests.support.polling import eventually
from tests.support.services import ServiceProcess, token

PORTS = {"intake": 18101, "parts": 18102, "dispatch": 18103, "quality": 18104}
ADMIN = token("admin")


@dataclass
class System:
    services: dict[str, ServiceProcess]

    def client(self, service: str, headers: dict[str, str] | None = None) -> httpx.AsyncClient:
        return httpx.AsyncClient(
            base_url=self.services[service].url, headers=headers or ADMIN, timeout=10.0
        )


# Dispatch's assignment watch (escalation, retries, re-optimisation) and every service's
# database gauges refreshed every few seconds instead of every 30 or 15, so a test sees their
# effect quickly.
_METRICS_REFRESH = {"FLEETCARE_METRICS_REFRESH_SECONDS": "2"}
EXTRA_ENV = {
    "intake": _METRICS_REFRESH,
    "parts": _METRICS_REFRESH,
    "dispatch": {"FLEETCARE_ESCALATION_INTERVAL_SECONDS": "3"} | _METRICS_REFRESH,
    "quality": _METRICS_REFRESH,
}


@pytest.fixture(scope="session")
async def system(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[System]:
    log_dir: Path = tmp_path_factory.mktemp("service-logs")
    urls = {name: await create_database(f"fleetcare_e2e_{name}") for name in PORTS}
    services = {
        name: ServiceProcess(name, port, urls[name], kafka_bootstrap(), log_dir,
                             extra_env=EXTRA_ENV.get(name, {}))
        for name, port in PORTS.items()
    }
    for service in services.values():
        service.start()
    try:
        await asyncio.gather(*(s.wait_ready() for s in services.values()))
        # Earlier tests left events on the topics: let every service work through them first,
        # so the timing assertions measure a fault's own journey, not someone else's backlog.
        for group in PORTS:
            await eventually(partial(caught_up, group), timeout=180, interval=1,
                             what=f"{group} caught up")
        system = System(services)
        await seed_reference_data(system)
        yield system
    finally:
        for service in services.values():
            service.stop()
        for url in urls.values():
            await drop_database(url)


WAREHOUSES = {
    "TS": ("Tangshan central warehouse", "Tangshan", 39.63, 118.18),
    "BJ": ("Beijing warehouse", "Beijing", 39.90, 116.40),
    "GZ": ("Guangzhou warehouse", "Guangzhou", 23.13, 113.26),
}
# A brake crew around Beijing deep enough that queues stay short for the whole session (jobs
# are never completed here), plus engineers elsewhere with other skills.
TECHNICIANS = {
    f"T-BJ-{i}": (f"Beijing engineer {i}", "Beijing", 39.95 + i * 0.01, 116.30, ["brake", "bogie"])
    for i in range(1, 21)
} | {
    "T-GZ-1": ("Chen Jing", "Guangzhou", 23.10, 113.30, ["brake", "hvac"]),
    "T-TS-1": ("Li Na", "Tangshan", 39.60, 118.20, ["traction"]),
}


async def seed_reference_data(system: System) -> None:
    async with system.client("parts") as parts:
        for code, (name, city, lat, lon) in WAREHOUSES.items():
            (await parts.put(f"/v1/warehouses/{code}",
                             json={"name": name, "city": city, "lat": lat, "lon": lon})
             ).raise_for_status()
        (await parts.put("/v1/parts/BRK-VALVE-01", json={
            "name": "Brake release valve", "category": "fault_driven", "unit": "pc",
            "reorder_point": 2})).raise_for_status()
        for code in WAREHOUSES:
            (await parts.put(f"/v1/warehouses/{code}/bins/A-01-01", json={})).raise_for_status()
            (await parts.post("/v1/stock/receipts", json={
                "warehouse": code, "bin": "A-01-01", "part_number": "BRK-VALVE-01",
                "qty": 50})).raise_for_status()
    async with system.client("dispatch") as dispatch:
        for tech_id, (name, station, lat, lon, skills) in TECHNICIANS.items():
            (await dispatch.put(f"/v1/technicians/{tech_id}", json={
                "name": name, "station": station, "lat": lat, "lon": lon, "skills": skills,
                "certifications": skills, "regions": [station], "shift": {}})).raise_for_status()


async def caught_up(group: str) -> bool:
    topics = import_module(f"services.{group}.handlers").CONSUMED_TOPICS
    return await lag(group, list(topics)) == 0


def fault_card(**overrides: object) -> dict[str, object]:
    """A fault as a Beijing depot reports it: brake valve, vehicle cannot run."""
    card: dict[str, object] = {
        "depot_id": "D-BJ",
        "vehicle_number": "C70-4811",
        "vehicle_model": "C70",
        "reporter": {"name": "王师傅", "phone": "+86 10 5555 0101"},
        "description": "制动缓解不良 brake does not release",
        "location": {"site_code": "BJ-FENGTAI", "lat": 39.86, "lon": 116.29},
        "system": "brake",
        "can_run": False,
        "repairable_on_site": True,
        "suspected_parts": [{"part_number": "BRK-VALVE-01", "qty": 1}],
    }
    return card | overrides
