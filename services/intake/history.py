"""The vehicle's lifetime file: its faults, repairs, parts consumed and rulings."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.intake import domain
from services.intake.models import (
    IntakeFault,
    IntakeTimelineEntry,
    IntakeVehicle,
    PartConsumed,
    Repair,
    Ruling,
    VehicleHistory,
    VehiclePublic,
)
from services.intake.presenting import present
from shared.events import DispatchCompleted, EventType

FILE_EVENTS = (EventType.DISPATCH_COMPLETED, EventType.QUALITY_RULING_MADE)


async def vehicle_history(
    session: AsyncSession, number: str, depot_id: str | None = None
) -> VehicleHistory | None:
    """None when intake knows nothing of the vehicle (for a depot: nothing of its own)."""
    vehicle = await session.get(IntakeVehicle, number)
    query = select(IntakeFault).where(col(IntakeFault.vehicle_number) == number)
    if depot_id is not None:
        query = query.where(col(IntakeFault.depot_id) == depot_id)
    faults = list((await session.scalars(query.order_by(col(IntakeFault.seq)))).all())
    if not faults and (vehicle is None or depot_id is not None):
        return None
    numbers = {f.id: f.number for f in faults}
    entries = (
        await session.scalars(
            select(IntakeTimelineEntry)
            .where(col(IntakeTimelineEntry.fault_id).in_(numbers))
            .where(col(IntakeTimelineEntry.type).in_(FILE_EVENTS))
            .order_by(col(IntakeTimelineEntry.occurred_at), col(IntakeTimelineEntry.id))
        )
    ).all()
    history = VehicleHistory(
        number=number,
        vehicle=VehiclePublic.model_validate(vehicle, from_attributes=True) if vehicle else None,
        warranty_ends=domain.warranty_ends(vehicle.delivered_on, vehicle.warranty_months)
        if vehicle
        else None,
        faults=[present(f) for f in faults],
        repairs=[],
        parts_consumed=[],
        rulings=[],
    )
    for entry in entries:
        if entry.type == EventType.DISPATCH_COMPLETED:
            report = DispatchCompleted.model_validate(entry.data)
            history.repairs.append(Repair(
                fault_id=entry.fault_id, fault_number=numbers[entry.fault_id],
                completed_at=entry.occurred_at, technician_id=report.technician_id,
                cause=report.cause, actions=report.actions, notes=report.notes,
            ))
            history.parts_consumed += [
                PartConsumed(fault_id=entry.fault_id, part_number=line.part_number,
                             qty=line.qty, at=entry.occurred_at)
                for line in report.parts_used
            ]
        else:
            history.rulings.append(Ruling(
                fault_id=entry.fault_id, at=entry.occurred_at,
                responsibility=entry.data.get("responsibility"),
                supplier_id=entry.data.get("supplier_id"),
                claim_amount=entry.data.get("claim_amount"),
            ))
    return history
