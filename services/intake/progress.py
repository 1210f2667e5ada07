"""A fault moving through its life: downstream events, acknowledgement, cancellation, closing."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain, metrics
from services.intake.config import IntakeSettings
from services.intake.domain import FaultStatus
from services.intake.models import IntakeFault
from services.intake.sla_watch import sla_clocks
from services.intake.timeline import announce, record
from shared import audit
from shared.auth import Principal
from shared.errors import Problem
from shared.events import (
    DispatchCompleted,
    Envelope,
    EventType,
    FaultAcknowledged,
    FaultCancelled,
    FaultClosed,
    SlaAtRisk,
    utcnow,
)

# Where each SLA clock's milestone is kept: when the user was answered, the engineer arrived,
# the repair was completed.
MILESTONES = {"respond": "responded_at", "onsite": "onsite_at", "resolve": "resolved_at"}


async def locked_fault(session: AsyncSession, fault_id: str) -> IntakeFault | None:
    """The fault, row-locked for the rest of the transaction (concurrent events serialise)."""
    query = select(IntakeFault).where(col(IntakeFault.id) == fault_id).with_for_update()
    return (await session.scalars(query)).first()


def event_time(envelope: Envelope) -> datetime:
    """When it happened in the field (an offline app replays late), else when it was sent."""
    occurred = envelope.data.get("occurred_at")
    if isinstance(occurred, str):
        try:
            parsed = datetime.fromisoformat(occurred)
        except ValueError:
            return envelope.time
        if parsed.tzinfo is not None:
            return parsed
    return envelope.time


async def apply_progress(
    session: AsyncSession, envelope: Envelope, settings: IntakeSettings
) -> None:
    """Move the fault forward and record the event on its timeline (once per event id)."""
    fault = await locked_fault(session, envelope.subject)
    if fault is None:
        return  # not one of ours (e.g. an entity event keyed by a part number)
    proposed = domain.STATUS_BY_EVENT.get(envelope.type)
    if proposed is not None:
        fault.status = domain.advance(FaultStatus(fault.status), proposed).value
    occurred_at = event_time(envelope)
    _record_effects(fault, envelope, occurred_at)
    record(session, fault, envelope, occurred_at)
    if envelope.type == EventType.DISPATCH_ASSIGNED:
        _warn_if_late(session, settings, fault, envelope)
    if envelope.type == EventType.DISPATCH_COMPLETED:
        report = DispatchCompleted.model_validate(envelope.data)
        if domain.record_complete(report.cause, report.actions):
            close(session, settings, fault, occurred_at, envelope.correlation_id)


def _record_effects(fault: IntakeFault, envelope: Envelope, occurred_at: datetime) -> None:
    """Keep the reservation summary, the assignment and the SLA clocks up to date."""
    data = envelope.data
    if envelope.type == EventType.PARTS_RESERVED:
        reserved = list(fault.parts.get("reserved", [])) + list(data.get("lines", []))
        fault.parts = {**fault.parts, "reserved": reserved}
    elif envelope.type == EventType.PARTS_BACKORDERED:
        backordered = list(fault.parts.get("backordered", [])) + list(data.get("lines", []))
        fault.parts = {**fault.parts, "backordered": backordered}
    elif envelope.type == EventType.PARTS_RELEASED:
        fault.parts = {**fault.parts, "released": list(data.get("lines", []))}
    elif envelope.type == EventType.DISPATCH_ASSIGNED:
        if fault.assignment is None and fault.status != FaultStatus.CANCELLED:
            metrics.REPORT_TO_DISPATCH.labels(metrics.SERVICE, fault.severity).observe(
                metrics.elapsed_seconds(fault.created_at, utcnow()))
        fault.assignment = {
            k: data.get(k)
            for k in ("job_id", "technician_id", "technician_name", "eta", "distance_km")
        }
        reach_milestone(fault, "respond", occurred_at)
    elif envelope.type == EventType.DISPATCH_ON_SITE:
        reach_milestone(fault, "onsite", occurred_at)
    elif envelope.type == EventType.DISPATCH_COMPLETED:
        # A completed repair was done on site, even if the arrival was never sent.
        reach_milestone(fault, "onsite", occurred_at)
        reach_milestone(fault, "resolve", occurred_at)


def reach_milestone(fault: IntakeFault, clock_name: str, at: datetime) -> None:
    """Keep when a clock's milestone arrived, the first time only (later ones change nothing);
    then the clock is met if that was in time, and the fault's journey to it is timed.

    A cancelled fault's clocks are not judged (the watchdog leaves them alone too).
    """
    field = MILESTONES[clock_name]
    if getattr(fault, field) is not None:
        return
    setattr(fault, field, at)
    if fault.status == FaultStatus.CANCELLED:
        return
    clock = next(c for c in sla_clocks(fault) if c.name == clock_name)
    if domain.met_in_time(clock):
        metrics.SLA_CLOCKS.labels(metrics.SERVICE, clock_name, fault.severity, "met").inc()
    if (journey := metrics.TIME_TO_MILESTONE.get(clock_name)) is not None:
        journey.labels(metrics.SERVICE, fault.severity).observe(
            metrics.elapsed_seconds(fault.reported_at, at))


def _warn_if_late(
    session: AsyncSession, settings: IntakeSettings, fault: IntakeFault, envelope: Envelope
) -> None:
    eta = datetime.fromisoformat(str(envelope.data["eta"]))
    if fault.status == FaultStatus.CANCELLED or not domain.eta_at_risk(
        eta, fault.onsite_due, fault.onsite_at
    ):
        return
    data = SlaAtRisk(fault_id=fault.id, clock="onsite", due=fault.onsite_due, eta=eta,
                     technician_id=envelope.data.get("technician_id"))
    announce(session, settings, fault, EventType.SLA_AT_RISK, data.model_dump(mode="json"),
             utcnow(), envelope.correlation_id)
    metrics.SLA_AT_RISK.labels(metrics.SERVICE, "onsite", fault.severity).inc()


def close(
    session: AsyncSession,
    settings: IntakeSettings,
    fault: IntakeFault,
    closed_at: datetime,
    correlation_id: str,
) -> None:
    if FaultStatus(fault.status) in domain.TERMINAL:
        return
    fault.status = FaultStatus.CLOSED.value
    fault.closed_at = closed_at
    data = FaultClosed(fault_id=fault.id, closed_at=closed_at).model_dump(mode="json")
    announce(session, settings, fault, EventType.FAULT_CLOSED, data, closed_at, correlation_id)


async def acknowledge(
    session: AsyncSession, settings: IntakeSettings, fault: IntakeFault, by: str
) -> None:
    """The service desk answered the user: the respond clock is met. Repeats change nothing."""
    if fault.acknowledged_at is not None or FaultStatus(fault.status) in domain.TERMINAL:
        return
    now = utcnow()
    fault.acknowledged_at = now
    reach_milestone(fault, "respond", now)
    fault.status = domain.advance(FaultStatus(fault.status), FaultStatus.ACKNOWLEDGED).value
    data = FaultAcknowledged(fault_id=fault.id, acknowledged_by=by, occurred_at=now)
    announce(session, settings, fault, EventType.FAULT_ACKNOWLEDGED,
             data.model_dump(mode="json"), now)


async def cancel(
    session: AsyncSession,
    settings: IntakeSettings,
    fault: IntakeFault,
    reason: str,
    principal: Principal,
) -> None:
    """Cancel an open fault; downstream, parts release its stock and dispatch withdraws the job.
    The cancellation (not a repeat) is on the audit trail."""
    if fault.status == FaultStatus.CANCELLED:
        return
    if fault.status in (FaultStatus.RESOLVED, FaultStatus.CLOSED):
        raise Problem(409, "Cannot cancel", f"The fault is already {fault.status}.")
    now = utcnow()
    fault.status = FaultStatus.CANCELLED.value
    fault.cancelled_at = now
    fault.cancel_reason = reason
    data = FaultCancelled(fault_id=fault.id, reason=reason, cancelled_at=now)
    announce(session, settings, fault, EventType.FAULT_CANCELLED, data.model_dump(mode="json"),
             now)
    audit.record(session, principal, "fault.cancelled", fault.id,
                 {"number": fault.number, "reason": reason})
