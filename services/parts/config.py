"""Settings of the parts service."""

from shared.settings import ServiceSettings


class PartsSettings(ServiceSettings):
    service_name: str = "parts"
    database_url: str = "sqlite+aiosqlite:///./.data/parts.db"
