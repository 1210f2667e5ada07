"""Reporting a fault: classification, warranty, SLA due times, de-duplication."""

import logging
from collections.abc import Sequence
from contextvars import Context
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain, metrics
from services.intake.config import IntakeSettings
from services.intake.domain import FaultStatus
from services.intake.models import FaultCreate, IntakeFault, IntakeVehicle
from services.intake.numbering import numbering_for_report
from services.intake.timeline import announce
from shared.auth import Principal
from shared.errors import Problem
from shared.events import EventType, FaultReported, utcnow

log = logging.getLogger(__name__)

# Depot clocks drift; a report a little in the future is accepted, more is a data error.
CLOCK_SKEW = timedelta(minutes=5)


def sla_policy(settings: IntakeSettings, severity: domain.Severity) -> domain.SlaPolicy:
    base = domain.SlaPolicy(
        respond=timedelta(hours=settings.sla_respond_hours),
        onsite=timedelta(hours=settings.sla_onsite_hours),
        resolve=timedelta(hours=settings.sla_resolve_hours),
    )
    return domain.sla_policy(severity, base, settings.sla_overrides)


def check_card(card: FaultCreate, principal: Principal) -> None:
    """Rules a schema cannot state; raises a 4xx problem naming the field."""
    if principal.role == "depot" and card.depot_id != principal.depot_id:
        raise Problem(403, "Forbidden", "A depot reports faults for itself only.")
    if card.reported_at and card.reported_at > utcnow() + CLOCK_SKEW:
        raise Problem(
            422, "Invalid request", "reported_at lies in the future.",
            errors=[{"field": "reported_at", "message": "must not be in the future"}],
        )


def reused_external_id(card: FaultCreate) -> Problem:
    return Problem(
        409, "external_id reused",
        f"external_id {card.external_id!r} was already reported with other content.",
    )


async def report_fault(
    session: AsyncSession, settings: IntakeSettings, card: FaultCreate, request_hash: str = ""
) -> IntakeFault:
    """Store the fault, its first timeline entry and `fault.reported`, in one transaction."""
    vehicle = await session.get(IntakeVehicle, card.vehicle_number)
    (fault,) = await _store(session, settings, [(card, request_hash, vehicle)])
    return fault


async def report_faults(
    session: AsyncSession,
    settings: IntakeSettings,
    cards: list[tuple[FaultCreate, str]],
    contexts: Sequence[Context | None] = (),
) -> list[IntakeFault]:
    """Several new faults (a batch's), in order: one vehicle lookup, one numbering lock and
    one multi-row insert for all of them rather than a round of each per fault.

    `contexts`, one per card: the request each came from (single reports stored together),
    so that its announcement is logged and traced as that request's."""
    if not cards:
        return []
    wanted = {card.vehicle_number for card, _ in cards}
    vehicles = {v.number: v for v in (await session.scalars(
        select(IntakeVehicle).where(col(IntakeVehicle.number).in_(wanted)))).all()}
    return await _store(session, settings,
                        [(card, digest, vehicles.get(card.vehicle_number))
                         for card, digest in cards], contexts)


async def _store(
    session: AsyncSession,
    settings: IntakeSettings,
    items: list[tuple[FaultCreate, str, IntakeVehicle | None]],
    contexts: Sequence[Context | None] = (),
) -> list[IntakeFault]:
    # Taken as late as possible: it is held until the commit (a page waits for it).
    await numbering_for_report(session)
    faults = [_new_fault(settings, card, digest, vehicle) for card, digest, vehicle in items]
    session.add_all(faults)
    await session.flush()
    origins = list(contexts) or [None] * len(items)
    for fault, (card, _, _), origin in zip(faults, items, origins, strict=True):
        if origin is None:
            _announce_reported(session, settings, fault, card)
        else:
            origin.run(_announce_reported, session, settings, fault, card)
    return faults


def _new_fault(
    settings: IntakeSettings, card: FaultCreate, request_hash: str, vehicle: IntakeVehicle | None
) -> IntakeFault:
    reported_at = card.reported_at or utcnow()
    covered = (
        domain.in_warranty(vehicle.delivered_on, vehicle.warranty_months, reported_at)
        if vehicle
        else None
    )
    severity = domain.classify(
        card.severity, card.can_run, card.repairable_on_site, card.fault_code, card.system
    )
    due = domain.sla_due(reported_at, sla_policy(settings, severity))
    return IntakeFault(
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
        request_hash=request_hash,
        status=FaultStatus.REPORTED.value,
    )


def _announce_reported(
    session: AsyncSession, settings: IntakeSettings, fault: IntakeFault, card: FaultCreate
) -> None:
    assert fault.seq is not None
    reported_at = fault.reported_at
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
    announce(session, settings, fault, EventType.FAULT_REPORTED, data.model_dump(mode="json"),
             reported_at)
    metrics.FAULTS_REPORTED.labels(metrics.SERVICE, fault.severity).inc()
    log.info("fault reported", extra={"fault_id": fault.id, "number": fault.number,
                                      "severity": fault.severity, "depot_id": fault.depot_id})
