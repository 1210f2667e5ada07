"""Keeping the catalogue: warehouses, bins, parts and the fault-code → parts table."""

from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel, col

from services.parts.domain import merge_demands, whole_quantity
from services.parts.models import (
    FaultCodePart,
    FaultCodePartsPublic,
    FaultCodePartsWrite,
    PartsBin,
    PartsFaultCodePart,
    PartsPart,
    PartsWarehouse,
)
from shared.errors import Problem
from shared.events import utcnow


async def upsert(
    session: AsyncSession, model: type[SQLModel], key: Any, values: dict[str, Any]
) -> None:
    """Create the row with `values`, or update the existing one (a PUT). Never commits."""
    row = await session.get(model, key)
    if row is None:
        names = [c.name for c in model.__table__.primary_key.columns]  # type: ignore[attr-defined]
        identity = dict(zip(names, key if isinstance(key, tuple) else (key,), strict=True))
        session.add(model(**identity, **values))
        return
    for name, value in values.items():
        setattr(row, name, value)
    row.updated_at = utcnow()


async def register_bin(
    session: AsyncSession, warehouse: str, bin_: str, description: str = ""
) -> None:
    """Register (or describe again) a bin of a known warehouse; 404 for an unknown warehouse."""
    if await session.get(PartsWarehouse, warehouse) is None:
        raise Problem(404, "Not found", "No such warehouse.")
    await upsert(session, PartsBin, (warehouse, bin_), {"description": description})


async def set_fault_code_parts(
    session: AsyncSession, fault_code: str, body: FaultCodePartsWrite
) -> FaultCodePartsPublic:
    """Replace the parts a fault code needs; 422 naming unknown parts and bad quantities.

    A part listed twice is needed in the sum of its quantities.
    """
    errors: list[dict[str, str]] = []
    lines: list[tuple[str, int]] = []
    for index, line in enumerate(body.parts):
        part = await session.get(PartsPart, line.part_number)
        if part is None:
            errors.append({"field": f"parts.{index}.part_number", "message": "no such part"})
            continue
        try:
            lines.append((line.part_number, whole_quantity(line.qty, part.unit)))
        except ValueError as exc:
            errors.append({"field": f"parts.{index}.qty", "message": str(exc)})
    if errors:
        raise Problem(422, "Invalid request", "The parts list cannot be stored.", errors=errors)
    await session.execute(
        delete(PartsFaultCodePart).where(col(PartsFaultCodePart.fault_code) == fault_code)
    )
    for demand in merge_demands(lines):
        session.add(PartsFaultCodePart(
            fault_code=fault_code, part_number=demand.part_number, qty=demand.qty
        ))
    await session.flush()
    return await fault_code_parts(session, fault_code)


async def fault_code_parts(session: AsyncSession, fault_code: str) -> FaultCodePartsPublic:
    rows = await session.scalars(
        select(PartsFaultCodePart)
        .where(col(PartsFaultCodePart.fault_code) == fault_code)
        .order_by(col(PartsFaultCodePart.part_number))
    )
    return FaultCodePartsPublic(
        fault_code=fault_code,
        parts=[FaultCodePart(part_number=r.part_number, qty=r.qty) for r in rows],
    )
