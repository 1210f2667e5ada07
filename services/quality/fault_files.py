"""Quality use cases at the backbone's scope: file each event, read fault files back."""

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.models import FaultFile, FaultFileEntry, FaultFileSummary, QualityFaultEvent
from shared.events import Envelope


async def file_event(session: AsyncSession, envelope: Envelope) -> None:
    """Append the event to its fault's file, in the consumer's transaction."""
    session.add(
        QualityFaultEvent(
            fault_id=envelope.subject,
            event_id=str(envelope.id),
            type=envelope.type,
            source=envelope.source,
            time=envelope.time,
            correlation_id=envelope.correlation_id,
            data=envelope.data,
        )
    )


async def load_fault_file(session: AsyncSession, fault_id: str) -> FaultFile | None:
    """The fault's events ordered by time, then by arrival; None when quality saw none."""
    rows = (
        await session.scalars(
            select(QualityFaultEvent)
            .where(col(QualityFaultEvent.fault_id) == fault_id)
            .order_by(col(QualityFaultEvent.time), col(QualityFaultEvent.id))
        )
    ).all()
    if not rows:
        return None
    return FaultFile(
        fault_id=fault_id,
        events=[
            FaultFileEntry(
                time=r.time, type=r.type, source=r.source, event_id=r.event_id, data=r.data
            )
            for r in rows
        ],
    )


async def list_fault_files(
    session: AsyncSession, *, after: int | None, since: datetime | None, limit: int
) -> tuple[list[FaultFileSummary], int | None]:
    """Fault files in the order quality first saw them, with the position to continue after.

    The position is the fault's first row id: new events for a listed fault never move it, so
    a page boundary is stable while events keep arriving. `since` keeps faults with an event
    at or after that time.
    """
    first_seen = func.min(col(QualityFaultEvent.id))
    last_time = func.max(col(QualityFaultEvent.time))
    query = (
        select(
            col(QualityFaultEvent.fault_id),
            first_seen,
            func.count(),
            last_time,
        )
        .group_by(col(QualityFaultEvent.fault_id))
        .order_by(first_seen)
        .limit(limit + 1)
    )
    if after is not None:
        query = query.having(first_seen > after)
    if since is not None:
        query = query.having(last_time >= since)
    rows = (await session.execute(query)).all()
    page = rows[:limit]
    summaries = [
        FaultFileSummary(fault_id=fault_id, event_count=count, last_event_time=last)
        for fault_id, _, count, last in page
    ]
    return summaries, (page[-1][1] if len(rows) > limit else None)
