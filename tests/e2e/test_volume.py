"""Volume through intake: a full batch and a thousand faults paged through.

Kept last among the end-to-end tests (by file name): the 1,500 unassignable jobs they create keep
dispatch busy for a while, and the timing tests elsewhere should not wait behind them.
"""

from typing import Any

from tests.e2e.conftest import System, fault_card
from tests.e2e.test_intake import unique_vehicle
from tests.e2e.test_saga import DEPOT


async def test_a_batch_of_500_with_3_bad_cards_creates_497_and_names_each_bad_field(
    system: System,
) -> None:
    vehicle = unique_vehicle()
    cards: list[dict[str, Any]] = [
        # A system no seeded engineer is certified for: 500 jobs stay unassigned, queues unharmed.
        fault_card(vehicle_number=vehicle, suspected_parts=[], system="interior")
        for _ in range(500)
    ]
    cards[7] = {k: v for k, v in cards[7].items() if k != "description"}
    cards[250] = cards[250] | {"location": {"site_code": "X", "lat": 200, "lon": 116.3}}
    cards[499] = cards[499] | {"severity": "D"}
    async with system.client("intake", DEPOT) as intake:
        response = await intake.post("/v1/faults:batch", json={"faults": cards}, timeout=60)

    assert response.status_code == 207, response.text
    body = response.json()
    assert (body["created"], body["failed"]) == (497, 3)
    results = body["results"]
    assert [r["index"] for r in results] == list(range(500))
    failed = {r["index"]: r for r in results if r["status"] != 201}
    assert set(failed) == {7, 250, 499}
    assert [e["field"] for e in failed[7]["errors"]] == ["description"]
    assert [e["field"] for e in failed[250]["errors"]] == ["location.lat"]
    assert [e["field"] for e in failed[499]["errors"]] == ["severity"]
    assert all(r["fault"]["number"].startswith("FR-") for r in results if r["status"] == 201)


async def test_1000_faults_paged_at_37_come_back_each_exactly_once(system: System) -> None:
    vehicle = unique_vehicle()
    async with system.client("intake", DEPOT) as intake:
        for _ in range(2):
            cards = [fault_card(vehicle_number=vehicle, suspected_parts=[], system="interior")
                     for _ in range(500)]
            response = await intake.post("/v1/faults:batch", json={"faults": cards}, timeout=60)
            assert response.json()["created"] == 500
        seen: list[str] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"vehicle_number": vehicle, "limit": 37}
            if cursor:
                params["cursor"] = cursor
            # A new fault arriving between pages must not shift or repeat anything.
            await intake.post("/v1/faults", json=fault_card(suspected_parts=[], system="interior"))
            page = (await intake.get("/v1/faults", params=params)).json()
            seen += [f["id"] for f in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
    assert len(seen) == 1000 and len(set(seen)) == 1000
