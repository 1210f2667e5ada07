"""Customer-satisfaction surveys and the complaints register on the running system."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.e2e.conftest import System
from tests.support.services import token

QUALITY = token("quality")


def depot(depot_id: str) -> dict[str, str]:
    return token("depot", depot_id=depot_id)


async def indicators(quality: httpx.AsyncClient) -> list[str]:
    weights = (await quality.get("/v1/surveys/weights")).json()
    return [i["name"] for c in weights["criteria"] for i in c["indicators"]]


async def stats_of(quality: httpx.AsyncClient, operator: str) -> dict[str, Any] | None:
    response = await quality.get("/v1/surveys/stats", params={"group_by": "operator"})
    assert response.status_code == 200, response.text
    groups = [g for g in response.json()["groups"] if g["key"] == operator]
    return groups[0] if groups else None


async def test_survey_responses_are_scored_banded_and_summed_up_per_operator_and_campaign(
    system: System,
) -> None:
    operator = f"D-SURVEY-{uuid.uuid4().hex[:6]}"
    now = datetime.now(UTC)
    async with system.client("quality", QUALITY) as quality:
        names = await indicators(quality)
        assert len(names) == 15
        campaign = (await quality.post("/v1/survey-campaigns", json={
            "year": now.year, "name": f"pulse {operator}",
            "opens_at": (now - timedelta(hours=1)).isoformat(),
            "closes_at": (now + timedelta(hours=1)).isoformat()})).json()
        assert campaign["open"] is True

        async with system.client("quality", depot(operator)) as own_depot:
            answers = [dict.fromkeys(names, 95), dict.fromkeys(names, 60)]
            scored = []
            for scores in answers:
                response = await own_depot.post("/v1/surveys", json={
                    "operator_id": operator, "region": "华北", "campaign_id": campaign["id"],
                    "scores": scores})
                assert response.status_code == 201, response.text
                scored.append(response.json())
            before = await own_depot.post("/v1/surveys", json={
                "operator_id": operator, "region": "华北", "campaign_id": campaign["id"],
                "responded_at": (now - timedelta(days=1)).isoformat(),
                "scores": answers[0]})
            assert before.status_code == 409

        assert [(r["score"], r["band"]) for r in scored] == [
            (95, "extremely_satisfied"), (60, "basically_satisfied")]
        assert set(scored[0]["criterion_scores"].values()) == {95}

        group = await stats_of(quality, operator)
        assert group is not None
        assert (group["count"], group["mean"], group["min"], group["max"]) == (2, 77.5, 60, 95)
        assert group["bands"] == {"extremely_satisfied": 1, "very_satisfied": 0,
                                  "basically_satisfied": 1, "dissatisfied": 0}
        assert set(group["criterion_means"].values()) == {77.5}

        shown = (await quality.get(f"/v1/survey-campaigns/{campaign['id']}")).json()
        assert shown["stats"]["count"] == 2 and shown["stats"]["mean"] == 77.5
        regions = (await quality.get("/v1/surveys/stats", params={
            "group_by": "region", "from": (now - timedelta(minutes=5)).isoformat()})).json()
        assert any(g["key"] == "华北" and g["count"] >= 2 for g in regions["groups"])


async def test_a_bad_survey_response_is_a_422_and_stores_nothing(system: System) -> None:
    operator = f"D-BAD-{uuid.uuid4().hex[:6]}"
    async with system.client("quality", QUALITY) as quality:
        names = await indicators(quality)
        for scores in (dict.fromkeys(names, 101), dict.fromkeys(names, 80) | {"coffee": 80},
                       dict.fromkeys(names[1:], 80)):
            response = await quality.post("/v1/surveys", json={
                "operator_id": operator, "region": "华南", "scores": scores})
            assert response.status_code == 422, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["errors"][0]["field"].startswith("scores")
        assert await stats_of(quality, operator) is None


async def test_complaints_are_numbered_without_gaps_and_tracked_to_closure(system: System) -> None:
    depot_id = f"D-CP-{uuid.uuid4().hex[:6]}"
    async with system.client("quality", depot(depot_id)) as own_depot:
        registered = await asyncio.gather(*(own_depot.post("/v1/complaints", json={
            "depot_id": depot_id, "summary": f"制动缓解不良 complaint {i}",
            "category": "quality", "vehicle_number": "C70-4811"}) for i in range(8)))
    assert all(r.status_code == 201 for r in registered), [r.text for r in registered]
    numbers = sorted(int(r.json()["number"].rsplit("-", 1)[1]) for r in registered)
    assert numbers == list(range(numbers[0], numbers[0] + 8))
    complaint = registered[0].json()
    assert complaint["number"].startswith(f"CP-{datetime.now(UTC).year}-")
    assert complaint["status"] == "received"

    async with system.client("quality", QUALITY) as quality:
        path = f"/v1/complaints/{complaint['id']}"
        early = await quality.post(f"{path}/close")
        assert early.status_code == 422
        assert {e["field"] for e in early.json()["errors"]} == {
            "root_cause", "immediate_fix", "improvement", "prevention"}
        investigating = (await quality.patch(path, json={"root_cause": "阀座磨损 valve seat wear"})
                         ).json()
        assert investigating["status"] == "investigating"
        resolved = (await quality.patch(path, json={
            "immediate_fix": "valve replaced", "improvement": "harder seat material",
            "prevention": "check seats at every 定检",
            "compensation": {"amount": 1200, "note": "two days out of service"}})).json()
        assert resolved["status"] == "resolved"
        closed = await quality.post(f"{path}/close")
        assert closed.status_code == 200 and closed.json()["status"] == "closed"
        assert (await quality.patch(path, json={"root_cause": "other"})).status_code == 409

        register = (await quality.get("/v1/complaints", params={"depot_id": depot_id})).json()
        assert len(register["items"]) == 8
        shown = {c["number"]: c for c in register["items"]}[complaint["number"]]
        assert [s["status"] for s in shown["timeline"]] == [
            "received", "investigating", "resolved", "closed"]
        assert shown["root_cause"] == "阀座磨损 valve seat wear"
        assert shown["compensation"] == {"amount": 1200.0, "note": "two days out of service"}
        still_open = (await quality.get("/v1/complaints", params={
            "depot_id": depot_id, "status": "received"})).json()
        assert len(still_open["items"]) == 7
