"""The intake service: `uvicorn --factory services.intake.main:create_app --port 8001`."""

from pathlib import Path

from fastapi import FastAPI

from services.intake.api import router
from services.intake.config import IntakeSettings
from services.intake.handlers import CONSUMED_TOPICS, HANDLERS
from shared.app import create_service_app


def create_app(settings: IntakeSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or IntakeSettings(),
        service_dir=Path(__file__).parent,
        title="FleetCare intake",
        description="Fault intake from depot systems: severity, warranty, SLA clocks, timeline.",
        routers=[router],
        consumed_topics=CONSUMED_TOPICS,
        handlers=HANDLERS,
    )

