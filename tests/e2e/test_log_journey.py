"""One grep for a fault id follows the fault through the logs of all four services."""

import json
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_saga import dispatched, report
from tests.support.polling import eventually

CONSUMERS = ("parts", "dispatch", "quality")


def log_lines(system: System, service: str) -> list[dict[str, Any]]:
    """Every line the service has logged this session; each must be one JSON object."""
    process = system.services[service]
    text = (process.log_dir / f"{process.name}.log").read_text(encoding="utf-8")
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        try:
            lines.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise AssertionError(f"{service}.log:{number} is not JSON: {line[:200]!r}") from exc
    return lines


def about(lines: list[dict[str, Any]], fault_id: str) -> list[dict[str, Any]]:
    return [line for line in lines if line.get("fault_id") == fault_id]


async def filed_by_quality(system: System, fault_id: str) -> None:
    async with system.client("quality") as quality:

        async def filed() -> bool:
            response = await quality.get(f"/v1/fault-files/{fault_id}")
            return response.status_code == 200 and "dispatch.assigned" in {
                event["type"] for event in response.json()["events"]}

        await eventually(filed, timeout=20, what=f"quality filed {fault_id}")


async def test_one_grep_for_a_fault_id_shows_its_journey_through_all_four_services(
    system: System,
) -> None:
    fault = await report(system)
    await dispatched(system, fault["id"])
    await filed_by_quality(system, fault["id"])

    async def journey() -> dict[str, list[dict[str, Any]]] | None:
        # A handler's line follows its commit by a moment: wait for the last service's.
        found = {name: about(log_lines(system, name), fault["id"]) for name in system.services}
        return found if all(found.values()) else None

    found = await eventually(journey, timeout=10, interval=0.2, what="the fault in every log")

    for name in system.services:
        assert all(line["service"] == name for line in log_lines(system, name)), name
    (reported,) = [line for line in found["intake"] if line["message"] == "fault reported"]
    assert (reported["number"], reported["severity"]) == (fault["number"], fault["severity"])
    for name in CONSUMERS:
        handled = {line.get("event_type") for line in found[name]}
        assert "fault.reported" in handled, (name, found[name])
    # Each service also says what it published about the fault, e.g. dispatch its assignment.
    assert any(line["message"] == "published dispatch.assigned" for line in found["dispatch"])
    assert any(line["message"] == "published fault.reported" for line in found["intake"])

