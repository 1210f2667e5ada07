"""Spare-part logistics on the running system: sourcing, lifecycle, quarantine, replenishment."""

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from tests.e2e.conftest import System
from tests.e2e.test_saga import DEPOT, report, reservations
from tests.support.kafka import publish_raw, read_topic
from tests.support.parts import all_pages, stock_part
from tests.support.polling import eventually
from tests.support.services import token

STOREKEEPER = token("warehouse")


def part_number(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"


async def held(system: System, fault_id: str, count: int = 1) -> list[dict[str, Any]]:
    async def probe() -> list[dict[str, Any]] | None:
        lines = await reservations(system, fault_id)
        return lines if len(lines) >= count else None

    return await eventually(probe, timeout=15, what=f"{count} reservation(s) for {fault_id}")


async def events_of(topic: str, key: str, type_: str, count: int = 1) -> list[dict[str, Any]]:
    records = await read_topic(topic, until=99, timeout=3, key=key.encode())
    found = [json.loads(r.value) for r in records if json.loads(r.value)["type"] == type_]
    assert len(found) >= count, f"{type_} for {key}: {len(found)} found"
    return found


def envelope(type_: str, source: str, subject: str, data: dict[str, Any]) -> bytes:
    return json.dumps({
        "id": str(uuid.uuid4()), "type": type_, "source": source,
        "time": datetime.now(UTC).isoformat(), "subject": subject, "correlation_id": subject,
        "data": data,
    }).encode()


async def test_the_nearest_warehouse_that_covers_the_line_serves_it(system: System) -> None:
    part = part_number("NEAR")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("TS", "N-1", 5), ("BJ", "N-1", 5), ("GZ", "N-1", 5)])
    fault = await report(system, suspected_parts=[{"part_number": part, "qty": 2}])
    lines = await held(system, fault["id"])
    assert [(r["warehouse"], r["qty"]) for r in lines] == [("BJ", 2)]


async def test_a_line_no_single_warehouse_covers_is_split_by_distance_with_transfer_etas(
    system: System,
) -> None:
    part = part_number("SPLIT")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("GZ", "S-1", 3), ("TS", "S-1", 2), ("BJ", "S-1", 1)])
    fault = await report(system, suspected_parts=[{"part_number": part, "qty": 4}])
    lines = await held(system, fault["id"], count=3)

    assert [(r["warehouse"], r["qty"]) for r in lines] == [("BJ", 1), ("TS", 2), ("GZ", 1)]
    reserved = (await events_of("fleetcare.parts", fault["id"], "parts.reserved"))[0]
    etas = {line["warehouse"]: datetime.fromisoformat(line["eta"])
            for line in reserved["data"]["lines"]}
    assert etas["BJ"] < etas["TS"] < etas["GZ"]
    async with system.client("parts", STOREKEEPER) as parts:
        transfers = await all_pages(parts, "/v1/transfers", fault_id=fault["id"])
    assert {t["from_warehouse"] for t in transfers} == {"TS", "GZ"}
    assert all(t["eta"] and t["distance_km"] > 150 for t in transfers)
    await events_of("fleetcare.parts", fault["id"], "parts.transfer_requested", count=2)


async def test_a_backorder_is_served_by_a_later_receipt_and_the_fault_moves_on(
    system: System,
) -> None:
    part = part_number("LATE")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [])
    fault = await report(system, system="teleporter",  # nobody qualifies: status stays put
                         suspected_parts=[{"part_number": part, "qty": 2}])
    await events_of("fleetcare.parts", fault["id"], "parts.backordered")

    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "L-1", 3)])
        backorders = await all_pages(parts, "/v1/backorders", fault_id=fault["id"])

    lines = await held(system, fault["id"])
    assert [(r["warehouse"], r["qty"]) for r in lines] == [("BJ", 2)]
    assert [b["status"] for b in backorders] == ["fulfilled"]
    async with system.client("intake", DEPOT) as intake:

        async def moved_on() -> bool:
            shown = (await intake.get(f"/v1/faults/{fault['id']}")).json()
            return bool(shown["status"] == "parts_reserved")

        await eventually(moved_on, timeout=15, what="fault parts_reserved")


