"""Parts HTTP routes: thin — parse, authorise, call the use case, commit, return."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from sqlalchemy import select
from sqlmodel import col

from services.parts.domain import PartCategory, ReservationStatus
from services.parts.models import (
    BackorderPublic,
    PartPublic,
    PartsBackorder,
    PartsPart,
    PartsReservation,
    PartsStock,
    PartsWarehouse,
    PartWrite,
    ReservationPublic,
    StockPublic,
    StockReceipt,
    WarehouseBase,
    WarehousePublic,
)
from services.parts.stock import present_stock, receive_stock
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.events import utcnow
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["parts"])

WarehouseCode = Annotated[str, Path(min_length=1, max_length=20, pattern=r"^\S+$")]
PartNumber = Annotated[str, Path(min_length=1, max_length=60, pattern=r"^\S+$")]
Storekeepers = Annotated[Principal, Depends(require_role("warehouse"))]
Readers = Annotated[Principal, Depends(require_role("warehouse", "dispatcher", "quality"))]


@router.put("/warehouses/{code}", summary="Register or update a warehouse")
async def put_warehouse(
    code: WarehouseCode, body: WarehouseBase, session: SessionDep, _: Storekeepers
) -> WarehousePublic:
    warehouse = await session.get(PartsWarehouse, code)
    if warehouse is None:
        session.add(PartsWarehouse(code=code, **body.model_dump()))
    else:
        for key, value in body.model_dump().items():
            setattr(warehouse, key, value)
        warehouse.updated_at = utcnow()
    await session.commit()
    return WarehousePublic(code=code, **body.model_dump())


@router.get("/warehouses", summary="Warehouses, by code")
async def list_warehouses(
    session: SessionDep, _: Readers, limit: Limit = 50, cursor: Cursor = None
) -> Page[WarehousePublic]:
    rows, next_cursor = await keyset_page(
        session, select(PartsWarehouse), col(PartsWarehouse.code), limit, cursor
    )
    items = [WarehousePublic.model_validate(w, from_attributes=True) for w in rows]
    return Page[WarehousePublic](items=items, next_cursor=next_cursor)


@router.put("/parts/{part_number}", summary="Register or update a part")
async def put_part(
    part_number: PartNumber, body: PartWrite, session: SessionDep, _: Storekeepers
) -> PartPublic:
    values = body.model_dump(mode="json")
    part = await session.get(PartsPart, part_number)
    if part is None:
        session.add(PartsPart(part_number=part_number, **values))
    else:
        for key, value in values.items():
            setattr(part, key, value)
        part.updated_at = utcnow()
    await session.commit()
    return PartPublic(part_number=part_number, **values)


@router.get("/parts", summary="Parts, by part number")
async def list_parts(
    session: SessionDep,
    _: Readers,
    category: PartCategory | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PartPublic]:
    filters = [col(PartsPart.category) == category.value] if category else []
    rows, next_cursor = await keyset_page(
        session, select(PartsPart).where(*filters), col(PartsPart.part_number), limit, cursor
    )
    items = [PartPublic.model_validate(p, from_attributes=True) for p in rows]
    return Page[PartPublic](items=items, next_cursor=next_cursor)


@router.post("/stock/receipts", status_code=201, summary="Receive goods into a bin")
async def post_receipt(body: StockReceipt, session: SessionDep, _: Storekeepers) -> StockPublic:
    stock = await receive_stock(session, body, reference=f"receipt:{uuid.uuid4()}")
    await session.commit()
    return present_stock(stock)


@router.get("/stock", summary="Stock by bin, filtered and paginated")
async def list_stock(
    session: SessionDep,
    _: Readers,
    part_number: Annotated[str | None, Query(max_length=60)] = None,
    warehouse: Annotated[str | None, Query(max_length=20)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StockPublic]:
    filters = []
    if part_number:
        filters.append(col(PartsStock.part_number) == part_number)
    if warehouse:
        filters.append(col(PartsStock.warehouse) == warehouse)
    rows, next_cursor = await keyset_page(
        session, select(PartsStock).where(*filters), col(PartsStock.id), limit, cursor
    )
    return Page[StockPublic](items=[present_stock(s) for s in rows], next_cursor=next_cursor)


@router.get("/reservations", summary="Reservations, oldest first, filtered by fault and status")
async def list_reservations(
    session: SessionDep,
    _: Readers,
    fault_id: Annotated[str | None, Query(max_length=36)] = None,
    status: ReservationStatus | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ReservationPublic]:
    filters = [col(PartsReservation.fault_id) == fault_id] if fault_id else []
    if status:
        filters.append(col(PartsReservation.status) == status.value)
    rows, next_cursor = await keyset_page(
        session, select(PartsReservation).where(*filters), col(PartsReservation.seq), limit, cursor
    )
    items = [ReservationPublic.model_validate(r, from_attributes=True) for r in rows]
    return Page[ReservationPublic](items=items, next_cursor=next_cursor)


@router.get("/backorders", summary="Backorders, oldest first, filtered by fault")
async def list_backorders(
    session: SessionDep,
    _: Readers,
    fault_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BackorderPublic]:
    filters = [col(PartsBackorder.fault_id) == fault_id] if fault_id else []
    rows, next_cursor = await keyset_page(
        session, select(PartsBackorder).where(*filters), col(PartsBackorder.seq), limit, cursor
    )
    items = [BackorderPublic.model_validate(b, from_attributes=True) for b in rows]
    return Page[BackorderPublic](items=items, next_cursor=next_cursor)
