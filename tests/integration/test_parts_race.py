"""Two faults race for the last unit of a part on PostgreSQL."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlmodel import col

from services.parts.catalogue import register_bin
from services.parts.config import PartsSettings
from services.parts.ledger import ledger_matches_stock
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
        await session.flush()
        await register_bin(session, "BJ", "A-1")
        await session.commit()

    for round_ in range(10):  # a fresh part with one unit a round: exactly one winner each
        part = f"LAST-{round_}"
        async with database.session() as session:
            session.add(PartsPart(part_number=part, name="Brake valve", category="fault_driven",
                                  unit="pc", reorder_point=0))
            await session.flush()
            await receive_stock(session, PartsSettings(), StockReceipt(
                warehouse="BJ", bin="A-1", part_number=part, qty=1), "it")
            await session.commit()
        outcomes = await asyncio.gather(
            reserve(database, fault_needing(part)), reserve(database, fault_needing(part))
        )
        assert sorted((len(o.reserved), len(o.backordered)) for o in outcomes) == [(0, 1), (1, 0)]

    async with database.session() as session:
        stock = (await session.scalars(select(PartsStock).order_by(col(PartsStock.id)))).all()
        assert [(s.on_hand, s.reserved) for s in stock] == [(1, 1)] * 10
        assert await ledger_matches_stock(session) == []
