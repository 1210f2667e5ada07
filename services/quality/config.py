"""Settings of the quality service."""

from shared.settings import ServiceSettings


class QualitySettings(ServiceSettings):
    service_name: str = "quality"
    database_url: str = "sqlite+aiosqlite:///./.data/quality.db"
