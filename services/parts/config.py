"""Settings of the parts service."""

from typing import Literal

from pydantic import Field

from shared.settings import ServiceSettings

Severity = Literal["A", "B", "C"]


class PartsSettings(ServiceSettings):
    service_name: str = "parts"
    database_url: str = "sqlite+aiosqlite:///./.data/parts.db"
    # ETA of a reserved line: now + handling + distance / express speed (+ supplier lead time).
    handling_hours: float = Field(default=1.0, ge=0)
    express_speed_kmh: float = Field(default=80.0, gt=0)
    # A line sourced from farther than this from the fault site is shipped as a transfer.
    local_radius_km: float = Field(default=150.0, ge=0)
    # Requisitions of these classes are approved as they are reserved,
    # e.g. FLEETCARE_AUTO_APPROVE_SEVERITIES='["A", "B"]'; '[]' approves nothing automatically.
    auto_approve_severities: list[Severity] = Field(default=["A"])
    # Months of mean consumption a warehouse's suggested reserve covers (plus safety stock).
    reserve_cover_months: float = Field(default=1.0, gt=0, le=24)