async def test_reserve_approve_issue_then_completion_consumes_and_returns_the_rest(
    system: System,
) -> None:
    part = part_number("LIFE")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "C-1", 10)])
    fault = await report(system, suspected_parts=[{"part_number": part, "qty": 3}])
    (line,) = await held(system, fault["id"])
    assert line["status"] == "reserved"

    async with system.client("parts", STOREKEEPER) as parts:
        early = await parts.post(f"/v1/reservations/{line['id']}/issue")
        assert early.status_code == 409  # not approved yet
        assert (await parts.post(f"/v1/reservations/{line['id']}/approve")).status_code == 200
        issued = await parts.post(f"/v1/reservations/{line['id']}/issue")
        assert issued.status_code == 200 and issued.json()["status"] == "issued"
        assert (await parts.post(f"/v1/reservations/{line['id']}/issue")).status_code == 200
        (stock,) = await all_pages(parts, "/v1/stock", part_number=part)
        assert (stock["on_hand"], stock["reserved"]) == (7, 0)

    completed = envelope("dispatch.completed", "dispatch", fault["id"], {
        "fault_id": fault["id"], "job_id": "J-LIFE", "technician_id": "T-BJ-1",
        "occurred_at": datetime.now(UTC).isoformat(), "cause": "valve seized",
        "actions": "replaced one valve", "parts_used": [{"part_number": part, "qty": 1}],
    })
    await publish_raw("fleetcare.dispatch", completed, key=fault["id"].encode())

    async def consumed() -> dict[str, Any] | None:
        (current,) = await reservations(system, fault["id"])
        return current if current["status"] == "consumed" else None

    done = await eventually(consumed, timeout=15, what="reservation consumed")
    assert (done["consumed_qty"], done["returned_qty"]) == (1, 2)
    async with system.client("parts", STOREKEEPER) as parts:
        (stock,) = await all_pages(parts, "/v1/stock", part_number=part)
        ledger = await all_pages(parts, "/v1/stock/ledger", part_number=part)
        month = datetime.now(UTC).strftime("%Y-%m")
        report_ = (await parts.get(f"/v1/parts/{part}/consumption",
                                   params={"from": month, "to": month})).json()
    assert (stock["on_hand"], stock["reserved"], stock["available"]) == (9, 0, 9)
    reasons = [m["reason"] for m in ledger]
    assert reasons == ["receipt", "reservation", "issue", "consumption", "return"]
    assert report_["warehouses"][0]["warehouse"] == "BJ"
    assert report_["warehouses"][0]["months"] == [{"month": month, "consumed": 1}]
    await events_of("fleetcare.parts", fault["id"], "parts.consumed")


async def test_a_class_a_fault_is_approved_automatically(system: System) -> None:
    part = part_number("AUTO")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "A-9", 2)])
    fault = await report(system, can_run=False, repairable_on_site=False,
                         suspected_parts=[{"part_number": part, "qty": 1}])
    assert fault["severity"] == "A"

    async def approved() -> bool:
        lines = await reservations(system, fault["id"])
        return bool(lines) and lines[0]["status"] == "approved"

    await eventually(approved, timeout=15, what="auto-approved")


async def test_emergency_stock_is_kept_for_class_a_and_b(system: System) -> None:
    part = part_number("EMRG")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "E-1", 2)], category="emergency")
    minor = await report(system, can_run=True, suspected_parts=[{"part_number": part, "qty": 1}])
    major = await report(system, can_run=False, suspected_parts=[{"part_number": part, "qty": 1}])
    assert (minor["severity"], major["severity"]) == ("C", "B")

    await held(system, major["id"])
    backordered = await events_of("fleetcare.parts", minor["id"], "parts.backordered")
    assert backordered[0]["data"]["lines"][0]["part_number"] == part
    assert await reservations(system, minor["id"]) == []


