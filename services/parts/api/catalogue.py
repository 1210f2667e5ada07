"""Catalogue routes: warehouses, bins, parts, and the fault-code → parts table."""

from fastapi import APIRouter
from sqlalchemy import select
from sqlmodel import col

from services.parts.api.deps import (
    Administrators,
    BinCode,
    FaultCode,
    PartNumber,
    Readers,
    Storekeepers,
    WarehouseCode,
)
from services.parts.catalogue import (
    fault_code_parts,
    register_bin,
    set_fault_code_parts,
    upsert,
)
from services.parts.domain import PartCategory
from services.parts.models import (
    BinPublic,
    BinWrite,
    FaultCodePartsPublic,
    FaultCodePartsWrite,
    PartPublic,
    PartsBin,
    PartsPart,
    PartsWarehouse,
    PartWrite,
    WarehouseBase,
    WarehousePublic,
)
from shared.app import SessionDep
from shared.errors import Problem
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["catalogue"])


@router.put("/warehouses/{code}", summary="Register or update a warehouse")
async def put_warehouse(
    code: WarehouseCode, body: WarehouseBase, session: SessionDep, _: Administrators
) -> WarehousePublic:
    await upsert(session, PartsWarehouse, code, body.model_dump())
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


@router.put("/warehouses/{code}/bins/{bin}", summary="Register or describe a bin (仓位)")
async def put_bin(
    code: WarehouseCode, bin_code: BinCode, body: BinWrite, session: SessionDep, _: Storekeepers
) -> BinPublic:
    await register_bin(session, code, bin_code, body.description)
    await session.commit()
    return BinPublic(warehouse=code, bin=bin_code, description=body.description)


@router.get("/warehouses/{code}/bins", summary="A warehouse's registered bins, by bin")
async def list_bins(
    code: WarehouseCode, session: SessionDep, _: Readers, limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BinPublic]:
    if await session.get(PartsWarehouse, code) is None:
        raise Problem(404, "Not found", "No such warehouse.")
    query = select(PartsBin).where(col(PartsBin.warehouse) == code)
    rows, next_cursor = await keyset_page(session, query, col(PartsBin.bin), limit, cursor)
    items = [BinPublic.model_validate(b, from_attributes=True) for b in rows]
    return Page[BinPublic](items=items, next_cursor=next_cursor)


@router.put("/parts/{part_number}", summary="Register or update a part")
async def put_part(
    part_number: PartNumber, body: PartWrite, session: SessionDep, _: Storekeepers
) -> PartPublic:
    values = body.model_dump(mode="json")
    await upsert(session, PartsPart, part_number, values)
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


@router.get("/parts/{part_number}", summary="One part")
async def get_part(part_number: PartNumber, session: SessionDep, _: Readers) -> PartPublic:
    part = await session.get(PartsPart, part_number)
    if part is None:
        raise Problem(404, "Not found", "No such part.")
    return PartPublic.model_validate(part, from_attributes=True)


@router.put("/fault-codes/{code}/parts", summary="Set the parts a fault code usually needs")
async def put_fault_code_parts(
    code: FaultCode, body: FaultCodePartsWrite, session: SessionDep, _: Storekeepers
) -> FaultCodePartsPublic:
    mapped = await set_fault_code_parts(session, code, body)
    await session.commit()
    return mapped


@router.get("/fault-codes/{code}/parts", summary="The parts a fault code usually needs")
async def get_fault_code_parts(
    code: FaultCode, session: SessionDep, _: Readers
) -> FaultCodePartsPublic:
    return await fault_code_parts(session, code)
