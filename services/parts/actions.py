"""Storekeepers and dispatchers acting on one requisition line: approve, issue, consume, release."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from services.parts.config import PartsSettings
from services.parts.domain import (
    Action,
    ReleaseReason,
    TransitionRefused,
    next_status,
    whole_quantity,
)
from services.parts.ledger import lock_stock
from services.parts.lifecycle import approve_line, consume_line, issue_line, release_line
from services.parts.models import PartsPart, PartsReservation
from services.parts.replenishment import check_low_stock
from shared import audit
from shared.auth import Principal
from shared.errors import Problem
from shared.events import EventType, PartsConsumed, PartsIssued, PartsReleased
from shared.outbox import add_event, new_event


async def act_on_reservation(
    session: AsyncSession,
    settings: PartsSettings,
    reservation_id: str,
    action: Action,
    principal: Principal,
    consumed: float | None = None,
) -> PartsReservation:
    """Move the line one step, stage its event and put the step on the audit trail; repeating
    a step changes nothing.

    404 for an unknown line, 422 for a bad `consumed`, 409 (naming the current status) when
    the step is not possible from where the line is. Never commits.
    """
    reservation = await _locked(session, reservation_id)
    units = None
    if action is Action.CONSUME:
        units = await _consumed_units(session, reservation, consumed)
    try:
        if next_status(reservation.status, action) is None:
            return reservation
    except TransitionRefused as refused:
        raise Problem(409, "Conflict", f"The reservation is {refused.current}; it cannot be "
                      f"{action.value}d now.", current_status=refused.current) from refused
    fault_id = reservation.fault_id

    def stage(type_: EventType, data: dict[str, object]) -> None:
        add_event(session, new_event(settings, type_, fault_id, data, fault_id))

    if action is Action.APPROVE:
        approval = approve_line(reservation, principal.sub[:100])  # the column's width
        stage(EventType.PARTS_APPROVED, approval.model_dump(mode="json"))
    elif action is Action.ISSUE:
        line = await issue_line(session, reservation)
        stage(EventType.PARTS_ISSUED,
              PartsIssued(fault_id=fault_id, lines=[line]).model_dump(mode="json"))
    elif action is Action.CONSUME:
        assert units is not None
        settled = await consume_line(session, reservation, units)
        stage(EventType.PARTS_CONSUMED,
              PartsConsumed(fault_id=fault_id, lines=[settled]).model_dump(mode="json"))
    else:
        released = await release_line(session, reservation, ReleaseReason.MANUAL)
        stage(EventType.PARTS_RELEASED, PartsReleased(
            fault_id=fault_id, lines=[released], reason=ReleaseReason.MANUAL,
        ).model_dump(mode="json", exclude_none=True))
    step: dict[str, audit.Detail] = {
        "fault_id": fault_id, "part_number": reservation.part_number, "qty": reservation.qty,
        "warehouse": reservation.warehouse,
    }
    audit.record(session, principal, f"reservation.{reservation.status}", reservation.id,
                 step if units is None else step | {"consumed": units})
    if action in (Action.CONSUME, Action.RELEASE):  # the only steps that put units back
        await check_low_stock(
            session, settings, [(reservation.part_number, reservation.warehouse)], fault_id
        )
    return reservation


async def _locked(session: AsyncSession, reservation_id: str) -> PartsReservation:
    """The line, fresh and locked after its stock row (the order every transaction keeps)."""
    query = select(PartsReservation).where(col(PartsReservation.id) == reservation_id)
    found = (await session.scalars(query)).first()
    if found is None:
        raise Problem(404, "Not found", "No such reservation.")
    await lock_stock(session, stock_ids=[found.stock_id])
    locked = await session.scalars(
        query.with_for_update().execution_options(populate_existing=True)
    )
    return locked.one()


async def _consumed_units(
    session: AsyncSession, reservation: PartsReservation, consumed: float | None
) -> int:
    if consumed is None:
        return reservation.qty
    part = await session.get(PartsPart, reservation.part_number)
    unit = part.unit if part else "units"
    try:
        units = whole_quantity(consumed, unit, "consumed", minimum=0)
    except ValueError as exc:
        raise _invalid("consumed", str(exc)) from exc
    if units > reservation.qty:
        raise _invalid("consumed", f"consumed must be at most the {reservation.qty} {unit} issued")
    return units


def _invalid(field: str, message: str) -> Problem:
    return Problem(422, "Invalid request", message, errors=[{"field": field, "message": message}])
