"""Intake HTTP routes: thin — parse, authorise, call the use case, commit, return."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime
from sqlalchemy import select
from sqlmodel import col

from services.intake.config import IntakeSettings
from services.intake.faults import load_timeline, present, report_fault
from services.intake.models import (
    FaultCreate,
    FaultPublic,
    IntakeFault,
    IntakeVehicle,
    VehicleBase,
    VehiclePublic,
)
from shared.app import SessionDep, settings_dependency
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow
from shared.pagination import Cursor, Limit, Page, keyset_page

router = APIRouter(prefix="/v1", tags=["intake"])

# Depot clocks drift; a report a little in the future is accepted, more is a data error.
CLOCK_SKEW = timedelta(minutes=5)
VehicleNumber = Annotated[str, Path(min_length=1, max_length=40)]
Reporters = Annotated[Principal, Depends(require_role("depot", "dispatcher"))]
Readers = Annotated[
    Principal, Depends(require_role("depot", "dispatcher", "quality", "warehouse"))
]
DeskStaff = Annotated[Principal, Depends(require_role("dispatcher"))]


SettingsDep = Annotated[IntakeSettings, Depends(settings_dependency(IntakeSettings))]


@router.put("/vehicles/{number}", summary="Register or update a vehicle")
async def register_vehicle(
    number: VehicleNumber, body: VehicleBase, session: SessionDep, _: DeskStaff
) -> VehiclePublic:
    vehicle = await session.get(IntakeVehicle, number)
    if vehicle is None:
        vehicle = IntakeVehicle(number=number, **body.model_dump())
        session.add(vehicle)
    else:
        for key, value in body.model_dump().items():
            setattr(vehicle, key, value)
        vehicle.updated_at = utcnow()
    await session.commit()
    return VehiclePublic(number=number, **body.model_dump())


@router.post("/faults", status_code=201, summary="Report a fault (after-sales information card)")
async def create_fault(
    body: FaultCreate, session: SessionDep, principal: Reporters, settings: SettingsDep
) -> FaultPublic:
    if principal.role == "depot" and body.depot_id != principal.depot_id:
        raise Problem(403, "Forbidden", "A depot reports faults for itself only.")
    if body.reported_at and body.reported_at > utcnow() + CLOCK_SKEW:
        raise Problem(
            422, "Invalid request", "reported_at lies in the future.",
            errors=[{"field": "reported_at", "message": "must not be in the future"}],
        )
    fault = await report_fault(session, settings, body)
    await session.commit()
    return present(fault, await load_timeline(session, fault.id))


async def _visible_fault(session: SessionDep, fault_id: str, principal: Principal) -> IntakeFault:
    query = select(IntakeFault).where(col(IntakeFault.id) == fault_id)
    fault = (await session.scalars(query)).first()
    # A depot must not learn that another depot's fault exists: 404, not 403.
    if fault is None or (principal.role == "depot" and fault.depot_id != principal.depot_id):
        raise Problem(404, "Not found", "No such fault.")
    return fault


@router.get("/faults/{fault_id}", summary="A fault with its timeline, parts, assignment and SLA")
async def get_fault(
    fault_id: Annotated[str, Path(max_length=36)], session: SessionDep, principal: Readers
) -> FaultPublic:
    fault = await _visible_fault(session, fault_id, principal)
    return present(fault, await load_timeline(session, fault.id))


@router.get("/faults", summary="Faults, newest last, filtered and paginated")
async def list_faults(
    session: SessionDep,
    principal: Readers,
    depot_id: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    severity: Annotated[str | None, Query(pattern="^[ABC]$")] = None,
    vehicle_number: Annotated[str | None, Query(max_length=40)] = None,
    since: AwareDatetime | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[FaultPublic]:
    if principal.role == "depot":
        if depot_id not in (None, principal.depot_id):
            raise Problem(403, "Forbidden", "A depot sees its own faults only.")
        depot_id = principal.depot_id
    query = select(IntakeFault)
    if depot_id:
        query = query.where(col(IntakeFault.depot_id) == depot_id)
    if status:
        query = query.where(col(IntakeFault.status) == status)
    if severity:
        query = query.where(col(IntakeFault.severity) == severity)
    if vehicle_number:
        query = query.where(col(IntakeFault.vehicle_number) == vehicle_number)
    if since:
        query = query.where(col(IntakeFault.reported_at) >= since)
    page, next_cursor = await keyset_page(session, query, col(IntakeFault.seq), limit, cursor)
    return Page[FaultPublic](items=[present(f) for f in page], next_cursor=next_cursor)


@router.get("/vehicles/{number}/history", summary="The vehicle's lifetime file")
async def vehicle_history(
    number: VehicleNumber, session: SessionDep, principal: Readers
) -> dict[str, object]:
    vehicle = await session.get(IntakeVehicle, number)
    query = select(IntakeFault).where(col(IntakeFault.vehicle_number) == number)
    if principal.role == "depot":
        query = query.where(col(IntakeFault.depot_id) == principal.depot_id)
    faults = (await session.scalars(query.order_by(col(IntakeFault.seq)))).all()
    if vehicle is None and not faults:
        raise Problem(404, "Not found", "No such vehicle.")
    return {
        "vehicle": VehiclePublic.model_validate(vehicle, from_attributes=True) if vehicle else None,
        "faults": [present(f) for f in faults],
    }
