"""Requisition routes: reservations and their lifecycle, backorders, transfers."""

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from services.parts.actions import act_on_reservation
from services.parts.api.deps import (
    Approvers,
    Readers,
    ReservationId,
    SettingsDep,
    Storekeepers,
)
from services.parts.domain import (
    Action,
    BackorderStatus,
    ReservationStatus,
    TransferStatus,
)
from services.parts.models import (
    BackorderPublic,
    ConsumeRequest,
    PartsBackorder,
    PartsReservation,
    PartsTransfer,
    ReservationPublic,
    TransferPublic,
)
from shared.app import SessionDep
from shared.auth import Principal
from shared.errors import Problem
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["requisitions"])

FaultFilter = Annotated[str | None, Query(max_length=36)]
PartFilter = Annotated[str | None, Query(max_length=60)]


def _public(reservation: PartsReservation) -> ReservationPublic:
    return ReservationPublic.model_validate(reservation, from_attributes=True)


@router.get("/reservations", summary="Requisition lines, oldest first, filtered")
async def list_reservations(
    session: SessionDep,
    _: Readers,
    fault_id: FaultFilter = None,
    status: ReservationStatus | None = None,
    part_number: PartFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReservationPublic]:
    reservation = PartsReservation
    filters = []
    if fault_id:
        filters.append(col(reservation.fault_id) == fault_id)
    if status:
        filters.append(col(reservation.status) == status.value)
    if part_number:
        filters.append(col(reservation.part_number) == part_number)
    query = select(reservation).where(*filters).execution_options(populate_existing=True)
    rows, next_cursor = await keyset_page(session, query, col(reservation.seq), limit, cursor)
    return Page[ReservationPublic](items=[_public(r) for r in rows], next_cursor=next_cursor)


@router.get("/reservations/{reservation_id}", summary="One requisition line")
async def get_reservation(
    reservation_id: ReservationId, session: SessionDep, _: Readers
) -> ReservationPublic:
    found = (await session.scalars(
        select(PartsReservation).where(col(PartsReservation.id) == reservation_id)
    )).first()
    if found is None:
        raise Problem(404, "Not found", "No such reservation.")
    return _public(found)


async def _act(
    session: SessionDep, settings: SettingsDep, reservation_id: str, action: Action,
    principal: Principal, consumed: float | None = None,
) -> ReservationPublic:
    reservation = await act_on_reservation(
        session, settings, reservation_id, action, principal, consumed
    )
    await session.commit()
    return _public(reservation)


@router.post("/reservations/{reservation_id}/approve", summary="Approve the requisition line")
async def approve(
    reservation_id: ReservationId, session: SessionDep, principal: Approvers,
    settings: SettingsDep,
) -> ReservationPublic:
    return await _act(session, settings, reservation_id, Action.APPROVE, principal)


@router.post("/reservations/{reservation_id}/issue",
             summary="Issue the approved line: the parts leave the shelf")
async def issue(
    reservation_id: ReservationId, session: SessionDep, principal: Storekeepers,
    settings: SettingsDep,
) -> ReservationPublic:
    return await _act(session, settings, reservation_id, Action.ISSUE, principal)


@router.post("/reservations/{reservation_id}/consume",
             summary="Settle the issued line: units used, the rest back to its bin")
async def consume(
    reservation_id: ReservationId, session: SessionDep, principal: Approvers,
    settings: SettingsDep, body: ConsumeRequest | None = None,
) -> ReservationPublic:
    consumed = body.consumed if body else None
    return await _act(session, settings, reservation_id, Action.CONSUME, principal, consumed)


@router.post("/reservations/{reservation_id}/release",
             summary="Give the line back (issued parts are booked back in)")
async def release(
    reservation_id: ReservationId, session: SessionDep, principal: Approvers,
    settings: SettingsDep,
) -> ReservationPublic:
    return await _act(session, settings, reservation_id, Action.RELEASE, principal)


@router.get("/backorders", summary="Backorders, oldest first, filtered")
async def list_backorders(
    session: SessionDep,
    _: Readers,
    fault_id: FaultFilter = None,
    status: BackorderStatus | None = None,
    part_number: PartFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BackorderPublic]:
    backorder = PartsBackorder
    filters = []
    if fault_id:
        filters.append(col(backorder.fault_id) == fault_id)
    if status:
        filters.append(col(backorder.status) == status.value)
    if part_number:
        filters.append(col(backorder.part_number) == part_number)
    query = select(backorder).where(*filters).execution_options(populate_existing=True)
    rows, next_cursor = await keyset_page(session, query, col(backorder.seq), limit, cursor)
    items = [BackorderPublic.model_validate(b, from_attributes=True) for b in rows]
    return Page[BackorderPublic](items=items, next_cursor=next_cursor)


@router.get("/transfers", summary="Transfers to fault sites, oldest first, filtered")
async def list_transfers(
    session: SessionDep,
    _: Readers,
    fault_id: FaultFilter = None,
    status: TransferStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[TransferPublic]:
    transfer = PartsTransfer
    filters = []
    if fault_id:
        filters.append(col(transfer.fault_id) == fault_id)
    if status:
        filters.append(col(transfer.status) == status.value)
    query = select(transfer).where(*filters).execution_options(populate_existing=True)
    rows, next_cursor = await keyset_page(session, query, col(transfer.seq), limit, cursor)
    items = [TransferPublic.model_validate(t, from_attributes=True) for t in rows]
    return Page[TransferPublic](items=items, next_cursor=next_cursor)