async def test_quarantining_a_batch_re_sources_the_open_reservation_from_another_batch(
    system: System,
) -> None:
    part = part_number("QUAR")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "Q-1", 5, "BATCH-1"), ("BJ", "Q-2", 3, "BATCH-2")])
    fault = await report(system, suspected_parts=[{"part_number": part, "qty": 1}])
    (first,) = await held(system, fault["id"])
    assert first["batch"] == "BATCH-1"

    await publish_raw("fleetcare.quality", envelope("quality.part_quarantined", "quality", part, {
        "part_number": part, "batch": "BATCH-1", "reason": "cracked housings in batch",
    }), key=part.encode())

    lines = await held(system, fault["id"], count=2)
    by_status = {r["status"]: r for r in lines}
    assert by_status["released"]["batch"] == "BATCH-1"
    assert by_status["reserved"]["batch"] == "BATCH-2"
    async with system.client("parts", STOREKEEPER) as parts:
        stock = {s["batch"]: s for s in await all_pages(parts, "/v1/stock", part_number=part)}
    assert stock["BATCH-1"]["available"] == 0 and stock["BATCH-1"]["quarantined"] == 5
    assert stock["BATCH-2"]["reserved"] == 1


async def test_stock_low_is_published_once_per_crossing(system: System) -> None:
    part = part_number("LOW")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "W-1", 3)], reorder_point=2)
    first = await report(system, suspected_parts=[{"part_number": part, "qty": 2}])
    await held(system, first["id"])
    second = await report(system, suspected_parts=[{"part_number": part, "qty": 1}])
    await held(system, second["id"])

    lows = await events_of("fleetcare.parts", part, "stock.low")
    assert len(lows) == 1
    assert (lows[0]["data"]["warehouse"], lows[0]["data"]["available"]) == ("BJ", 1)

    # A receipt lifts it back to the reorder point (re-armed); falling below again fires again.
    async with system.client("parts", STOREKEEPER) as parts:
        (await parts.post("/v1/stock/receipts", json={
            "warehouse": "BJ", "bin": "W-1", "part_number": part, "qty": 2})).raise_for_status()
    third = await report(system, suspected_parts=[{"part_number": part, "qty": 2}])
    await held(system, third["id"])
    lows = await events_of("fleetcare.parts", part, "stock.low", count=2)
    assert [(low["data"]["warehouse"], low["data"]["available"]) for low in lows] == [
        ("BJ", 1), ("BJ", 0)]


async def test_bad_stock_input_is_refused_and_leaves_the_ledger_alone(system: System) -> None:
    part = part_number("BAD")
    async with system.client("parts", STOREKEEPER) as parts:
        await stock_part(parts, part, [("BJ", "B-1", 1)])
        before = await all_pages(parts, "/v1/stock/ledger", part_number=part)
        receipt = {"warehouse": "BJ", "bin": "B-1", "part_number": part, "qty": 1}
        refused = {
            "unknown part": receipt | {"part_number": "NO-SUCH-PART"},
            "unknown warehouse": receipt | {"warehouse": "XX"},
            "negative": receipt | {"qty": -1},
            "fractional": receipt | {"qty": 1.5},
            "no such bin": receipt | {"bin": "Z-99"},
        }
        answers = {name: await parts.post("/v1/stock/receipts", json=body)
                   for name, body in refused.items()}
        after = await all_pages(parts, "/v1/stock/ledger", part_number=part)

    for name, answer in answers.items():
        assert answer.status_code == 422, name
        assert answer.headers["content-type"] == "application/problem+json", name
        assert answer.json()["errors"], name
    fields = {name: {e["field"] for e in a.json()["errors"]} for name, a in answers.items()}
    assert fields["unknown part"] == {"part_number"}
    assert fields["unknown warehouse"] == {"warehouse"}
    assert fields["negative"] == fields["fractional"] == {"qty"}
    assert fields["no such bin"] == {"bin"}
    assert after == before

