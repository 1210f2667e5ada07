"""A fault travels intake -> parts + dispatch -> intake over the real broker."""

from typing import Any

import httpx

from tests.e2e.conftest import System, fault_card
from tests.support.kafka import publish_raw, read_topic
from tests.support.metrics import Samples, scrape, series, total
from tests.support.polling import eventually
from tests.support.services import token

DEPOT = token("depot", depot_id="D-BJ")


async def report(running: System, **overrides: object) -> dict[str, Any]:
    async with running.client("intake", DEPOT) as intake:
        response = await intake.post("/v1/faults", json=fault_card(**overrides))
    assert response.status_code == 201, response.text
    fault: dict[str, Any] = response.json()
    return fault


async def dispatched(system: System, fault_id: str, timeout: float = 20.0) -> dict[str, Any]:
    """Wait until the fault shows status dispatched with a reservation and a technician."""
    async with system.client("intake", DEPOT) as intake:

        async def probe() -> dict[str, Any] | None:
            fault: dict[str, Any] = (await intake.get(f"/v1/faults/{fault_id}")).json()
            done = (
                fault["status"] == "dispatched"
                and fault["parts"].get("reserved")
                and fault["assignment"]
            )
            return fault if done else None

        return await eventually(probe, timeout=timeout, what=f"fault {fault_id} dispatched")


async def technician_of(system: System, technician_id: str) -> dict[str, Any]:
    async with system.client("dispatch") as dispatch:
        response = await dispatch.get(f"/v1/technicians/{technician_id}")
    response.raise_for_status()
    technician: dict[str, Any] = response.json()
    return technician


async def reservations(system: System, fault_id: str) -> list[dict[str, Any]]:
    async with system.client("parts") as parts:
        page = (await parts.get("/v1/reservations", params={"fault_id": fault_id})).json()
    items: list[dict[str, Any]] = page["items"]
    return items


async def jobs_for(system: System, fault_id: str) -> list[dict[str, Any]]:
    async with system.client("dispatch") as dispatch:
        page = (await dispatch.get("/v1/jobs", params={"fault_id": fault_id})).json()
    items: list[dict[str, Any]] = page["items"]
    return items


async def test_a_reported_fault_is_dispatched_with_parts_and_technician_within_10s(
    system: System,
) -> None:
    fault = await report(system)
    assert fault["status"] == "reported" and fault["severity"] == "B"
    # The e2e vehicles are not registered: accepted all the same, and flagged.
    assert fault["vehicle_registered"] is False and fault["responsibility_hint"] == "unknown"

    shown = await dispatched(system, fault["id"], timeout=10.0)

    # A nearby brake engineer (the session's Beijing crew, or one another test registered there).
    technician = await technician_of(system, shown["assignment"]["technician_id"])
    assert technician["station"] == "Beijing" and "brake" in technician["skills"]
    assert shown["parts"]["reserved"][0]["warehouse"] == "BJ"  # nearest with stock
    types = [entry["type"] for entry in shown["timeline"]]
    assert types[0] == "fault.reported"
    assert {"parts.reserved", "dispatch.assigned"} <= set(types)
    assert len(await reservations(system, fault["id"])) == 1


async def test_the_same_fault_reported_envelope_twice_yields_one_reservation_and_one_job(
    system: System,
) -> None:
    fault = await report(system)
    await dispatched(system, fault["id"])
    original = await read_topic("fleetcare.intake", key=fault["id"].encode())
    assert original, "fault.reported was not found on fleetcare.intake"

    before = await duplicates_seen(system)

    await publish_raw("fleetcare.intake", original[0].value, key=original[0].key)

    async def both_skipped_it() -> bool:
        now = await duplicates_seen(system)
        return all(now[name] >= before[name] + 1 for name in now)

    await eventually(both_skipped_it, timeout=15, what="duplicate seen by parts and dispatch")
    assert len(await reservations(system, fault["id"])) == 1
    assert len(await jobs_for(system, fault["id"])) == 1


