"""Service records: each fault's information card, kept up to date from the events about it.

Every reaction runs in the consumer's transaction (after the event is filed) and only fills in
what its event knows, so events of one fault may arrive in any order across topics and a replay
changes nothing.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.quality.domain.records import Milestones, status_of
from services.quality.models import ServiceRecord
from shared.consumer import Handler
from shared.db import dialect_insert
from shared.events import (
    DispatchAssigned,
    DispatchCompleted,
    DispatchMoved,
    Envelope,
    EventType,
    FaultAcknowledged,
    FaultCancelled,
    FaultClosed,
    FaultReported,
    PartsConsumed,
    SlaBreached,
    utcnow,
)


async def record_for(session: AsyncSession, fault_id: str) -> ServiceRecord:
    """The fault's record, created empty if this is the first event about it; locked."""
    await session.execute(
        dialect_insert(session, ServiceRecord)
        .values(fault_id=fault_id, status="open", parts_used=[], parts_consumed=[], breaches={},
                updated_at=utcnow())
        .on_conflict_do_nothing()
    )
    query = select(ServiceRecord).where(col(ServiceRecord.fault_id) == fault_id).with_for_update()
    return (await session.scalars(query)).one()


def _reported(record: ServiceRecord, data: FaultReported) -> None:
    record.fault_number = data.number
    record.depot_id = data.depot_id
    record.vehicle_number = data.vehicle_number
    record.vehicle_model = data.vehicle_model
    record.severity = data.severity
    record.system = data.system
    record.fault_code = data.fault_code
    record.description = data.description[:4000]
    record.site_code = data.location.site_code
    record.reported_at = data.reported_at
    record.onsite_due = data.onsite_due


def _acknowledged(record: ServiceRecord, data: FaultAcknowledged) -> None:
    record.acknowledged_at = _earliest(record.acknowledged_at, data.occurred_at)


def _assigned(record: ServiceRecord, data: DispatchAssigned, time: datetime) -> None:
    # Re-planning may move the job: the card names the engineer who did the work (completion
    # overrides), else the latest one assigned.
    if record.completed_at is None:
        record.technician_id = data.technician_id
    record.assigned_at = record.assigned_at or time


def _on_site(record: ServiceRecord, data: DispatchMoved) -> None:
    record.on_site_at = _earliest(record.on_site_at, data.occurred_at)


def _completed(record: ServiceRecord, data: DispatchCompleted) -> None:
    record.technician_id = data.technician_id
    record.completed_at = data.occurred_at
    record.cause = data.cause[:2000]
    record.actions = data.actions[:4000]
    record.notes = data.notes[:4000]
    record.parts_used = [line.model_dump() for line in data.parts_used]


def _consumed(record: ServiceRecord, data: PartsConsumed) -> None:
    known = {line["reservation_id"] for line in record.parts_consumed}
    fresh = [line.model_dump() for line in data.lines if line.reservation_id not in known]
    record.parts_consumed = [*record.parts_consumed, *fresh]


def _breached(record: ServiceRecord, data: SlaBreached) -> None:
    record.breaches = record.breaches | {
        data.clock: {
            "due": data.due.isoformat(),
            "met_at": data.met_at.isoformat() if data.met_at else None,
            "detected_at": data.detected_at.isoformat(),
        }
    }


def _closed(record: ServiceRecord, data: FaultClosed) -> None:
    record.closed_at = data.closed_at


def _cancelled(record: ServiceRecord, data: FaultCancelled) -> None:
    record.cancelled_at = data.cancelled_at


def _earliest(known: datetime | None, new: datetime) -> datetime:
    return new if known is None or new < known else known


def _reaction(model: type[BaseModel], apply: Callable[..., None], with_time: bool = False
              ) -> Handler:
    async def react(session: AsyncSession, envelope: Envelope) -> None:
        data = model.model_validate(envelope.data)
        record = await record_for(session, envelope.subject)
        if with_time:
            apply(record, data, envelope.time)
        else:
            apply(record, data)
        record.status = status_of(milestones(record)).value
        record.updated_at = utcnow()

    return react


def milestones(record: ServiceRecord) -> Milestones:
    return Milestones(record.acknowledged_at, record.on_site_at, record.completed_at,
                      record.closed_at, record.cancelled_at)


REACTIONS: dict[str, Handler] = {
    EventType.FAULT_REPORTED: _reaction(FaultReported, _reported),
    EventType.FAULT_ACKNOWLEDGED: _reaction(FaultAcknowledged, _acknowledged),
    EventType.DISPATCH_ASSIGNED: _reaction(DispatchAssigned, _assigned, with_time=True),
    EventType.DISPATCH_ON_SITE: _reaction(DispatchMoved, _on_site),
    EventType.DISPATCH_COMPLETED: _reaction(DispatchCompleted, _completed),
    EventType.PARTS_CONSUMED: _reaction(PartsConsumed, _consumed),
    EventType.SLA_BREACHED: _reaction(SlaBreached, _breached),
    EventType.FAULT_CLOSED: _reaction(FaultClosed, _closed),
    EventType.FAULT_CANCELLED: _reaction(FaultCancelled, _cancelled),
}


async def load_record(session: AsyncSession, fault_id: str) -> ServiceRecord | None:
    return await session.get(ServiceRecord, fault_id)


async def list_records(
    session: AsyncSession,
    *,
    after: str | None,
    limit: int,
    filters: dict[str, Any],
) -> tuple[list[ServiceRecord], str | None]:
    """Records in fault id order (stable keyset), filtered by exact field values and a
    reported-at range (`reported_from`, `reported_to`)."""
    query = select(ServiceRecord)
    for field in ("fault_id", "depot_id", "vehicle_number", "vehicle_model", "status",
                  "severity", "fault_code"):
        if filters.get(field) is not None:
            query = query.where(col(getattr(ServiceRecord, field)) == filters[field])
    if filters.get("reported_from") is not None:
        query = query.where(col(ServiceRecord.reported_at) >= filters["reported_from"])
    if filters.get("reported_to") is not None:
        query = query.where(col(ServiceRecord.reported_at) < filters["reported_to"])
    if after is not None:
        query = query.where(col(ServiceRecord.fault_id) > after)
    rows = list((await session.scalars(
        query.order_by(col(ServiceRecord.fault_id)).limit(limit + 1))).all())
    page = rows[:limit]
    return page, (page[-1].fault_id if len(rows) > limit else None)
