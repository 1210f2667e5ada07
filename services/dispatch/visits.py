"""When the engineer gets to a job, starts and is done: as stored, or as it really happened
once they set off (pure)."""

from datetime import datetime, timedelta

from services.dispatch.config import DispatchSettings
from services.dispatch.domain.skills import JobKind
from services.dispatch.models import DispatchJob
from services.dispatch.scheduling import Visit
from shared.geo import haversine_km


def service_time(kind: str, settings: DispatchSettings) -> timedelta:
    if kind == JobKind.FACTORY_RETURN:
        return timedelta(minutes=settings.factory_return_minutes)
    return timedelta(minutes=settings.onsite_repair_minutes)


def stored_visit(row: DispatchJob) -> Visit | None:
    """The visit as last planned (None for a job nobody holds or never timed)."""
    if row.technician_id is None or row.eta is None:
        return None
    start = row.planned_start or row.eta
    return Visit(
        job_id=row.id,
        technician_id=row.technician_id,
        arrive=row.eta,
        start=start,
        end=row.planned_end or start,
        travel=timedelta(seconds=row.travel_seconds or 0),
    )


def journey(
    row: DispatchJob,
    technician_id: str,
    departed_at: datetime,
    origin: tuple[float, float],
    settings: DispatchSettings,
) -> Visit:
    """The visit of an engineer who has set off from `origin` (mobilisation is behind them)."""
    drive = timedelta(hours=haversine_km(*origin, row.lat, row.lon) / settings.travel_speed_kmh)
    arrive = departed_at + drive
    start = max(arrive, row.parts_ready_at or arrive)
    return Visit(row.id, technician_id, arrive, start,
                 start + service_time(row.kind, settings), drive)


def stay(
    row: DispatchJob, technician_id: str, arrived_at: datetime, settings: DispatchSettings
) -> Visit:
    """The visit of an engineer on site since `arrived_at`."""
    drive = arrived_at - row.departed_at if row.departed_at else timedelta(0)
    return Visit(row.id, technician_id, arrived_at, arrived_at,
                 arrived_at + service_time(row.kind, settings), max(drive, timedelta(0)))
