"""Quality HTTP routes: service records (the completed after-sales information cards)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from services.quality.config import QualitySettings
from services.quality.domain.records import (
    ClockOutcome,
    clock_outcomes,
    labour_hours,
    parts_cost,
    repair_hours,
)
from services.quality.models import ServiceRecord, ServiceRecordBase
from services.quality.records import list_records, milestones
from shared.app import SessionDep, settings_dependency
from shared.auth import Principal, require_role
from shared.errors import Problem
from shared.pagination import Cursor, Limit, Page, cursor_position, encode_cursor
from shared.schemas import Timestamp

router = APIRouter(prefix="/v1", tags=["quality"])

Readers = Annotated[Principal, Depends(require_role("quality", "dispatcher"))]
Settings = Annotated[QualitySettings, Depends(settings_dependency(QualitySettings))]
Text = Annotated[str | None, Query(min_length=1, max_length=100)]


class ServiceRecordPublic(ServiceRecordBase):
    parts_used: list[dict[str, Any]]
    parts_consumed: list[dict[str, Any]]
    sla: dict[str, ClockOutcome]
    labour_hours: float
    repair_hours: float | None
    parts_cost: float
    labour_cost: float


def public(record: ServiceRecord, settings: QualitySettings) -> ServiceRecordPublic:
    hours = labour_hours(record.on_site_at, record.completed_at)
    return ServiceRecordPublic(
        **record.model_dump(exclude={"breaches", "updated_at"}),
        sla=clock_outcomes(milestones(record), set(record.breaches)),
        labour_hours=round(hours, 2),
        repair_hours=repair_hours(record.reported_at, record.completed_at),
        parts_cost=parts_cost(record.parts_consumed),
        labour_cost=round(hours * settings.labour_rate_per_hour, 2),
    )




@router.get("/service-records", summary="Service records (after-sales information cards)")
async def get_service_records(
    session: SessionDep,
    settings: Settings,
    _: Readers,
    fault_id: Text = None,
    depot_id: Text = None,
    vehicle_number: Text = None,
    vehicle_model: Text = None,
    status: Annotated[
        str | None, Query(pattern="^(open|completed|closed|cancelled)$")
    ] = None,
    reported_from: Timestamp | None = None,
    reported_to: Timestamp | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[ServiceRecordPublic]:
    if reported_from and reported_to and reported_to <= reported_from:
        raise Problem(422, "Invalid request", "reported_to must be after reported_from.",
                      errors=[{"field": "reported_to", "message": "must be after reported_from"}])
    filters = {"fault_id": fault_id, "depot_id": depot_id, "vehicle_number": vehicle_number,
               "vehicle_model": vehicle_model, "status": status,
               "reported_from": reported_from, "reported_to": reported_to}
    rows, position = await list_records(
        session, after=cursor_position(cursor, str), limit=limit, filters=filters
    )
    return Page[ServiceRecordPublic](
        items=[public(row, settings) for row in rows],
        next_cursor=encode_cursor(position) if position is not None else None,
    )
