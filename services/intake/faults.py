"""Intake use cases: report a fault, apply a downstream event, present a fault."""

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain
from services.intake.config import IntakeSettings
from services.intake.domain import FaultStatus
from services.intake.models import (
    FaultCreate,
    FaultLocation,
    FaultPublic,
    IntakeFault,
    IntakeTimelineEntry,
    IntakeVehicle,
    Reporter,
    Sla,
    SlaClock,
    SuspectedPart,
    TimelineEntry,
)
from shared.events import Envelope, EventType, FaultReported, utcnow
from shared.outbox import add_event, new_event


def sla_policy(settings: IntakeSettings) -> domain.SlaPolicy:
    return domain.SlaPolicy(
        respond=timedelta(hours=settings.sla_respond_hours),
        onsite=timedelta(hours=settings.sla_onsite_hours),
        resolve=timedelta(hours=settings.sla_resolve_hours),
    )


async def report_fault(
    session: AsyncSession, settings: IntakeSettings, card: FaultCreate
) -> IntakeFault:
    """Store the fault, its first timeline entry and `fault.reported`, in one transaction."""
    reported_at = card.reported_at or utcnow()
    vehicle = await session.get(IntakeVehicle, card.vehicle_number)
    covered = (
        domain.in_warranty(vehicle.delivered_on, vehicle.warranty_months, reported_at)
        if vehicle
        else None
    )
    severity = domain.classify(
        card.severity, card.can_run, card.repairable_on_site, card.fault_code, card.system
    )
    due = domain.sla_due(reported_at, sla_policy(settings))
    fault = IntakeFault(
        depot_id=card.depot_id,
        vehicle_number=card.vehicle_number,
        vehicle_model=card.vehicle_model,
        vehicle_registered=vehicle is not None,
        reporter_name=card.reporter.name,
        reporter_phone=card.reporter.phone,
        description=card.description,
        site_code=card.location.site_code,
        lat=card.location.lat,
        lon=card.location.lon,
        system=card.system,
        fault_code=card.fault_code,
        can_run=card.can_run,
        repairable_on_site=card.repairable_on_site,
        severity=severity.value,
        return_to_factory=severity is domain.Severity.A,
        suspected_parts=[p.model_dump() for p in card.suspected_parts],
        external_id=card.external_id,
        in_warranty=covered,
        responsibility_hint=domain.responsibility_hint(covered).value,
        reported_at=reported_at,
        respond_due=due.respond_due,
        onsite_due=due.onsite_due,
        resolve_due=due.resolve_due,
    )
    session.add(fault)
    await session.flush()
    assert fault.seq is not None
    fault.number = domain.fault_number(reported_at, fault.seq)
    data = FaultReported(
        fault_id=fault.id,
        number=fault.number,
        depot_id=fault.depot_id,
        vehicle_number=fault.vehicle_number,
        vehicle_model=fault.vehicle_model,
        severity=fault.severity,
        description=fault.description,
        system=fault.system,
        fault_code=fault.fault_code,
        location=card.location.model_dump(),
        suspected_parts=fault.suspected_parts,
        reported_at=reported_at,
        onsite_due=fault.onsite_due,
    )
    event = add_event(
        session,
        new_event(settings, EventType.FAULT_REPORTED, fault.id, data.model_dump(mode="json")),
    )
    session.add(
        IntakeTimelineEntry(
            fault_id=fault.id,
            event_id=str(event.id),
            type=event.type,
            source=event.source,
            status=FaultStatus.REPORTED,
            occurred_at=reported_at,
        )
    )
    return fault


def _event_time(envelope: Envelope) -> datetime:
    """When it happened in the field (an offline app replays late), else when it was sent."""
    occurred = envelope.data.get("occurred_at")
    if isinstance(occurred, str):
        try:
            parsed = datetime.fromisoformat(occurred)
            if parsed.tzinfo is not None:
                return parsed
        except ValueError:
            pass
    return envelope.time


async def apply_progress(session: AsyncSession, envelope: Envelope) -> None:
    """Move the fault forward and record the event on its timeline (once per event id)."""
    fault = (
        await session.scalars(
            select(IntakeFault).where(col(IntakeFault.id) == envelope.subject).with_for_update()
        )
    ).first()
    if fault is None:
        return  # not one of ours (e.g. an entity event keyed by a part number)
    proposed = domain.STATUS_BY_EVENT.get(envelope.type)
    if proposed is not None:
        fault.status = domain.advance(FaultStatus(fault.status), proposed).value
    occurred_at = _event_time(envelope)
    _record_effects(fault, envelope, occurred_at)
    session.add(
        IntakeTimelineEntry(
            fault_id=fault.id,
            event_id=str(envelope.id),
            type=envelope.type,
            source=envelope.source,
            status=fault.status,
            occurred_at=occurred_at,
            data=envelope.data,
        )
    )


def _record_effects(fault: IntakeFault, envelope: Envelope, occurred_at: datetime) -> None:
    """Keep the reservation summary, the assignment and the SLA clocks up to date."""
    data = envelope.data
    if envelope.type == EventType.PARTS_RESERVED:
        reserved = list(fault.parts.get("reserved", [])) + list(data.get("lines", []))
        fault.parts = {**fault.parts, "reserved": reserved}
    elif envelope.type == EventType.PARTS_BACKORDERED:
        backordered = list(fault.parts.get("backordered", [])) + list(data.get("lines", []))
        fault.parts = {**fault.parts, "backordered": backordered}
    elif envelope.type == EventType.DISPATCH_ASSIGNED:
        fault.assignment = {
            k: data.get(k)
            for k in ("job_id", "technician_id", "technician_name", "eta", "distance_km")
        }
        fault.responded_at = fault.responded_at or occurred_at
    elif envelope.type == EventType.FAULT_ACKNOWLEDGED:
        fault.responded_at = fault.responded_at or occurred_at
    elif envelope.type == EventType.DISPATCH_ON_SITE:
        fault.onsite_at = fault.onsite_at or occurred_at
    elif envelope.type == EventType.DISPATCH_COMPLETED:
        fault.resolved_at = fault.resolved_at or occurred_at


async def load_timeline(session: AsyncSession, fault_id: str) -> list[IntakeTimelineEntry]:
    entries = await session.scalars(
        select(IntakeTimelineEntry)
        .where(col(IntakeTimelineEntry.fault_id) == fault_id)
        .order_by(col(IntakeTimelineEntry.occurred_at), col(IntakeTimelineEntry.id))
    )
    return list(entries.all())


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
