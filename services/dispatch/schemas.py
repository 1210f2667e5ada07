"""The dispatch API's request and response models."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, StringConstraints, model_validator
from sqlmodel import Field, SQLModel

from services.dispatch.domain.calendar import CalendarError, parse_calendar
from shared.schemas import RequestBody, SQLRequestBody, Timestamp

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
Clock = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]
Weekday = Annotated[int, Field(ge=1, le=7)]
Latitude = Annotated[float, Field(ge=-90, le=90)]
Longitude = Annotated[float, Field(ge=-180, le=180)]


class WeeklyHoursBody(RequestBody):
    """Hours on the given ISO weekdays (1 = Monday; all days when omitted)."""

    days: list[Weekday] = Field(default_factory=lambda: list(range(1, 8)), max_length=7)
    start: Clock
    end: Clock


class LeaveBody(RequestBody):
    model_config = ConfigDict(populate_by_name=True)

    from_: Timestamp = Field(alias="from")
    to: Timestamp


class ShiftBody(RequestBody):
    """The shift calendar; `{}` means always available, `{start, end, timezone}` every day."""

    timezone: str | None = Field(default=None, min_length=1, max_length=60)
    start: Clock | None = None
    end: Clock | None = None
    hours: list[WeeklyHoursBody] = Field(default_factory=list, max_length=21)
    on_call: list[WeeklyHoursBody] = Field(default_factory=list, max_length=21)
    leave: list[LeaveBody] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _readable(self) -> "ShiftBody":
        try:
            parse_calendar(self.stored())
        except CalendarError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def stored(self) -> dict[str, Any]:
        """As sent (only the keys given), the way it is kept and shown back."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=True)


class TechnicianBase(SQLRequestBody):
    name: str = Field(min_length=1, max_length=100)
    station: str = Field(min_length=1, max_length=100)
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    skills: list[Name] = Field(default_factory=list, max_length=50)
    certifications: list[Name] = Field(default_factory=list, max_length=50)
    regions: list[Name] = Field(default_factory=list, max_length=50)
    active: bool = True


class TechnicianBody(TechnicianBase):
    """A field engineer as the dispatcher registers them (PUT replaces the whole record)."""

    shift: ShiftBody = Field(default_factory=ShiftBody)


class TechnicianPublic(TechnicianBase):
    id: str
    shift: dict[str, Any]
    status: str
    status_at: datetime | None
    position_lat: float | None
    position_lon: float | None
    position_at: datetime | None
    updated_at: datetime


class StatusReport(SQLRequestBody):
    """The app's (or a dispatcher's) report of a technician's live status and position."""

    status: Literal["available", "busy", "off_duty"]
    lat: Latitude | None = None
    lon: Longitude | None = None
    occurred_at: Timestamp

    @model_validator(mode="after")
    def _position_whole(self) -> "StatusReport":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together")
        return self


class AppAction(SQLRequestBody):
    """Every app action: an id the phone made up (replays reuse it) and when it happened."""

    client_event_id: str = Field(min_length=1, max_length=100)
    occurred_at: Timestamp


class Decline(AppAction):
    reason: str = Field(min_length=1, max_length=500)


class Movement(AppAction):
    """Depart or arrive, optionally with where the phone was."""

    lat: Latitude | None = None
    lon: Longitude | None = None

    @model_validator(mode="after")
    def _position_whole(self) -> "Movement":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon come together")
        return self


class UsedPart(SQLRequestBody):
    part_number: str = Field(min_length=1, max_length=60)
    qty: int = Field(gt=0, le=100_000)


class Completion(AppAction):
    """The repair part of the service information card."""

    cause: str = Field(default="", max_length=2000)
    actions: str = Field(default="", max_length=4000)
    parts_used: list[UsedPart] = Field(default_factory=list, max_length=100)
    notes: str = Field(default="", max_length=4000)


class JobPublic(SQLModel):
    id: str
    fault_id: str
    fault_number: str
    kind: str
    severity: str
    system: str | None
    required_skill: str
    site_code: str
    lat: float
    lon: float
    onsite_due: datetime
    parts_ready_at: datetime | None
    status: str
    technician_id: str | None
    eta: datetime | None
    distance_km: float | None
    queue_position: int | None
    accepted_at: datetime | None
    departed_at: datetime | None
    arrived_at: datetime | None
    completed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class Reassignment(SQLRequestBody):
    technician_id: str = Field(min_length=1, max_length=40)


class ShiftWindow(SQLModel):
    start: datetime
    end: datetime


class PlannedVisit(SQLModel):
    job_id: str
    fault_id: str
    fault_number: str
    status: str
    queue_position: int | None
    site_code: str
    lat: float
    lon: float
    arrive: datetime | None
    start: datetime | None
    end: datetime | None
    travel_minutes: float | None
    onsite_due: datetime
    meets_onsite_due: bool | None


class TechnicianSchedule(SQLModel):
    """A technician's queue as planned, and when they can be sent over the planning horizon."""

    technician_id: str
    status: str
    windows: list[ShiftWindow]
    queue: list[PlannedVisit]
