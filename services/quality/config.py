"""Settings of the quality service."""

from pydantic import Field

from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    service_name: str = "quality"
    database_url: str = "sqlite+aiosqlite:///./.data/quality.db"
    # Labour charged per hour on site when a ruling allocates a repair's cost.
    labour_rate_per_hour: float = Field(default=300.0, ge=0)
    # A quality issue opens when one fault code or part fails on this many distinct vehicles of
    # one model within the window (days); closing it needs the window clean after the fix.
    recurrence_vehicles: int = Field(default=3, ge=2, le=100)
    recurrence_window_days: float = Field(default=30.0, gt=0, le=365)
