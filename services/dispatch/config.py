"""Settings of the dispatch service."""

from pydantic import Field

from shared.settings import ServiceSettings


class DispatchSettings(ServiceSettings):
    service_name: str = "dispatch"
    # Every event of a batch holds the plan lock to its end, and so do engineers' app actions
    # that wait for it: a smaller batch than other services' keeps them answered quickly.
    consumer_batch_size: int = Field(default=10, ge=1, le=500)
    database_url: str = "sqlite+aiosqlite:///./.data/dispatch.db"
    # Engineers travel by road day and night: an average door-to-door speed.
    travel_speed_kmh: float = Field(default=60.0, gt=0)
    # Time to pack tools and parts and set off before each journey starts.
    mobilisation_minutes: float = Field(default=30.0, ge=0)
    # Time on site: a repair, or coordinating a class-A vehicle's return to the factory.
    onsite_repair_minutes: float = Field(default=120.0, gt=0)
    factory_return_minutes: float = Field(default=60.0, gt=0)
    # How far ahead shift calendars are expanded and queues planned.
    planning_horizon_hours: float = Field(default=72.0, gt=0)
    # An assignment nobody accepted in this time goes to someone else.
    accept_timeout_minutes: float = Field(default=15.0, gt=0)
    # How often the escalation loop looks for lapsed assignments and unassigned jobs.
    escalation_interval_seconds: float = Field(default=30.0, gt=0)
    # Each round of the assignment watch re-optimises unstarted jobs for at most this long
    # (0: never); the plan is locked meanwhile, so keep it well under a second.
    reoptimise_budget_ms: float = Field(default=300.0, ge=0, le=5000)
    # A re-plan announces a job's new ETA (dispatch.assigned) only when it moved this much.
    eta_notice_minutes: float = Field(default=5.0, ge=0)
    # A reported position older than this is ignored: the engineer is assumed at their station.
    position_max_age_hours: float = Field(default=12.0, gt=0)
    # A dispatcher may send only a technician on shift or on call within this time.
    reassign_within_hours: float = Field(default=24.0, gt=0)
    # How far ahead of the server's clock an app's occurred_at may be (phones' clocks drift).
    clock_skew_minutes: float = Field(default=5.0, ge=0)
