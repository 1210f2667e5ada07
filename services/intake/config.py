"""Settings of the intake service."""

from pydantic import Field, field_validator

from services.intake.domain import CLOCKS, Severity
from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///./.data/intake.db"
    # SLA commitments in hours from the report (domain: answer 2 h, on site 8 h, solved 24 h).
    sla_respond_hours: float = Field(default=2.0, gt=0)
    sla_onsite_hours: float = Field(default=8.0, gt=0)
    sla_resolve_hours: float = Field(default=24.0, gt=0)
    # Per-severity exceptions, e.g. FLEETCARE_SLA_OVERRIDES='{"C": {"resolve": 72}}'.
    sla_overrides: dict[Severity, dict[str, float]] = Field(default_factory=dict)
    # How often the watchdog looks for due times that passed unmet.
    sla_watch_interval_seconds: float = Field(default=15.0, gt=0)
    # Faults each client may report (POST /v1/faults, each card of a batch), per process: a
    # bucket of `burst` refilled at `per_minute` (shared/ratelimit.py). The defaults let a depot
    # send four full batches at once and 20 faults a second after that.
    rate_limit_per_minute: float = Field(default=1200.0, gt=0)
    rate_limit_burst: int = Field(default=2000, ge=1)

    # Single reports arriving together are stored together (report_queue): at most this many
    # in one transaction, by this many writers at a time.
    report_group_max: int = Field(default=200, ge=1, le=1000)
    report_writers: int = Field(default=2, ge=1, le=16)

    @field_validator("sla_overrides")
    @classmethod
    def _known_clocks(
        cls, value: dict[Severity, dict[str, float]]
    ) -> dict[Severity, dict[str, float]]:
        for hours in value.values():
            for clock, due_in in hours.items():
                if clock not in CLOCKS or due_in <= 0:
                    raise ValueError(f"{clock}={due_in}: clocks are {CLOCKS}, hours > 0")
        return value
