"""Fault numbers and the fault list's order on PostgreSQL (SQLite writers are serial already).

The list pages by `seq` (keyset). Sequence values are handed out in one order and committed
in another, so a page read while a report with a lower number is still in flight would make
the next page skip it for good. Reports take the numbering lock shared (they run side by
side, each holding it to its commit); a page takes it exclusively for its own short
transaction, so it waits until the reports in flight have committed and every report after it
gets a higher number. Reports then never wait for each other, only, briefly, for a page.
"""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake.models import IntakeFault
from shared.db import on_postgresql
from shared.pagination import keyset_page

_KEY = "hashtext('intake_fault_seq')"


async def numbering_for_report(session: AsyncSession) -> None:
    """Before a report takes its numbers: held, shared, until its commit."""
    if on_postgresql(session):
        await session.execute(text(f"SELECT pg_advisory_xact_lock_shared({_KEY})"))


async def numbering_settled(session: AsyncSession) -> None:
    """Before a page is read: every number handed out so far is committed or abandoned."""
    if on_postgresql(session):
        await session.execute(text(f"SELECT pg_advisory_xact_lock({_KEY})"))


async def settled_page(
    session: AsyncSession, query: Select[Any], limit: int, cursor: str | None
) -> tuple[Sequence[IntakeFault], str | None]:
    """One page of faults in number order, read once the numbers before it are settled; the
    caller ends the transaction as soon as it has what it needs (reports wait meanwhile)."""
    await numbering_settled(session)
    return await keyset_page(session, query, col(IntakeFault.seq), limit, cursor)
