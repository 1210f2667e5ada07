"""The quality service: `uvicorn --factory services.quality.main:create_app --port 8004`."""

from pathlib import Path

from fastapi import FastAPI

from services.quality.api import ROUTERS
from services.quality.config import QualitySettings
from services.quality.handlers import CONSUMED_TOPICS, HANDLERS
from shared.app import create_service_app


def create_app(settings: QualitySettings | None = None) -> FastAPI:
    return create_service_app(
        settings or QualitySettings(),
        service_dir=Path(__file__).parent,
        title="FleetCare quality",
        description=(
            "Quality feedback: the fault file of every event quality saw, and AHP weighting of"
            " service-quality criteria."
        ),
        routers=ROUTERS,
        consumed_topics=CONSUMED_TOPICS,
        handlers=HANDLERS,
    )
