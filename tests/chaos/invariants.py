"""What must hold once a chaos run is quiet, read straight from each service's database and
the broker. Each check returns the violations it found (an empty list when it holds)."""

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

import asyncpg

from tests.chaos.journeys import Journey, Journeys
from tests.chaos.plan import Outcome

# Where each service must leave a fault of each scenario.
INTAKE_STATUS = {
    Outcome.RESOLVED: {"closed"},
    Outcome.DISPATCHED: {"dispatched"},
    Outcome.CANCELLED: {"cancelled"},
    Outcome.BACKORDERED: {"reported", "acknowledged", "dispatched"},
}
JOB_STATUS = {
    Outcome.RESOLVED: {"completed"},
    Outcome.DISPATCHED: {"accepted"},
    Outcome.CANCELLED: {"withdrawn"},  # or no job at all: cancelled before it was reported
    Outcome.BACKORDERED: {"assigned", "unassigned"},
}
RESERVATION_STATUS = {
    Outcome.RESOLVED: ["consumed"],
    Outcome.DISPATCHED: ["reserved"],
    Outcome.CANCELLED: ["released"],  # or none: cancelled before parts saw the report
    Outcome.BACKORDERED: [],
}
CHECKS = (
    "every accepted fault once in intake, in the state its scenario implies",
    "one job per fault in dispatch, in the state its scenario implies",
    "parts knows every fault; its reservations as the scenario implies (never two); "
    "backorders for missing parts",
    "one service record per fault in quality; resolved ones closed",
    "stock ledger balances: per stock row the ledger sums to on hand and reserved",
    "receipts - consumption - issued = on hand; reserved = open reservations; none negative",
    "outboxes drained",
    "no consumer lag; dead-letter topics received nothing",
    "SLA clocks: on-site and resolution times are the app's occurred_at",
)


def dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


async def rows(url: str, query: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn(url))
    try:
        return list(await conn.fetch(query))
    finally:
        await conn.close()


def _accepted(journeys: Journeys) -> dict[str, Journey]:
    return {j.fault_id: j for j in journeys.all if j.fault_id}


async def check_intake(url: str, journeys: Journeys) -> list[str]:
    found = await rows(url, "SELECT id, external_id, status, onsite_at, resolved_at "
                            "FROM intake_fault WHERE external_id LIKE 'chaos-%'")
    problems = [f"intake: {ext} stored {n} times"
                for ext, n in Counter(r["external_id"] for r in found).items() if n > 1]
    accepted = _accepted(journeys)
    stored = {r["id"]: r for r in found}
    problems += [f"intake: accepted fault {f} missing" for f in accepted.keys() - stored.keys()]
    problems += [f"intake: fault {f} stored but never answered to its depot"
                 for f in stored.keys() - accepted.keys()]
    for fault_id, journey in accepted.items():
        row = stored.get(fault_id)
        if row and row["status"] not in INTAKE_STATUS[journey.outcome]:
            problems.append(f"intake: {journey.outcome} fault {fault_id} is {row['status']}")
        if row and journey.outcome is Outcome.RESOLVED:
            problems += _clock(fault_id, "on-site", row["onsite_at"], journey.arrived_at)
            problems += _clock(fault_id, "resolution", row["resolved_at"], journey.completed_at)
    return problems


def _clock(fault_id: str, clock: str, stopped: datetime | None, sent: str | None) -> list[str]:
    if sent is None or stopped is None or abs(
            (stopped - datetime.fromisoformat(sent)).total_seconds()) > 0.001:
        return [f"intake: {clock} clock of {fault_id} stopped at {stopped}, the app said {sent}"]
    return []


async def check_dispatch(url: str, journeys: Journeys) -> list[str]:
    found = await rows(url, "SELECT fault_id, status FROM dispatch_job")
    jobs: dict[str, list[str]] = {}
    for r in found:
        jobs.setdefault(r["fault_id"], []).append(r["status"])
    problems = []
    for fault_id, journey in _accepted(journeys).items():
        statuses = jobs.get(fault_id, [])
        if len(statuses) > 1:
            problems.append(f"dispatch: {len(statuses)} jobs for {fault_id}")
        elif not statuses and journey.outcome is not Outcome.CANCELLED:
            problems.append(f"dispatch: no job for {journey.outcome} fault {fault_id}")
        elif statuses and statuses[0] not in JOB_STATUS[journey.outcome]:
            problems.append(f"dispatch: job of {journey.outcome} fault {fault_id} "
                            f"is {statuses[0]}")
    return problems


