"""What operations see in Prometheus after one fault's whole journey: the catalogue's metrics
(docs/metrics.md) on every service, and the ones the journey moved above zero."""

import asyncio
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_dispatch import COMPLETION, action, app, job_of, register
from tests.e2e.test_saga import DEPOT, report
from tests.support.metrics import scrape, total
from tests.support.polling import eventually

CATALOGUE = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"
SERVICES = ("intake", "parts", "dispatch", "quality")
PUBLISHERS = ("intake", "parts", "dispatch")
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
# (sample, labels it must include) that one fault reported, reserved, dispatched and completed
# through the mobile app moves above zero; label sets may hold more labels than these.
EVERY_SERVICE: list[tuple[str, dict[str, str]]] = [
    ("fleetcare_http_requests_total", {"status_class": "2xx"}),
    ("fleetcare_http_request_duration_seconds_count", {}),
    ("fleetcare_events_consumed_total", {"outcome": "processed"}),
    ("fleetcare_event_handling_seconds_count", {}),
    ("fleetcare_ready", {"dependency": "database"}),
]
PUBLISHING: list[tuple[str, dict[str, str]]] = [
    ("fleetcare_events_published_total", {}),
    ("fleetcare_outbox_publish_lag_seconds_count", {}),
]
OWN: dict[str, list[tuple[str, dict[str, str]]]] = {
    "intake": [
        ("fleetcare_faults_reported_total", {"severity": "B"}),
        ("fleetcare_fault_report_to_dispatch_seconds_count", {"severity": "B"}),
        ("fleetcare_fault_report_to_onsite_seconds_count", {"severity": "B"}),
        ("fleetcare_fault_report_to_resolution_seconds_count", {"severity": "B"}),
        *[("fleetcare_sla_clocks_total", {"clock": clock, "severity": "B", "outcome": "met"})
          for clock in ("respond", "onsite", "resolve")],
    ],
    "parts": [("fleetcare_reservations_total", {"outcome": "reserved"})],
    "dispatch": [
        ("fleetcare_dispatch_decision_seconds_count", {}),
        ("fleetcare_dispatch_technicians", {}),
    ],
    "quality": [],
}
OPEN_JOB_STATUSES = {"unassigned", "assigned", "accepted", "en_route", "on_site"}


def catalogue() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each catalogued metric: its type and the services that export it."""
    metrics: dict[str, tuple[str, tuple[str, ...]]] = {}
    for line in CATALOGUE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) >= 5 and cells[0].startswith("`fleetcare_"):
            exporters = SERVICES if cells[3] == "all" else (cells[3],)
            metrics[cells[0].strip("`")] = (cells[1], exporters)
    return metrics


async def exposition(system: System, service: str) -> tuple[dict[str, str], Samples]:
    """The metric families a service declares ({name: type}) and its samples."""
    async with system.client(service) as client:
        response = await client.get("/metrics")
        response.raise_for_status()
        samples = await scrape(client)
    declared = dict(
        line.split()[2:4] for line in response.text.splitlines() if line.startswith("# TYPE ")
    )
    return declared, samples


async def shortcomings(system: System) -> list[str]:
    """What the services' metrics still lack (empty once all is there)."""
    expected = catalogue()
    found = []
    for service in SERVICES:
        declared, samples = await exposition(system, service)
        for name, (kind, exporters) in expected.items():
            if service in exporters and declared.get(name) != kind:
                found.append(f"{service}: {name} is {declared.get(name)}, not {kind}")
        moved = EVERY_SERVICE + (PUBLISHING if service in PUBLISHERS else []) + OWN[service]
        found += [f"{service}: {name}{labels} is 0" for name, labels in moved
                  if total(samples, name, **labels) <= 0]
        if service == "dispatch":
            statuses = {dict(labels).get("status") for name, labels in samples
                        if name == "fleetcare_dispatch_jobs"}
            if missing := OPEN_JOB_STATUSES - statuses:
                found.append(f"dispatch: fleetcare_dispatch_jobs lacks {sorted(missing)}")
    return found


async def complete_a_fault_through_the_mobile_app(system: System) -> None:
    """Report a fault needing a stocked part, let parts reserve it and dispatch send the only
    engineer certified for it, and walk the job to completion on the engineer's phone."""
    skill = f"axlebox-{uuid.uuid4().hex[:6]}"
    tech = await register(system, skill)
    fault = await report(system, system=skill)
    job = await job_of(system, fault["id"])
    assert job["technician_id"] == tech
    async with app(tech, system) as phone:
        for step, body in (("accept", action()), ("depart", action()), ("arrive", action()),
                           ("complete", action(**COMPLETION))):
            response = await phone.post(f"/v1/jobs/{job['id']}/{step}", json=body)
            assert response.status_code == 200, (step, response.text)
    async with system.client("intake", DEPOT) as intake:

        async def closed() -> dict[str, Any] | None:
            shown: dict[str, Any] = (await intake.get(f"/v1/faults/{fault['id']}")).json()
            return shown if shown["status"] == "closed" and shown["parts"].get("reserved") else None

        await eventually(closed, timeout=20, what="fault reserved, dispatched and closed")


async def test_after_a_faults_journey_every_service_shows_the_catalogue_and_what_moved(
    system: System,
) -> None:
    await complete_a_fault_through_the_mobile_app(system)

    # The database gauges follow on the refresh loop (every 2 s here, see conftest.EXTRA_ENV).
    found: list[str] = []
    for _ in range(20):
        found = await shortcomings(system)
        if not found:
            break
        await asyncio.sleep(1)
    assert not found, "\n".join(found)
