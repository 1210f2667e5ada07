"""Two faults race for the last unit of a part on PostgreSQL."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from services.parts.config import PartsSettings
from services.parts.models import PartsPart, PartsStock, PartsWarehouse, StockReceipt
from services.parts.reservations import ReservationOutcome, reserve_for_fault
from services.parts.stock import receive_stock
from shared.db import Database
from shared.events import FaultReported, Location, PartLine

pytestmark = pytest.mark.service("parts")


def fault_needing(part_number: str) -> FaultReported:
    now = datetime.now(UTC)
    fault_id = str(uuid.uuid4())
    return FaultReported(
        fault_id=fault_id, number="FR-TEST", depot_id="D-BJ", vehicle_number="C70-1",
        vehicle_model="C70", severity="B", description="brake", system="brake",
        location=Location(site_code="BJ", lat=39.9, lon=116.4),
        suspected_parts=[PartLine(part_number=part_number, qty=1)],
        reported_at=now, onsite_due=now + timedelta(hours=8),
    )


async def reserve(database: Database, fault: FaultReported) -> ReservationOutcome:
    async with database.session() as session:
        outcome = await reserve_for_fault(session, PartsSettings(), fault, fault.fault_id)
        await session.commit()
    return outcome


async def test_two_faults_racing_for_the_last_unit_one_gets_it_and_stock_stays_whole(
    database: Database,
) -> None:
    async with database.session() as session:
        session.add(PartsWarehouse(code="BJ", name="Beijing", city="Beijing", lat=39.9, lon=116.4))
        session.add(PartsPart(part_number="BRK-LAST", name="Brake valve",
                              category="fault_driven", unit="pc", reorder_point=0))
        await session.flush()
        await receive_stock(session, StockReceipt(warehouse="BJ", bin="A-1",
                                                  part_number="BRK-LAST", qty=1), "it")
        await session.commit()

    for round_ in range(10):  # several rounds, one unit each: each must have exactly one winner
        if round_:
            async with database.session() as session:
                await receive_stock(session, StockReceipt(warehouse="BJ", bin="A-1",
                                                          part_number="BRK-LAST", qty=1), "it")
                await session.commit()
        outcomes = await asyncio.gather(
            reserve(database, fault_needing("BRK-LAST")),
            reserve(database, fault_needing("BRK-LAST")),
        )
        winners = [o for o in outcomes if o.reserved]
        losers = [o for o in outcomes if o.backordered]
        assert len(winners) == 1 and len(losers) == 1

    async with database.session() as session:
        stock = (await session.scalars(select(PartsStock))).one()
    assert stock.reserved == stock.on_hand == 10
