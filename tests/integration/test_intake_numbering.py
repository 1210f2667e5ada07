"""Fault numbers on PostgreSQL: reports run side by side, and a page of the fault list never
skips a fault whose lower number committed after a higher one."""

import asyncio
import uuid

import pytest
from sqlalchemy import select

from services.intake.config import IntakeSettings
from services.intake.models import IntakeFault
from services.intake.numbering import settled_page
from services.intake.reporting import report_fault
from shared.db import Database
from tests.integration.test_intake_sla import card

pytestmark = pytest.mark.service("intake")
GRANTED_WITHIN = 5.0
STILL_WAITING = 0.5


async def test_a_page_waits_for_the_lower_number_and_reports_do_not_wait(
    database: Database,
) -> None:
    settings = IntakeSettings()
    async with database.session() as slow, database.session() as quick, \
            database.session() as reader:
        # A report takes its number and has not committed yet.
        lower = await report_fault(slow, settings, card(f"C70-{uuid.uuid4().hex[:6]}"))
        # Another report goes ahead without waiting, with a higher number, and commits.
        higher = await asyncio.wait_for(
            report_fault(quick, settings, card(f"C70-{uuid.uuid4().hex[:6]}")), GRANTED_WITHIN)
        await quick.commit()
        assert lower.seq is not None and higher.seq is not None and lower.seq < higher.seq
        # A page asked for now waits: returning the higher number alone would make its cursor
        # step over the lower one.
        page = asyncio.ensure_future(settled_page(reader, select(IntakeFault), 50, None))
        await asyncio.sleep(STILL_WAITING)
        assert not page.done()
        await slow.commit()
        faults, _ = await asyncio.wait_for(page, GRANTED_WITHIN)
        assert [f.id for f in faults] == [lower.id, higher.id]
        await reader.rollback()
