"""Intake HTTP routes: thin — parse, authorise, call the use case, commit, return."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select
from sqlmodel import col

from services.intake import progress
from services.intake.batch import submit_batch
from services.intake.config import IntakeSettings
from services.intake.history import vehicle_history
from services.intake.models import (
    BatchRequest,
    BatchResponse,
    FaultCancel,
    FaultCreate,
    FaultPublic,
    IntakeFault,
    IntakeVehicle,
    VehicleBase,
    VehicleHistory,
    VehiclePublic,
)
from services.intake.numbering import settled_page
from services.intake.presenting import load_timeline, present
from services.intake.report_group import Report
from services.intake.report_queue import ReportQueue
from services.intake.reporting import check_card
from shared.app import SessionDep, settings_dependency
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.events import utcnow
from shared.idempotency import IdempotencyKey, fingerprint, idempotent_write, scope_of
from shared.pagination import Cursor, Limit, Page
from shared.ratelimit import RATE_LIMITED, RateLimits
from shared.schemas import Timestamp

router = APIRouter(prefix="/v1", tags=["intake"])

VehicleNumber = Annotated[str, Path(min_length=1, max_length=40)]
FaultId = Annotated[str, Path(max_length=36)]
Reporters = Annotated[Principal, Depends(require_role("depot", "dispatcher"))]
Readers = Annotated[
    Principal, Depends(require_role("depot", "dispatcher", "quality", "warehouse"))
]
DeskStaff = Annotated[Principal, Depends(require_role("dispatcher"))]
# The register's delivery date and warranty term decide who pays for a repair: admin only.
Registrars = Annotated[Principal, Depends(require_role("admin"))]
SettingsDep = Annotated[IntakeSettings, Depends(settings_dependency(IntakeSettings))]


@router.put("/vehicles/{number}", summary="Register or update a vehicle")
async def register_vehicle(
    number: VehicleNumber, body: VehicleBase, session: SessionDep, _: Registrars
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


@router.post(
    "/faults", status_code=201, response_model=FaultPublic,
    summary="Report a fault (after-sales service information card)",
    responses={200: {"description": "Already reported with this external_id: the original"},
               **RATE_LIMITED},
)
async def create_fault(
    body: FaultCreate,
    request: Request,
    principal: Reporters,
    limits: RateLimits,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    limits.charge(principal, 1)
    check_card(body, principal)
    report = Report(body, fingerprint(body.model_dump(mode="json")), scope_of(principal),
                    idempotency_key)
    # Stored with the reports that arrived alongside it, in one transaction (report_queue).
    queue: ReportQueue = request.app.state.report_queue
    return await queue.submit(report)


@router.post(
    "/faults:batch", status_code=207, response_model=BatchResponse,
    summary="Report up to 500 faults; one result per item, in order", responses=RATE_LIMITED,
)
async def create_faults(
    body: BatchRequest,
    session: SessionDep,
    principal: Reporters,
    settings: SettingsDep,
    limits: RateLimits,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    # Every card counts, good or bad: the limit is on what a client sends.
    limits.charge(principal, len(body.faults))
    request_hash = fingerprint(body.model_dump(mode="json"))

    async def write() -> tuple[int, dict[str, Any]]:
        response = await submit_batch(session, settings, principal, body.faults)
        return 207, response.model_dump(mode="json")

    return await idempotent_write(session, principal, idempotency_key, request_hash, write)


async def _visible_fault(
    session: SessionDep, fault_id: str, principal: Principal, lock: bool = False
) -> IntakeFault:
    query = select(IntakeFault).where(col(IntakeFault.id) == fault_id)
    fault = (await session.scalars(query.with_for_update() if lock else query)).first()
    # A depot must not learn that another depot's fault exists: 404, not 403.
    if fault is None or (principal.role == "depot" and fault.depot_id != principal.depot_id):
        raise Problem(404, "Not found", "No such fault.")
    return fault


@router.get("/faults/{fault_id}", summary="A fault with its timeline, parts, assignment and SLA")
async def get_fault(fault_id: FaultId, session: SessionDep, principal: Readers) -> FaultPublic:
    fault = await _visible_fault(session, fault_id, principal)
    return present(fault, await load_timeline(session, fault.id))


@router.post("/faults/{fault_id}/acknowledge", summary="The service desk answered the user")
async def acknowledge_fault(
    fault_id: FaultId, session: SessionDep, principal: DeskStaff, settings: SettingsDep
) -> FaultPublic:
    fault = await _visible_fault(session, fault_id, principal, lock=True)
    await progress.acknowledge(session, settings, fault, principal.sub)
    await session.commit()
    return present(fault, await load_timeline(session, fault.id))


@router.post("/faults/{fault_id}/cancel", summary="Cancel a fault (parts released, job withdrawn)")
async def cancel_fault(
    fault_id: FaultId,
    body: FaultCancel,
    session: SessionDep,
    principal: Reporters,
    settings: SettingsDep,
) -> FaultPublic:
    fault = await _visible_fault(session, fault_id, principal, lock=True)
    await progress.cancel(session, settings, fault, body.reason, principal)
    await session.commit()
    return present(fault, await load_timeline(session, fault.id))


@router.get("/faults", summary="Faults in the order they were reported, filtered and paginated")
async def list_faults(
    session: SessionDep,
    principal: Readers,
    depot_id: Annotated[str | None, Query(max_length=40)] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    severity: Annotated[str | None, Query(pattern="^[ABC]$")] = None,
    vehicle_number: Annotated[str | None, Query(max_length=40)] = None,
    since: Timestamp | None = None,
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
    page, next_cursor = await settled_page(session, query, limit, cursor)
    items = [present(f) for f in page]
    await session.rollback()  # reports waiting behind this page's lock go on at once
    return Page[FaultPublic](items=items, next_cursor=next_cursor)


@router.get("/vehicles/{number}/history", summary="The vehicle's lifetime file")
async def get_vehicle_history(
    number: VehicleNumber, session: SessionDep, principal: Readers
) -> VehicleHistory:
    depot = principal.depot_id if principal.role == "depot" else None
    history = await vehicle_history(session, number, depot)
    if history is None:
        raise Problem(404, "Not found", "No such vehicle.")
    return history