async def duplicates_seen(system: System) -> dict[str, float]:
    seen = {}
    for name in ("parts", "dispatch"):
        async with system.client(name) as client:
            samples = await scrape(client)
        seen[name] = total(samples, "fleetcare_events_consumed_total",
                           type="fault.reported", outcome="duplicate")
    return seen


async def test_a_malformed_message_is_dead_lettered_and_the_next_fault_still_flows(
    system: System,
) -> None:
    await publish_raw("fleetcare.intake", b"{not json at all", key=b"garbage-key")
    fault = await report(system)

    await dispatched(system, fault["id"])
    letters = await read_topic("fleetcare.dlt.parts", key=b"garbage-key")
    assert letters and letters[0].value == b"{not json at all"
    headers = dict(letters[0].headers)
    assert headers["fleetcare-original-topic"] == b"fleetcare.intake"
    assert await read_topic("fleetcare.dlt.dispatch", key=b"garbage-key")
    for name in ("parts", "dispatch"):
        async with system.client(name) as client:
            samples = await scrape(client)
        assert total(samples, "fleetcare_events_dead_lettered_total", service=name,
                     topic="fleetcare.intake", reason="malformed") >= 1


async def scrape_settled(client: httpx.AsyncClient, service: str) -> Samples:
    """Scrape once the service's consumer shows its lag (it does every few seconds, after its
    first fetch has answered) and its readiness gauges say ready: an earlier test restarted the
    broker, and until the consumer has rejoined its group and polled again the kafka gauge
    truthfully says 0, for a moment even after `/readyz` answered 200."""

    async def probe() -> Samples | None:
        samples = await scrape(client)
        settled = series(samples, "fleetcare_consumer_lag_messages") and all(
            total(samples, "fleetcare_ready", service=service, dependency=dependency) == 1
            for dependency in ("database", "kafka"))
        return samples if settled else None

    return await eventually(probe, timeout=30, what=f"{service}'s consumer lag and readiness")


async def test_every_service_exposes_http_event_outbox_lag_and_readiness_metrics(
    system: System,
) -> None:
    fault = await report(system)
    await dispatched(system, fault["id"])
    for name in ("intake", "parts", "dispatch", "quality"):
        async with system.client(name) as client:
            await client.get("/healthz")

            async def ready() -> bool:
                # An earlier test restarted the broker: readiness follows the next Kafka probe.
                return (await client.get("/readyz")).status_code == 200

            await eventually(ready, timeout=20, interval=0.5, what=f"{name} ready")
            samples = await scrape_settled(client, name)
        assert total(samples, "fleetcare_http_requests_total", service=name, route="/healthz",
                     status_class="2xx") >= 1
        assert total(samples, "fleetcare_events_consumed_total", service=name,
                     outcome="processed") >= 1
        assert all(labels["topic"].startswith("fleetcare.") for labels in series(
            samples, "fleetcare_events_consumed_total", service=name))
        assert total(samples, "fleetcare_ready", service=name, dependency="database") == 1
        assert total(samples, "fleetcare_ready", service=name, dependency="kafka") == 1
        assert series(samples, "fleetcare_outbox_oldest_pending_age_seconds", service=name)
        if name != "quality":
            assert total(samples, "fleetcare_events_published_total", service=name,
                         topic=f"fleetcare.{name}") >= 1
            assert total(samples, "fleetcare_outbox_publish_lag_seconds_count",
                         service=name) >= 1


async def test_quality_records_every_event_of_the_fault(system: System) -> None:
    fault = await report(system)
    await dispatched(system, fault["id"])
    async with system.client("quality") as quality:

        async def seen() -> list[str] | None:
            response = await quality.get(f"/v1/fault-files/{fault['id']}")
            if response.status_code != 200:
                return None
            types = [e["type"] for e in response.json()["events"]]
            return types if {"fault.reported", "parts.reserved", "dispatch.assigned"} <= set(
                types) else None

        await eventually(seen, timeout=10, what="quality fault file complete")
        events = (await quality.get(f"/v1/fault-files/{fault['id']}")).json()["events"]
    ids = [e["event_id"] for e in events]
    assert len(ids) == len(set(ids))  # each event filed once
