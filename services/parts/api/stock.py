"""Stock routes: receipts, stock by bin, the ledger, consumption and reserve levels."""

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col

from services.parts.api.deps import PartNumber, Readers, SettingsDep, Storekeepers
from services.parts.models import (
    ConsumptionReport,
    LedgerEntryPublic,
    PartsLedgerEntry,
    PartsPart,
    PartsStock,
    StockPublic,
    StockReceipt,
)
from services.parts.replenishment import consumption_report
from services.parts.stock import present_stock, receive_stock
from shared.app import SessionDep
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["stock"])

PartFilter = Annotated[str | None, Query(max_length=60)]
WarehouseFilter = Annotated[str | None, Query(max_length=20)]
Month = Annotated[str | None, Query(max_length=7, description="YYYY-MM (UTC)")]
Planners = Annotated[Principal, Depends(require_role("warehouse", "quality", "dispatcher"))]


@router.post(
    "/stock/receipts", status_code=201, response_model=StockPublic,
    summary="Receive goods into a registered bin (serves waiting backorders)",
)
async def post_receipt(
    body: StockReceipt,
    session: SessionDep,
    principal: Storekeepers,
    settings: SettingsDep,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    reference = f"receipt:{body.reference or uuid.uuid4()}"

    async def write() -> tuple[int, dict[str, Any]]:
        stock = await receive_stock(session, settings, body, reference)
        return 201, present_stock(stock).model_dump(mode="json")

    request_hash = fingerprint(body.model_dump(mode="json"))
    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


@router.get("/stock", summary="Stock by bin and lot, filtered and paginated")
async def list_stock(
    session: SessionDep,
    _: Readers,
    part_number: PartFilter = None,
    warehouse: WarehouseFilter = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[StockPublic]:
    filters = []
    if part_number:
        filters.append(col(PartsStock.part_number) == part_number)
    if warehouse:
        filters.append(col(PartsStock.warehouse) == warehouse)
    query = select(PartsStock).where(*filters).execution_options(populate_existing=True)
    rows, next_cursor = await keyset_page(session, query, col(PartsStock.id), limit, cursor)
    return Page[StockPublic](items=[present_stock(s) for s in rows], next_cursor=next_cursor)


@router.get("/stock/ledger", summary="Stock movements, oldest first, filtered and paginated")
async def list_ledger(
    session: SessionDep,
    _: Readers,
    part_number: PartFilter = None,
    warehouse: WarehouseFilter = None,
    reference: Annotated[str | None, Query(max_length=100)] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[LedgerEntryPublic]:
    entry = PartsLedgerEntry
    filters = []
    if part_number:
        filters.append(col(entry.part_number) == part_number)
    if warehouse:
        filters.append(col(entry.warehouse) == warehouse)
    if reference:
        filters.append(col(entry.reference) == reference)
    rows, next_cursor = await keyset_page(
        session, select(entry).where(*filters), col(entry.id), limit, cursor
    )
    items = [LedgerEntryPublic.model_validate(e, from_attributes=True) for e in rows]
    return Page[LedgerEntryPublic](items=items, next_cursor=next_cursor)


@router.get(
    "/parts/{part_number}/consumption",
    summary="Monthly consumption per warehouse and the reserve level it suggests",
)
async def get_consumption(
    part_number: PartNumber,
    session: SessionDep,
    _: Planners,
    settings: SettingsDep,
    from_: Annotated[Month, Query(alias="from")] = None,
    to: Month = None,
) -> ConsumptionReport:
    """`from` and `to` default to the twelve months up to the current one."""
    if await session.get(PartsPart, part_number) is None:
        raise Problem(404, "Not found", "No such part.")
    return await consumption_report(session, settings, part_number, from_, to)
