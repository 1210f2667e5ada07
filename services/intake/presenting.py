"""What callers see of a fault: its public form, its timeline."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain
from services.intake.models import (
    FaultLocation,
    FaultPublic,
    IntakeFault,
    IntakeTimelineEntry,
    Reporter,
    Sla,
    SlaClock,
    SuspectedPart,
    TimelineEntry,
)
from shared.events import utcnow


async def load_timeline(session: AsyncSession, fault_id: str) -> list[IntakeTimelineEntry]:
    return (await load_timelines(session, [fault_id])).get(fault_id, [])


async def load_timelines(
    session: AsyncSession, fault_ids: list[str]
) -> dict[str, list[IntakeTimelineEntry]]:
    """Several faults' timelines in one query (faults stored together), each in time order."""
    if not fault_ids:
        return {}
    entries = await session.scalars(
        select(IntakeTimelineEntry)
        .where(col(IntakeTimelineEntry.fault_id).in_(fault_ids))
        .order_by(col(IntakeTimelineEntry.occurred_at), col(IntakeTimelineEntry.id))
    )
    timelines: dict[str, list[IntakeTimelineEntry]] = {}
    for entry in entries.all():
        timelines.setdefault(entry.fault_id, []).append(entry)
    return timelines


def present(
    fault: IntakeFault, timeline: list[IntakeTimelineEntry] | None = None
) -> FaultPublic:
    now = utcnow()

    def clock(due: datetime, met_at: datetime | None) -> SlaClock:
        return SlaClock(due=due, met_at=met_at, state=domain.clock_state(due, met_at, now))

    return FaultPublic(
        id=fault.id,
        number=fault.number,
        status=fault.status,
        severity=fault.severity,
        return_to_factory=fault.return_to_factory,
        in_warranty=fault.in_warranty,
        vehicle_registered=fault.vehicle_registered,
        responsibility_hint=fault.responsibility_hint,
        sla=Sla(
            respond_due=fault.respond_due,
            onsite_due=fault.onsite_due,
            resolve_due=fault.resolve_due,
            respond=clock(fault.respond_due, fault.responded_at),
            onsite=clock(fault.onsite_due, fault.onsite_at),
            resolve=clock(fault.resolve_due, fault.resolved_at),
        ),
        depot_id=fault.depot_id,
        vehicle_number=fault.vehicle_number,
        vehicle_model=fault.vehicle_model,
        reporter=Reporter(name=fault.reporter_name, phone=fault.reporter_phone),
        description=fault.description,
        reported_at=fault.reported_at,
        created_at=fault.created_at,
        location=FaultLocation(site_code=fault.site_code, lat=fault.lat, lon=fault.lon),
        system=fault.system,
        fault_code=fault.fault_code,
        can_run=fault.can_run,
        repairable_on_site=fault.repairable_on_site,
        suspected_parts=[SuspectedPart.model_validate(p) for p in fault.suspected_parts],
        external_id=fault.external_id,
        parts=fault.parts,
        assignment=fault.assignment,
        acknowledged_at=fault.acknowledged_at,
        cancelled_at=fault.cancelled_at,
        cancel_reason=fault.cancel_reason,
        closed_at=fault.closed_at,
        timeline=None
        if timeline is None
        else [
            TimelineEntry(
                time=e.occurred_at, type=e.type, status=e.status, source=e.source,
                event_id=e.event_id, data=e.data,
            )
            for e in timeline
        ],
    )
