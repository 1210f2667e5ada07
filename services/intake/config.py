"""Settings of the intake service."""

from pydantic import Field

from shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service_name: str = "intake"
    database_url: str = "sqlite+aiosqlite:///./.data/intake.db"
    # SLA commitments in hours from the report (domain: answer 2 h, on site 8 h, solved 24 h).
    sla_respond_hours: float = Field(default=2.0, gt=0)
    sla_onsite_hours: float = Field(default=8.0, gt=0)
    sla_resolve_hours: float = Field(default=24.0, gt=0)
