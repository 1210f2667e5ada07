"""Faults as parts knows them: where the site is, how severe, whether still open."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Result, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.models import PartsFault
from shared.db import dialect_insert
from shared.events import FaultReported


@dataclass(frozen=True)
class FaultSite:
    """Where a fault's parts must go, and how urgent it is."""

    fault_id: str
    severity: str
    site_code: str
    lat: float
    lon: float


class ReportSeen(StrEnum):
    FIRST = "first"
    REPEATED = "repeated"  # the same fault reported again (a re-sent event): nothing to do
    CLOSED = "closed"  # cancelled or completed before the report arrived: nothing to do


async def record_report(session: AsyncSession, fault: FaultReported) -> ReportSeen:
    """Remember the fault's site and class, once; locks the fault's row."""
    statement = dialect_insert(session, PartsFault).values(
        fault_id=fault.fault_id, severity=fault.severity, site_code=fault.location.site_code,
        lat=fault.location.lat, lon=fault.location.lon, onsite_due=fault.onsite_due,
        reported_at=fault.reported_at,
    )
    excluded = statement.excluded
    statement = statement.on_conflict_do_update(
        index_elements=["fault_id"],
        set_={name: excluded[name] for name in
              ("severity", "site_code", "lat", "lon", "onsite_due", "reported_at")},
        where=col(PartsFault.reported_at).is_(None),
    ).returning(col(PartsFault.cancelled_at), col(PartsFault.completed_at))
    row = (await session.execute(statement)).first()
    if row is None:
        return ReportSeen.REPEATED
    if row.cancelled_at is not None or row.completed_at is not None:
        return ReportSeen.CLOSED
    return ReportSeen.FIRST


async def close_fault(
    session: AsyncSession, fault_id: str, *, cancelled_at: datetime | None = None,
    completed_at: datetime | None = None,
) -> None:
    """Mark the fault cancelled or its job completed (the first time counts); locks its row."""
    statement = dialect_insert(session, PartsFault).values(
        fault_id=fault_id, cancelled_at=cancelled_at, completed_at=completed_at
    )
    excluded = statement.excluded
    await session.execute(statement.on_conflict_do_update(
        index_elements=["fault_id"],
        set_={
            "cancelled_at": func.coalesce(col(PartsFault.cancelled_at), excluded.cancelled_at),
            "completed_at": func.coalesce(col(PartsFault.completed_at), excluded.completed_at),
        },
    ))


async def lock_open_sites(session: AsyncSession, fault_ids: Iterable[str]) -> dict[str, FaultSite]:
    """The reported, still open faults among `fault_ids`, locked in id order.

    Only these may receive new reservations: a cancellation or completion waits for the
    lock, and a transaction that waited sees it and leaves the fault alone.
    """
    fault = PartsFault
    rows: Result[Any] = await session.execute(
        select(col(fault.fault_id), col(fault.severity), col(fault.site_code),
               col(fault.lat), col(fault.lon))
        .where(
            col(fault.fault_id).in_(sorted(set(fault_ids))),
            col(fault.reported_at).is_not(None),
            col(fault.cancelled_at).is_(None),
            col(fault.completed_at).is_(None),
        )
        .order_by(col(fault.fault_id))
        .with_for_update()
    )
    return {row.fault_id: FaultSite(**row._asdict()) for row in rows.all()}