async def check_reservations(url: str, journeys: Journeys) -> list[str]:
    lines = await rows(url, "SELECT fault_id, status FROM parts_reservation")
    backorders = await rows(url, "SELECT fault_id, status, outstanding FROM parts_backorder")
    by_fault: dict[str, list[str]] = {}
    for r in lines:
        by_fault.setdefault(r["fault_id"], []).append(r["status"])
    open_backorders = Counter(r["fault_id"] for r in backorders if r["status"] == "open")
    known = {r["fault_id"] for r in await rows(url, "SELECT fault_id FROM parts_fault")}
    problems = []
    for fault_id, journey in _accepted(journeys).items():
        if fault_id not in known:
            problems.append(f"parts: never heard of {journey.outcome} fault {fault_id}")
        statuses = sorted(by_fault.get(fault_id, []))
        expected = RESERVATION_STATUS[journey.outcome]
        cancelled_early = journey.outcome is Outcome.CANCELLED and not statuses
        if statuses != expected and not cancelled_early:
            problems.append(f"parts: {journey.outcome} fault {fault_id} has lines {statuses}")
        wants_backorder = 1 if journey.outcome is Outcome.BACKORDERED else 0
        if open_backorders[fault_id] != wants_backorder:
            problems.append(f"parts: {journey.outcome} fault {fault_id} has "
                            f"{open_backorders[fault_id]} open backorders")
    return problems


async def check_stock(url: str) -> list[str]:
    stock = await rows(url, "SELECT id, on_hand, reserved, quarantined FROM parts_stock")
    sums = {r["stock_id"]: r for r in await rows(url, (
        "SELECT stock_id, SUM(on_hand_delta) AS on_hand, SUM(reserved_delta) AS reserved, "
        "SUM(CASE WHEN reason = 'receipt' THEN on_hand_delta ELSE 0 END) AS received "
        "FROM parts_ledger GROUP BY stock_id"))}
    held = {r["stock_id"]: r for r in await rows(url, (
        "SELECT stock_id, "
        "SUM(CASE WHEN status IN ('reserved', 'approved') THEN qty ELSE 0 END) AS reserved, "
        "SUM(CASE WHEN status = 'issued' THEN qty ELSE 0 END) AS issued, "
        "SUM(consumed_qty) AS consumed FROM parts_reservation GROUP BY stock_id"))}
    problems = []
    for row in stock:
        ledger, lines = sums.get(row["id"]), held.get(row["id"])
        if min(row["on_hand"], row["reserved"], row["quarantined"]) < 0:
            problems.append(f"parts: stock row {row['id']} negative: {dict(row)}")
        if ledger is None:
            problems.append(f"parts: stock row {row['id']} has no ledger")
            continue
        if (ledger["on_hand"], ledger["reserved"]) != (row["on_hand"], row["reserved"]):
            problems.append(f"parts: stock row {row['id']} {dict(row)} != ledger {dict(ledger)}")
        reserved, issued, consumed = (
            (lines["reserved"], lines["issued"], lines["consumed"]) if lines else (0, 0, 0))
        if reserved != row["reserved"]:
            problems.append(f"parts: stock row {row['id']} reserved {row['reserved']} but open "
                            f"reservations hold {reserved}")
        if ledger["received"] - consumed - issued != row["on_hand"]:
            problems.append(f"parts: stock row {row['id']}: received {ledger['received']} - "
                            f"consumed {consumed} - issued {issued} != on hand {row['on_hand']}")
    return problems


async def check_quality(url: str, journeys: Journeys) -> list[str]:
    cards = {r["fault_id"]: r["status"] for r in await rows(
        url, "SELECT fault_id, status FROM quality_service_record")}
    problems = []
    for fault_id, journey in _accepted(journeys).items():
        if fault_id not in cards:
            problems.append(f"quality: no service record for {fault_id}")
        elif journey.outcome is Outcome.RESOLVED and cards[fault_id] != "closed":
            problems.append(f"quality: record of resolved fault {fault_id} is {cards[fault_id]}")
    return problems


async def outbox_backlog(urls: Iterable[str]) -> int:
    total = 0
    for url in urls:
        total += (await rows(url, "SELECT COUNT(*) AS n FROM outbox"))[0]["n"]
    return total


def describe(problems: list[str], limit: int = 20) -> str:
    shown = "\n".join(problems[:limit])
    more = f"\n... and {len(problems) - limit} more" if len(problems) > limit else ""
    return shown + more
