"""Settings every service shares; each service subclasses with its own defaults."""

from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Accepted only when FLEETCARE_ENV=dev, so a forgotten secret never reaches production.
DEV_JWT_SECRET = "fleetcare-dev-secret-change-me-0123456789"
MIN_JWT_SECRET_BYTES = 32


class ServiceSettings(BaseSettings):
    """Read from `FLEETCARE_*` environment variables (e.g. `FLEETCARE_DATABASE_URL`)."""

    # Errors never echo the values read (the JWT secret, passwords in database URLs).
    model_config = SettingsConfigDict(
        env_prefix="FLEETCARE_", extra="ignore", hide_input_in_errors=True
    )

    service_name: str = "fleetcare"
    env: str = "dev"
    database_url: str = "sqlite+aiosqlite:///./.data/fleetcare.db"
    kafka_bootstrap: str = "127.0.0.1:9092"
    jwt_secret: str = ""
    # Every network await is bounded; aiokafka can hang while the broker is down.
    kafka_timeout_seconds: float = 10.0
    consumer_max_attempts: int = Field(default=3, ge=1)
    consumer_retry_backoff_seconds: float = 0.2
    # Consecutive events of one partition applied in one transaction (1: each on its own).
    consumer_batch_size: int = Field(default=50, ge=1, le=500)
    outbox_poll_seconds: float = 1.0
    outbox_batch_size: int = 200
    # Gauges read from the database are refreshed this often, never at scrape time.
    metrics_refresh_seconds: float = Field(default=15.0, gt=0)
    max_body_bytes: int = 1024 * 1024
    run_consumers: bool = True
    # Kafka consumer group; defaults to the service name (its dead-letter topic follows it).
    consumer_group: str = ""
    # OpenTelemetry spans (shared/tracing.py): printed to stdout, or sent to an OTLP collector.
    tracing: Literal["off", "console", "otlp"] = "off"

    @model_validator(mode="after")
    def _secret_for_env(self) -> "ServiceSettings":
        """Outside dev the secret must be set, must not be the published one, and long enough."""
        if self.env == "dev":
            self.jwt_secret = self.jwt_secret or DEV_JWT_SECRET
        elif not self.jwt_secret:
            raise ValueError("FLEETCARE_JWT_SECRET is required unless FLEETCARE_ENV=dev")
        elif self.jwt_secret == DEV_JWT_SECRET:
            raise ValueError(
                "FLEETCARE_JWT_SECRET is the published development secret, accepted only when "
                "FLEETCARE_ENV=dev"
            )
        elif len(self.jwt_secret.encode()) < MIN_JWT_SECRET_BYTES:
            raise ValueError(
                f"FLEETCARE_JWT_SECRET must be at least {MIN_JWT_SECRET_BYTES} bytes "
                "(HS256 keys shorter than the hash are guessable)"
            )
        return self
