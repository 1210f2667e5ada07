"""The SLA watchdog: `sla.breached` once per clock per fault when a due time passes unmet."""

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain, metrics
from services.intake.config import IntakeSettings
from services.intake.models import IntakeFault
from services.intake.timeline import announce
from shared.db import Database, run_rounds
from shared.events import EventType, SlaBreached, utcnow

BATCH = 500


def sla_clocks(fault: IntakeFault) -> list[domain.Clock]:
    """The fault's three clocks as the domain rules see them."""
    return [
        domain.Clock("respond", fault.respond_due, fault.responded_at,
                     fault.respond_settled),
        domain.Clock("onsite", fault.onsite_due, fault.onsite_at, fault.onsite_settled),
        domain.Clock("resolve", fault.resolve_due, fault.resolved_at,
                     fault.resolve_settled),
    ]


async def report_breaches(session: AsyncSession, settings: IntakeSettings, now: datetime) -> int:
    """Announce every newly breached clock; returns how many. The caller commits."""
    overdue = or_(
        (col(IntakeFault.respond_due) < now) & ~col(IntakeFault.respond_settled),
        (col(IntakeFault.onsite_due) < now) & ~col(IntakeFault.onsite_settled),
        (col(IntakeFault.resolve_due) < now) & ~col(IntakeFault.resolve_settled),
    )
    query = (
        select(IntakeFault)
        .where(col(IntakeFault.status).not_in([s.value for s in domain.TERMINAL]), overdue)
        .order_by(col(IntakeFault.seq))
        .limit(BATCH)
        # Two intake processes never report the same clock: each takes rows the other has not.
        .with_for_update(skip_locked=True)
    )
    reported = 0
    for fault in (await session.scalars(query)).all():
        clocks = sla_clocks(fault)
        for clock in domain.clocks_to_report(clocks, now):
            data = SlaBreached(fault_id=fault.id, clock=clock.name, due=clock.due,
                               met_at=clock.met_at, detected_at=now)
            announce(session, settings, fault, EventType.SLA_BREACHED,
                     data.model_dump(mode="json"), now)
            metrics.SLA_CLOCKS.labels(metrics.SERVICE, clock.name, fault.severity,
                                      "breached").inc()
            reported += 1
        for clock in clocks:
            if now > clock.due:
                setattr(fault, f"{clock.name}_settled", True)
    return reported


async def watch_sla(settings: IntakeSettings, db: Database) -> None:
    """Look for breaches every `sla_watch_interval_seconds` until cancelled."""

    async def round_(session: AsyncSession) -> int:
        return await report_breaches(session, settings, utcnow())

    await run_rounds(db, settings.sla_watch_interval_seconds, round_, "SLA watchdog")
