"""Settings of the dispatch service."""

from pydantic import Field

from shared.settings import ServiceSettings


class DispatchSettings(ServiceSettings):
    service_name: str = "dispatch"
    database_url: str = "sqlite+aiosqlite:///./.data/dispatch.db"
    # Engineers travel by road day and night: an average door-to-door speed.
    travel_speed_kmh: float = Field(default=60.0, gt=0)
    # Time to pack tools and parts and set off before the journey starts.
    mobilisation_minutes: float = Field(default=30.0, ge=0)
